"""The hostile features grade an external target as they grade the embedded one: run against
`bioharness serve mms|fido` children without lab hooks, they pass, and the children log no
traceback and print one console line per request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.served import served
from tests.suite_runner import SuiteRun, run_suite

TARGETS = {
    "mms": ("steps/test_mms_hostile.py", "--mms-url"),
    "fido": ("steps/test_fido_hostile.py", "--fido-url"),
}


def _run(spec: str, tmp: Path) -> tuple[SuiteRun, str]:
    module, option = TARGETS[spec]
    with served(spec) as server:
        run = run_suite(tmp, module, f"{option}={server.url}")
        server.process.terminate()
        assert server.process.stdout is not None
        console = server.process.stdout.read()
    return run, console


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[SuiteRun, str]]:
    tmps = {spec: tmp_path_factory.mktemp(f"hostile-{spec}") for spec in TARGETS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda spec: _run(spec, tmps[spec]), TARGETS)
        return dict(zip(TARGETS, done, strict=True))


@pytest.mark.parametrize("spec", list(TARGETS))
def test_the_hostile_features_pass_against_a_served_reference(
    runs: dict[str, tuple[SuiteRun, str]], spec: str
) -> None:
    run, console = runs[spec]
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.passed) >= 250 and not run.failed and not run.skipped, sorted(run.failed)
    assert "Traceback" not in console, console[-3000:]
    if spec == "mms":  # one printable line per request, whatever the request held
        lines = console.splitlines()
        assert len(lines) > 600 and all(line.isascii() and line.isprintable() for line in lines)
