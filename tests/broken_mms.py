"""Deliberately broken variants of the reference MMS, each with one defect.

Each is loaded by the conformance suite through `--mms-service tests.broken_mms:<name>`;
tests/test_suite_detects_broken_servers.py asserts the suite fails the scenarios each defect breaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.clock import iso
from harness.jose.decode import decode
from harness.jose.jws import Signer, sign, verify, x5c_chain
from harness.jose.mutations import alg_none
from harness.mms.protocol import ResponseCode
from harness.pki.certs import cert_to_pem, new_rsa_key, thumbprint
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import reference_service
from harness.servers.mms.registry import DeviceRecord
from harness.servers.mms.service import MmsError, MmsService
from tests.variant import Expectation, variant_factory


class TrustsAnyChain(MmsService):
    """Takes the request's own x5c certificates as trust anchors."""

    def verify_request(self, token: str) -> dict[str, Any]:
        chain = x5c_chain(decode(token).get("header") or {})
        return verify(token, TrustStore(chain), self.clock.now()).payload


class WrongCodeForUnlisted(MmsService):
    """Answers -101 instead of -102 for a device that is not whitelisted."""

    def check_device(self, request: dict[str, Any]) -> DeviceRecord:
        try:
            return super().check_device(request)
        except MmsError as exc:
            if exc.code == ResponseCode.INVALID_DEVICE:
                raise MmsError(ResponseCode.INVALID_DEVICE_CODE, exc.detail) from exc
            raise


class UnsignedAnswers(MmsService):
    """Sends its answers as `alg: none` JWS."""

    def sign_answer(self, payload: dict[str, Any]) -> str:
        return alg_none(payload, self.material.signer)


class WronglySignedAnswers(MmsService):
    """Signs answers with a key other than the one of its x5c certificate."""

    def sign_answer(self, payload: dict[str, Any]) -> str:
        impostor = Signer(fixture_pki().key("foreign-signing"), self.material.signer.chain)
        return sign(payload, impostor)


class StaleSnapshotValidity(MmsService):
    """Reports a snapshotValidity that has already passed."""

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().snapshot(request, device)
        answer["snapshotValidity"] = iso(self.clock.now() - dt.timedelta(minutes=5))
        return answer


class ClockOffByAnHour(MmsService):
    """Reports a serverTimeStamp one hour ahead."""

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().snapshot(request, device)
        answer["serverTimeStamp"] = iso(self.clock.now() + dt.timedelta(hours=1))
        return answer


class RotatesToItsOwnKey(MmsService):
    """Certifies a key of its own making instead of the CSR's."""

    def issue_device_certificate(
        self, device: DeviceRecord, key: rsa.RSAPublicKey
    ) -> x509.Certificate:
        return super().issue_device_certificate(device, new_rsa_key().public_key())


class ExpiryDiffersFromCertificate(MmsService):
    """Reports a keyExpiryTimeStamp a day after the rotated certificate's notAfter."""

    def key_rotation(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().key_rotation(request, device)
        expiry = dt.datetime.fromisoformat(answer["keyExpiryTimeStamp"])
        answer["keyExpiryTimeStamp"] = iso(expiry + dt.timedelta(days=1))
        return answer


class Sha1Thumbprint(MmsService):
    """Puts the SHA-1 thumbprint of the encryption certificate in the snapshot."""

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().snapshot(request, device)
        answer["encryptionCertThumbprint"] = thumbprint(self.material.encryption_cert, "sha1")
        return answer


class ForgetsRegistrations(MmsService):
    """Answers registrations with success but never records them."""

    def registration(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().registration(request, device)
        self.registry.unregister(device.serial_number)
        return answer


class GivesRegistrationDevicesTheCertificate(MmsService):
    """Sends the encryption certificate to Registration devices instead of -104."""

    def encryption_cert(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        return {"encryptionCertData": cert_to_pem(self.material.encryption_cert).decode()}


class AcceptsTwoPartRotation(MmsService):
    """Takes the two-part `payload.signature` form the msbKeyRotation section shows, unverified."""

    def verify_request(self, token: str) -> dict[str, Any]:
        payload = decode(token).get("payload") if token.count(".") == 1 else None
        return payload if isinstance(payload, dict) else super().verify_request(token)


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


trusts_any_chain = _factory(TrustsAnyChain)
wrong_code_for_unlisted = _factory(WrongCodeForUnlisted)
unsigned_answers = _factory(UnsignedAnswers)
wrongly_signed_answers = _factory(WronglySignedAnswers)
stale_snapshot_validity = _factory(StaleSnapshotValidity)
clock_off_by_an_hour = _factory(ClockOffByAnHour)
rotates_to_its_own_key = _factory(RotatesToItsOwnKey)
expiry_differs_from_certificate = _factory(ExpiryDiffersFromCertificate)
sha1_thumbprint = _factory(Sha1Thumbprint)
forgets_registrations = _factory(ForgetsRegistrations)
gives_registration_devices_the_certificate = _factory(GivesRegistrationDevicesTheCertificate)
accepts_two_part_rotation = _factory(AcceptsTwoPartRotation)


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
TRUST = "An envelope signed by an MDS certificate that is <problem> is refused"
MUTATION = 'A request JWS with the mutation "<mutation>" is refused'
SIGNED = "<api> answers in a signed envelope under its own name"
ROTATION = "The rotated certificate certifies the CSR's key until keyExpiryTimeStamp"
EXPECTED: dict[str, Expectation] = {
    "trusts_any_chain": (
        [(TRUST, "self-signed"), (TRUST, "untrusted CA"), (TRUST, "lying about its issuer"),
         (MUTATION, "untrusted chain")],
        [(TRUST, "expired"), (SIGNED, None)],
    ),
    "wrong_code_for_unlisted": (
        [("<api> from <case> gets -102", "face-unlisted")],
        [("<api> with a device code that is not the device's gets -101", None)],
    ),
    "unsigned_answers": (
        [(SIGNED, None), ("The snapshot answer echoes the request", None), (MUTATION, None)],
        [],
    ),
    "wrongly_signed_answers": (
        [(SIGNED, None), ("The server time is in sync with the harness clock", None)],
        [],
    ),
    "stale_snapshot_validity": (
        [("The snapshot stays valid into the future", None)],
        [("The server time is in sync with the harness clock", None)],
    ),
    "clock_off_by_an_hour": (
        [("The server time is in sync with the harness clock", None)],
        [("The snapshot's thumbprint is the one of the current encryption certificate", None)],
    ),
    "rotates_to_its_own_key": (
        [(ROTATION, None)],
        [("A rotation answer has every field of section 3.2", None)],
    ),
    "expiry_differs_from_certificate": (
        [(ROTATION, None)],
        [("A rotation answer has every field of section 3.2", None)],
    ),
    "sha1_thumbprint": (
        [("The snapshot's thumbprint is the one of the current encryption certificate", None)],
        [("The snapshot answer's <field> is <kind>", "encryptionCertThumbprint")],
    ),
    "forgets_registrations": (
        [("Registration assigns a device code that the next snapshot shows", None)],
        [("A registration request with <problem> gets -103", None)],
    ),
    "accepts_two_part_rotation": (
        [(MUTATION, "two-part")],
        [(MUTATION, "tampered payload"), (ROTATION, None)],
    ),
    "gives_registration_devices_the_certificate": (
        [("A Registration device is told it needs no encryption certificate", None)],
        [("An Auth device gets the encryption certificate with every field of section 2.2",
          None)],
    ),
}  # fmt: skip
