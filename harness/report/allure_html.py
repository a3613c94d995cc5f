"""The HTML Allure report, built with the Allure 3 command line the Makefile installs from npm."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from harness.report.catalogue import ROOT
from harness.report.records import CATEGORIES

ALLURE = ROOT / "node_modules" / ".bin" / "allure"
# The trend Allure 3 keeps (its `historyPath`): one JSON line a run, the report's own appended.
HISTORY = "allure-history.jsonl"


class AllureUnavailable(RuntimeError):
    """The Allure 3 command line is not installed in the project."""


def carry_history(previous: Path | None, folder: Path) -> Path:
    """The history file for the report of the run folder `folder`, started from a copy of the
    `previous` run folder's (when there is one and it has one), so the report shows the trend."""
    history = folder / HISTORY
    if (
        previous is not None
        and (previous / HISTORY).is_file()
        and previous.resolve() != folder.resolve()
    ):
        shutil.copyfile(previous / HISTORY, history)
    return history


def build(
    results: Path, output: Path, name: str, timeout: float = 300, *, history: Path | None = None
) -> Path:
    """Generate the report for `results` into `output`; return its index.html. With `history`
    (see carry_history), Allure reads the earlier runs from that file and appends this one.

    Allure exits 0 even when tests failed: verdicts come from summary.json, not from here.
    """
    command = str(ALLURE) if ALLURE.exists() else shutil.which("allure")
    if command is None:
        raise AllureUnavailable(
            "the Allure 3 command line is not installed: run `make report-tools` "
            "(npm ci into node_modules/) and then `bioharness report`"
        )
    shutil.rmtree(output, ignore_errors=True)
    config = results.parent / "allurerc.json"  # Allure 3 takes its categories from its config
    settings: dict[str, object] = {"name": name, "categories": CATEGORIES}
    if history is not None:  # absolute: Allure resolves it against its working directory
        settings["historyPath"] = str(history.resolve())
    config.write_text(json.dumps(settings, indent=2) + "\n")
    proc = subprocess.run(
        [command, "generate", str(results), "--output", str(output), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    index = output / "index.html"
    if proc.returncode != 0 or not index.exists():
        raise RuntimeError(f"allure generate failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return index
