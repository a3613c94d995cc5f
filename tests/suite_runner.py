"""Run the conformance suite in a child pytest and read which scenarios passed or failed."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.scenario import make_python_name

ROOT = Path(__file__).resolve().parents[1]


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
    command = [sys.executable, "-m", "pytest", module, "-q", *args]
    proc = subprocess.run(
        [*command, f"--junitxml={junit}", f"--summary-dir={tmp}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
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
    output = proc.stdout + proc.stderr
    return SuiteRun(proc.returncode, passed, failed, skipped, output, categories, skip_reasons)
