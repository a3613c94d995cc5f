"""`bioharness run` as a child process, as a lab runs it, and several such runs side by side."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.report.catalogue import ROOT
from tests.served import CLI


@dataclass
class CliRun:
    """A finished `bioharness run`: its exit status, its output, and its run folder."""

    code: int
    output: str
    folder: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.folder / "summary.json").read_text())

    def requirement(self, rid: str) -> dict:
        return next(r for r in self.summary["requirements"] if r["id"] == rid)


def run_cli(reports: Path, *args: str, timeout: float = 900) -> CliRun:
    """`bioharness run --reports REPORTS -q ARGS`; its run folder is reports/latest."""
    proc = subprocess.run(
        [*CLI, "run", "--reports", str(reports), "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliRun(proc.returncode, proc.stdout + proc.stderr, (reports / "latest").resolve())


def runs_side_by_side(
    factory: pytest.TempPathFactory, commands: dict[str, list[str]], at_once: int
) -> dict[str, CliRun]:
    """Each named command's run, `at_once` at a time (they mostly wait on servers and devices),
    each into a reports folder of its own."""
    folders = {
        name: factory.mktemp(name.replace(" ", "-").replace("/", "-of-")) for name in commands
    }
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        done = pool.map(lambda name: run_cli(folders[name], *commands[name]), commands)
        return dict(zip(commands, done, strict=True))
