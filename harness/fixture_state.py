"""Scenarios that consume server state: the precondition check they make before acting.

A real server is not ours to reset. A scenario that changes server state (a registration, a key
rotation, a DELETE) uses a fixture identity no other scenario reads and checks, before it acts,
that the identity is still as the lab provisioned it. When it is not and the bench has no reset
hook, the scenario is skipped, saying so, never failed: an earlier run consumed the state. When
a reset hook ran before the scenario (harness/pytest_plugin.py) and the state still does not
hold, the bench is at fault.
"""

from __future__ import annotations

import pytest

from harness.hooks import LabHooks
from harness.verdict import BenchFault

CONSUMED = "fixture state consumed by an earlier run: provision it again or configure a reset hook"


def require(holds: bool, what: str, hooks: LabHooks) -> None:
    """Go on when `holds`; otherwise skip (no reset hook) or raise BenchFault (the reset hook
    ran and did not restore `what`)."""
    if holds:
        return
    if hooks.has("reset"):
        raise BenchFault(f"{what} does not hold although the reset hook ran before this scenario")
    pytest.skip(f"{what} does not hold: {CONSUMED}")
