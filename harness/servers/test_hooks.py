"""What the reference servers let a test do to them, and the HTTP routes that offer it.

`HookableService` is the base of both reference services: a server clock whose offset can be
set, a fault that can be armed for the next request, and `reset()` to the fixture state. With
test hooks on (`bioharness serve ... --test-hooks`, and the suite's own embedded servers), the
routes below offer them at `/bioharness/test-hooks/{reset,clock,fault}`, the lab hooks of
`harness.hooks` for a server we wrote. Never on by default: they let anyone wipe the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.clock import Clock, OffsetClock, SystemClock
from harness.hooks import TEST_HOOKS_PATH
from harness.servers.sqlite import StoreUnavailable

MAX_OFFSET = dt.timedelta(days=365 * 100)


class HookableService:
    """Clock offset, one-shot fault and reset shared by the reference services."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = OffsetClock(clock or SystemClock())
        self._faults = 0
        self._fault_lock = threading.Lock()

    def reset(self) -> None:
        """Back to the fixture state: the clock set right and no fault armed (and, in
        subclasses, the stored state re-seeded)."""
        self.clock.offset = dt.timedelta()
        with self._fault_lock:
            self._faults = 0

    @contextlib.contextmanager
    def running_on(self, clock: Clock) -> Iterator[None]:
        """Run the server clock from `clock` for a while (a device scenario's virtual clock)."""
        base, self.clock.base = self.clock.base, clock
        try:
            yield
        finally:
            self.clock.base = base

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        """Run the server clock `offset` away from its base clock."""
        self.clock.offset = offset

    def arm_fault(self) -> None:
        """Make the next request hit an internal fault (its store fails)."""
        with self._fault_lock:
            self._faults += 1

    def take_fault(self) -> None:
        """Raise StoreUnavailable once for each armed fault."""
        with self._fault_lock:
            if self._faults <= 0:
                return
            self._faults -= 1
        raise StoreUnavailable("internal fault injected by the fault test hook")


def routes(service: HookableService) -> list[Route]:
    """POST routes for the reset, clock (`?offset_ms=N`) and fault hooks of `service`."""

    async def reset(request: Request) -> Response:
        service.reset()
        return Response(status_code=204)

    async def clock(request: Request) -> Response:
        try:
            offset = dt.timedelta(milliseconds=int(request.query_params["offset_ms"]))
        except (KeyError, ValueError, OverflowError):
            return Response("give ?offset_ms=<integer milliseconds>", status_code=400)
        if abs(offset) > MAX_OFFSET:
            return Response(f"offset beyond {MAX_OFFSET}", status_code=400)
        service.set_clock_offset(offset)
        return Response(status_code=204)

    async def fault(request: Request) -> Response:
        service.arm_fault()
        return Response(status_code=204)

    return [
        Route(f"{TEST_HOOKS_PATH}/{name}", handler, methods=["POST"])
        for name, handler in (("reset", reset), ("clock", clock), ("fault", fault))
    ]
