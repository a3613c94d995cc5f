"""Driver side: the USB transport, bulk endpoints carrying protocol frames, found by VID/PID and
serial number (on a real bus through libusb, or on the emulated bus)."""

from __future__ import annotations

import array
from typing import Any

import usb.core
import usb.util

from harness.device.interface import DeviceDisconnected, DeviceTimeout
from harness.device.link import Link

READ_SIZE = 4096  # bytes asked per bulk read: several packets, frames are reassembled by lines


class UsbLink(Link):
    """The first bulk OUT and IN endpoints of a device's interface 0.

    `backend` is a pyusb backend (None: libusb on a real bench; the emulated backend in tests).
    """

    def __init__(
        self, vid: int, pid: int, serial_number: str | None = None, backend: Any = None
    ) -> None:
        self.vid, self.pid, self.serial_number, self.backend = vid, pid, serial_number, backend
        self._dev: Any = None
        self.reconnect()

    def reconnect(self) -> None:
        def wanted(dev: Any) -> bool:
            return self.serial_number is None or dev.serial_number == self.serial_number

        try:
            dev = usb.core.find(
                idVendor=self.vid, idProduct=self.pid, custom_match=wanted, backend=self.backend
            )
        except usb.core.USBError as exc:
            raise DeviceDisconnected(f"{self}: {exc}") from exc
        if dev is None:
            raise DeviceDisconnected(f"{self}: no such device on the bus")
        dev.set_configuration()
        interface = dev.get_active_configuration()[(0, 0)]
        self._out = usb.util.find_descriptor(
            interface, custom_match=_direction(usb.util.ENDPOINT_OUT)
        )
        self._in = usb.util.find_descriptor(
            interface, custom_match=_direction(usb.util.ENDPOINT_IN)
        )
        if self._out is None or self._in is None:
            raise DeviceDisconnected(f"{self}: interface 0 has no bulk IN and OUT endpoints")
        self._dev = dev

    @property
    def usb_serial_number(self) -> str | None:
        """The device's USB serial-number string descriptor."""
        return self._dev.serial_number if self._dev is not None else None

    def write(self, data: bytes, timeout: float) -> None:
        try:
            self._out.write(data, timeout=int(timeout * 1000))
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"{self}: write timed out") from exc
        except usb.core.USBError as exc:
            raise DeviceDisconnected(f"{self}: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        try:
            data: array.array = self._in.read(READ_SIZE, int(timeout * 1000) or 1)
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise DeviceDisconnected(f"{self}: {exc}") from exc
        return data.tobytes()

    def close(self) -> None:
        if self._dev is not None:
            usb.util.dispose_resources(self._dev)
            self._dev = None

    def __repr__(self) -> str:
        serial = f" serial {self.serial_number}" if self.serial_number else ""
        return f"UsbLink({self.vid:04x}:{self.pid:04x}{serial})"


def _direction(direction: int):
    return lambda ep: usb.util.endpoint_direction(ep.bEndpointAddress) == direction
