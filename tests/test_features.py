"""The feature files: every scenario names its requirement; every code and status is expected."""

from __future__ import annotations

import re

from harness.mms.protocol import ResponseCode
from harness.report.catalogue import FEATURES, requirements, scenarios

FEATURE_FILES = sorted(FEATURES.rglob("*.feature"))


def test_there_are_features() -> None:
    assert FEATURE_FILES and scenarios()


def test_every_scenario_carries_a_requirement_tag_and_a_specification() -> None:
    untagged = [s.name for s in scenarios() if not s.requirements]
    assert not untagged, f"scenarios without @req: tags: {untagged}"
    unowned = [s.name for s in scenarios() if not s.specification]
    assert not unowned, f"scenarios of no specification (@mms, @fido or @device): {unowned}"


def test_requirement_tags_and_their_document_agree() -> None:
    used = {r for s in scenarios() for r in s.requirements}
    documented = set(requirements())
    assert used - documented == set(), "tags missing from docs/requirements.md"
    assert documented - used == set(), "documented requirements no scenario checks"


def test_every_requirement_names_its_specification_and_clause() -> None:
    catalogue = requirements()
    assert {r.specification for r in catalogue.values()} >= {
        "PSA Management Server API",
        "nevisFIDO Device Service",
    }
    assert all(r.clause and r.checked for r in catalogue.values())


FIDO_STATUSES = {200, 204, 400, 401, 403, 406, 415, 422, 500}


def test_every_device_service_status_is_expected_by_some_scenario() -> None:
    text = "\n".join(p.read_text() for p in FEATURE_FILES if "fido" in p.parts)
    expected = {int(c) for c in re.findall(r"\| (\d{3}) +\|", text)}
    expected |= {int(c) for c in re.findall(r"the status is (\d{3})", text)}
    assert expected >= FIDO_STATUSES, f"no scenario expects {FIDO_STATUSES - expected}"


def test_every_mms_response_code_is_expected_by_some_scenario() -> None:
    text = "\n".join(p.read_text() for p in FEATURE_FILES if "mms" in p.parts)
    expected = {int(c) for c in re.findall(r"the response code is (-?\d+)", text)}
    assert expected == {int(code) for code in ResponseCode}
