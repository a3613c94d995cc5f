"""What an official run records: the specification documents' hashes, the suite's content hash,
and the filters it refuses."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from harness.certification.official import (
    SPECIFICATIONS,
    SUITE_CONTENT,
    refused_filters,
    suite_fingerprint,
)
from harness.report.catalogue import ROOT

SPECS = ROOT.parent / "shared" / "specs"  # where the project keeps the documents beside it


@pytest.mark.skipif(not SPECS.is_dir(), reason=f"no specification documents at {SPECS}")
def test_the_recorded_specification_hashes_are_the_documents_the_suite_was_written_against() -> (
    None
):
    for name, (file, sha256) in SPECIFICATIONS.items():
        assert hashlib.sha256((SPECS / file).read_bytes()).hexdigest() == sha256, name


def test_the_suite_hash_changes_with_any_file_that_decides_a_verdict(tmp_path: Path) -> None:
    copy = tmp_path / "suite"
    for entry in SUITE_CONTENT:
        source, target = ROOT / entry, copy / entry
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    before = suite_fingerprint(copy)
    assert before == suite_fingerprint(ROOT)  # the content, not where it lies
    (copy / "harness" / "__pycache__" / "x.pyc").parent.mkdir(exist_ok=True)
    (copy / "harness" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert suite_fingerprint(copy) == before  # bytecode caches are not the suite
    feature = next((copy / "features").rglob("*.feature"))
    feature.write_text(feature.read_text() + "\n")
    assert suite_fingerprint(copy) != before


def test_every_filter_is_named() -> None:
    refused = refused_filters(
        requirements=["MMS-*"], tags="mms", keyword="time", suite_args=["-x"], shard="2/4"
    )
    assert refused == [
        "--req MMS-*",
        "--tags 'mms' (or the profile's [run] tags)",
        "-k 'time'",
        "--shard 2/4",
        "suite arguments after --: -x",
    ]
    assert refused_filters(requirements=[], tags=None, keyword=None, suite_args=[]) == []
