"""The one clock abstraction: injected into devices and servers; ISO 8601 in and out."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """Wall-clock time (moves with freezegun where a scenario freezes the process)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class OffsetClock:
    """Another clock shifted by an adjustable offset: a device clock that runs ahead or behind."""

    def __init__(self, base: Clock | None = None, offset: dt.timedelta = dt.timedelta()) -> None:
        self.base = base or SystemClock()
        self.offset = offset

    def now(self) -> dt.datetime:
        return self.base.now() + self.offset

    def __repr__(self) -> str:
        return f"OffsetClock(offset={self.offset})"


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z` zone (MOSIP's form)."""
    utc = moment.astimezone(dt.UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: object) -> dt.datetime:
    """Parse an ISO 8601 timestamp that must carry a time zone; raise ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 string, got {type(text).__name__}: {text!r}")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return moment
