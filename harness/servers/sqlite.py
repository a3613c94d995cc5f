"""The SQLite base of the reference servers' stores: one connection, one transaction per unit
of work, fault injection."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreUnavailable(Exception):
    """The store cannot be read or written (a real or injected storage fault)."""


class SqliteStore:
    """Thread-safe access to one SQLite database; `available = False` makes every call fail.

    Statements run inside `transaction()` commit together or not at all (a request's changes are
    one transaction: a crash never leaves half of them); a statement outside one is its own.
    """

    def __init__(self, path: str | Path, schema: str) -> None:
        self.path = str(path)
        self.available = True
        self._lock = threading.RLock()
        self._open = 0  # depth of nested transaction() blocks on the thread holding the lock
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit everything run inside at the end, or roll it all back on an exception."""
        with self._lock:
            if not self.available:
                raise StoreUnavailable(f"{type(self).__name__} {self.path} is unavailable")
            if self._open:
                yield
                return
            self._open = 1
            try:
                with self._db:
                    yield
            finally:
                self._open = 0

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Run one statement (in the open transaction, or in its own); StoreUnavailable while
        unavailable."""
        with self.transaction():
            return self._db.execute(sql, args).fetchall()

    def is_empty(self, table: str) -> bool:
        """True when `table` has no rows (a store that was never seeded)."""
        return not self._run(f"SELECT 1 FROM {table} LIMIT 1")

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path})"
