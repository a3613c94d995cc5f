"""One hostile case against any target: what the server held before it, the canary's hits
before it, whether the request was served, and the checks after it."""

from __future__ import annotations

from typing import Any

from harness.evidence import Evidence
from harness.hostile.canary import Canary
from harness.hostile.outcome import check_canary_untouched, check_same_state


class HostileCase:
    """Subclasses read the target's state for the attacked identity (`state`)."""

    def __init__(self, canary: Canary) -> None:
        self.canary = canary
        self.canary_hits = len(canary.hits)
        self.state_before: dict[str, Any] = {}
        # served as a legitimate request that changes the state would be (it may change it)
        self.served = False
        self.requirement = ""  # the clause the case checks

    def state(self) -> dict[str, Any]:
        """What the server holds for the attacked identity (answered, or a Nonconformance)."""
        raise NotImplementedError

    def check_state_after(self, evidence: Evidence) -> None:
        """The server still answers, and holds what it held, unless the request was served where
        the legitimate one changes the state (a tolerated request may, as that one would)."""
        after = self.state()
        if self.served:
            evidence.add("state after the served request (it may change it)", after)
            return
        check_same_state(
            self.state_before, after, "the hostile request", self.requirement, evidence
        )

    def check_canary(self) -> None:
        """Nothing fetched the canary during the case."""
        check_canary_untouched(self.canary.hits[self.canary_hits :], self.requirement)


def report_replay(served: bool, what: str, evidence: Evidence) -> None:
    """A replay served again is an advisory (neither spec forbids it); refused, evidence."""
    if served:
        evidence.advisory(f"{what}: a replayed request was served again (no spec forbids it)")
    else:
        evidence.add("replay refused", what)
