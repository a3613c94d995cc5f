"""The pytest plugin behind the reports: labels every scenario run, folds its verdict, and at the
end writes the conformance summary and the Allure environment and categories."""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from harness.certification import deviations as expected_deviations
from harness.clock import iso
from harness.pki.material import DEFAULT_FIXTURES
from harness.pytest_plugin import bench_of
from harness.report import html, summary
from harness.report.records import (
    CATEGORIES,
    ENVIRONMENT,
    ERRATUM,
    FEATURE,
    FIXTURE_MATERIAL,
    NONCONFORMANCE,
    REQ,
    SCENARIO,
    ScenarioRun,
    fold,
)
from harness.verdict import Nonconformance

_DEVIATIONS = pytest.StashKey[list[expected_deviations.Deviation]]()
_DAY = pytest.StashKey[dt.date]()  # the day the run's deviations are judged on (UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bioharness reports")
    group.addoption(
        "--summary-dir", type=Path, help="write summary.json and summary.html into this folder"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Label each scenario run with its scenario, feature and requirement ids."""
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
        if template is not None:
            item.user_properties += [(SCENARIO, template.name), (FEATURE, template.feature.name)]
        item.user_properties += [(REQ, mark.args[0]) for mark in item.iter_markers("req")]
        if item.get_closest_marker("erratum"):
            item.user_properties.append((ERRATUM, "yes"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Mark a report whose failure is a Nonconformance: the summary's category is chosen by
    the exception's type, not its text."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(Nonconformance):
        report.user_properties = [*report.user_properties, (NONCONFORMANCE, call.when)]
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest, exception: Exception) -> None:
    """Say in the failure itself when a verdict rests on an errata reading, and when the lab
    has accepted it as an expected deviation (Allure's category is chosen from the message)."""
    if not isinstance(exception, Nonconformance):
        return
    item = request.node
    prefixes = []
    deviation = _failure_deviation(item)
    if deviation is not None:
        prefixes.append(deviation.report_prefix(item.config.stash[_DAY]))
    if item.get_closest_marker("erratum"):
        prefixes.append("[spec erratum]")
    if prefixes:
        first = exception.args[0] if exception.args else ""
        exception.args = (" ".join([*prefixes, str(first)]), *exception.args[1:])


def _failure_deviation(item: pytest.Item) -> expected_deviations.Deviation | None:
    """The expected deviation (expected to fail) that names this scenario run, if any."""
    requirement_ids = [value for key, value in item.user_properties if key == REQ]
    scenario = next((value for key, value in item.user_properties if key == SCENARIO), "")
    return next(
        (
            d
            for d in item.config.stash.get(_DEVIATIONS, [])
            if d.expected == "fails" and d.names(requirement_ids, scenario)
        ),
        None,
    )


class RunRecorder:
    """Collects the records of a run (on the controller, also under pytest-xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.runs: dict[str, ScenarioRun] = {}
        self.environment: dict[str, str] = {}
        self.started = dt.datetime.now(dt.UTC)
        self._t0 = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        run = self.runs.setdefault(report.nodeid, ScenarioRun(report.nodeid))
        fold(run, report)
        for key, value in report.user_properties:
            if key == ENVIRONMENT:
                name, _, text = value.partition("=")
                self.environment[name] = text

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return  # an xdist worker: the controller writes the reports
        environment = {**bench_environment(self.config), **self.environment}
        results = self.config.getoption("allure_report_dir", None)
        if results:
            write_allure_metadata(Path(results), environment)
        folder = self.config.getoption("--summary-dir")
        if folder is None:
            return
        meta = {
            "bench": bench_of(self.config).info.name,
            "harness_version": version("bioharness"),
            "started": iso(self.started),
            "duration_s": round(time.monotonic() - self._t0, 1),
            "pytest_exit_status": int(session.exitstatus),
        }
        document = summary.build(
            list(self.runs.values()),
            environment,
            meta,
            self.config.stash.get(_DEVIATIONS, []),
            self.config.stash[_DAY],
        )
        summary.write(document, folder)
        html.write(document, folder)


def pytest_configure(config: pytest.Config) -> None:
    """Read the expected deviations (a bad file stops the run) and start recording."""
    config.stash[_DAY] = dt.datetime.now(dt.UTC).date()
    path = config.getoption("--deviations", None)
    if path is not None:
        try:
            config.stash[_DEVIATIONS] = expected_deviations.load(Path(path))
        except expected_deviations.DeviationFileError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(RunRecorder(config), "bioharness-run-recorder")


def bench_environment(config: pytest.Config) -> dict[str, str]:
    """What this run targets, for Allure's environment and the summary."""
    bench = bench_of(config)
    environment = {
        "bench": bench.info.name,
        "bioharness.version": version("bioharness"),
        "python.version": platform.python_version(),
        "mms.target": bench.mms.url or "embedded reference MMS",
        "fido.target": bench.fido.url or "embedded reference Device Service",
        "device.transports": ", ".join(bench.device.transports),
        "mds": bench.mds.sbi_url or f"emulated ({bench.mds.factory})",
    }
    manifest = json.loads((DEFAULT_FIXTURES / "pki" / "manifest.json").read_text())["material"]
    for name in FIXTURE_MATERIAL:
        environment[f"fixture.{name}.sha256"] = manifest[name]["sha256"]
    return environment


def write_allure_metadata(results: Path, environment: dict[str, str]) -> None:
    """environment.properties and categories.json in the Allure results folder."""
    results.mkdir(parents=True, exist_ok=True)
    lines = [f"{_property(k)}={_property(v)}" for k, v in environment.items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n")
    (results / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n")


def _property(text: str) -> str:
    """A Java-properties-safe rendering: one line, backslashes escaped (keys have no spaces)."""
    return text.replace("\\", "\\\\").replace("\n", " ")
