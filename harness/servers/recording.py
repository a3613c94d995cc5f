"""What the reference servers keep of the requests they receive, bounded: the last
`MAX_RECORDED`, each text clipped at `MAX_TEXT` characters (a legitimate request is a few KiB)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

MAX_RECORDED = 256
MAX_TEXT = 64 * 1024
CLIPPED = "…[clipped]"

T = TypeVar("T")


def clipped(text: str) -> str:
    """`text`, or its first MAX_TEXT characters marked as clipped."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + CLIPPED


class Recording(Generic[T]):
    """The last MAX_RECORDED records, numbered from 1 since the server started (a number is never
    reused, so a reader can ask for what came after the last one it saw); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: deque[tuple[int, T]] = deque(maxlen=MAX_RECORDED)
        self._count = 0

    def add(self, make: Callable[[int], T]) -> T:
        """Record `make(number)`, the number being the next one; return the record."""
        with self._lock:
            self._count += 1
            record = make(self._count)
            self._records.append((self._count, record))
        return record

    def all(self) -> list[T]:
        """The records kept, oldest first."""
        with self._lock:
            return [r for _, r in self._records]

    def after(self, number: int) -> list[tuple[int, T]]:
        """(number, record) of the records kept that came after record `number`."""
        with self._lock:
            return [(n, r) for n, r in self._records if n > number]

    def clear(self) -> None:
        """Forget the records (numbering goes on)."""
        with self._lock:
            self._records.clear()
