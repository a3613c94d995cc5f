"""Two runs compared: what regressed, was fixed, appeared or went, and what changed on the bench.

A run is a run folder (holding `summary.json`) or an evidence bundle (a ZIP holding it as
`run/summary.json`; read here, not verified). Requirements are matched by id, scenario runs by
pytest node id. A status is *bad* when it is `failed` or `no verdict`: an item regressed when it
is bad in B and was not in A, and was fixed when it was bad in A and is `passed` or an
`expected deviation` in B.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.certification.bundle import RUN_PREFIX

BUNDLE_SUMMARY = f"{RUN_PREFIX}summary.json"
EXPECTED_DEVIATION = "expected deviation"
BAD = frozenset({"failed", "no verdict"})
GOOD = frozenset({"passed", EXPECTED_DEVIATION})
UNVERIFIED = "bundle read, not verified: run `bioharness verify`"
KINDS = ("regressed", "fixed", "new", "gone", "other")
# provenance keys every run has its own of: not an environment change
PER_RUN_KEYS = frozenset({"provenance.run_id", "provenance.started", "provenance.ended"})


class RunUnreadable(ValueError):
    """A path that is not a run folder nor an evidence bundle; the message names it and the fix."""


@dataclass(frozen=True)
class LoadedRun:
    """One side of a comparison: where it was read from and its summary document."""

    path: Path
    summary: dict[str, Any]
    bundle: bool

    @property
    def verdict(self) -> str:
        """The run's verdict (pass, fail, incomplete)."""
        return str(self.summary.get("verdict", ""))

    @property
    def scenario_runs(self) -> dict[str, dict[str, Any]]:
        """Each scenario run by node id (listed under each of its requirements, kept once)."""
        return {
            run["nodeid"]: run
            for row in self.summary["requirements"]
            for run in row.get("scenarios", [])
        }

    @property
    def scenario_totals(self) -> dict[str, int]:
        """How many scenario runs ended in each status."""
        return dict(Counter(scenario_status(run) for run in self.scenario_runs.values()))


@dataclass(frozen=True)
class Change:
    """A requirement or scenario run whose status differs (None: absent from that run)."""

    key: str
    before: str | None
    after: str | None
    title: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Changes:
    """The requirements, or the scenario runs, of two runs sorted by what happened to them."""

    regressed: list[Change]
    fixed: list[Change]
    new: list[Change]
    gone: list[Change]
    other: list[Change]
    unchanged: int

    def count(self) -> int:
        """How many items changed (the unchanged ones not counted)."""
        return sum(len(getattr(self, kind)) for kind in KINDS)


@dataclass(frozen=True)
class EnvironmentChange:
    """An environment or provenance key added (before None), removed (after None) or changed."""

    key: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class RunDiff:
    """Run B compared with run A."""

    a: LoadedRun
    b: LoadedRun
    requirements: Changes
    scenarios: Changes
    environment: list[EnvironmentChange]

    @property
    def regressed(self) -> bool:
        """Whether any requirement or scenario run regressed."""
        return bool(self.requirements.regressed or self.scenarios.regressed)

    @property
    def identical(self) -> bool:
        """Whether nothing changed: no requirement, scenario run or environment key."""
        return not (self.requirements.count() or self.scenarios.count() or self.environment)


def scenario_status(run: dict[str, Any]) -> str:
    """`expected deviation` when the run's failure or skip was an accepted deviation, else its
    outcome."""
    return EXPECTED_DEVIATION if run.get("deviation") else str(run["outcome"])


def load_run(path: Path) -> LoadedRun:
    """Read a run folder or an evidence bundle; `RunUnreadable` when it is neither."""
    if path.is_dir():
        source = path / "summary.json"
        if not source.is_file():
            raise RunUnreadable(
                f"{path} holds no summary.json: give a run folder (reports/<run>) "
                "or an evidence bundle (.zip)"
            )
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RunUnreadable(f"{source} cannot be read ({exc}): run the suite again") from None
        return LoadedRun(path, _summary(text, str(source)), bundle=False)
    if path.is_file():
        return LoadedRun(path, _summary(_bundle_text(path), f"{path}:{BUNDLE_SUMMARY}"), True)
    raise RunUnreadable(
        f"{path} does not exist: give a run folder (reports/<run>) or an evidence bundle (.zip)"
    )


def _bundle_text(path: Path) -> str:
    if not zipfile.is_zipfile(path):
        raise RunUnreadable(
            f"{path} is neither a run folder nor an evidence bundle (a ZIP file): "
            "give a run folder or a bundle made by `bioharness bundle`"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            if BUNDLE_SUMMARY not in archive.namelist():
                raise RunUnreadable(
                    f"{path} holds no {BUNDLE_SUMMARY}: not an evidence bundle; "
                    "make one with `bioharness bundle`"
                )
            return archive.read(BUNDLE_SUMMARY).decode("utf-8")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError) as exc:
        raise RunUnreadable(
            f"{path} is a corrupt bundle ({exc}): copy it again or make a new one"
        ) from None


def _summary(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunUnreadable(f"{source} is not JSON ({exc}): not a bioharness summary") from None
    rows = document.get("requirements") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(_is_requirement_row(row) for row in rows):
        raise RunUnreadable(
            f"{source} has no well-formed list of requirements: not a bioharness summary"
        )
    return document


def _is_requirement_row(row: Any) -> bool:
    if not isinstance(row, dict) or not isinstance(row.get("verdict"), str):
        return False
    runs = row.get("scenarios", [])
    return (
        isinstance(row.get("id"), str)
        and isinstance(runs, list)
        and all(
            isinstance(run, dict)
            and isinstance(run.get("nodeid"), str)
            and isinstance(run.get("outcome"), str)
            for run in runs
        )
    )


def compare(a: LoadedRun, b: LoadedRun) -> RunDiff:
    """Run B compared with run A."""
    rows_a = {row["id"]: row for row in a.summary["requirements"]}
    rows_b = {row["id"]: row for row in b.summary["requirements"]}
    runs_a, runs_b = a.scenario_runs, b.scenario_runs
    return RunDiff(
        a,
        b,
        requirements=_sorted_changes(
            {rid: row["verdict"] for rid, row in rows_a.items()},
            {rid: row["verdict"] for rid, row in rows_b.items()},
            titles={rid: str(row.get("clause") or "") for rid, row in {**rows_a, **rows_b}.items()},
            details={},
        ),
        scenarios=_sorted_changes(
            {nodeid: scenario_status(run) for nodeid, run in runs_a.items()},
            {nodeid: scenario_status(run) for nodeid, run in runs_b.items()},
            titles={n: str(run.get("scenario") or "") for n, run in {**runs_a, **runs_b}.items()},
            details={n: _failure(run) for n, run in runs_b.items()},
        ),
        environment=_environment_changes(_environment(a.summary), _environment(b.summary)),
    )


def _failure(run: dict[str, Any]) -> str:
    reason = str(run.get("reason") or "")
    category = run.get("category")
    return f"{category}: {reason}" if category and reason else reason


def _kind(before: str | None, after: str | None) -> str:
    if before is None:
        return "new"
    if after is None:
        return "gone"
    if after in BAD and before not in BAD:
        return "regressed"
    if before in BAD and after in GOOD:
        return "fixed"
    return "other"


def _sorted_changes(
    before: dict[str, str],
    after: dict[str, str],
    titles: dict[str, str],
    details: dict[str, str],
) -> Changes:
    by_kind: dict[str, list[Change]] = {kind: [] for kind in KINDS}
    unchanged = 0
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            unchanged += 1
            continue
        detail = details.get(key, "") if new in BAD else ""
        change = Change(key, old, new, titles.get(key, ""), detail)
        by_kind[_kind(old, new)].append(change)
    return Changes(**by_kind, unchanged=unchanged)


def _environment(summary: dict[str, Any]) -> dict[str, str]:
    """The environment and the provenance (keys under `provenance.`), flat, values as text;
    without what differs from every run to the next (its id and times)."""
    provenance = _flat(summary.get("provenance"), "provenance.")
    return {
        **_flat(summary.get("environment"), ""),
        **{k: v for k, v in provenance.items() if k not in PER_RUN_KEYS},
    }


def _flat(values: Any, prefix: str) -> dict[str, str]:
    if not isinstance(values, dict):
        return {}
    flat: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value if isinstance(value, str) else json.dumps(value)
    return flat


def _environment_changes(before: dict[str, str], after: dict[str, str]) -> list[EnvironmentChange]:
    return [
        EnvironmentChange(key, before.get(key), after.get(key))
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]
