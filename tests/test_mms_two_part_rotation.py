"""msbKeyRotation's two-part form (docs/errata.md): RS256 over the payload segment, verified with
the certificate the device last authenticated with. A server may take it only verified, and only
on a bench that allows the form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.mms import protocol
from harness.mms.client import MmsClient
from harness.mms.requests import MdsInfo
from harness.mms.session import MmsSession
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms
from harness.servers.runner import EmbeddedServer
from tests import broken_mms, conformant_mms
from tests.suite_runner import run_suite

SERVER_TRUST = TrustStore([fixture_pki().cert("server-root-ca")])


@pytest.fixture
def verifying(tmp_path: Path) -> Iterator[EmbeddedServer]:
    service = conformant_mms.verifies_two_part_rotation(tmp_path / "registry.sqlite3")
    with embedded_mms(service) as server:
        yield server


def _rotation_code(server: EmbeddedServer, mutation: str, authenticate_first: bool) -> str:
    with MmsClient(server.url, SERVER_TRUST) as client:
        session = MmsSession.of_fixture("finger-rotator", client, MdsInfo())
        if authenticate_first:
            session.snapshot()
        return session.send(protocol.KEY_ROTATION, mutation).answer["responseCode"]


def test_the_verifying_variant_takes_a_two_part_rotation_it_can_verify(
    verifying: EmbeddedServer,
) -> None:
    assert _rotation_code(verifying, "two-part form", authenticate_first=True) == "0"


@pytest.mark.parametrize(
    ("mutation", "authenticate_first"),
    [("two-part form by a foreign key", True), ("two-part form", False)],
)
def test_the_verifying_variant_refuses_what_it_cannot_verify(
    verifying: EmbeddedServer, mutation: str, authenticate_first: bool
) -> None:
    assert _rotation_code(verifying, mutation, authenticate_first) != "0"


def test_an_unverified_two_part_rotation_fails_even_where_the_bench_allows_the_form(
    tmp_path: Path,
) -> None:
    run = run_suite(
        tmp_path,
        "steps/test_mms.py",
        "-k",
        "twopart",
        "--mms-service=tests.broken_mms:accepts_two_part_rotation",
        "--mms-allow-two-part-rotation",
    )
    assert run.outcome(broken_mms.TWO_PART, "payload segment") == {"passed"}, run.output[-3000:]
    assert run.outcome(broken_mms.TWO_PART, "foreign key") == {"failed"}, run.output[-3000:]
    assert set(run.categories.values()) <= {"product defect", "spec erratum"}
