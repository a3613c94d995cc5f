"""The feature files: every scenario names its requirement; every code and status is expected."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_bdd.parser import FeatureParser

from harness.mms.protocol import ResponseCode

ROOT = Path(__file__).resolve().parents[1]
FEATURES = sorted((ROOT / "features").rglob("*.feature"))
REQUIREMENTS_DOC = (ROOT / "docs" / "requirements.md").read_text()


def _scenarios():
    for path in FEATURES:
        feature = FeatureParser(str(path.parent), path.name).parse()
        yield from feature.scenarios.values()


def test_there_are_features() -> None:
    assert FEATURES and list(_scenarios())


def test_every_scenario_carries_a_requirement_tag() -> None:
    untagged = [s.name for s in _scenarios() if not any(t.startswith("req:") for t in s.tags)]
    assert not untagged, f"scenarios without @req: tags: {untagged}"


def test_requirement_tags_and_their_document_agree() -> None:
    used = {t.removeprefix("req:") for s in _scenarios() for t in s.tags if t.startswith("req:")}
    documented = set(re.findall(r"^\| ([A-Z]+-[A-Z0-9-]+) \|", REQUIREMENTS_DOC, flags=re.M))
    assert used - documented == set(), "tags missing from docs/requirements.md"
    assert documented - used == set(), "documented requirements no scenario checks"


FIDO_STATUSES = {200, 204, 400, 401, 403, 406, 415, 422, 500}


def test_every_device_service_status_is_expected_by_some_scenario() -> None:
    text = "\n".join(p.read_text() for p in FEATURES if "fido" in p.parts)
    expected = {int(c) for c in re.findall(r"\| (\d{3}) +\|", text)}
    expected |= {int(c) for c in re.findall(r"the status is (\d{3})", text)}
    assert expected >= FIDO_STATUSES, f"no scenario expects {FIDO_STATUSES - expected}"


def test_every_mms_response_code_is_expected_by_some_scenario() -> None:
    text = "\n".join(p.read_text() for p in FEATURES if "mms" in p.parts)
    expected = {int(c) for c in re.findall(r"the response code is (-?\d+)", text)}
    assert expected == {int(code) for code in ResponseCode}
