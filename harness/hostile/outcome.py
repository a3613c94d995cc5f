"""The outcomes a hostile request may be pinned to, and the checks every target shares: never a
server error, never a fetched canary, the same state before and after."""

from __future__ import annotations

from typing import Any

from harness.evidence import Evidence
from harness.verdict import Nonconformance

REFUSED = "refused"  # the spec's refusal for a request that is not what it must be
TOLERATED = "tolerated"  # a refusal, or served as the legitimate request it reads as
HARMLESS = "harmless"  # any answer, as long as nothing changes (a HEAD is never a PATCH)
ANY_CLIENT_ERROR = "4xx"  # refused by HTTP itself (a path no route matches or is redirected, a
# header too big)
OUTCOMES = (REFUSED, TOLERATED, HARMLESS, ANY_CLIENT_ERROR)


def check_outcome_name(outcome: str) -> None:
    """ValueError unless `outcome` is one a hostile row may pin."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")


def check_no_server_error(status: int, what: str, requirement: str) -> None:
    """A 5xx to any input is a failure: the server did not survive what a client sent."""
    if status >= 500:
        raise Nonconformance(
            f"{what}: the server failed with HTTP {status}",
            requirement=requirement,
            expected="an answer (a refusal at most), never a server error",
            seen=status,
        )


def check_canary_untouched(hits: list[str], requirement: str) -> None:
    """No server may fetch a URL it found in a token."""
    if hits:
        raise Nonconformance(
            "the server fetched a URL a token header named",
            requirement=requirement,
            expected="no request to the canary",
            seen="; ".join(hits[:5]),
        )


def check_same_state(
    before: dict[str, Any], after: dict[str, Any], what: str, requirement: str, evidence: Evidence
) -> None:
    """What the server holds for the device is unchanged by a refused request."""
    evidence.add("state before and after", {"before": before, "after": after})
    changed = {k: (before.get(k), after.get(k)) for k in before if before.get(k) != after.get(k)}
    if changed:
        raise Nonconformance(
            f"{what} changed what the server holds: {changed}",
            requirement=requirement,
            expected="the state before the hostile request",
            seen=changed,
        )
