"""Expected deviations: the file a lab keeps, and what each kind of entry does to a verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harness.certification import deviations
from harness.certification.deviations import Deviation, DeviationFileError
from harness.report import summary
from harness.report.records import ScenarioRun

TODAY = dt.date(2026, 11, 27)
TIME_SCENARIO = "The server time is in sync with the harness clock"


def _entry(**fields: object) -> Deviation:
    base = {
        "requirement": "MMS-SNAP-TIME",
        "scenario": None,
        "expected": "fails",
        "justification": "server clock on UTC+1 until build 2.2",
        "accepted_by": "A. Auditor",
        "expires": dt.date(2027, 3, 31),
    }
    return Deviation(**{**base, **fields})  # type: ignore[arg-type]


def _run(outcome: str, req: str = "MMS-SNAP-TIME", **kw: object) -> ScenarioRun:
    category = {"failed": "product defect"}.get(outcome)
    fields = {"scenario": TIME_SCENARIO, "requirements": [req], "category": category, **kw}
    return ScenarioRun(f"t-{req}-{outcome}", outcome=outcome, **fields)  # type: ignore[arg-type]


def _requirement(document: dict, rid: str) -> dict:
    return next(r for r in document["requirements"] if r["id"] == rid)


# --- what each kind of entry does ------------------------------------------------------------


def test_an_accepted_failure_is_an_expected_deviation_not_a_failure() -> None:
    runs = [_run("failed")]
    document = summary.build(runs, {}, {}, [_entry()], TODAY)
    assert _requirement(document, "MMS-SNAP-TIME")["verdict"] == "expected deviation"
    assert document["verdict"] == "pass"
    assert document["totals"]["scenarios"]["expected deviation"] == 1
    assert document["totals"]["scenarios"]["failed"] == 0
    assert document["totals"]["failure categories"] == {}
    assert document["totals"]["deviations"] == {"applied": 1}
    assert document["deviations"][0]["runs"] == [runs[0].nodeid]
    assert runs[0].deviation == "MMS-SNAP-TIME"


def test_an_expired_entry_is_not_honoured_its_failure_stands() -> None:
    entry = _entry(expires=TODAY - dt.timedelta(days=1))
    document = summary.build([_run("failed")], {}, {}, [entry], TODAY)
    assert _requirement(document, "MMS-SNAP-TIME")["verdict"] == "failed"
    assert document["verdict"] == "fail"
    assert document["totals"]["deviations"] == {"expired": 1}
    assert "expired 2026-11-26" in document["deviations"][0]["note"]


def test_an_entry_holds_up_to_and_including_its_day() -> None:
    document = summary.build([_run("failed")], {}, {}, [_entry(expires=TODAY)], TODAY)
    assert document["totals"]["deviations"] == {"applied": 1}


def test_a_stale_entry_is_an_advisory_on_a_passing_requirement() -> None:
    document = summary.build([_run("passed")], {}, {}, [_entry()], TODAY)
    row = _requirement(document, "MMS-SNAP-TIME")
    assert row["verdict"] == "passed" and document["verdict"] == "pass"
    assert document["totals"]["deviations"] == {"stale": 1}
    assert any("stale" in a for a in row["advisories"])
    assert document["totals"]["advisories"] == 1


def test_an_accepted_skip_is_an_expected_deviation() -> None:
    entry = _entry(requirement="DEV-USB-SERIAL", expected="skips")
    run = _run("skipped", req="DEV-USB-SERIAL", reason="no USB device on this bench")
    document = summary.build([run], {}, {}, [entry], TODAY)
    assert _requirement(document, "DEV-USB-SERIAL")["verdict"] == "expected deviation"
    assert document["totals"]["deviations"] == {"applied": 1}


def test_a_bench_fault_is_never_an_accepted_failure() -> None:
    fault = _run("failed", category="bench fault")
    document = summary.build([fault], {}, {}, [_entry()], TODAY)
    assert _requirement(document, "MMS-SNAP-TIME")["verdict"] == "no verdict"
    assert document["totals"]["deviations"] == {"unused": 1}


def test_an_entry_for_one_scenario_leaves_the_other_failures_of_its_requirement() -> None:
    entry = _entry(requirement=None, scenario=TIME_SCENARIO)
    other = _run("failed", scenario="another scenario")
    other.nodeid = "t-other"
    document = summary.build([_run("failed"), other], {}, {}, [entry], TODAY)
    assert _requirement(document, "MMS-SNAP-TIME")["verdict"] == "failed"
    assert document["deviations"][0]["status"] == "applied"


def test_an_entry_the_run_did_not_select_is_unused() -> None:
    document = summary.build([], {}, {}, [_entry()], TODAY)
    assert document["deviations"][0]["status"] == "unused"
    assert "selected no scenario" in document["deviations"][0]["note"]


def test_a_failure_that_a_skip_entry_names_stays_a_failure() -> None:
    document = summary.build([_run("failed")], {}, {}, [_entry(expected="skips")], TODAY)
    assert _requirement(document, "MMS-SNAP-TIME")["verdict"] == "failed"


# --- the file --------------------------------------------------------------------------------

GOOD = """
[[deviation]]
requirement = "MMS-SNAP-TIME"
expected = "fails"
justification = "server clock on UTC+1 until build 2.2"
accepted_by = "A. Auditor, lab QA"
expires = 2027-03-31

[[deviation]]
scenario = "The server time is in sync with the harness clock"
expected = "skips"
justification = "no clock hook on this server"
accepted_by = "A. Auditor, lab QA"
expires = 2027-03-31
"""


def test_a_good_file_reads_into_entries(tmp_path: Path) -> None:
    path = tmp_path / "deviations.toml"
    path.write_text(GOOD)
    found = deviations.load(path)
    assert [d.key for d in found] == ["MMS-SNAP-TIME", f"scenario: {TIME_SCENARIO}"]
    assert found[0].expires == dt.date(2027, 3, 31) and found[1].expected == "skips"


BAD = {
    "not toml": ("[[deviation]\n", "not valid TOML"),
    "typo in a requirement id": (
        GOOD.replace('"MMS-SNAP-TIME"', '"MMS-SNAP-TIEM"'),
        "no such requirement id (did you mean 'MMS-SNAP-TIME'?)",
    ),
    "unknown scenario": (GOOD.replace("harness clock", "lab clock"), "no such scenario"),
    "both requirement and scenario": (
        GOOD.replace('expected = "skips"', 'requirement = "MMS-SNAP-TIME"\nexpected = "skips"'),
        "exactly one of",
    ),
    "a bad outcome": (GOOD.replace('"fails"', '"breaks"'), '\'breaks\' is not "fails" or "skips"'),
    "a date as a string": (GOOD.replace("2027-03-31", '"soon"', 1), "is not a TOML date"),
    "no justification": (
        GOOD.replace('"server clock on UTC+1 until build 2.2"', '""'),
        "justification",
    ),
    "an unknown key": (GOOD.replace("accepted_by", "acepted_by", 1), "did you mean 'accepted_by'"),
    "an entry twice": (
        GOOD + GOOD.split("[[deviation]]")[1].join(["[[deviation]]", ""]),
        "listed more than once",
    ),
    "no such file": (None, "no such file"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_is_refused_naming_the_problem(tmp_path: Path, case: str) -> None:
    text, problem = BAD[case]
    path = tmp_path / "deviations.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(DeviationFileError) as raised:
        deviations.load(path)
    assert problem in str(raised.value) and str(path) in str(raised.value)
