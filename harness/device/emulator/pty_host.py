"""Emulator side: serve the emulated firmware on a real pseudo-terminal, so the serial driver
(pyserial) talks to it as to a device."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import tempfile
import threading
import tty
from pathlib import Path

from harness.device.emulator.firmware import Firmware, FirmwareSession


class PtyHost:
    """A pty whose far end runs `firmware`; `port` is the path to open with pyserial.

    `port` is a stable link to the current pty, as /dev/serial/by-id is to a real device:
    `unplug()` closes the pty (the port fails and cannot be opened), `plug_in()` serves a new
    pty behind the same `port`.
    """

    def __init__(self, firmware: Firmware, port: Path | None = None) -> None:
        """`port`: where the link goes (default: a fresh temporary folder)."""
        self.firmware = firmware
        self._dir = port.parent if port else Path(tempfile.mkdtemp(prefix="bioharness-pty-"))
        self._owns_dir = port is None
        self._dir.mkdir(parents=True, exist_ok=True)
        self.port = str(port or self._dir / "device")
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._master = self._slave = -1
        self._wake_read, self._wake_write = os.pipe()  # wakes the serving thread's select
        os.set_blocking(self._wake_read, False)

    def start(self) -> PtyHost:
        """Open a pty, point `port` at it and serve the firmware on it."""
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)  # no line discipline: frames pass byte for byte
        tty.setraw(self._master)
        link = Path(self.port + ".new")
        link.unlink(missing_ok=True)
        link.symlink_to(os.ttyname(self._slave))
        link.replace(self.port)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="pty-firmware", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        session = FirmwareSession(self.firmware)  # a new pty is a new connection
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master, self._wake_read], [], [])
            if self._master not in ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            answer = session.feed(chunk)
            if answer:
                os.write(self._master, answer)

    def unplug(self) -> None:
        """Stop serving and close both ends: the port fails and cannot be opened."""
        self._stop.set()
        if self._thread is not None:
            os.write(self._wake_write, b"!")
            self._thread.join(2)
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_read, 64)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1
        Path(self.port).unlink(missing_ok=True)

    def plug_in(self) -> None:
        """Serve again on a new pty behind the same `port`."""
        self.start()

    def stop(self) -> None:
        """Unplug for good and remove the port link."""
        if self._master >= 0:
            self.unplug()
        for fd in (self._wake_read, self._wake_write):
            if fd >= 0:
                os.close(fd)
        self._wake_read = self._wake_write = -1
        if self._owns_dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> PtyHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PtyHost({self.port})"
