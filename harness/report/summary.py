"""The conformance summary: requirement -> scenarios -> verdict, as `summary.json`."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.certification import deviations as expected_deviations
from harness.report.catalogue import Requirement, requirements, scenarios
from harness.report.records import BENCH_FAULT, ScenarioRun

EXPECTED_DEVIATION = "expected deviation"
VERDICTS = ("failed", "no verdict", EXPECTED_DEVIATION, "passed", "skipped", "not run")
SCENARIO_OUTCOMES = ("passed", "failed", EXPECTED_DEVIATION, "skipped")


def requirement_verdict(runs: list[ScenarioRun]) -> str:
    """failed if a check failed; no verdict if the bench failed a run (a bench fault proves
    nothing either way); expected deviation if a failure the lab accepted is all that failed;
    passed if any run passed; skipped if all were skipped (an expected deviation if a skip was
    accepted); else not run."""
    open_runs = [r for r in runs if r.deviation is None]
    if any(r.outcome == "failed" and r.category != BENCH_FAULT for r in open_runs):
        return "failed"
    if any(r.outcome == "failed" for r in open_runs):
        return "no verdict"
    if any(r.deviation and r.outcome == "failed" for r in runs):
        return EXPECTED_DEVIATION
    outcomes = {r.outcome for r in runs}
    if "passed" in outcomes:
        return "passed"
    if any(r.deviation for r in runs):
        return EXPECTED_DEVIATION
    return "skipped" if "skipped" in outcomes else "not run"


def run_verdict(requirement_totals: Counter) -> str:
    """fail if a requirement failed; incomplete if one has no verdict; else pass."""
    if requirement_totals["failed"]:
        return "fail"
    return "incomplete" if requirement_totals["no verdict"] else "pass"


def build(
    runs: list[ScenarioRun],
    environment: dict[str, str],
    meta: dict[str, Any],
    deviations: Sequence[expected_deviations.Deviation] = (),
    day: dt.date | None = None,
) -> dict[str, Any]:
    """The summary document for `runs`, covering every requirement the suite knows, with the
    expected `deviations` applied as of `day` (default: today, UTC)."""
    applied = expected_deviations.apply(deviations, runs, day or dt.datetime.now(dt.UTC).date())
    return from_records(runs, environment, meta, [outcome.to_dict() for outcome in applied])


def from_records(
    runs: list[ScenarioRun],
    environment: dict[str, str],
    meta: dict[str, Any],
    deviations: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The summary document for `runs` whose expected deviations are already applied (their
    `deviation` marks set; `deviations`: what each entry did, as summary.json lists it): how a
    run's summary is built, and how a merged run's is rebuilt from its shards' records."""
    catalogue = dict(requirements())
    for tag in sorted({r for s in scenarios() for r in s.requirements} - set(catalogue)):
        catalogue[tag] = Requirement(tag, "", "(not in docs/requirements.md)", "")
    by_requirement: dict[str, list[ScenarioRun]] = {rid: [] for rid in catalogue}
    for run in runs:
        for rid in run.requirements:
            by_requirement.setdefault(rid, []).append(run)
    rows = []
    for rid, req_runs in by_requirement.items():
        req = catalogue.get(rid) or Requirement(rid, "", "", "")
        rows.append(
            {
                "id": rid,
                "specification": req.specification,
                "clause": req.clause,
                "checked": req.checked,
                "verdict": requirement_verdict(req_runs),
                "scenarios": [r.to_dict() for r in req_runs],
                "advisories": sorted({a for r in req_runs for a in r.advisories}),
            }
        )
    requirement_totals = Counter(row["verdict"] for row in rows)
    scenario_totals = Counter(EXPECTED_DEVIATION if r.deviation else r.outcome for r in runs)
    categories = Counter(r.category for r in runs if r.category and not r.deviation)
    return {
        **meta,
        "verdict": run_verdict(requirement_totals),
        "environment": environment,
        "totals": {
            "requirements": {v: requirement_totals[v] for v in VERDICTS},
            "scenarios": {v: scenario_totals[v] for v in SCENARIO_OUTCOMES},
            "failure categories": dict(categories),
            "advisories": sum(len(r.advisories) for r in runs),
            "deviations": dict(Counter(d["status"] for d in deviations)),
        },
        "deviations": list(deviations),
        "requirements": rows,
    }


def write(summary: dict[str, Any], folder: Path) -> Path:
    """Write `summary.json` into `folder`; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return path


def load(folder: Path) -> dict[str, Any]:
    """Read a run folder's `summary.json`."""
    return json.loads((folder / "summary.json").read_text())
