"""Fixtures the scenarios share: evidence reported to Allure, the MMS target and session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import allure
import pytest

from harness.bench import MmsBench
from harness.evidence import Evidence, Item
from harness.mms.client import MmsClient
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.service import MmsService


def _attach(item: Item) -> None:
    kind = (
        allure.attachment_type.JSON
        if item.mime == "application/json"
        else allure.attachment_type.TEXT
    )
    allure.attach(item.body, name=item.name, attachment_type=kind)


@pytest.fixture
def evidence() -> Evidence:
    """This scenario's evidence; every item is attached to the Allure step that made it."""
    log = Evidence()
    log.subscribe(_attach)
    return log


@dataclass
class MmsTarget:
    url: str
    server_trust: TrustStore
    embedded: MmsService | None


@pytest.fixture(scope="session")
def mms_target(bench: MmsBench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MmsTarget]:
    """The MMS under test: the external URL, or an embedded server started once per session."""
    if not bench.embedded:
        yield MmsTarget(bench.url or "", bench.server_trust(), None)
        return
    db = tmp_path_factory.mktemp("mms") / "registry.sqlite3"
    with embedded_mms(bench.service()(db_path=db)) as server:
        yield MmsTarget(server.url, bench.server_trust(), server.service)


@pytest.fixture
def mms_client(mms_target: MmsTarget, bench: MmsBench, evidence: Evidence) -> Iterator[MmsClient]:
    """An HTTP client for the target; the embedded server is reset to its seeded state first."""
    if mms_target.embedded is not None:
        mms_target.embedded.reset()
    with MmsClient(
        mms_target.url, mms_target.server_trust, evidence=evidence, timeout=bench.http_timeout
    ) as client:
        yield client
