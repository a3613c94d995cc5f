"""The Device Service spec's own examples: parsed as JOSE, and replayed against the reference."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jwcrypto import jwe

from harness.fido import protocol
from harness.jose.jws import json_payload, peek
from harness.servers.fido.embedded import embedded_fido, reference_service
from harness.servers.runner import EmbeddedServer

SPEC = Path(__file__).resolve().parents[2] / "shared" / "specs" / "nevisfido-device-service.txt"
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason=f"specification not found at {SPEC}")
TEXT = SPEC.read_text() if SPEC.exists() else ""

# "GET /nevisfido/devices/<id> HTTP/1.1" then header lines, a blank line, and a PATCH body.
REQUEST = re.compile(
    r"(?P<method>GET|PATCH|DELETE) /nevisfido/devices/(?P<oob>oobOperations/)?"
    r"(?P<device>[0-9a-f-]{36}) HTTP/1\.1\n(?P<headers>(?:[\w-]+: .*\n)+)\n?(?P<body>eyJ\S+)?"
)
COMPACT = re.compile(r"eyJ[\w-]+(?:\.[\w-]*){2,4}")
SIGNATURE_FIELDS = {"dispatchTargetId", "requestId", "creationTimeInEpochMillis"}
PATCH_FIELDS = {"signingDispatchTargetId", "requestId", "creationTimeInEpochMillis", "operation"}


def example_requests() -> list[dict[str, str]]:
    found = []
    for match in REQUEST.finditer(TEXT):
        headers = dict(
            line.split(": ", 1) for line in match["headers"].strip().splitlines() if ": " in line
        )
        found.append({**match.groupdict(), "signature": headers.get("Device-Signature", "")})
    return found


def example_tokens() -> set[str]:
    return set(COMPACT.findall(TEXT))


def test_the_spec_has_every_example_request() -> None:
    kinds = {(r["method"], bool(r["oob"])) for r in example_requests()}
    assert kinds == {("GET", False), ("PATCH", False), ("DELETE", False), ("GET", True)}


def test_every_example_jws_is_rs256_with_a_kid_and_the_documented_payload() -> None:
    jws_tokens = [t for t in example_tokens() if t.count(".") == 2]
    assert len(jws_tokens) == 4
    for token in jws_tokens:
        header, raw, _ = peek(token)
        assert header == {"kid": "certAlias", "alg": "RS256"}
        payload = json_payload(raw)
        assert set(payload) >= SIGNATURE_FIELDS or set(payload) >= PATCH_FIELDS, payload
        assert isinstance(payload["creationTimeInEpochMillis"], int)
        assert len(payload["requestId"]) <= protocol.MAX_REQUEST_ID
        for value in payload.values():
            if isinstance(value, str):
                assert value in TEXT, f"decoded {value!r} is not in the spec's decoded payloads"


def test_the_patch_example_gives_name_and_target_as_strings() -> None:
    (patch,) = [r for r in example_requests() if r["method"] == "PATCH"]
    payload = json_payload(peek(patch["body"])[1])
    assert payload["operation"] == protocol.UPDATE
    assert isinstance(payload["name"], str) and isinstance(payload["target"], str)


def test_every_example_jwe_is_rsa_oaep_256_with_a256gcm() -> None:
    jwe_tokens = [t for t in example_tokens() if t.count(".") == 4]
    assert len(jwe_tokens) == 2
    for token in jwe_tokens:
        parsed = jwe.JWE()
        parsed.deserialize(token)
        assert parsed.jose_header == {"enc": "A256GCM", "alg": "RSA-OAEP-256"}


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with embedded_fido(reference_service()) as running:
        yield running


@pytest.mark.parametrize(
    "example", example_requests(), ids=lambda r: r["method"] + (" oob" if r["oob"] else "")
)
def test_replayed_examples_are_unauthorized_never_500(
    server: EmbeddedServer, example: dict[str, str]
) -> None:
    path = (protocol.OOB_PATH if example["oob"] else protocol.CREDENTIALS_PATH).format(
        device_id=example["device"]
    )
    headers = {"Accept": protocol.JOSE, "Content-Type": protocol.JOSE}
    if example["signature"]:
        headers["Device-Signature"] = example["signature"]
    response = httpx.request(
        example["method"], server.url + path, headers=headers, content=example["body"], timeout=5
    )
    assert response.status_code == 401, response.text
    assert "unknown dispatch target" in response.text
