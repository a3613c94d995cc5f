"""Run the conformance suite in a child pytest and read which scenarios passed or failed.

The harness's own tests start some 150 child runs. Each is a fresh process, forked from a
multiprocessing fork server that has imported pytest, the plugins and the harness once (a child
interpreter spent over a second importing them, each time): every run still starts from the same
clean state, parses its own options and collects its own scenarios.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.scenario import make_python_name

ROOT = Path(__file__).resolve().parents[1]
# What every child run imports; the fork server imports it once (stdlib multiprocessing).
PRELOAD = [
    "pytest",
    "pytest_bdd",
    "allure_pytest_bdd",
    "xdist",
    "pytest_timeout",
    "harness.pytest_plugin",
    "harness.servers.mms.app",
    "harness.servers.fido.app",
    "harness.mds.service",
]
# Those modules were imported before the child's pytest could mark them for assertion rewriting;
# the conformance checks raise Nonconformance and do not rely on it.
CHILD_OPTIONS = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
_FORK_SERVER = multiprocessing.get_context("forkserver")
_FORK_SERVER.set_forkserver_preload(PRELOAD)


@dataclass
class SuiteRun:
    """Outcome of one suite run: test ids (`test_<scenario>[<example>]`) by verdict, and the
    failure category (product defect, spec erratum, bench fault) of each failed one."""

    returncode: int
    passed: set[str]
    failed: set[str]
    skipped: set[str]
    output: str
    categories: dict[str, str]
    skip_reasons: dict[str, str]

    def outcome(self, scenario: str, example: str | None = None) -> set[str]:
        """Verdicts of the runs of `scenario` (its title as in the feature file), optionally only
        the Examples rows whose id contains `example`."""
        function = "test_" + make_python_name(scenario)
        verdicts = set()
        for verdict, ids in (("passed", self.passed), ("failed", self.failed)):
            for test_id in ids:
                name, _, params = test_id.partition("[")
                if name == function and (example is None or example in params):
                    verdicts.add(verdict)
        return verdicts


def run_suite(tmp: Path, module: str, *args: str, timeout: float = 600) -> SuiteRun:
    """Run the scenarios of one step module (e.g. steps/test_mms.py) with `args` in a child
    pytest; JUnit XML gives the verdicts."""
    junit = tmp / "junit.xml"
    tmp.mkdir(parents=True, exist_ok=True)
    output_file = tmp / "pytest-output.txt"
    command = [module, "-q", *args, f"--junitxml={junit}", f"--summary-dir={tmp}", *CHILD_OPTIONS]
    child = _FORK_SERVER.Process(target=_pytest_main, args=(command, str(output_file)))
    child.start()
    child.join(timeout)
    if child.exitcode is None:
        child.kill()
        child.join()
        raise subprocess.TimeoutExpired(["pytest", *command], timeout)
    returncode = child.exitcode
    passed, failed, skipped = set(), set(), set()
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            verdicts = {child.tag for child in case}
            if verdicts & {"failure", "error"}:
                failed.add(case.get("name", ""))
            elif "skipped" in verdicts:
                skipped.add(case.get("name", ""))
            else:
                passed.add(case.get("name", ""))
    categories, skip_reasons = {}, {}
    summary = tmp / "summary.json"
    if summary.exists():
        rows = json.loads(summary.read_text())["requirements"]
        for record in (run for row in rows for run in row["scenarios"]):
            name = record["nodeid"].rpartition("::")[2]
            if record["outcome"] == "failed":
                categories[name] = record["category"]
            elif record["outcome"] == "skipped":
                skip_reasons[name] = record["reason"]
    output = output_file.read_text(errors="replace")
    return SuiteRun(returncode, passed, failed, skipped, output, categories, skip_reasons)


def _pytest_main(command: list[str], output_file: str) -> None:
    """In the forked child: pytest with `command`, its output into `output_file`, from ROOT."""
    import pytest

    descriptor = os.open(output_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.chdir(ROOT)
    code = pytest.main(command)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))
