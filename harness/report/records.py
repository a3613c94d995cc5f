"""One record per scenario run, folded from pytest's setup/call/teardown reports.

Verdicts: `passed`; `failed` with a category (`product defect`: a check raised
`Nonconformance`; `spec erratum`: it did where the verdict rests on an errata reading; `bench
fault`: anything else, the harness could not reach a verdict, e.g. a server or device that could
not be reached); `skipped` with the reason. The category comes from the exception's type (the
plugin marks a Nonconformance on the report), never from the message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

PRODUCT_DEFECT, SPEC_ERRATUM, BENCH_FAULT = "product defect", "spec erratum", "bench fault"
# Allure categories: the first that matches a result names its kind of failure.
CATEGORIES = [
    {
        "name": "Expected deviation",
        "matchedStatuses": ["failed"],
        "messageRegex": r".*\[expected deviation .*",
        "description": "A failure the lab has accepted in its deviations file, with a "
        "justification and an expiry: not counted as a failure (summary.json lists the entry).",
    },
    {
        "name": "Expired deviation",
        "matchedStatuses": ["failed"],
        "messageRegex": r".*\[expired deviation .*",
        "description": "A failure whose accepted deviation has expired: it counts as a failure "
        "again until the deviations file is renewed or the product is fixed.",
    },
    {
        "name": SPEC_ERRATUM.capitalize(),
        "matchedStatuses": ["failed"],
        "messageRegex": r".*\[spec erratum\].*",
        "description": "A check failed where the verdict rests on the reading of an unclear clause "
        "in docs/errata.md: judge it against that table, or pin the expectation.",
    },
    {
        "name": PRODUCT_DEFECT.capitalize(),
        "matchedStatuses": ["failed"],
        "description": "A check failed: the target does not do what the specification says.",
    },
    {
        "name": BENCH_FAULT.capitalize(),
        "matchedStatuses": ["broken"],
        "description": "No verdict: the harness could not reach or drive the bench (server, "
        "device or MDS unreachable, timeouts, configuration).",
    },
]
# The fixture certificates the reports name with their thumbprints (summary.json has them all).
FIXTURE_MATERIAL = ("vendor-root-ca", "mds-signing", "server-root-ca", "device-ca")
# user_properties keys the suite sets on each item
SCENARIO, FEATURE, REQ, ERRATUM, ADVISORY, ENVIRONMENT, NONCONFORMANCE = (
    "bioharness.scenario",
    "bioharness.feature",
    "bioharness.req",
    "bioharness.erratum",
    "bioharness.advisory",
    "bioharness.environment",
    "bioharness.nonconformance",
)


@dataclass
class ScenarioRun:
    """What happened to one collected scenario run (one Examples row, one transport)."""

    nodeid: str
    scenario: str = ""
    feature: str = ""
    requirements: list[str] = field(default_factory=list)
    outcome: str = "passed"
    category: str | None = None
    reason: str = ""
    advisories: list[str] = field(default_factory=list)
    duration: float = 0.0
    deviation: str | None = None  # the expected deviation that accepts this run's outcome

    @property
    def variant(self) -> str:
        """The parameters of this run (Examples row, transport), as pytest shows them."""
        _, _, params = self.nodeid.partition("[")
        return params.removesuffix("]")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioRun:
        """The record a summary.json scenario entry (`to_dict`) stands for."""
        return cls(
            nodeid=data["nodeid"],
            scenario=data["scenario"],
            feature=data["feature"],
            requirements=list(data["requirements"]),
            outcome=data["outcome"],
            category=data["category"],
            reason=data["reason"],
            advisories=list(data["advisories"]),
            duration=float(data["duration"]),
            deviation=data.get("deviation"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "scenario": self.scenario,
            "variant": self.variant,
            "feature": self.feature,
            "requirements": self.requirements,
            "outcome": self.outcome,
            "category": self.category,
            "reason": self.reason,
            "advisories": self.advisories,
            "duration": round(self.duration, 3),
            "deviation": self.deviation,
        }


def fold(run: ScenarioRun, report: pytest.TestReport) -> None:
    """Fold one phase report into the run's record."""
    run.duration += report.duration
    properties = report.user_properties
    for key, value in properties:
        if key == SCENARIO:
            run.scenario = value
        elif key == FEATURE:
            run.feature = value
        elif key == REQ and value not in run.requirements:
            run.requirements.append(value)
        elif key == ADVISORY and value not in run.advisories:
            run.advisories.append(value)
    if report.skipped and run.outcome == "passed":
        run.outcome, run.reason = "skipped", _skip_reason(report)
    elif report.failed and run.outcome != "failed":
        run.outcome = "failed"
        run.reason = _crash_message(report)
        erratum = any(key == ERRATUM for key, _ in properties)
        verdict = any(key == NONCONFORMANCE for key, _ in properties)
        run.category = (SPEC_ERRATUM if erratum else PRODUCT_DEFECT) if verdict else BENCH_FAULT


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _crash_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr)
    return message.strip()[:2000]
