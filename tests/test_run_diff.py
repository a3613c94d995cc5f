"""`bioharness diff`: two runs compared, from summaries in the real shape written into run
folders and evidence-bundle ZIPs, and the command line run as a child process."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harness.certification.run_diff import (
    UNVERIFIED,
    EnvironmentChange,
    LoadedRun,
    RunUnreadable,
    compare,
    load_run,
)
from harness.certification.run_diff_report import render_html, render_text
from harness.report.catalogue import ROOT
from tests.served import CLI

TIME = "steps/test_mms.py::test_the_snapshot_carries_the_servers_time"
VALIDITY = "steps/test_mms.py::test_the_snapshot_is_valid_for_its_validity[{}]"
SKEW = "steps/test_fido.py::test_a_signature_just_inside_the_tolerance_is_accepted"
UNPLUG = "steps/test_device.py::test_the_mds_sees_an_unplug"
CLOCK_OFF = "harness.verdict.Nonconformance: the server's clock is <1 hour> off"
FIRMWARE = "device.pty.BH-FP-0001"


def _scenario(nodeid: str, outcome: str = "passed", **extra: Any) -> dict[str, Any]:
    """A scenario run as summary.json lists it (without `deviation`, as older summaries)."""
    name, _, variant = nodeid.partition("::")[2].partition("[")
    return {
        "nodeid": nodeid,
        "scenario": name.removeprefix("test_").replace("_", " "),
        "variant": variant.removesuffix("]"),
        "feature": "MMS time",
        "requirements": [],
        "outcome": outcome,
        "category": extra.pop("category", None),
        "reason": extra.pop("reason", ""),
        "advisories": [],
        "duration": 0.02,
        **extra,
    }


def _summary(
    rows: dict[str, tuple[str, list[dict[str, Any]]]],
    environment: dict[str, str] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """A summary document: requirement id -> (verdict, its scenario runs)."""
    verdicts = [verdict for verdict, _ in rows.values()]
    runs = {run["nodeid"]: run for _, scenarios in rows.values() for run in scenarios}
    outcomes = [run["outcome"] for run in runs.values()]
    return {
        "bench": "lab bench",
        "harness_version": "0.1.0",
        "started": "2026-11-27T10:00:00.000Z",
        "verdict": "fail" if "failed" in verdicts else "pass",
        "environment": {
            "bench": "lab bench",
            "mms.target": "https://mms.lab/",
            FIRMWARE: "Bioharness BH-FP-100, firmware 1.4.2",
        }
        if environment is None
        else environment,
        "totals": {
            "requirements": {v: verdicts.count(v) for v in set(verdicts)},
            "scenarios": {o: outcomes.count(o) for o in ("passed", "failed", "skipped")},
            "failure categories": {},
            "advisories": 0,
        },
        "requirements": [
            {
                "id": rid,
                "specification": "PSA Management Server API",
                "clause": f"clause of {rid}",
                "checked": "",
                "verdict": verdict,
                "scenarios": scenarios,
                "advisories": [],
            }
            for rid, (verdict, scenarios) in rows.items()
        ],
        **meta,
    }


def _passing() -> dict[str, Any]:
    return _summary(
        {
            "MMS-SNAP-TIME": ("passed", [_scenario(TIME)]),
            "MMS-SNAP-VALIDITY": (
                "passed",
                [_scenario(VALIDITY.format("pty")), _scenario(VALIDITY.format("usb"))],
            ),
            "FIDO-CLOCK-SKEW": ("passed", [_scenario(SKEW)]),
            "DEV-UNPLUG": ("skipped", [_scenario(UNPLUG, "skipped", reason="needs a device")]),
        }
    )


def _failing() -> dict[str, Any]:
    """The passing run with MMS-SNAP-TIME failed by a product defect."""
    summary = _passing()
    row = summary["requirements"][0]
    row["verdict"] = "failed"
    row["scenarios"] = [
        _scenario(TIME, "failed", category="product defect", reason=CLOCK_OFF),
    ]
    summary["verdict"] = "fail"
    return summary


def _run(summary: dict[str, Any], name: str = "run") -> LoadedRun:
    return LoadedRun(Path(name), summary, bundle=False)


def _row(summary: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(row for row in summary["requirements"] if row["id"] == rid)


# --- compare ---------------------------------------------------------------------------------


def test_a_failure_in_b_is_a_regression_of_its_requirement_and_scenario() -> None:
    diff = compare(_run(_passing()), _run(_failing()))
    assert diff.regressed
    assert [(c.key, c.before, c.after) for c in diff.requirements.regressed] == [
        ("MMS-SNAP-TIME", "passed", "failed")
    ]
    (scenario,) = diff.scenarios.regressed
    assert (scenario.key, scenario.before, scenario.after) == (TIME, "passed", "failed")
    assert scenario.detail == f"product defect: {CLOCK_OFF}"
    assert diff.requirements.unchanged == 3 and diff.scenarios.unchanged == 4
    assert not (diff.requirements.fixed or diff.requirements.other or diff.environment)


def test_no_verdict_in_b_is_a_regression_too() -> None:
    b = _passing()
    row = _row(b, "MMS-SNAP-VALIDITY")
    row["verdict"] = "no verdict"
    row["scenarios"][1] = _scenario(VALIDITY.format("usb"), "failed", category="bench fault")
    diff = compare(_run(_passing()), _run(b))
    assert [c.key for c in diff.requirements.regressed] == ["MMS-SNAP-VALIDITY"]
    assert [c.key for c in diff.scenarios.regressed] == [VALIDITY.format("usb")]


def test_a_failure_gone_in_b_is_fixed_and_no_regression() -> None:
    diff = compare(_run(_failing()), _run(_passing()))
    assert not diff.regressed
    assert [(c.key, c.before, c.after) for c in diff.requirements.fixed] == [
        ("MMS-SNAP-TIME", "failed", "passed")
    ]
    assert [c.key for c in diff.scenarios.fixed] == [TIME]


def test_a_failure_accepted_as_an_expected_deviation_is_fixed() -> None:
    b = _failing()
    row = _row(b, "MMS-SNAP-TIME")
    row["verdict"] = "expected deviation"
    row["scenarios"][0]["deviation"] = "DEV-2026-001"
    diff = compare(_run(_failing()), _run(b))
    assert not diff.regressed
    assert [(c.key, c.after) for c in diff.requirements.fixed] == [
        ("MMS-SNAP-TIME", "expected deviation")
    ]
    assert [(c.key, c.after) for c in diff.scenarios.fixed] == [(TIME, "expected deviation")]


def test_items_only_in_b_are_new_and_only_in_a_gone() -> None:
    a, b = _passing(), _passing()
    a["requirements"].append(
        {**_row(a, "FIDO-CLOCK-SKEW"), "id": "FIDO-OLD", "scenarios": [_scenario(SKEW + "_old")]}
    )
    _row(b, "MMS-SNAP-VALIDITY")["scenarios"].append(_scenario(VALIDITY.format("serial")))
    diff = compare(_run(a), _run(b))
    assert [(c.key, c.before, c.after) for c in diff.requirements.gone] == [
        ("FIDO-OLD", "passed", None)
    ]
    assert [(c.key, c.before, c.after) for c in diff.scenarios.gone] == [
        (SKEW + "_old", "passed", None)
    ]
    assert [(c.key, c.before, c.after) for c in diff.scenarios.new] == [
        (VALIDITY.format("serial"), None, "passed")
    ]
    assert not diff.requirements.new and not diff.regressed


def test_other_changes_are_neither_regressed_nor_fixed() -> None:
    a, b = _failing(), _failing()
    _row(b, "FIDO-CLOCK-SKEW").update(verdict="skipped", scenarios=[_scenario(SKEW, "skipped")])
    validity = _row(b, "MMS-SNAP-VALIDITY")
    validity["verdict"] = "expected deviation"
    validity["scenarios"][0] = _scenario(VALIDITY.format("pty"), "failed", deviation="DEV-7")
    time = _row(b, "MMS-SNAP-TIME")  # failed -> no verdict: bad in both runs
    time["verdict"] = "no verdict"
    time["scenarios"] = [_scenario(TIME, "failed", category="bench fault", reason="timeout")]
    diff = compare(_run(a), _run(b))
    assert not diff.regressed
    assert [(c.key, c.before, c.after) for c in diff.requirements.other] == [
        ("FIDO-CLOCK-SKEW", "passed", "skipped"),
        ("MMS-SNAP-TIME", "failed", "no verdict"),
        ("MMS-SNAP-VALIDITY", "passed", "expected deviation"),
    ]
    assert [(c.key, c.after) for c in diff.scenarios.other] == [
        (SKEW, "skipped"),
        (VALIDITY.format("pty"), "expected deviation"),
    ]


def test_a_scenario_run_under_two_requirements_is_counted_once() -> None:
    a, b = _passing(), _failing()
    for summary in (a, b):
        _row(summary, "FIDO-CLOCK-SKEW")["scenarios"].append(
            _row(summary, "MMS-SNAP-TIME")["scenarios"][0]
        )
    _row(b, "FIDO-CLOCK-SKEW")["verdict"] = "failed"
    diff = compare(_run(a), _run(b))
    assert [c.key for c in diff.scenarios.regressed] == [TIME]
    assert [c.key for c in diff.requirements.regressed] == ["FIDO-CLOCK-SKEW", "MMS-SNAP-TIME"]
    assert diff.b.scenario_totals == {"failed": 1, "passed": 3, "skipped": 1}


def test_environment_and_provenance_changes_are_listed_by_key() -> None:
    a = _summary(
        {}, provenance={"profile": {"sha256": "aa"}, "commit": "1111", "run_id": "1", "ended": "x"}
    )
    b = _summary(
        {},
        environment={
            "bench": "lab bench",
            FIRMWARE: "Bioharness BH-FP-100, firmware 1.5.0",
            "mds.version": "2.0.0",
        },
        provenance={
            **{"profile": {"sha256": "bb"}, "commit": "1111", "specs": ["a", "b"]},
            **{"run_id": "2", "ended": "y"},  # every run's own: not a change of environment
        },
    )
    diff = compare(_run(a), _run(b))
    assert diff.environment == [
        EnvironmentChange(
            FIRMWARE,
            "Bioharness BH-FP-100, firmware 1.4.2",
            "Bioharness BH-FP-100, firmware 1.5.0",
        ),
        EnvironmentChange("mds.version", None, "2.0.0"),
        EnvironmentChange("mms.target", "https://mms.lab/", None),
        EnvironmentChange("provenance.profile.sha256", "aa", "bb"),
        EnvironmentChange("provenance.specs", None, '["a", "b"]'),
    ]
    assert not diff.regressed and not diff.identical
    assert "firmware 1.5.0" in render_text(diff)


def test_identical_runs_have_no_changes_only_counts() -> None:
    diff = compare(_run(_passing()), _run(_passing()))
    assert diff.identical and not diff.regressed
    text = render_text(diff)
    assert "0 regressed, 0 fixed, 0 new, 0 gone, 0 other, 4 unchanged" in text
    assert TIME not in text
    assert text.rstrip().endswith("no changes")


def test_the_page_escapes_everything_and_has_no_scripts_nor_fetches() -> None:
    b = _failing()
    b["bench"] = "<script>alert(1)</script>"
    page = render_html(compare(_run(_passing()), _run(b)))
    assert "<script" not in page and "src=" not in page and "href=" not in page
    assert "&lt;script&gt;" in page and "&lt;1 hour&gt;" in page
    assert "MMS-SNAP-TIME" in page and TIME in page


# --- load_run --------------------------------------------------------------------------------


def _folder(tmp_path: Path, name: str, summary: dict[str, Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    (folder / "summary.html").write_text("<html></html>")
    return folder


def _bundle(tmp_path: Path, name: str, summary: dict[str, Any] | None) -> Path:
    """An evidence bundle: its manifest, signature and the run folder's files under run/."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps({"files": {}}))
        archive.writestr("manifest.jws", "eyJhbGciOiJSUzI1NiJ9..c2ln")
        archive.writestr("run/summary.html", "<html></html>")
        if summary is not None:
            archive.writestr("run/summary.json", json.dumps(summary))
    return path


def test_a_run_folder_and_a_bundle_load_the_same_summary(tmp_path: Path) -> None:
    folder = load_run(_folder(tmp_path, "run", _failing()))
    bundle = load_run(_bundle(tmp_path, "run.zip", _failing()))
    assert folder.summary == bundle.summary == _failing()
    assert (folder.bundle, bundle.bundle) == (False, True)
    assert UNVERIFIED in render_text(compare(folder, bundle))


def _corrupt(tmp_path: Path) -> Path:
    path = _bundle(tmp_path, "corrupt.zip", _passing())
    data = bytearray(path.read_bytes())
    start = data.index(b"run/summary.json") + len("run/summary.json")
    data[start + 10 : start + 40] = bytes(30)  # the member's compressed bytes
    path.write_bytes(bytes(data))
    return path


def _not_a_zip(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a run")
    return path


def _not_json(tmp_path: Path) -> Path:
    folder = _folder(tmp_path, "broken", {})
    (folder / "summary.json").write_text("{")
    return folder


BAD_INPUTS = {
    "missing": (lambda tmp: tmp / "nowhere", "does not exist"),
    "folder without summary": (lambda tmp: tmp, "holds no summary.json"),
    "zip without summary": (
        lambda tmp: _bundle(tmp, "other.zip", None),
        "holds no run/summary.json: not an evidence bundle",
    ),
    "not a zip": (_not_a_zip, "is neither a run folder nor an evidence bundle"),
    "corrupt zip": (_corrupt, "is a corrupt bundle"),
    "not json": (_not_json, "is not JSON"),
    "not a summary": (
        lambda tmp: _folder(tmp, "other", {"requirements": [{"id": "X"}]}),
        "has no well-formed list of requirements",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_what_is_not_a_run_is_refused_naming_it(tmp_path: Path, case: str) -> None:
    make, says = BAD_INPUTS[case]
    path = make(tmp_path)
    with pytest.raises(RunUnreadable) as caught:
        load_run(path)
    assert says in str(caught.value) and str(path) in str(caught.value)


# --- the command line ------------------------------------------------------------------------


def _diff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "diff", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_cli_a_regression_exits_1_naming_the_requirement_and_scenario(tmp_path: Path) -> None:
    proc = _diff(_folder(tmp_path, "a", _passing()), _folder(tmp_path, "b", _failing()))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "  regressed MMS-SNAP-TIME  passed -> failed" in proc.stdout
    assert f"  regressed {TIME}  passed -> failed" in proc.stdout
    assert CLOCK_OFF in proc.stdout
    assert "REGRESSED: 1 requirements, 1 scenario runs" in proc.stdout


def test_cli_a_fix_exits_0_and_is_listed_as_fixed(tmp_path: Path) -> None:
    proc = _diff(_folder(tmp_path, "a", _failing()), _folder(tmp_path, "b", _passing()))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "  fixed     MMS-SNAP-TIME  failed -> passed" in proc.stdout
    assert "regressed MMS" not in proc.stdout and "no regressions" in proc.stdout


def test_cli_identical_runs_exit_0_with_no_changes(tmp_path: Path) -> None:
    proc = _diff(_folder(tmp_path, "a", _passing()), _folder(tmp_path, "b", _passing()))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("no changes")


def test_cli_takes_a_bundle_and_says_it_was_not_verified(tmp_path: Path) -> None:
    proc = _diff(_bundle(tmp_path, "a.zip", _passing()), _folder(tmp_path, "b", _failing()))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bundle read, not verified: run `bioharness verify`" in proc.stdout
    assert "regressed MMS-SNAP-TIME" in proc.stdout


def test_cli_writes_the_page_when_asked(tmp_path: Path) -> None:
    page = tmp_path / "diff.html"
    proc = _diff(
        _folder(tmp_path, "a", _passing()), _folder(tmp_path, "b", _failing()), "--html", page
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = page.read_text()
    assert "MMS-SNAP-TIME" in text and TIME in text and "<script" not in text
    assert f"page: {page}" in proc.stdout


@pytest.mark.parametrize("which", ["a", "b"])
def test_cli_a_missing_path_is_a_usage_error(tmp_path: Path, which: str) -> None:
    present, missing = _folder(tmp_path, "a", _passing()), tmp_path / "nowhere"
    proc = _diff(*((missing, present) if which == "a" else (present, missing)))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == f"bioharness diff: {missing} does not exist: give a run folder " + (
        "(reports/<run>) or an evidence bundle (.zip)\n"
    )
    assert not proc.stdout


def test_cli_a_zip_that_is_not_a_bundle_is_a_usage_error(tmp_path: Path) -> None:
    proc = _diff(_bundle(tmp_path, "other.zip", None), _folder(tmp_path, "b", _passing()))
    assert proc.returncode == 2
    assert "holds no run/summary.json" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_diff_has_help() -> None:
    proc = subprocess.run([*CLI, "diff", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: bioharness diff" in proc.stdout
    assert "--html FILE" in proc.stdout
