"""One virtual clock for an all-emulated bench: the emulated device, the emulated MDS and the
embedded reference MMS read it, and a scenario's waits skip ahead on it instead of sleeping.

The clock runs in real time plus the time skipped so far. The threads that act at set times
(the MDS's refresh loop) sleep on it through a `VirtualSleeper`; the clock knows which of them
are busy. Letting time pass is a walk from one wake-up to the next: wait until every sleeper is
asleep again (what it did is done, its requests recorded), jump to the earliest wake-up, wake
who is due, and so on, until the time asked for. Events keep the order and spacing they have in
real time; only the idle gaps between them vanish. Anything that does not sleep on the clock
still sees time flow, only faster, and a sleeper that stays busy longer than `settle_timeout`
real seconds (an MMS that hangs) no longer holds the walk up.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from harness.clock import Clock, SystemClock

SETTLE_TIMEOUT = 10.0  # real seconds a busy sleeper may hold up a jump


class VirtualClock:
    """Real time (of `base`) plus the idle time skipped; a Timeline (harness/clock.py)."""

    def __init__(self, base: Clock | None = None, settle_timeout: float = SETTLE_TIMEOUT) -> None:
        self.base = base or SystemClock()
        self.settle_timeout = settle_timeout
        self.skipped = dt.timedelta()
        self._changed = threading.Condition()
        self._busy = 0
        self._wake_ups: dict[VirtualSleeper, dt.datetime] = {}

    def now(self) -> dt.datetime:
        return self.base.now() + self.skipped

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass, every sleeper due on the way woken in order."""
        end = self.now() + dt.timedelta(seconds=seconds)
        while self.now() < end:
            self._step(end)
        self._settle()

    def wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Whether `condition` becomes true within `seconds`: looked at again after each
        sleeper due on the way has done what it woke for."""
        end = self.now() + dt.timedelta(seconds=seconds)
        while not condition():
            if self.now() >= end:
                return False
            self._step(end)
        return True

    def sleeper(self) -> VirtualSleeper:
        with self._changed:
            self._busy += 1
        return VirtualSleeper(self)

    def _settle(self) -> None:
        """Wait (real time, at most `settle_timeout`) until no sleeper is busy."""
        with self._changed:
            self._changed.wait_for(lambda: self._busy == 0, self.settle_timeout)

    def _step(self, end: dt.datetime) -> None:
        """Once every sleeper is idle: jump to the earliest wake-up (or `end`), waking who is
        due. When some were busy and settle, only wait for them: the caller looks again first;
        one still busy after `settle_timeout` is left behind."""
        with self._changed:
            if self._busy and self._changed.wait_for(lambda: self._busy == 0, self.settle_timeout):
                return
            target = min([end, *self._wake_ups.values()])
            gap = target - self.now()
            if gap > dt.timedelta():
                self.skipped += gap
            now = self.now()
            for sleeper, wake_up in list(self._wake_ups.items()):
                if wake_up <= now:
                    del self._wake_ups[sleeper]
                    self._busy += 1
            self._changed.notify_all()

    def __repr__(self) -> str:
        return f"VirtualClock(skipped={self.skipped})"


class VirtualSleeper:
    """One thread's sleeps on a VirtualClock: awake counts as busy, asleep as a wake-up time."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._stopped = False

    def sleep(self, seconds: float) -> bool:
        clock = self.clock
        with clock._changed:
            if self._stopped:
                return False
            wake_up = clock.now() + dt.timedelta(seconds=seconds)
            clock._wake_ups[self] = wake_up
            clock._busy -= 1
            clock._changed.notify_all()
            while True:
                if self not in clock._wake_ups:  # a jump woke it (and counted it busy)
                    return not self._stopped
                left = (wake_up - clock.now()).total_seconds()
                if self._stopped or left <= 0:  # stopped, or real time got there
                    del clock._wake_ups[self]
                    clock._busy += 1
                    return not self._stopped
                clock._changed.wait(left)

    def stop(self) -> None:
        with self.clock._changed:
            self._stopped = True
            self.clock._changed.notify_all()

    def leave(self) -> None:
        with self.clock._changed:
            self.clock._busy -= 1
            self.clock._changed.notify_all()
