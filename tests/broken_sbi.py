"""Deliberately broken variants of the emulated MDS's SBI (harness/mds/sbi.py), each with one
defect: an EmulatedMds whose `sbi_answers` names an SbiAnswers with that defect.

Loaded by the SBI features through `--mds-factory tests.broken_sbi:<name>`;
tests/test_suite_verdicts_on_variants.py asserts the suite fails the scenarios each breaks,
with product-defect failures only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from harness.clock import iso
from harness.jose.jws import Signer, sign
from harness.mds.sbi import SbiAnswers
from harness.mds.service import EmulatedMds
from harness.pki import certs
from harness.pki.material import fixture_pki
from tests.variant import Expectation, mds_answering_with


class _UnsignedInfo(SbiAnswers):
    def sign_info(self, device_info: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(device_info).encode()).decode().rstrip("=")


class _InfoSignedWithAnotherKey(SbiAnswers):
    def sign_info(self, device_info: dict[str, Any]) -> str:
        chain = tuple(self.mds.device.certificate_chain())
        return sign(device_info, Signer(fixture_pki().key("foreign-signing"), chain, typ="JWT"))


class _StaleDigitalId(SbiAnswers):
    """Signs the digitalId once and serves that token ever after (stale after a rotation)."""

    _token: str | None = None

    def signed_digital_id(self) -> str:
        if self._token is None:
            self._token = super().signed_digital_id()
        return self._token


class _TimestampsOff(SbiAnswers):
    def timestamp(self) -> str:
        return iso(self.mds.device.now() - dt.timedelta(hours=1))


class _ReusedTransactionId(SbiAnswers):
    """Answers every capture with the transactionId of the first."""

    _first: str | None = None

    def transaction_id(self, body: dict[str, Any]) -> str:
        if self._first is None:
            self._first = super().transaction_id(body)
        return self._first


class _UnchainedHash(SbiAnswers):
    """Sends the biometric's own SHA-256 as `hash`, ignoring previousHash."""

    def capture_hash(self, body: dict[str, Any], sample: dict[str, Any]) -> str:
        return hashlib.sha256(base64.b64decode(sample["data"])).hexdigest().upper()


class _DiscoveryWithoutPurpose(SbiAnswers):
    def discovery_entry(self, base_url: str) -> dict[str, Any]:
        entry = super().discovery_entry(base_url)
        del entry["purpose"]
        return entry


class _RefusesWithUndocumentedCode(SbiAnswers):
    """Refuses a capture with errorCode "-1", which MOSIP's error codes do not list."""

    def capture(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = super().capture(body)
        error = answer["biometrics"][0]["error"]
        if error["errorCode"] != "0":
            error["errorCode"] = "-1"
        return answer


class _BackdatedAfterRotation(SbiAnswers):
    """Once the device rotated, signs device info (and its digitalId) with a certificate from
    the device CA dated before the device's original one."""

    _signer: Signer | None = None

    def __init__(self, mds: EmulatedMds) -> None:
        super().__init__(mds)
        self.original = mds.device.certificate

    def _backdated(self) -> Signer | None:
        if self.mds.device.certificate == self.original:
            return None
        if self._signer is None:
            pki, key = fixture_pki(), certs.new_rsa_key()
            ca = pki.cert("device-ca")
            cert = certs.issue_certificate(
                subject=certs.name("backdated device"),
                public_key=key.public_key(),
                issuer=ca.subject,
                issuer_key=pki.key("device-ca"),
                not_before=self.original.not_valid_before_utc - dt.timedelta(days=365),
                not_after=self.original.not_valid_after_utc,
                ca=False,
            )
            self._signer = Signer(key, (cert, ca), typ="JWT")
        return self._signer

    def signed_digital_id(self) -> str:
        signer = self._backdated()
        return sign(self.digital_id(), signer) if signer else super().signed_digital_id()

    def sign_info(self, device_info: dict[str, Any]) -> str:
        signer = self._backdated()
        return sign(device_info, signer) if signer else super().sign_info(device_info)


class NeverRotates(EmulatedMds):
    """Ignores mandatoryKeyRotation: device info stays signed with the original certificate."""

    def rotate_key(self) -> None:
        return None


unsigned_device_info = mds_answering_with(_UnsignedInfo)
device_info_signed_with_another_key = mds_answering_with(_InfoSignedWithAnotherKey)
stale_digital_id = mds_answering_with(_StaleDigitalId)
capture_timestamps_off = mds_answering_with(_TimestampsOff)
reuses_capture_transaction_ids = mds_answering_with(_ReusedTransactionId)
unchained_hash = mds_answering_with(_UnchainedHash)
discovery_without_purpose = mds_answering_with(_DiscoveryWithoutPurpose)
refuses_with_undocumented_code = mds_answering_with(_RefusesWithUndocumentedCode)
backdated_after_rotation = mds_answering_with(_BackdatedAfterRotation)
never_rotates = NeverRotates


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
DISCOVERY = "Discovery lists the <device> device with every field in its allowed values"
DEVICE_INFO = "Device info of the <device> device is signed with the device key"
CAPTURE = "A <verb> answer carries every field, its data signed with the device key"
HASH = "Registration captures chain their hash as MOSIP defines it"
REFUSAL = "A capture the MDS may not make is refused with a documented error code"
ROTATION = "After a key rotation the device signs with its new certificate"
EXPECTED: dict[str, Expectation] = {
    "unsigned_device_info": ([(DEVICE_INFO, None)], [(DISCOVERY, None)]),
    "device_info_signed_with_another_key": ([(DEVICE_INFO, None)], [(DISCOVERY, None)]),
    "stale_digital_id": ([(ROTATION, None)], [(DEVICE_INFO, None)]),
    "capture_timestamps_off": ([(CAPTURE, None)], [(HASH, None)]),
    "reuses_capture_transaction_ids": ([(CAPTURE, None)], [(HASH, None)]),
    "unchained_hash": ([(HASH, None)], [(CAPTURE, None)]),
    "discovery_without_purpose": ([(DISCOVERY, None)], [(DEVICE_INFO, None)]),
    "refuses_with_undocumented_code": ([(REFUSAL, None)], [(CAPTURE, None)]),
    "backdated_after_rotation": ([(ROTATION, None)], [(DEVICE_INFO, None)]),
    "never_rotates": ([(ROTATION, None)], [(DEVICE_INFO, None)]),
}
