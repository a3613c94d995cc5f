"""The SQLite base of the reference servers' stores: one connection, a lock, fault injection."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class StoreUnavailable(Exception):
    """The store cannot be read or written (a real or injected storage fault)."""


class SqliteStore:
    """Thread-safe access to one SQLite database; `available = False` makes every call fail."""

    def __init__(self, path: str | Path, schema: str) -> None:
        self.path = str(path)
        self.available = True
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(schema)

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Run one statement in its own transaction; StoreUnavailable while unavailable."""
        if not self.available:
            raise StoreUnavailable(f"{type(self).__name__} {self.path} is unavailable")
        with self._lock, self._db:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path})"
