"""Expected deviations: failures and skips a lab has accepted, each with its justification, who
accepted it and until when (`bioharness run --deviations FILE`, profile `[run] deviations`).

    [[deviation]]
    requirement = "MMS-SNAP-TIME"     # or: scenario = "<scenario name>" (exactly one of the two)
    expected = "fails"                # or "skips"
    justification = "firmware 2.1 stamps local time; fixed in 2.2"
    accepted_by = "A. Auditor, lab QA"
    expires = 2027-03-31              # a TOML date: the entry holds up to and including that day

In a run an entry is *applied* when a run it names shows the expected outcome (a product defect or
spec erratum for "fails", never a bench fault; a skip for "skips"): that run is an expected
deviation, not a failure. It is *stale* when the runs it names pass (an advisory: remove it),
*expired* when its day has passed and a run it names still shows the outcome (not honoured: the
failure stands), *unused* when the run selected nothing it names or its runs showed neither.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.report.catalogue import requirements, scenarios
from harness.report.records import BENCH_FAULT, ScenarioRun

EXPECTED_OUTCOMES = {"fails": "failed", "skips": "skipped"}
FIELDS = ("requirement", "scenario", "expected", "justification", "accepted_by", "expires")
APPLIED, STALE, EXPIRED, UNUSED = "applied", "stale", "expired", "unused"
STATUSES = (APPLIED, STALE, EXPIRED, UNUSED)


class DeviationFileError(ValueError):
    """A deviations file that cannot be used; `problems` lists every bad entry with its fix."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"{path}: " + "\n  ".join(["bad deviations file:", *problems]))


@dataclass(frozen=True)
class Deviation:
    """One accepted deviation: what it names, the outcome accepted, and on whose word."""

    requirement: str | None
    scenario: str | None
    expected: str  # "fails" | "skips"
    justification: str
    accepted_by: str
    expires: dt.date

    @property
    def key(self) -> str:
        """How the summary and the reports name the entry."""
        return self.requirement or f"scenario: {self.scenario}"

    def names(self, requirement_ids: Sequence[str], scenario: str) -> bool:
        """Whether a scenario run with these requirements and scenario name is listed here."""
        if self.requirement is not None:
            return self.requirement in requirement_ids
        return scenario == self.scenario

    def expired(self, day: dt.date) -> bool:
        return day > self.expires

    def report_prefix(self, day: dt.date) -> str:
        """What a failure it names starts with in the reports (Allure picks the category)."""
        if self.expired(day):
            return f"[expired deviation {self.key}, expired {self.expires.isoformat()}]"
        return f"[expected deviation {self.key}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "requirement": self.requirement,
            "scenario": self.scenario,
            "expected": self.expected,
            "justification": self.justification,
            "accepted_by": self.accepted_by,
            "expires": self.expires.isoformat(),
        }


@dataclass
class Outcome:
    """What one entry did in a run."""

    deviation: Deviation
    status: str = UNUSED
    runs: list[str] = field(default_factory=list)  # the node ids it applied (or would) to
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.deviation.to_dict(),
            "status": self.status,
            "runs": self.runs,
            "note": self.note,
        }


def load(path: Path) -> list[Deviation]:
    """Read and check a deviations file; DeviationFileError lists every problem."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DeviationFileError(path, ["no such file: give the path of a TOML file"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DeviationFileError(path, [f"not valid TOML: {exc}"]) from exc
    problems = [
        f"{k}: unknown key (entries are [[deviation]] tables)" for k in raw if k != "deviation"
    ]
    entries = raw.get("deviation", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DeviationFileError(path, [*problems, "deviation: expected [[deviation]] tables"])
    found: list[Deviation] = []
    catalogue = scenarios()
    known = Known(
        requirements=set(requirements()) | {r for s in catalogue for r in s.requirements},
        scenarios={s.name for s in catalogue},
    )
    for number, entry in enumerate(entries, 1):
        entry_problems = _entry_problems(entry, known)
        problems += [f"[[deviation]] #{number}: {p}" for p in entry_problems]
        if not entry_problems:
            found.append(_deviation(entry))
    keys = [d.key for d in found]
    problems += [
        f"{k}: listed more than once" for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    if problems:
        raise DeviationFileError(path, problems)
    return found


@dataclass(frozen=True)
class Known:
    """The requirement ids and scenario names an entry may name."""

    requirements: set[str]
    scenarios: set[str]


def _entry_problems(entry: dict[str, Any], known: Known) -> list[str]:
    problems = [f"{k}: unknown key{_did_you_mean(k, FIELDS)}" for k in entry if k not in FIELDS]
    named = [k for k in ("requirement", "scenario") if k in entry]
    if len(named) != 1:
        problems.append('give exactly one of requirement = "ID" or scenario = "NAME"')
    requirement = entry.get("requirement")
    if requirement is not None and requirement not in known.requirements:
        hint = _did_you_mean(str(requirement), known.requirements)
        problems.append(f"requirement {requirement!r}: no such requirement id{hint}")
    scenario = entry.get("scenario")
    if scenario is not None and scenario not in known.scenarios:
        hint = _did_you_mean(str(scenario), known.scenarios)
        problems.append(f"scenario {scenario!r}: no such scenario{hint}")
    if entry.get("expected") not in EXPECTED_OUTCOMES:
        problems.append(f'expected: {entry.get("expected")!r} is not "fails" or "skips"')
    for key in ("justification", "accepted_by"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            problems.append(f"{key}: required, a non-empty string")
    expires = entry.get("expires")
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        problems.append(f"expires: {expires!r} is not a TOML date (e.g. expires = 2027-03-31)")
    return problems


def _deviation(entry: dict[str, Any]) -> Deviation:
    return Deviation(
        requirement=entry.get("requirement"),
        scenario=entry.get("scenario"),
        expected=entry["expected"],
        justification=entry["justification"].strip(),
        accepted_by=entry["accepted_by"].strip(),
        expires=entry["expires"],
    )


def _did_you_mean(word: str, choices: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def shows_expected(deviation: Deviation, run: ScenarioRun) -> bool:
    """Whether `run` shows the outcome the entry accepts (a bench fault never does)."""
    if run.outcome != EXPECTED_OUTCOMES[deviation.expected]:
        return False
    return run.category != BENCH_FAULT


def apply(
    deviations: Sequence[Deviation], runs: Sequence[ScenarioRun], day: dt.date
) -> list[Outcome]:
    """Mark the runs each entry accepts (`run.deviation`), add the stale advisories, and say
    what each entry did."""
    outcomes = []
    for deviation in deviations:
        outcome = Outcome(deviation)
        named = [r for r in runs if deviation.names(r.requirements, r.scenario)]
        showing = [r for r in named if shows_expected(deviation, r)]
        outcome.runs = [r.nodeid for r in showing]
        if not named:
            outcome.note = "the run selected no scenario it names"
        elif showing and deviation.expired(day):
            outcome.status = EXPIRED
            outcome.note = f"expired {deviation.expires.isoformat()}: its failures stand"
        elif showing:
            outcome.status = APPLIED
            for run in showing:
                run.deviation = deviation.key
        elif any(r.outcome == "passed" for r in named):
            outcome.status = STALE
            outcome.note = f"listed as expected to {deviation.expected[:-1]}, but its runs pass"
            advisory = f"expected deviation {deviation.key} is stale: remove it from the file"
            for run in named:
                if advisory not in run.advisories:
                    run.advisories.append(advisory)
        else:
            outcome.note = f"its runs did not {deviation.expected[:-1]} (see their outcomes)"
        outcomes.append(outcome)
    return outcomes
