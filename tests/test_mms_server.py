"""The reference MMS over real HTTP on loopback: transport errors and hostile bodies."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto.common import base64url_decode

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.evidence import Evidence
from harness.http_client import recording_client
from harness.jose.jws import Signer, sign, verify
from harness.mms import protocol
from harness.mms.requests import (
    REGISTRATION_PARTS,
    MdsInfo,
    base_payload,
    registration_fields,
    registration_request,
)
from harness.pki.certs import cert_to_b64der, issue_certificate, name, new_rsa_key
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms, reference_service
from harness.servers.mms.service import MmsService
from harness.servers.runner import EmbeddedServer

SERVER_TRUST = TrustStore([fixture_pki().cert("server-root-ca")])


@pytest.fixture(scope="module")
def mms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    db: Path = tmp_path_factory.mktemp("mms") / "registry.sqlite3"
    with embedded_mms(reference_service(db)) as server:
        yield server


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"a": "x", "b": "y"}',
        b'{"msbDeviceSnapshot": 5}',
        b"{}",
        b'"just a string"',
        b"\xff\xfe",
    ],
)
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


# --- the reference MMS's service logic, without HTTP ------------------------------------------

MDS = Signer(fixture_pki().key("mds-signing"), (fixture_pki().cert("mds-signing"),))


@pytest.fixture
def service() -> Iterator[MmsService]:
    svc = reference_service()
    yield svc
    svc.close()


def _registration(device_name: str, form: Callable[[dict, EmulatedDevice], Any]) -> dict:
    device = EmulatedDevice(fixture_devices()[device_name])
    payload = base_payload(device, MdsInfo(), "")
    payload["deviceRegistrationRequest"] = form(registration_request(device), device)
    return payload


def _bare_object_data(request: dict, device: EmulatedDevice) -> dict:
    data = json.loads(base64url_decode(request["request"]["deviceData"].split(".")[1]))
    return {"deviceData": {**data, "purpose": data["purpose"].upper()}}


REGISTRATION_FORMS = {
    "MOSIP request as JSON text": lambda request, device: json.dumps(request),
    "MOSIP request as a JSON object": lambda request, device: request,
    "bare deviceData object, purpose in upper case": _bare_object_data,
}


@pytest.mark.parametrize("form", sorted(REGISTRATION_FORMS))
def test_every_registration_form_of_the_errata_is_accepted(service: MmsService, form: str) -> None:
    payload = _registration("iris-registration", REGISTRATION_FORMS[form])
    answer = service.answer(protocol.REGISTRATION, sign(payload, MDS))
    assert answer["responseCode"] == "0", answer["description"]


def test_a_registration_signed_by_a_rotated_certificate_is_the_devices(
    service: MmsService,
) -> None:
    device = EmulatedDevice(fixture_devices()["iris-registration"])
    csr = device.create_csr()
    record = service.registry.get(device.identity.serial_number)
    device.install_certificate(service.issue_device_certificate(record, csr.public_key()))
    payload = {**base_payload(device, MdsInfo(), ""), **registration_fields(device)}
    answer = service.answer(protocol.REGISTRATION, sign(payload, MDS))
    assert answer["responseCode"] == "0", answer["description"]


@pytest.mark.parametrize(
    ("material", "code"),
    [
        ("bad-mds-expired", "-102"),
        ("bad-mds-not-yet-valid", "-102"),
        ("bad-mds-untrusted", "-102"),
        ("bad-mds-wrong-issuer", "-102"),
    ],
)
def test_an_out_of_validity_signer_is_authentic_an_untrusted_one_is_not(
    service: MmsService, material: str, code: str
) -> None:
    pki = fixture_pki()
    token = sign(
        base_payload(EmulatedDevice(fixture_devices()["finger-auth"]), MdsInfo(), ""),
        Signer(pki.key(material), (pki.cert(material),)),
    )
    answer = service.answer(protocol.SNAPSHOT, token)
    assert answer["responseCode"] == code
    authentic = material in ("bad-mds-expired", "bad-mds-not-yet-valid")
    assert service.authentic_outside_validity(token) is authentic


def test_the_encryption_certificate_is_sent_as_base64_der(service: MmsService) -> None:
    device = EmulatedDevice(fixture_devices()["finger-auth"])
    payload = base_payload(device, MdsInfo(), device.fixture.device_code)
    answer = service.answer(protocol.ENCRYPTION_CERT, sign(payload, MDS))
    assert answer["encryptionCertData"] == cert_to_b64der(service.material.encryption_cert)


@pytest.mark.parametrize(
    ("common_name", "code"),
    [
        ("BH-IR-0001.BH-IR-200", "0"),  # <serialNumber>.<modelID>, as MOSIP's Android MDS names it
        ("BH-IR-0001.BH-FP-100", "-103"),  # another model
        ("BH-IR-0002.BH-IR-200", "-103"),  # another device of the model
        ("BH-IR-0001-2", "-103"),
    ],
)
def test_a_device_certificate_is_the_devices_when_it_names_serial_and_model(
    service: MmsService, common_name: str, code: str
) -> None:
    device = EmulatedDevice(fixture_devices()["iris-registration"])
    pki, key = fixture_pki(), new_rsa_key()
    now = dt.datetime.now(dt.UTC)
    cert = issue_certificate(
        subject=name(common_name),
        public_key=key.public_key(),
        issuer=pki.cert("device-ca").subject,
        issuer_key=pki.key("device-ca"),
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=1),
        ca=False,
    )
    signer = Signer(key, (cert, pki.cert("device-ca")))
    parts = dict.fromkeys(REGISTRATION_PARTS, lambda part: sign(part, signer))
    payload = {**base_payload(device, MdsInfo(), ""), **registration_fields(device, signers=parts)}
    answer = service.answer(protocol.REGISTRATION, sign(payload, MDS))
    assert answer["responseCode"] == code, answer["description"]
