"""The reference MMS over real HTTP on loopback: transport errors and hostile bodies."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.evidence import Evidence
from harness.http_client import recording_client
from harness.jose.jws import verify
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms, reference_service
from harness.servers.runner import EmbeddedServer

SERVER_TRUST = TrustStore([fixture_pki().cert("server-root-ca")])


@pytest.fixture(scope="module")
def mms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    db: Path = tmp_path_factory.mktemp("mms") / "registry.sqlite3"
    with embedded_mms(reference_service(db)) as server:
        yield server


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"a": "x", "b": "y"}', b'{"msbDeviceSnapshot": 5}', b"{}",
     b'"just a string"', b"\xff\xfe"],
)  # fmt: skip
def test_bodies_that_are_no_envelope_get_400_with_a_reason(
    mms: EmbeddedServer, body: bytes
) -> None:
    response = httpx.post(mms.url, content=body, timeout=5)
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize("token", ["", "a.b.c", "....", "x" * 5000, "é"])
def test_junk_tokens_get_a_signed_minus_1001(mms: EmbeddedServer, token: str) -> None:
    response = httpx.post(mms.url, json={"msbDeviceSnapshot": token}, timeout=5)
    assert response.status_code == 200
    answer = verify(response.json()["msbDeviceSnapshot"], SERVER_TRUST, dt.datetime.now(dt.UTC))
    assert answer.payload["responseCode"] == "-1001"
    assert "serverTimeStamp" not in answer.payload


def test_oversized_body_gets_413(mms: EmbeddedServer) -> None:
    response = httpx.post(mms.url, content=b"{" + b" " * (1 << 20) + b"}", timeout=5)
    assert response.status_code == 413


def test_only_post_is_served(mms: EmbeddedServer) -> None:
    assert httpx.get(mms.url, timeout=5).status_code == 405


def test_the_path_works_without_its_trailing_slash(mms: EmbeddedServer) -> None:
    response = httpx.post(mms.url.rstrip("/"), json={"msbDeviceSnapshot": "a.b.c"}, timeout=5)
    assert response.status_code == 200


def test_every_exchange_is_evidence_with_headers_and_bodies(mms: EmbeddedServer) -> None:
    evidence = Evidence()
    with recording_client(evidence, timeout=5) as client:
        client.post(mms.url, content=b"not json", headers={"X-Bench": "lab-3"})
    (item,) = evidence.items
    exchange = json.loads(item.body)
    assert item.name == "HTTP POST /mms/MSBDeviceRequest/"
    assert exchange["request"]["headers"]["x-bench"] == "lab-3"
    assert exchange["request"]["body"] == "not json"
    assert exchange["response"]["status"] == 400 and "error" in exchange["response"]["body"]
