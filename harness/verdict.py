"""The one verdict type: a target that does not do what the specification says.

Every check in `harness/*/checks.py` raises `Nonconformance`; the report calls such a failure a
product defect (or a spec erratum where the verdict rests on docs/errata.md). Any other
exception is a bench fault: the harness could not reach a verdict.
"""

from __future__ import annotations

from typing import Any


class Nonconformance(AssertionError):
    """The target answered something the specification (or docs/errata.md) does not allow.

    `requirement` names the clause when the check knows it; `expected` and `seen` say what the
    check wanted and what it got. A malformed answer (unparseable time, JSON, JWS) is one too.
    """

    def __init__(
        self,
        message: str,
        *,
        requirement: str | None = None,
        expected: Any = None,
        seen: Any = None,
    ) -> None:
        super().__init__(message)
        self.requirement = requirement
        self.expected = expected
        self.seen = seen


class BenchFault(RuntimeError):
    """The bench could not do what a scenario needs (a hook failed, a device is unreachable)."""
