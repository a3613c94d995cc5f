"""Run the conformance suite in a child pytest and read which scenarios passed or failed."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pytest_bdd.scenario import make_python_name

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SuiteRun:
    """Outcome of one suite run: test ids (`test_<scenario>[<example>]`) by verdict."""

    returncode: int
    passed: set[str]
    failed: set[str]
    skipped: set[str]
    output: str

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
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", module, "-q", "-p", "no:randomly",
         f"--junitxml={junit}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
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
    return SuiteRun(proc.returncode, passed, failed, skipped, proc.stdout + proc.stderr)
