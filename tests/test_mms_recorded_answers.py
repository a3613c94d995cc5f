"""The MMS checks on answers a deployed MMS really sent (tests/data/mosip-android-camera-mds):
checked at their own time and trusting their own certificate, they earn advisories only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from harness.clock import parse_iso
from harness.evidence import Evidence
from harness.jose.jws import X5C_LINE_BREAKS, peek, x5c_chain
from harness.mms import checks, protocol
from harness.mms.answers import certificate_field
from harness.mms.client import MmsClient, MmsExchange
from harness.pki.trust import TrustStore

DATA = Path(__file__).parent / "data" / "mosip-android-camera-mds"
RECORDED = {protocol.SNAPSHOT: "snapShot.info", protocol.KEY_ROTATION: "keyRotation.info"}
FIELDS = {
    protocol.SNAPSHOT: {
        "timeStamp": "a timestamp with zone",
        "serverTimeStamp": "a timestamp with zone",
        "isWhiteListed": "a boolean string",
        "isDeviceValid": "a boolean string",
        "isDeviceRegistered": "a boolean string",
        "deviceServiceUpdateRequired": "a boolean string",
        "mandatoryKeyRotation": "a boolean string",
        "keyExpiryTimeStamp": "a timestamp with zone",
        "encryptionCertThumbprint": "a thumbprint",
        "snapshotValidity": "a timestamp with zone",
        "certificationLevel": "a certification level",
        "deviceCodeUUID": "a string",
        "responseCode": "a response code",
    },
    protocol.KEY_ROTATION: {
        "timeStamp": "a timestamp with zone",
        "signedDeviceCertificate": "a certificate",
        "keyExpiryTimeStamp": "a timestamp with zone",
        "certificationLevel": "a certification level",
        "responseCode": "a response code",
    },
}


def recorded(api: str, evidence: Evidence) -> MmsExchange:
    """The recorded answer of `api`, verified by the client as a live one would be, at its own
    time (serverTimeStamp, else timeStamp) and trusting its own x5c[0]."""
    body = json.loads((DATA / RECORDED[api]).read_text())
    token = body[api]
    payload = json.loads(peek(token)[1])
    at = parse_iso(payload.get("serverTimeStamp") or payload["timeStamp"])
    own = TrustStore([x5c_chain(peek(token)[0])[0]])
    client = MmsClient("http://recorded.invalid/", own, clock=_Fixed(at), evidence=evidence)
    exchange = MmsExchange(api, {}, body, 200, {}, body)
    client.verify_answer(exchange, api)
    client.close()
    return exchange


class _Fixed:
    """A clock stopped at one moment."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


@pytest.mark.parametrize("api", sorted(RECORDED))
def test_recorded_answers_earn_advisories_only(api: str) -> None:
    evidence = Evidence()
    exchange = recorded(api, evidence)
    checks.check_envelope(exchange)
    checks.check_code(exchange, 0, evidence)
    for field, kind in FIELDS[api].items():
        checks.check_field(exchange.answer, field, kind, evidence)
    assert any(X5C_LINE_BREAKS in a for a in evidence.advisories), evidence.advisories


def test_recorded_snapshot_is_in_time_and_valid_at_its_own_time() -> None:
    evidence = Evidence()
    answer = recorded(protocol.SNAPSHOT, evidence).answer
    at = parse_iso(answer["serverTimeStamp"])
    checks.check_server_time(answer, at, dt.timedelta(seconds=30))
    checks.check_snapshot_validity(answer, at)
    assert answer["deviceCodeUUID"] == answer["serialNumber"]  # the serial number as device code


def test_recorded_rotation_expiry_is_its_certificate_notafter() -> None:
    answer = recorded(protocol.KEY_ROTATION, Evidence()).answer
    cert, form = certificate_field(answer, "signedDeviceCertificate")
    checks.check_expiry_matches(answer, cert)
    assert form == "standard base64 of the DER"


def test_recorded_thumbprint_is_base64url_sha256() -> None:
    answer = recorded(protocol.SNAPSHOT, Evidence()).answer
    assert len(answer["encryptionCertThumbprint"]) == 43  # unpadded base64url of 32 bytes
