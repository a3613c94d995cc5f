"""Frames of the bioharness device protocol (docs/device-protocol.md): one JSON line each,
followed by `*` and the CRC-32 of the JSON in 8 hex digits. Both sides use them: the framed
driver and the emulated firmware."""

from __future__ import annotations

import json
import zlib
from typing import Any

TERMINATOR = b"\n"


class FrameError(ValueError):
    """A line that is not a valid frame (bad CRC, not JSON, not an object)."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame, terminator included."""
    body = json.dumps(message, separators=(",", ":")).encode()
    return body + b"*" + f"{zlib.crc32(body):08x}".encode() + TERMINATOR


def decode(line: bytes) -> dict[str, Any]:
    """The message of one frame (terminator optional); FrameError if it is damaged."""
    line = line.rstrip(b"\r\n")
    body, sep, crc = line.rpartition(b"*")
    if not sep or len(crc) != 8:
        raise FrameError(f"no CRC in frame {line[:80]!r}")
    if f"{zlib.crc32(body):08x}".encode() != crc.lower():
        raise FrameError(f"CRC mismatch in frame {line[:80]!r}")
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise FrameError("frame is not a JSON object")
    return message


class LineBuffer:
    """Collects bytes and yields complete lines (a transport may split or join frames)."""

    def __init__(self, limit: int = 1 << 20) -> None:
        self._data = bytearray()
        self._limit = limit

    def feed(self, chunk: bytes) -> list[bytes]:
        self._data.extend(chunk)
        if len(self._data) > self._limit:
            self._data.clear()
            raise FrameError(f"no frame terminator within {self._limit} bytes")
        lines = []
        while (end := self._data.find(TERMINATOR)) >= 0:
            lines.append(bytes(self._data[: end + 1]))
            del self._data[: end + 1]
        return lines
