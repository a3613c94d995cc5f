"""The one clock abstraction: injected into devices and servers; ISO 8601 in and out.

A `Clock` tells the time. A `Timeline` is a clock a device scenario also waits on: the scenario
lets time pass (`sleep`, `wait_until`) and the threads that act at set times (the MDS's refresh
loop) sleep on a `Sleeper` it hands out. `SystemClock` waits in real time;
harness/virtual_clock.py skips the waits of an all-emulated bench.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Protocol

POLL_SECONDS = 0.05  # how often a real-time wait looks at its condition again


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class Sleeper(Protocol):
    """What one thread that acts at set times sleeps on (see Timeline.sleeper)."""

    def sleep(self, seconds: float) -> bool:
        """Sleep `seconds` of the timeline's time; False once stopped (then at once)."""
        ...

    def stop(self) -> None:
        """Wake the thread and make every later sleep return False."""
        ...

    def leave(self) -> None:
        """The thread is done (call it last, in a `finally`)."""
        ...


class Timeline(Clock, Protocol):
    """A clock that device scenarios wait on."""

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass."""
        ...

    def wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Whether `condition` becomes true within `seconds`."""
        ...

    def sleeper(self) -> Sleeper:
        """A sleeper for one thread that acts at set times; the thread counts as busy until
        it first sleeps."""
        ...


class SystemClock:
    """Wall-clock time (moves with freezegun where a scenario freezes the process); its waits
    take real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def sleeper(self) -> Sleeper:
        return EventSleeper()

    def __repr__(self) -> str:
        return "SystemClock()"


class EventSleeper:
    """A real-time sleeper: an Event the sleep waits on."""

    def __init__(self) -> None:
        self._stopped = threading.Event()

    def sleep(self, seconds: float) -> bool:
        return not self._stopped.wait(seconds)

    def stop(self) -> None:
        self._stopped.set()

    def leave(self) -> None:
        pass


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
