"""Driver side: the serial transport, a pyserial port (a real one, or a pty serving the
emulated firmware)."""

from __future__ import annotations

import serial

from harness.device.interface import DeviceDisconnected, DeviceTimeout
from harness.device.link import Link

# URL schemes whose pyserial handler refuses a write timeout: rfc2217 (a network serial port, as
# a labgrid place's NetworkSerialPort) bounds each write by its socket's own timeout instead.
NO_WRITE_TIMEOUT = ("rfc2217://",)


class SerialLink(Link):
    """A pyserial port by URL or device path (e.g. /dev/ttyUSB0, spy:///dev/ttyUSB0,
    rfc2217://host:port)."""

    def __init__(self, url: str, baudrate: int = 115200) -> None:
        self.url = url
        self.baudrate = baudrate
        self._write_timeouts = not url.startswith(NO_WRITE_TIMEOUT)
        self._port: serial.SerialBase | None = None
        self.reconnect()

    def reconnect(self) -> None:
        self.close()
        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                timeout=0.1,
                write_timeout=1.0 if self._write_timeouts else None,
            )
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"cannot open {self.url}: {exc}") from exc

    def _open_port(self) -> serial.SerialBase:
        if self._port is None:
            raise DeviceDisconnected(f"{self.url} is not open")
        return self._port

    def write(self, data: bytes, timeout: float) -> None:
        port = self._open_port()
        try:
            if self._write_timeouts:
                port.write_timeout = timeout
            port.write(data)
            port.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"write to {self.url} timed out") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"{self.url}: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        port = self._open_port()
        try:
            port.timeout = timeout
            first = port.read(1)
            return first + port.read(port.in_waiting) if first else b""
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"{self.url}: {exc}") from exc

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def __repr__(self) -> str:
        return f"SerialLink({self.url})"
