"""The faster step lookup (harness/step_lookup.py) finds, for every step of every scenario of
the suite, exactly the step definitions pytest-bdd's own lookup finds, in the same order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_step_of_the_suite_finds_what_pytest_bdd_finds(tmp_path: Path) -> None:
    report = tmp_path / "probe.json"
    probe_plugin = ["-p", "no:cacheprovider", "-p", "tests.step_lookup_probe"]
    subprocess.run(
        [sys.executable, "-m", "pytest", "steps", "--collect-only", "-q", *probe_plugin],
        cwd=ROOT,
        env={**os.environ, "BIOHARNESS_STEP_PROBE": str(report)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = json.loads(report.read_text())
    assert probe["scenarios"] > 100 and probe["steps"] > 4 * probe["scenarios"]
    assert probe["differences"] == []
