"""Driver side: the byte link a FramedDevice talks over (a serial port, USB bulk endpoints)."""

from __future__ import annotations

from abc import ABC, abstractmethod


class Link(ABC):
    """A byte pipe to a device: write, read what has arrived, reconnect after an unplug.

    Failures raise DeviceTimeout (no progress in time) or DeviceDisconnected (the device is gone).
    """

    @abstractmethod
    def write(self, data: bytes, timeout: float) -> None:
        """Send all of `data` within `timeout` seconds."""

    @abstractmethod
    def read(self, timeout: float) -> bytes:
        """Bytes that arrived within `timeout` (possibly none)."""

    @abstractmethod
    def reconnect(self) -> None:
        """Open the device again; DeviceDisconnected if it is not there."""

    def close(self) -> None:  # noqa: B027 - a link may hold nothing to release
        """Release the port or handle."""
