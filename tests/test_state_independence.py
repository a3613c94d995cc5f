"""Verdicts that hold against a server the harness cannot reset: each specification's features
run against one freshly seeded `bioharness serve --test-hooks` child process (never reset by the
harness itself), in shuffled orders, twice in a row; first with no lab hooks configured, then
with the child's test hooks as the bench's hooks, exactly as a lab configures its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.fixture_state import CONSUMED
from tests.served import served
from tests.suite_runner import SuiteRun, run_suite

SEEDS = (1, 2)
SPECS = {"mms": ("steps/test_mms.py", "--mms-url"), "fido": ("steps/test_fido.py", "--fido-url")}
MISSING_HOOK = "hook of the"  # the skip reason of a scenario whose hook the bench lacks
# The scenarios that only a lab hook makes possible: they must run (and pass) through the hooks.
THROUGH_HOOKS = {
    "mms": ["A server that hits an internal fault cannot generate a response"],
    "fido": [
        "A server that hits an internal fault answers 500",
        "An operation disappears once it times out",
    ],
}


@dataclass
class Chain:
    """Four runs on one server: two without hooks, then two with them."""

    seed: int
    without_hooks: list[SuiteRun]
    with_hooks: list[SuiteRun]


def _chain(spec: str, seed: int, tmp: Path) -> Chain:
    module, url_option = SPECS[spec]
    with served(spec, "--test-hooks") as server:
        # one transport: the order is what is under test here, not the device's links
        target = [f"{url_option}={server.url}", "--device=pty"]

        def run(name: str, order: int, *extra: str) -> SuiteRun:
            return run_suite(tmp / name, module, *target, f"--shuffle={order}", *extra)

        hooks = server.hook_options(spec)
        return Chain(
            seed,
            [run("plain-1", seed), run("plain-2", seed + 100)],
            [run("hooks-1", seed + 200, *hooks), run("hooks-2", seed + 300, *hooks)],
        )


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Chain]:
    cases = [(spec, seed) for spec in SPECS for seed in SEEDS]
    tmps = {case: tmp_path_factory.mktemp(f"{case[0]}-{case[1]}") for case in cases}
    with ThreadPoolExecutor(max_workers=3) as pool:
        found = pool.map(lambda case: _chain(*case, tmps[case]), cases)
        return dict(zip(cases, found, strict=True))


def _no_failure(run: SuiteRun, what: str) -> None:
    assert not run.failed and run.returncode == 0, (
        f"{what}: failed {sorted(run.failed)}\n{run.output[-3000:]}"
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spec", list(SPECS))
def test_without_hooks_only_hook_scenarios_skip_then_consumed_state(
    chains: dict, spec: str, seed: int
) -> None:
    first, second = chains[(spec, seed)].without_hooks
    _no_failure(first, f"{spec} first run, seeds {seed}")
    assert first.passed
    assert first.skip_reasons and all(MISSING_HOOK in r for r in first.skip_reasons.values()), (
        first.skip_reasons
    )
    _no_failure(second, f"{spec} second run on the same server, seed {seed + 100}")
    unexplained = {
        test: reason
        for test, reason in second.skip_reasons.items()
        if MISSING_HOOK not in reason and CONSUMED not in reason
    }
    assert not unexplained, unexplained
    consumed = {test for test, reason in second.skip_reasons.items() if CONSUMED in reason}
    assert consumed, "the first run consumed fixture state: the second must skip for it"
    assert second.passed == first.passed - consumed


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("spec", list(SPECS))
def test_with_hooks_nothing_skips_and_hook_scenarios_pass(
    chains: dict, spec: str, seed: int
) -> None:
    for n, run in enumerate(chains[(spec, seed)].with_hooks, start=1):
        _no_failure(run, f"{spec} run {n} with hooks, seed {seed + 100 * (n + 1)}")
        assert not run.skipped, run.skip_reasons
        for scenario in THROUGH_HOOKS[spec]:
            assert run.outcome(scenario) == {"passed"}, scenario
