"""Allure history carried from one run folder to the next: the real Allure 3 command line builds
two reports, and the second shows the first in its trend."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.report import allure_html

needs_allure = pytest.mark.skipif(
    not allure_html.ALLURE.exists() and shutil.which("allure") is None,
    reason="the Allure 3 command line is not installed (`make report-tools`)",
)


def _run_folder(parent: Path, name: str, statuses: dict[str, str], start: int) -> Path:
    """A run folder holding allure-results/ with one result a scenario, in the shape
    allure-pytest-bdd writes."""
    folder = parent / name
    results = folder / "allure-results"
    results.mkdir(parents=True)
    for number, (scenario, status) in enumerate(statuses.items()):
        uuid = f"{name}-{number}"
        result = {
            "name": scenario,
            "status": status,
            "uuid": uuid,
            "historyId": f"history-{scenario}",
            "testCaseId": f"case-{scenario}",
            "fullName": f"mms/time.feature:{scenario}",
            "start": start,
            "stop": start + 15,
            "labels": [{"name": "feature", "value": "Time"}],
            "steps": [],
            "attachments": [],
            "parameters": [],
        }
        if status == "failed":
            result["statusDetails"] = {"message": "the server's clock is an hour off"}
        (results / f"{uuid}-result.json").write_text(json.dumps(result))
    return folder


def _report(folder: Path, previous: Path | None) -> Path:
    history = allure_html.carry_history(previous, folder)
    allure_html.build(
        folder / "allure-results", folder / "allure-report", "history test", history=history
    )
    return history


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@needs_allure
def test_the_second_report_shows_the_first_run_in_its_trend(tmp_path: Path) -> None:
    first = _run_folder(tmp_path, "first", {"clock": "passed", "validity": "passed"}, 1_000_000)
    second = _run_folder(tmp_path, "second", {"clock": "passed", "validity": "failed"}, 2_000_000)

    assert len(_lines(_report(first, previous=None))) == 1
    history = _report(second, previous=first)

    assert len(_lines(first / allure_html.HISTORY)) == 1  # the previous run's file is untouched
    entries = _lines(history)
    assert len(entries) == 2
    statuses = [sorted(r["status"] for r in e["testResults"].values()) for e in entries]
    assert statuses == [["passed", "passed"], ["failed", "passed"]]
    config = json.loads((second / "allurerc.json").read_text())
    assert config["historyPath"] == str(history.resolve())

    report = second / "allure-report"
    charts = json.loads((report / "widgets" / "charts.json").read_text())["general"]
    dynamics = next(c for c in charts.values() if c["type"] == "statusDynamics")
    assert len(dynamics["data"]) == 2  # the first run, then this one
    results = [json.loads(p.read_text()) for p in (report / "data" / "test-results").iterdir()]
    validity = next(r for r in results if r["name"] == "validity")
    assert [h["status"] for h in validity["history"]] == ["passed"]
    assert validity["transition"] == "regressed"


def test_no_previous_run_or_no_history_in_it_starts_a_new_file(tmp_path: Path) -> None:
    previous, folder = tmp_path / "previous", tmp_path / "run"
    previous.mkdir()
    folder.mkdir()
    assert allure_html.carry_history(None, folder) == folder / allure_html.HISTORY
    assert allure_html.carry_history(previous, folder) == folder / allure_html.HISTORY
    assert not (folder / allure_html.HISTORY).exists()


def test_the_previous_runs_history_is_copied_not_moved(tmp_path: Path) -> None:
    previous, folder = tmp_path / "previous", tmp_path / "run"
    previous.mkdir()
    folder.mkdir()
    (previous / allure_html.HISTORY).write_text('{"uuid": "one"}\n')
    history = allure_html.carry_history(previous, folder)
    assert history.read_text() == '{"uuid": "one"}\n'
    assert (previous / allure_html.HISTORY).read_text() == '{"uuid": "one"}\n'
    # the same folder (e.g. reports/latest already pointing at it) is left as it is
    assert allure_html.carry_history(folder, folder).read_text() == '{"uuid": "one"}\n'
