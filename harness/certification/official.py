"""Official runs: the filters a certification run refuses, and the record that makes its verdict
defensible later: the profile and its hash, the harness version, commit and content, the
specification documents the suite was built for, the fixture PKI, the targets, the device and
its firmware, the start and end time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from harness.clock import iso
from harness.pki.material import DEFAULT_FIXTURES
from harness.report.catalogue import ROOT

# The specification documents this suite was written against (docs/requirements.md cites
# their clauses): file name and SHA-256 of the text.
SPECIFICATIONS = {
    "PSA Management Server API": (
        "psa-management-server-api.txt",
        "1d04ce9f1d1eeff8a8135120f544f675dbf44bfdf0e8a9dacde60f80c9e09a95",
    ),
    "nevisFIDO Device Service": (
        "nevisfido-device-service.txt",
        "e9829babac912d7467a7bed11c77af6638ee405f26c1710e6a40b6e8d9c22c65",
    ),
}
# What decides a verdict: the code, the steps and features, the fixtures, the requirement and
# errata tables. Their combined hash names the suite exactly, in a checkout or an installed copy.
SUITE_CONTENT = (
    "harness",
    "steps",
    "features",
    "fixtures",
    "docs/requirements.md",
    "docs/errata.md",
)
# Environment keys (summary.json "environment") that name what was under test.
TARGET_KEYS = ("mms.target", "fido.target", "mds", "mds.version")


def refused_filters(
    *,
    requirements: Iterable[str],
    tags: str | None,
    keyword: str | None,
    suite_args: list[str],
    shard: str | None = None,
) -> list[str]:
    """What in a run's command line or profile would leave scenarios out, a shard's split among
    them (an official run refuses each: it runs every scenario, in one run)."""
    refused = [f"--req {r}" for r in requirements]
    refused += [f"--tags {tags!r} (or the profile's [run] tags)"] if tags else []
    refused += [f"-k {keyword!r}"] if keyword else []
    refused += [f"--shard {shard}"] if shard else []
    refused += [f"suite arguments after --: {' '.join(suite_args)}"] if suite_args else []
    return refused


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def suite_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the path and content of every file that decides a verdict."""
    digest = hashlib.sha256()
    for entry in SUITE_CONTENT:
        top = root / entry
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{path.relative_to(root).as_posix()}\0{sha256_of(path)}\n".encode())
    return digest.hexdigest()


def git_commit(root: Path = ROOT) -> dict[str, Any]:
    """The checkout's commit and whether files differ from it (unknown outside a checkout)."""
    try:
        head = _git(root, "rev-parse", "HEAD")
        changed = [line for line in _git(root, "status", "--porcelain").splitlines() if line]
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown (not a git checkout)", "modified_files": None}
    return {"commit": head, "modified_files": len(changed)}


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.strip()


def fixture_thumbprints() -> dict[str, str]:
    """SHA-256 thumbprint of every certificate of the fixture PKI, by name."""
    manifest = json.loads((DEFAULT_FIXTURES / "pki" / "manifest.json").read_text())
    return {name: m["sha256"] for name, m in manifest["material"].items() if "sha256" in m}


def record(
    *,
    official: bool,
    run_id: str,
    profile: Path | None,
    deviations: Path | None,
    command: list[str],
    started: dt.datetime,
    ended: dt.datetime,
    environment: dict[str, str],
    shard: str | None = None,
) -> dict[str, Any]:
    """The provenance of a run, for summary.json's `provenance` and the summary's first lines
    (with `shard`, K/N, when the run was one shard of a run split over machines)."""
    return {
        "official": official,
        "run_id": run_id,
        "command": command,
        "profile": _file_record(profile) if profile else "none (the embedded default bench)",
        "deviations_file": _file_record(deviations) if deviations else None,
        "harness": {
            "version": version("bioharness"),
            **git_commit(),
            "suite_sha256": suite_fingerprint(),
        },
        "specifications": {name: digest for name, (_, digest) in SPECIFICATIONS.items()},
        "fixture_pki_sha256": fixture_thumbprints(),
        "targets": {k: environment[k] for k in TARGET_KEYS if k in environment},
        "devices": {k: v for k, v in environment.items() if k.startswith("device.")},
        "started": iso(started),
        "ended": iso(ended),
        **({"shard": shard} if shard else {}),
    }


def _file_record(path: Path) -> dict[str, str]:
    return {"path": str(path), "sha256": sha256_of(path)}
