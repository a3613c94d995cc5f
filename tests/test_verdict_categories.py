"""A failure's category comes from its exception's type: a Nonconformance is a product defect
(or a spec erratum in an @erratum scenario), anything else a bench fault, whatever the text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.report.catalogue import ROOT

SCENARIOS = """
import pytest
from harness.verdict import Nonconformance

pytestmark = pytest.mark.req("X-CATEGORY")


def test_check_failed():
    raise Nonconformance("serverTimeStamp has no time zone", requirement="MMS-SNAP-FIELDS")


@pytest.mark.erratum
def test_erratum_check_failed():
    raise Nonconformance("answered 200 to another device's key")


def test_plain_assertion_is_no_verdict():
    raise AssertionError("AssertionError: looks like a check, is not one")


def test_parse_error_is_no_verdict():
    raise ValueError("Invalid isoformat string")


def test_setup_broke():
    pytest.fail("device did not answer")
"""


def test_categories_follow_the_exception_type(tmp_path: Path) -> None:
    (tmp_path / "test_categories.py").write_text(SCENARIOS)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "harness.report.plugin",
            f"--summary-dir={tmp_path}",
            f"--rootdir={tmp_path}",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = json.loads((tmp_path / "summary.json").read_text())["requirements"]
    runs = {r["nodeid"].rpartition("::")[2]: r for row in rows for r in row["scenarios"]}
    categories = {name: run["category"] for name, run in runs.items()}
    assert categories == {
        "test_check_failed": "product defect",
        "test_erratum_check_failed": "spec erratum",
        "test_plain_assertion_is_no_verdict": "bench fault",
        "test_parse_error_is_no_verdict": "bench fault",
        "test_setup_broke": "bench fault",
    }
