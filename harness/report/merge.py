"""Shards merged: the run folders of `bioharness run --shard K/N`, K = 1..N, folded into one run
folder as if the run had not been split (`bioharness report --merge`).

The merged summary.json is rebuilt from the shards' scenario runs with the summary's own rules
(their expected-deviation marks kept), with each entry of the deviations file's status over all
shards, the shards' environments in one, and each shard's provenance under `shards`. junit.xml
holds every shard's testcases; allure-results/ every shard's result, container and attachment
files (their names are UUIDs) with the environment and categories written once.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.certification.deviations import APPLIED, EXPIRED, STALE, UNUSED
from harness.report import html, summary
from harness.report.plugin import write_allure_metadata
from harness.report.records import ScenarioRun
from harness.sharding import COLLECTION_KEY, SUMMARY_KEY, Shard, parse_shard

SHARD_FILES = ("summary.json", "junit.xml", "allure-results")
ALLURE_ONCE = ("environment.properties", "categories.json")  # the merged run's own
INPUTS = ("profile.toml", "deviations.toml")  # what the run read: the same in every shard
# An expected deviation's status over the shards: the first of these any shard gave it (expired
# in one shard: its failures stood there; else applied in one: applied; ...).
STATUS_PRECEDENCE = (EXPIRED, APPLIED, STALE, UNUSED)
NO_TESTS = 5  # pytest's exit status when a shard had no scenario to run
FOLDER_HINT = "give the run folders `bioharness run --shard K/N` wrote"


class MergeError(ValueError):
    """Run folders that are not every shard of one run, once; the message names the folder and
    what to do."""


@dataclass(frozen=True)
class ShardRun:
    """One shard's run folder, read: its summary, scenario runs, junit suites, Allure files."""

    folder: Path
    shard: Shard
    summary: dict[str, Any]
    runs: list[ScenarioRun]
    suites: list[ET.Element]
    allure_files: list[Path]


def read_shards(folders: Sequence[Path]) -> list[ShardRun]:
    """The run folders of every shard of one run, by K; MergeError unless they are each shard
    once, of one bench, profile and harness, with no scenario run or Allure file in two."""
    if not folders:
        raise MergeError(f"no run folder to merge: {FOLDER_HINT}")
    shards = [_read_shard(folder) for folder in folders]
    _check_complete(shards)
    _check_same_inputs(shards)
    _check_disjoint(shards)
    return sorted(shards, key=lambda s: s.shard.index)


def _read_shard(folder: Path) -> ShardRun:
    if not folder.is_dir():
        raise MergeError(f"{folder} is not a folder: {FOLDER_HINT}")
    for name in SHARD_FILES:
        if not (folder / name).exists():
            raise MergeError(f"{folder} has no {name}: {FOLDER_HINT}")
    try:
        document = summary.load(folder)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MergeError(
            f"{folder / 'summary.json'} cannot be read ({exc}): {FOLDER_HINT}"
        ) from None
    if SUMMARY_KEY not in document:
        raise MergeError(f"{folder} is not a shard (its summary.json names none): {FOLDER_HINT}")
    try:
        shard = parse_shard(str(document[SUMMARY_KEY]))
        runs = [ScenarioRun.from_dict(data) for data in _scenario_dicts(document)]
        junit = ET.parse(folder / "junit.xml").getroot()
        suites = [junit] if junit.tag == "testsuite" else junit.findall("testsuite")
    except (ValueError, KeyError, TypeError, ET.ParseError) as exc:
        raise MergeError(f"{folder} is not a well-formed shard ({exc}): {FOLDER_HINT}") from None
    allure = sorted(p for p in (folder / "allure-results").iterdir() if p.name not in ALLURE_ONCE)
    return ShardRun(folder, shard, document, runs, suites, allure)


def _scenario_dicts(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's scenario runs, each once (a run is listed under each of its requirements)."""
    by_nodeid = {run["nodeid"]: run for row in document["requirements"] for run in row["scenarios"]}
    return list(by_nodeid.values())


def _check_complete(shards: list[ShardRun]) -> None:
    """One bench, one N, every K from 1 to N once."""
    benches = {s.summary.get("bench") for s in shards}
    if len(benches) > 1:
        named = "; ".join(f"{s.folder}: {s.summary.get('bench')!r}" for s in shards)
        raise MergeError(f"the shards are of different benches ({named}): merge one bench's")
    counts = {s.shard.count for s in shards}
    if len(counts) > 1:
        named = "; ".join(f"{s.folder}: {s.shard}" for s in shards)
        raise MergeError(f"the shards are of different splits ({named}): merge the N of one run")
    count = counts.pop()
    first: dict[int, ShardRun] = {}
    for s in shards:
        if s.shard.index in first:
            raise MergeError(
                f"shard {s.shard} is given twice ({first[s.shard.index].folder} and {s.folder}):"
                " give each shard once"
            )
        first[s.shard.index] = s
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in first]
    if missing:
        which = f"shards {', '.join(missing)} are" if len(missing) > 1 else f"shard {missing[0]} is"
        raise MergeError(
            f"{which} missing: add the run folder of `bioharness run --shard {missing[0]}`"
        )


def _check_same_inputs(shards: list[ShardRun]) -> None:
    """The same scenario runs split, profile, deviations file and harness content in every
    shard."""
    if len({json.dumps(s.summary.get(COLLECTION_KEY), sort_keys=True) for s in shards}) > 1:
        split = "; ".join(f"{s.folder}: {_split_from(s)}" for s in shards)
        raise MergeError(
            f"the shards split different selections of scenario runs ({split}): run every "
            "shard with the same options, profile and checkout"
        )
    for name in INPUTS:
        contents = {_bytes(s.folder / name) for s in shards}
        if len(contents) > 1:
            raise MergeError(
                f"the shards ran with different {name} files ("
                + ", ".join(str(s.folder) for s in shards)
                + "): run every shard with the same profile and deviations file"
            )
    suites = {_suite_content(s) for s in shards} - {None}
    if len(suites) > 1:
        raise MergeError(
            "the shards ran different harness content (suite_sha256 "
            + ", ".join(sorted(str(suite) for suite in suites))
            + "): run every shard from the same checkout"
        )


def _split_from(shard: ShardRun) -> str:
    record = shard.summary.get(COLLECTION_KEY)
    return f"{record['runs']} scenario runs" if record else "no record of them"


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _suite_content(shard: ShardRun) -> str | None:
    provenance = shard.summary.get("provenance") or {}
    return provenance.get("harness", {}).get("suite_sha256")


def _check_disjoint(shards: list[ShardRun]) -> None:
    """No scenario run, and no Allure file, in two shards."""
    where: dict[str, ShardRun] = {}
    for s in shards:
        for key in [run.nodeid for run in s.runs] + [
            f"allure-results/{p.name}" for p in s.allure_files
        ]:
            if key in where:
                raise MergeError(
                    f"{key} is in shard {where[key].shard} ({where[key].folder}) and in shard "
                    f"{s.shard} ({s.folder}): these are not the shards of one run"
                )
            where[key] = s


def write(shards: list[ShardRun], into: Path, command: list[str]) -> dict[str, Any]:
    """Write the merged run folder `into` (new, or empty): summary.json and summary.html,
    junit.xml, allure-results/ and the run's inputs; return the merged summary. (The Allure HTML
    report is built from allure-results/ as for any run.) `command` is the merging command."""
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise MergeError(f"{into} already exists: give a new folder (--into)")
    into.mkdir(parents=True, exist_ok=True)
    document = merged_summary(shards, into.name, command)
    summary.write(document, into)
    html.write(document, into)
    merge_junit([s.suites for s in shards], into / "junit.xml")
    results = into / "allure-results"
    results.mkdir()
    for s in shards:
        for path in s.allure_files:
            shutil.copy2(path, results / path.name)
    write_allure_metadata(results, document["environment"])
    for name in INPUTS:
        if (shards[0].folder / name).is_file():
            shutil.copyfile(shards[0].folder / name, into / name)
    return document


def merged_summary(shards: list[ShardRun], run_id: str, command: list[str]) -> dict[str, Any]:
    """The summary of the run the shards are parts of (see the module's docstring)."""
    meta = {
        "bench": shards[0].summary.get("bench", ""),
        "harness_version": shards[0].summary.get("harness_version", ""),
        "started": min(s.summary.get("started", "") for s in shards),
        "duration_s": round(sum(s.summary.get("duration_s", 0) for s in shards), 1),
        "pytest_exit_status": merged_exit_status(
            [s.summary.get("pytest_exit_status", 0) for s in shards]
        ),
    }
    document = summary.from_records(
        [run for s in shards for run in s.runs],
        merged_environment(shards),
        meta,
        merged_deviations(shards),
    )
    provenance = merged_provenance(shards, run_id, command)
    return {
        "run_id": run_id,
        "official": False,  # an official run is one run: it refuses --shard
        **document,
        **({"provenance": provenance} if provenance else {}),
        "shards": [
            {
                "shard": str(s.shard),
                "folder": str(s.folder.resolve()),
                "verdict": s.summary.get("verdict"),
                "duration_s": s.summary.get("duration_s"),
                "provenance": s.summary.get("provenance"),
            }
            for s in shards
        ],
    }


def merged_exit_status(statuses: list[int]) -> int:
    """pytest's status for the whole run: the highest failing one of a shard (a shard that had
    nothing to run fails nothing), 0 when none failed."""
    failing = [status for status in statuses if status not in (0, NO_TESTS)]
    if failing:
        return max(failing)
    return 0 if 0 in statuses else NO_TESTS


def merged_environment(shards: list[ShardRun]) -> dict[str, str]:
    """Every shard's environment keys; a value the shards differ on lists each value with the
    shards that had it."""
    values: dict[str, dict[str, list[str]]] = {}
    for s in shards:
        for key, value in s.summary.get("environment", {}).items():
            values.setdefault(key, {}).setdefault(value, []).append(str(s.shard))
    return {
        key: next(iter(by_value))
        if len(by_value) == 1
        else "; ".join(f"{value} (shard {', '.join(ks)})" for value, ks in by_value.items())
        for key, by_value in values.items()
    }


def merged_deviations(shards: list[ShardRun]) -> list[dict[str, Any]]:
    """What each expected deviation did over the shards: the status of STATUS_PRECEDENCE first
    given it by a shard (among unused ones, by a shard that ran a scenario it names), with
    every run any shard applied it (or would have) to."""
    seen: dict[str, list[tuple[tuple[int, bool], dict[str, Any]]]] = {}
    for s in shards:
        for entry in s.summary.get("deviations", []):
            rank = STATUS_PRECEDENCE.index(entry["status"])
            selected = any(_names(entry, run) for run in s.runs)
            seen.setdefault(entry["key"], []).append(((rank, not selected), entry))
    merged = []
    for entries in seen.values():
        _, chosen = min(entries, key=lambda ranked: ranked[0])
        merged.append({**chosen, "runs": [n for _, entry in entries for n in entry["runs"]]})
    return merged


def _names(entry: dict[str, Any], run: ScenarioRun) -> bool:
    """Whether the deviations-file entry (as summary.json lists it) names the scenario run."""
    if entry.get("requirement") is not None:
        return entry["requirement"] in run.requirements
    return run.scenario == entry.get("scenario")


def merged_provenance(
    shards: list[ShardRun], run_id: str, command: list[str]
) -> dict[str, Any] | None:
    """The merged run's provenance: what the shards share (profile, harness, specifications,
    fixture PKI), the targets and devices of all, from the first start to the last end; None
    when a shard has none (it was run without `bioharness run`)."""
    records = [s.summary.get("provenance") for s in shards]
    if not all(records):
        return None
    shared = {key: value for key, value in records[0].items() if key != SUMMARY_KEY}
    return {
        **shared,
        "official": False,
        "run_id": run_id,
        "command": command,
        "targets": {k: v for r in records for k, v in r.get("targets", {}).items()},
        "devices": {k: v for r in records for k, v in r.get("devices", {}).items()},
        "started": min(r["started"] for r in records),
        "ended": max(r["ended"] for r in records),
    }


def merge_junit(shard_suites: Sequence[list[ET.Element]], target: Path) -> None:
    """One junit.xml: every testcase of the shards' in one <testsuite> under one <testsuites>,
    its counts and time the shards' summed, its timestamp the first."""
    suites = [suite for suites in shard_suites for suite in suites]
    merged = ET.Element("testsuite", {"name": "pytest"})
    for counter in ("errors", "failures", "skipped", "tests"):
        merged.set(counter, str(sum(int(suite.get(counter, "0")) for suite in suites)))
    merged.set("time", f"{sum(float(suite.get('time', '0')) for suite in suites):.3f}")
    stamps = [suite.get("timestamp", "") for suite in suites if suite.get("timestamp")]
    if stamps:
        merged.set("timestamp", min(stamps))
    hosts = dict.fromkeys(suite.get("hostname", "") for suite in suites if suite.get("hostname"))
    if hosts:
        merged.set("hostname", ",".join(hosts))
    for suite in suites:
        merged.extend(suite.findall("testcase"))
    root = ET.Element("testsuites", {"name": "pytest tests"})
    root.append(merged)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
