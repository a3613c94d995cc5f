"""CI shards: the split of `--shard K/N` (deterministic, complete, balanced by expected cost, a
physical device's runs on one shard) on the suite's real collection, and how a merge folds
deviations and exit statuses (the merge of four real shards is in tests/test_lab_workflow.py)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.certification.deviations import APPLIED, EXPIRED, STALE, UNUSED
from harness.report.catalogue import ROOT
from harness.report.merge import ShardRun, merged_deviations, merged_exit_status
from harness.report.records import ScenarioRun
from harness.sharding import COST_MS, Shard, assign
from tests.served import CLI

SHARDS = 4
COLLECT = [sys.executable, "-m", "pytest", "steps", "--collect-only", "-q"]
PHYSICAL_BENCH = ["--device", "serial:/tmp/bioharness-shards-test/ttyNONE", "--device", "pty"]
# The expected cost of a scenario run of each step module (the embedded default skips none).
COST = dict(COST_MS)
MODULE_COST = {
    "test_device.py": COST["device"],
    "test_sbi.py": COST["device"],
    "test_fido_client.py": COST["fido_client"],
    "test_mms.py": COST["mms"],
    "test_mms_hostile.py": COST["mms"],
    "test_fido.py": COST["fido"],
    "test_fido_hostile.py": COST["fido"],
}
BALANCE = 0.02  # the costliest shard's expected cost is at most 2 % above the mean


# --- the split, on made-up costs -------------------------------------------------------------


def _costs(count: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    return {
        f"steps/test_{i % 7}.py::t[{i}]": rng.choice([1, 25, 45, 50, 130]) for i in range(count)
    }


def test_the_split_is_the_same_in_whatever_order_the_runs_come() -> None:
    costs = _costs(500, seed=1)
    together = [n for n in costs if n.startswith("steps/test_3")]
    reference = assign(costs, 4, together)
    for seed in range(5):
        order = list(costs.items())
        random.Random(seed).shuffle(order)
        shuffled = list(together)
        random.Random(seed).shuffle(shuffled)
        assert assign(dict(order), 4, shuffled) == reference


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_every_run_is_in_exactly_one_shard(count: int) -> None:
    costs = _costs(301, seed=count)
    shards = assign(costs, count)
    assert len(shards) == count
    assert sum(len(shard) for shard in shards) == len(costs)
    assert set().union(*shards) == set(costs)


def test_runs_kept_together_are_all_in_shard_1_and_the_rest_balanced_around_them() -> None:
    costs = _costs(400, seed=2)
    together = {n for n in costs if n.startswith("steps/test_0")}
    shards = assign(costs, 3, together)
    assert together <= shards[0] and not together & (shards[1] | shards[2])
    loads = [sum(costs[n] for n in shard) for shard in shards]
    assert max(loads) - min(loads) <= max(costs.values())


# --- the split of the suite's real collection ------------------------------------------------


def _collect(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COLLECT, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def _nodeids(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if "::" in line]


def _expected_costs_s(proc: subprocess.CompletedProcess[str]) -> list[float]:
    found = re.search(r"expected cost by shard \(s\): ([\d., ]+)", proc.stdout)
    assert found, proc.stdout[:2000]
    return [float(cost) for cost in found[1].split(", ")]


@pytest.fixture(scope="module")
def collected() -> dict[str, subprocess.CompletedProcess[str]]:
    """The suite collected whole, in each of four shards, shuffled, and on a physical bench."""
    commands = {
        "all": [],
        **{f"{k}/{SHARDS}": ["--shard", f"{k}/{SHARDS}"] for k in range(1, SHARDS + 1)},
        "2/4 seed 1": ["--shard", "2/4", "--shuffle", "1"],
        "2/4 seed 2": ["--shard", "2/4", "--shuffle", "2"],
        "physical 1/2": ["--shard", "1/2", *PHYSICAL_BENCH],
        "physical 2/2": ["--shard", "2/2", *PHYSICAL_BENCH],
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda name: _collect(*commands[name]), commands)
        return dict(zip(commands, done, strict=True))


def test_the_shards_of_the_suite_hold_every_run_once(collected: dict) -> None:
    everything = _nodeids(collected["all"])
    shards = [_nodeids(collected[f"{k}/{SHARDS}"]) for k in range(1, SHARDS + 1)]
    assert sorted(n for shard in shards for n in shard) == sorted(everything)
    assert len(everything) > 1000


def test_the_shards_of_the_suite_are_balanced_by_expected_cost(collected: dict) -> None:
    shards = [_nodeids(collected[f"{k}/{SHARDS}"]) for k in range(1, SHARDS + 1)]
    loads = [sum(MODULE_COST[n.split("::")[0].rsplit("/", 1)[1]] for n in s) for s in shards]
    mean = sum(loads) / SHARDS
    assert max(loads) <= mean * (1 + BALANCE), loads
    # what every shard prints is that same split
    for k in range(1, SHARDS + 1):
        printed = _expected_costs_s(collected[f"{k}/{SHARDS}"])
        assert printed == [round(ms / 1000, 1) for ms in loads]
    # balanced by cost, not by count: the costly device runs are dealt out like the cheap ones
    device = [sum("test_device.py" in n for n in shard) for shard in shards]
    assert max(device) - min(device) <= 1, device


def test_the_split_does_not_depend_on_the_order_of_the_runs(collected: dict) -> None:
    plain = _nodeids(collected["2/4"])
    one, two = _nodeids(collected["2/4 seed 1"]), _nodeids(collected["2/4 seed 2"])
    assert one != plain and two != one, "--shuffle did not change the order"
    assert set(one) == set(two) == set(plain)


def test_a_physical_devices_runs_are_all_in_shard_1(collected: dict) -> None:
    first, second = _nodeids(collected["physical 1/2"]), _nodeids(collected["physical 2/2"])
    on_device = [n for n in first + second if "[serial:" in n]
    assert on_device and all(n in first for n in on_device)
    assert any("[pty" in n for n in second), "the emulated runs are shared out as the others"


def test_a_bad_shard_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    proc = _collect("--shard", "5/4")
    assert proc.returncode == 4 and "--shard 5/4: K must be from 1 to N" in proc.stderr
    for args, message in [
        (["--shard", "0/3"], "argument --shard: 0/3: K must be from 1 to N"),
        (["--shard", "two"], "argument --shard: 'two' is not K/N"),
        (["--official", "--shard", "1/2"], "leave out: --shard 1/2"),
    ]:
        cli = subprocess.run(
            [*CLI, "run", "--reports", str(tmp_path), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 2 and message in cli.stderr, cli.stderr
        assert "Traceback" not in cli.stderr
    assert not any(tmp_path.iterdir()), "no run folder for a refused run"


# --- the merge's rules -----------------------------------------------------------------------


def _shard_with(index: int, runs: list[ScenarioRun], *entries: dict) -> ShardRun:
    return ShardRun(Path(f"s{index}"), Shard(index, 3), {"deviations": list(entries)}, runs, [], [])


def _entry(key: str, status: str, runs: tuple[str, ...] = (), note: str = "") -> dict:
    """An entry of a shard's summary.json `deviations` (for requirement `key`)."""
    return {"key": key, "requirement": key, "status": status, "runs": list(runs), "note": note}


def test_an_expected_deviation_takes_its_weightiest_status_over_the_shards() -> None:
    named = ScenarioRun("b", requirements=["R-STALE", "R-UNUSED"])  # ran in shard 2 only
    unselected = "the run selected no scenario it names"
    shards = [
        _shard_with(
            1,
            [],
            _entry("R-APPLIED", APPLIED, ("a",)),
            _entry("R-STALE", UNUSED, note=unselected),
            _entry("R-UNUSED", UNUSED, note=unselected),
        ),
        _shard_with(
            2,
            [named],
            _entry("R-APPLIED", STALE, note="its runs pass"),
            _entry("R-STALE", STALE, note="its runs pass"),
            _entry("R-UNUSED", UNUSED, note="its runs did not fail"),
        ),
        _shard_with(3, [], _entry("R-APPLIED", APPLIED, ("c",))),
    ]
    merged = {entry["key"]: entry for entry in merged_deviations(shards)}
    assert merged["R-APPLIED"] == _entry("R-APPLIED", APPLIED, ("a", "c"))
    assert merged["R-STALE"] == _entry("R-STALE", STALE, note="its runs pass")
    assert merged["R-UNUSED"] == _entry("R-UNUSED", UNUSED, note="its runs did not fail")
    expired = [
        _shard_with(1, [], _entry("R", APPLIED, ("a",))),
        _shard_with(2, [], _entry("R", EXPIRED, ("b",))),
    ]
    assert merged_deviations(expired) == [_entry("R", EXPIRED, ("a", "b"))]


def test_the_merged_exit_status_is_the_worst_failing_shards() -> None:
    assert merged_exit_status([0, 0, 0]) == 0
    assert merged_exit_status([0, 5, 0]) == 0  # a shard with nothing to run fails nothing
    assert merged_exit_status([1, 0, 5]) == 1
    assert merged_exit_status([1, 3, 0]) == 3
    assert merged_exit_status([5, 5]) == 5
