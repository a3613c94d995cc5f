"""Fixtures the scenarios share: evidence reported to Allure, and each target with its client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import allure
import pytest

from harness.bench import Bench
from harness.evidence import Evidence, Item
from harness.fido.client import FidoClient
from harness.hooks import LabHooks
from harness.mms.client import MmsClient
from harness.pki.trust import TrustStore
from harness.report.records import ADVISORY
from harness.servers.fido.embedded import embedded_fido
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.service import MmsService
from harness.servers.runner import EmbeddedServer


def _attach(item: Item) -> None:
    kind = (
        allure.attachment_type.JSON
        if item.mime == "application/json"
        else allure.attachment_type.TEXT
    )
    allure.attach(item.body, name=item.name, attachment_type=kind)


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Iterator[Evidence]:
    """This scenario's evidence; every item is attached to the Allure step that made it, and
    the advisories go to the conformance summary."""
    log = Evidence()
    log.subscribe(_attach)
    yield log
    request.node.user_properties += [(ADVISORY, text) for text in log.advisories]


@dataclass
class Target:
    """A server under test: its URL, its lab hooks, and the embedded service when the suite runs
    its own (which offers every hook over HTTP, as `serve --test-hooks` does)."""

    url: str
    hooks: LabHooks
    embedded: Any | None


@dataclass
class MmsTarget(Target):
    server_trust: TrustStore


def _embedded_hooks(server: EmbeddedServer) -> LabHooks:
    origin = server.url.split("/", 3)
    return LabHooks.test_hooks_of("/".join(origin[:3]))


@pytest.fixture(scope="session")
def mms_target(bench: Bench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MmsTarget]:
    """The MMS under test: the external URL, or an embedded server started once per session."""
    if not bench.mms.embedded:
        yield MmsTarget(bench.mms.url or "", bench.mms.hooks, None, bench.mms.server_trust())
        return
    db = tmp_path_factory.mktemp("mms") / "registry.sqlite3"
    with embedded_mms(bench.mms.service()(db_path=db), with_test_hooks=True) as server:
        yield MmsTarget(
            server.url, _embedded_hooks(server), server.service, bench.mms.server_trust()
        )


@pytest.fixture
def mms_client(mms_target: MmsTarget, bench: Bench, evidence: Evidence) -> Iterator[MmsClient]:
    """An HTTP client for the MMS under test."""
    with MmsClient(
        mms_target.url, mms_target.server_trust, evidence=evidence, timeout=bench.mms.http_timeout
    ) as client:
        yield client


@pytest.fixture
def scripted_mms(mms_target: MmsTarget) -> MmsService:
    """The embedded reference MMS, back in its seeded state, for a device scenario to script."""
    if mms_target.embedded is None:
        pytest.skip("device scenarios need the embedded reference MMS to play the server")
    mms_target.embedded.reset()
    return mms_target.embedded


@pytest.fixture(scope="session")
def fido_target(bench: Bench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The Device Service under test: the external base URL, or an embedded one."""
    if not bench.fido.embedded:
        yield Target(bench.fido.url or "", bench.fido.hooks, None)
        return
    db = tmp_path_factory.mktemp("fido") / "device-service.sqlite3"
    service = bench.fido.service()(db_path=db, tolerance=bench.fido.tolerance)
    with embedded_fido(service, with_test_hooks=True) as server:
        yield Target(server.url, _embedded_hooks(server), server.service)


@pytest.fixture
def fido_client(fido_target: Target, bench: Bench, evidence: Evidence) -> Iterator[FidoClient]:
    """An HTTP client for the Device Service under test."""
    with FidoClient(fido_target.url, evidence, timeout=bench.fido.http_timeout) as client:
        yield client


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest) -> None:
    """Before a scenario that consumes state, run its server's reset hook when there is one
    (without one, the scenario checks its precondition and skips if it was consumed). After
    Allure's own hook, so the evidence of the reset lands in the scenario's report."""
    if request.node.get_closest_marker("consumes_state") is None:
        return
    for spec, fixture in (("mms", "mms_target"), ("fido", "fido_target")):
        if request.node.get_closest_marker(spec):
            target: Target = request.getfixturevalue(fixture)
            if target.hooks.has("reset"):
                target.hooks.run("reset")
                evidence = request.getfixturevalue("evidence")
                evidence.add(f"{spec} reset hook ran", repr(target.hooks.reset))


@pytest.fixture
def device_transport(request: pytest.FixtureRequest) -> str:
    """The transport this run of a device scenario uses (parametrized in the root conftest)."""
    return request.param
