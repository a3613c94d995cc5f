"""How long a check waits for an MDS, which works in its own threads and its own time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.bench import Timeouts
from harness.clock import SystemClock, Timeline


@dataclass(frozen=True)
class MdsWaits:
    """`settle`: seconds an MDS gets to act on an answer before a check reads what it did;
    `longest`: the longest any check waits for it (so a server policy of hours cannot hang a
    run). Both come from the bench's timeouts, and count on `clock`, the timeline the MDS
    sleeps on (virtual on an all-emulated bench)."""

    settle: float
    longest: float
    clock: Timeline = field(default_factory=SystemClock)

    @classmethod
    def of(cls, timeouts: Timeouts, clock: Timeline | None = None) -> MdsWaits:
        return cls(
            settle=timeouts.settle, longest=timeouts.longest_wait, clock=clock or SystemClock()
        )

    def until(self, condition: Callable[[], bool], seconds: float | None = None) -> bool:
        """Whether `condition` becomes true within `seconds` (default: `settle`)."""
        return self.clock.wait_until(condition, self.settle if seconds is None else seconds)

    def refresh_allowance(
        self, validity: dt.timedelta, times: int, seconds: float | None = None
    ) -> float:
        """Seconds an MDS gets for `times` more snapshot requests: `seconds` when a scenario
        names them, else the validity they renew (plus `settle`), never more than `longest`."""
        if seconds is not None:
            return seconds
        return min(validity.total_seconds() * times + self.settle, self.longest)


DEFAULT_WAITS = MdsWaits.of(Timeouts())
