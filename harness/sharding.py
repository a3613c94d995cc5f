"""CI shards (`--shard K/N`, loaded by the bioharness plugin): one run split over N machines.

Every machine collects the same scenario runs and keeps shard K's: the split depends only on the
node ids and each run's expected cost, never on the collection order or `--shuffle`. The runs
are dealt costliest first (ties by node id) to the shard with the least expected cost so far
(ties: the lowest K), after every run that drives a physical device (a serial port, a USB device,
a vendor MDS) has gone to shard 1 together: a physical device is never driven by two machines,
and the machine it is attached to runs shard 1. A shard's summary.json records `"shard": "K/N"`;
`bioharness report --merge` folds the shards' run folders into one (harness/report/merge.py),
and checks with `"shard_collection"` (how many scenario runs were split, and a hash of their node
ids) that every shard split the same ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.device.connect import PHYSICAL_KINDS, TransportSpecError, check_transport
from harness.mds.scenario import VENDOR_MDS
from harness.report import html, summary

# The expected cost of one scenario run in ms, by its first marker in this order: the mean
# duration of the 1187 runs of the embedded default (pty and USB), reports of 2026-11-27
# (device 131, SBI 138, a device's FIDO client 48, MMS 41 and hostile 44, Device Service 24
# and hostile 31).
COST_MS = (("fido_client", 50), ("device", 130), ("mms", 45), ("fido", 25))
OTHER_MS = 45  # a scenario with none of those markers
SKIPPED_MS = 1  # skipped before it starts (a missing hook, no USB device)
# A run on a physical device takes ten times as long (the serial bench's device scenarios:
# 1.26 s against 0.13 s emulated).
PHYSICAL_FACTOR = 10
SUMMARY_KEY = "shard"  # summary.json's record of the shard a run was
COLLECTION_KEY = "shard_collection"  # and of the scenario runs the shards were split from

_SHARD = pytest.StashKey["Shard"]()
_COSTS = pytest.StashKey[list[int]]()  # every shard's expected cost in ms, by K
_COLLECTION = pytest.StashKey[dict[str, int | str]]()


@dataclass(frozen=True)
class Shard:
    """Shard `index` (K, from 1) of `count` (N)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """`K/N` as a Shard; ValueError (naming the value and the fix) unless 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise ValueError(f"{text!r} is not K/N, shard K of N (e.g. 2/4)")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise ValueError(f"{text}: K must be from 1 to N (e.g. 2/4)")
    return Shard(index, count)


def drives_physical_device(item: pytest.Item) -> bool:
    """Whether this scenario run opens a device the bench cannot duplicate: its transport (see
    pytest_plugin.pytest_generate_tests) is a serial port, a USB device or a vendor MDS."""
    callspec = getattr(item, "callspec", None)
    transport = callspec.params.get("device_transport") if callspec else None
    if transport is None:
        return False
    if transport == VENDOR_MDS:
        return True
    try:
        return check_transport(transport).kind in PHYSICAL_KINDS
    except TransportSpecError:  # the placeholder of a skipped usb_only run
        return False


def expected_cost(item: pytest.Item, physical: bool) -> int:
    """What a scenario run is expected to take, in ms (see COST_MS)."""
    if item.get_closest_marker("skip") is not None:
        return SKIPPED_MS
    cost = next((ms for marker, ms in COST_MS if item.get_closest_marker(marker)), OTHER_MS)
    return cost * PHYSICAL_FACTOR if physical else cost


def assign(costs: Mapping[str, int], count: int, together: Collection[str] = ()) -> list[set[str]]:
    """Split node ids into `count` shards balanced by cost: the `together` ids all on shard 1,
    then the others costliest first (ties by node id) each on the cheapest shard so far (ties:
    the lowest). The same ids and costs give the same shards, in whatever order they come."""
    shards: list[set[str]] = [set() for _ in range(count)]
    loads = [0] * count
    shards[0].update(together)
    loads[0] = sum(costs[nodeid] for nodeid in together)
    for nodeid in sorted(set(costs) - set(together), key=lambda n: (-costs[n], n)):
        lightest = min(range(count), key=lambda k: (loads[k], k))
        shards[lightest].add(nodeid)
        loads[lightest] += costs[nodeid]
    return shards


def collection_record(nodeids: Collection[str]) -> dict[str, int | str]:
    """What the shards were split from: how many scenario runs, and a hash of their node ids."""
    digest = hashlib.sha256("\n".join(sorted(nodeids)).encode()).hexdigest()
    return {"runs": len(nodeids), "sha256": digest}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bioharness shards")
    group.addoption(
        "--shard",
        metavar="K/N",
        help="run shard K of N: the scenario runs are split over N machines by expected cost; "
        "every run on a physical device is in shard 1",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read --shard (a bad value stops the run with a usage error)."""
    given = config.getoption("--shard")
    if given is None:
        return
    try:
        config.stash[_SHARD] = parse_shard(given)
    except ValueError as exc:
        raise pytest.UsageError(f"--shard {exc}") from None


@pytest.hookimpl(trylast=True)  # after the filters (-m, -k, --req), the skips and --shuffle
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this shard's scenario runs, in the order they were in; deselect the others."""
    shard = config.stash.get(_SHARD, None)
    if shard is None:
        return
    physical = {item.nodeid for item in items if drives_physical_device(item)}
    costs = {item.nodeid: expected_cost(item, item.nodeid in physical) for item in items}
    shards = assign(costs, shard.count, physical)
    config.stash[_COSTS] = [sum(costs[n] for n in part) for part in shards]
    config.stash[_COLLECTION] = collection_record(costs)
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller writes the summary
        config.workeroutput[COLLECTION_KEY] = config.stash[_COLLECTION]
    mine = shards[shard.index - 1]
    drop = [item for item in items if item.nodeid not in mine]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if item.nodeid in mine]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> str | None:
    """Which shard this is, and every shard's expected cost."""
    shard = config.stash.get(_SHARD, None)
    if shard is None or _COSTS not in config.stash:
        return None
    costs = ", ".join(f"{ms / 1000:.1f}" for ms in config.stash[_COSTS])
    return (
        f"bioharness: shard {shard}: {len(items)} scenario runs; "
        f"expected cost by shard (s): {costs}"
    )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: what the shards were split from, as a worker collected it."""
    record = getattr(node, "workeroutput", {}).get(COLLECTION_KEY)
    if record is not None:
        node.config.stash[_COLLECTION] = record


@pytest.hookimpl(wrapper=True)  # around the report plugin's RunRecorder, which writes the summary
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """Record the shard, and what the shards were split from, in the summary the run wrote
    (summary.json and summary.html)."""
    yield
    config = session.config
    shard = config.stash.get(_SHARD, None)
    folder: Path | None = config.getoption("--summary-dir", None)
    if shard is None or folder is None or hasattr(config, "workerinput"):
        return
    if (folder / "summary.json").exists():
        document = {
            **summary.load(folder),
            SUMMARY_KEY: str(shard),
            COLLECTION_KEY: config.stash.get(_COLLECTION, collection_record(())),
        }
        summary.write(document, folder)
        html.write(document, folder)
