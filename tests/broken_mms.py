"""Deliberately broken variants of the reference MMS, each with one defect.

Each is loaded by the conformance suite through `--mms-service tests.broken_mms:<name>`;
tests/test_suite_detects_broken_servers.py asserts the suite fails the scenarios each defect breaks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.clock import iso
from harness.device.identity import fixture_devices
from harness.jose.decode import decode
from harness.jose.jws import InvalidJws, Signer, VerifiedJws, peek, sign, verify, x5c_chain
from harness.jose.mutations import alg_none
from harness.mms.protocol import ResponseCode
from harness.pki.certs import cert_to_pem, new_rsa_key, thumbprint
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import reference_service
from harness.servers.mms.registry import DeviceRecord
from harness.servers.mms.service import UNVERIFIED_CODES, MmsError, MmsService
from tests.variant import Expectation, variant_factory


class TrustsAnyChain(MmsService):
    """Takes the request's own x5c certificates as trust anchors."""

    def verify_request(self, token: str) -> dict[str, Any]:
        chain = x5c_chain(decode(token).get("header") or {})
        return verify(token, TrustStore(chain), self.clock.now()).payload


class WrongCodeForUnlisted(MmsService):
    """Answers -101 instead of -102 for a device that is not whitelisted."""

    def validate_device(self, request: dict[str, Any]) -> DeviceRecord:
        try:
            return super().validate_device(request)
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


class LeaksDeviceDataOn102(MmsService):
    """Tells a -102 device its registration state and the encryption thumbprint."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if answer["responseCode"] == str(int(ResponseCode.INVALID_DEVICE)):
            answer["isDeviceRegistered"] = "false"
            answer["encryptionCertThumbprint"] = thumbprint(self.material.encryption_cert)
        return answer


class FlagsContradict102(MmsService):
    """Answers -102 while saying isDeviceValid "true"."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if answer["responseCode"] == str(int(ResponseCode.INVALID_DEVICE)):
            answer.update(isWhiteListed="true", isDeviceValid="true")
        return answer


class PemArmouredX5c(MmsService):
    """Puts its certificate in x5c as PEM text, armour and all."""

    def sign_answer(self, payload: dict[str, Any]) -> str:
        pem = cert_to_pem(self.material.signer.chain[0]).decode()
        return sign(payload, self.material.signer, x5c=[pem])


class SkipsCsrProofOfPossession(MmsService):
    """Certifies a CSR's key without checking the CSR's self-signature."""

    def proves_possession(self, csr: x509.CertificateSigningRequest) -> bool:
        return True


def _unverified(token: object) -> VerifiedJws:
    """A JWS read without checking its signature or chain (what a broken server does)."""
    header, raw, _ = peek(token)
    return VerifiedJws(header, json.loads(raw), x5c_chain(header)[0])


class ReadsDeviceInfoUnverified(MmsService):
    """Takes deviceInfo as it comes, without verifying its signature."""

    def verify_device_signed(self, token: object, device: DeviceRecord, part: str) -> VerifiedJws:
        if part == "deviceInfo":
            return _unverified(token)
        return super().verify_device_signed(token, device, part)


class ReadsDigitalIdUnverified(MmsService):
    """Takes digitalId as it comes, without verifying its signature."""

    def verify_device_signed(self, token: object, device: DeviceRecord, part: str) -> VerifiedJws:
        if part == "digitalId":
            return _unverified(token)
        return super().verify_device_signed(token, device, part)


class AcceptsAnotherDevicesKey(MmsService):
    """Takes any device certificate from the device CA as the registering device's."""

    def certificate_of_device(self, cert: x509.Certificate, device: DeviceRecord) -> bool:
        return True


class OneCodeForEveryDevice(MmsService):
    """Registers every device under the code finger-auth already holds."""

    def new_device_code(self, device: DeviceRecord) -> str:
        return fixture_devices()["finger-auth"].device_code


class AcceptsAnyRegisteredCode(MmsService):
    """Takes the device code of any registered device as the device's own."""

    def validate_device(self, request: dict[str, Any]) -> DeviceRecord:
        codes = {d.device_code for d in fixture_devices().values() if d.device_code}
        if request.get("deviceCodeUUID") in codes:
            request = {**request, "deviceCodeUUID": ""}
        return super().validate_device(request)


class FillsMissingClaims(MmsService):
    """Takes a modelID / devicePurpose of another JSON type as the whitelist's value."""

    def validate_device(self, request: dict[str, Any]) -> DeviceRecord:
        record = self.registry.get(str(request.get("serialNumber", "")))
        if record is not None:
            for field, value in (("modelID", record.model_id), ("devicePurpose", record.purpose)):
                if field in request and not isinstance(request[field], str):
                    request[field] = value
        return super().validate_device(request)


class UnwrapsPayloads(MmsService):
    """Takes a payload that is an array holding an object, or JSON text of one, as the object."""

    def verify_request(self, token: str) -> dict[str, Any]:
        try:
            return super().verify_request(token)
        except InvalidJws:
            payload = verify(token, self.material.vendor_trust, self.clock.now()).payload
            if isinstance(payload, list) and payload and isinstance(payload[0], dict):
                return payload[0]
            if isinstance(payload, str) and isinstance(json.loads(payload), dict):
                return json.loads(payload)
            raise


class ServerTimeWithoutZone(MmsService):
    """Reports serverTimeStamp without a time zone."""

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().snapshot(request, device)
        answer["serverTimeStamp"] = self.clock.now().replace(tzinfo=None).isoformat()
        return answer


class OutOfValiditySignerIsUnauthenticated(MmsService):
    """Answers -1001 to a correctly signed envelope whose MDS certificate expired."""

    unverified_codes = dict.fromkeys(UNVERIFIED_CODES, ResponseCode.UNABLE_TO_GENERATE_RESPONSE)

    def authentic_outside_validity(self, token: str) -> bool:
        return False


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
leaks_device_data_on_102 = _factory(LeaksDeviceDataOn102)
flags_contradict_102 = _factory(FlagsContradict102)
pem_armoured_x5c = _factory(PemArmouredX5c)
skips_csr_proof_of_possession = _factory(SkipsCsrProofOfPossession)
reads_device_info_unverified = _factory(ReadsDeviceInfoUnverified)
reads_digital_id_unverified = _factory(ReadsDigitalIdUnverified)
accepts_another_devices_key = _factory(AcceptsAnotherDevicesKey)
one_code_for_every_device = _factory(OneCodeForEveryDevice)
accepts_any_registered_code = _factory(AcceptsAnyRegisteredCode)
fills_missing_claims = _factory(FillsMissingClaims)
unwraps_payloads = _factory(UnwrapsPayloads)
server_time_without_zone = _factory(ServerTimeWithoutZone)
out_of_validity_signer_is_unauthenticated = _factory(OutOfValiditySignerIsUnauthenticated)


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
TRUST = "An envelope signed by an MDS certificate that is <problem> is refused"
TRUST_102 = "A correctly signed envelope whose MDS certificate is <problem> gets -102"
MUTATION = 'A request JWS with the mutation "<mutation>" is refused'
TWO_PART = "msbKeyRotation in the two-part form, <form>, is refused unless allowed"
PAYLOAD = "A correctly signed payload that is <shape> is refused"
SIGNED = "<api> answers in a signed envelope under its own name"
ROTATION = "The rotated certificate certifies the CSR's RSA-2048 key until keyExpiryTimeStamp"
ROT_FIELDS = "A rotation answer has every field of section 3.2"
ROT_FAIL = "A rotation request with <problem> gets -105"
REGISTRATION = "Registration assigns a device code of its own that the next snapshot shows"
REG_FAIL = "A registration request with <problem> gets -103"
REG_PART = "A registration whose <part> is <problem> gets -103"
REG_OTHER = "A registration whose <part> is signed by the valid key of <device> gets -103"
CODE_101 = "<api> with a device code that is not the device's gets -101"
CODE_101_OTHER = "<api> with the device code of another registered device gets -101"
CODE_102 = "<api> from <case> gets -102"
SNAP_102 = "A snapshot naming <case> gets -102"
REQUIRED = "<api> whose <field> is <shape> is refused"
FIELDS = "The snapshot answer's <field> is <kind>"
TIME = "The server time is in sync with the harness clock"
VALIDITY = "The snapshot stays valid into the future"
THUMBPRINT = "The snapshot's thumbprint is the one of the current encryption certificate"
EXPECTED: dict[str, Expectation] = {
    "trusts_any_chain": (
        [
            (TRUST, "self-signed"),
            (TRUST, "untrusted CA"),
            (TRUST, "lying about its issuer"),
            (MUTATION, "untrusted chain"),
        ],
        [(TRUST_102, "expired"), (SIGNED, None)],
    ),
    "wrong_code_for_unlisted": (
        [(CODE_102, "face-unlisted")],
        [(CODE_101, None)],
    ),
    "unsigned_answers": (
        [(SIGNED, None), ("The snapshot answer echoes the request", None), (MUTATION, None)],
        [],
    ),
    "wrongly_signed_answers": (
        [(SIGNED, None), (TIME, None)],
        [],
    ),
    "stale_snapshot_validity": (
        [(VALIDITY, None)],
        [(TIME, None)],
    ),
    "clock_off_by_an_hour": (
        [(TIME, None)],
        [(THUMBPRINT, None)],
    ),
    "rotates_to_its_own_key": (
        [(ROTATION, None)],
        [(ROT_FIELDS, None)],
    ),
    "expiry_differs_from_certificate": (
        [(ROTATION, None)],
        [(ROT_FIELDS, None)],
    ),
    "sha1_thumbprint": (
        [(THUMBPRINT, None)],
        [(FIELDS, "encryptionCertThumbprint")],
    ),
    "forgets_registrations": (
        [(REGISTRATION, None)],
        [(REG_FAIL, None)],
    ),
    "accepts_two_part_rotation": (
        [(TWO_PART, "payload segment")],
        [(MUTATION, "tampered payload"), (ROTATION, None)],
    ),
    "gives_registration_devices_the_certificate": (
        [("A Registration device is told it needs no encryption certificate", None)],
        [("An Auth device gets the encryption certificate with every field of section 2.2", None)],
    ),
    "leaks_device_data_on_102": (
        [
            (CODE_102, "face-unlisted"),
            (CODE_102, "finger-lapsed"),
            (SNAP_102, None),
            (TRUST_102, "expired"),
            (REQUIRED, "serialNumber"),
        ],
        [(CODE_101, None), (SIGNED, None)],
    ),
    "flags_contradict_102": (
        [(CODE_102, None), (SNAP_102, None), (TRUST_102, None)],
        [(CODE_101, None)],
    ),
    "pem_armoured_x5c": (
        [(SIGNED, None), (MUTATION, None)],
        [],
    ),
    "skips_csr_proof_of_possession": (
        [(ROT_FAIL, "self-signature")],
        [(ROT_FAIL, "RSA-1024"), (ROTATION, None)],
    ),
    "reads_device_info_unverified": (
        [
            (REG_PART, "deviceInfo-tampered"),
            (REG_PART, "deviceInfo-unsigned"),
            (REG_PART, "deviceInfo-signed by an untrusted CA"),
        ],
        [(REG_PART, "digitalId"), (REGISTRATION, None)],
    ),
    "reads_digital_id_unverified": (
        [
            (REG_PART, "digitalId-tampered"),
            (REG_PART, "digitalId-unsigned"),
            (REG_PART, "digitalId-signed by an untrusted CA"),
        ],
        [(REG_PART, "deviceInfo"), (REGISTRATION, None)],
    ),
    "accepts_another_devices_key": (
        [
            (REG_OTHER, "deviceInfo-finger-auth"),
            (REG_OTHER, "deviceInfo-face-unlisted"),
            (REG_OTHER, "digitalId-finger-auth"),
            (REG_OTHER, "digitalId-face-unlisted"),
        ],
        [(REG_PART, None), (REGISTRATION, None)],
    ),
    "one_code_for_every_device": (
        [(REGISTRATION, None)],
        [(REG_FAIL, None)],
    ),
    "accepts_any_registered_code": (
        [(CODE_101_OTHER, None)],
        [(CODE_101, None)],
    ),
    "fills_missing_claims": (
        [
            (REQUIRED, "modelID-null"),
            (REQUIRED, "devicePurpose-null"),
            (REQUIRED, "modelID-a number"),
            (REQUIRED, "devicePurpose-an array"),
        ],
        [(REQUIRED, "serialNumber"), (SNAP_102, None)],
    ),
    "unwraps_payloads": (
        [(PAYLOAD, "array"), (PAYLOAD, "string")],
        [(PAYLOAD, "number"), (MUTATION, None)],
    ),
    "server_time_without_zone": (
        [(FIELDS, "serverTimeStamp"), (TIME, None), (VALIDITY, None)],
        [(FIELDS, "snapshotValidity"), (THUMBPRINT, None)],
    ),
    "out_of_validity_signer_is_unauthenticated": (
        [(TRUST_102, "expired"), (TRUST_102, "not yet valid")],
        [(TRUST, None), (MUTATION, None)],
    ),
}
