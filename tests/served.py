"""`bioharness serve` as a child process, as a lab runs it: its URL read from its first line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.hooks import TEST_HOOKS_PATH
from harness.report.catalogue import ROOT

CLI = [sys.executable, "-m", "harness.cli"]


@dataclass(frozen=True)
class Served:
    """A running `bioharness serve`: the first line it printed, and the URL in it."""

    line: str
    process: subprocess.Popen[str]

    @property
    def url(self) -> str:
        return self.line.split(" at ", 1)[1].split()[0]

    @property
    def origin(self) -> str:
        return "/".join(self.url.split("/", 3)[:3])

    def hook_options(self, spec: str) -> list[str]:
        """Suite options naming this server's test hooks as the bench's lab hooks."""
        base = self.origin + TEST_HOOKS_PATH
        return [
            f"--{spec}-reset-hook=POST {base}/reset",
            f"--{spec}-clock-hook=POST {base}/clock?offset_ms={{offset_ms}}",
            f"--{spec}-fault-hook=POST {base}/fault",
        ]


@contextmanager
def served(*args: str, seconds: float = 600) -> Iterator[Served]:
    """Run `bioharness serve ARGS` for at most `seconds`; stop it on leaving."""
    proc = subprocess.Popen(
        [*CLI, "serve", *args, "--seconds", str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield Served(proc.stdout.readline(), proc)  # the first line says where it serves
    finally:
        proc.terminate()
        proc.wait(10)
