"""The reference MMS's logic: verify an envelope, answer each API, sign the answer.

Unspecified cases follow docs/errata.md: a request whose signature or chain fails gets
-102 (the device cannot be authenticated); a malformed JWS or an unknown API name gets -1001.
Neither answer carries device data. A correctly signed request whose MDS certificate chains to
the vendor root but is outside its validity is authentic: -102, as for a lapsed device.
Transport-level nonsense (not a one-key JSON object of a string) gets HTTP 400 with a JSON
error; nothing a client sends yields HTTP 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from harness.clock import Clock, iso
from harness.device.identity import DeviceIdentity
from harness.jose.jws import (
    InvalidJws,
    VerifiedJws,
    peek,
    refuse_key_references,
    sign,
    verify,
    verify_with_key,
    x5c_chain,
)
from harness.jose.mutations import mutate
from harness.mms import protocol
from harness.mms.protocol import ResponseCode
from harness.mms.requests import read_registration_request
from harness.pki import certs
from harness.servers.mms.material import ServerMaterial
from harness.servers.mms.policy import MmsPolicy
from harness.servers.mms.registry import DeviceRecord, DeviceRegistry
from harness.servers.recording import MAX_TEXT, Recording, clipped
from harness.servers.sqlite import StoreUnavailable
from harness.servers.test_hooks import HookableService

log = logging.getLogger(__name__)

UNVERIFIED_CODES = {
    "bad_signature": ResponseCode.INVALID_DEVICE,
    "untrusted_chain": ResponseCode.INVALID_DEVICE,
    "malformed": ResponseCode.UNABLE_TO_GENERATE_RESPONSE,
}


@dataclass
class RecordedRequest:
    """One request as the server received it: decoded, verified or not, and how it answered;
    `number` counts the requests since the server started; a token over recording.MAX_TEXT is
    kept clipped, its header not decoded."""

    number: int
    api: str
    received_at: dt.datetime
    token: str
    header: dict[str, Any] | None
    payload: dict[str, Any] | None
    problem: str | None
    response_code: int = 0
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class MmsScript:
    """What a scenario tells the reference MMS to answer next.

    `snapshot_overrides` are forced into the next `snapshot_answers` snapshot answers (-1: all);
    `forced_codes` answer the next request of an API with a code, once; `answer_mutation` (a
    named JWS mutation: "foreign key", "alg none", "untrusted chain") spoils every answer's
    signature, so no MDS may act on it.
    """

    snapshot_overrides: dict[str, str] = field(default_factory=dict)
    snapshot_answers: int = 1
    forced_codes: dict[str, ResponseCode] = field(default_factory=dict)
    answer_mutation: str | None = None


class MmsError(Exception):
    """A request the MMS answers with a non-zero response code."""

    def __init__(self, code: ResponseCode, detail: str = "") -> None:
        super().__init__(f"{int(code)}: {detail}")
        self.code = code
        self.detail = detail


def _header(token: str) -> dict[str, Any] | None:
    """The protected header of a compact JWS, unverified; None when there is none."""
    try:
        return peek(token)[0]
    except InvalidJws:
        return None


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _version(text: object) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in str(text).split("."))
    except ValueError:
        return None


class MmsService(HookableService):
    """Answers `{"<apiName>": "<JWS>"}` bodies; subclass and override a method for a variant."""

    # The code for each kind of envelope that cannot be authenticated (docs/errata.md).
    unverified_codes: dict[str, ResponseCode] = UNVERIFIED_CODES

    def __init__(
        self,
        material: ServerMaterial,
        registry: DeviceRegistry,
        devices: list[DeviceIdentity],
        policy: MmsPolicy | None = None,
        clock: Clock | None = None,
        device_certificates: dict[str, list[x509.Certificate]] | None = None,
        reseed: bool = False,
    ) -> None:
        self.initial_material = material
        self.registry = registry
        self.devices = devices
        # The certificates each device was provisioned with, by serial number.
        self.device_certificates = device_certificates or {}
        self.initial_policy = policy or MmsPolicy()
        self._recording: Recording[RecordedRequest] = Recording()
        super().__init__(clock)
        # A registry that holds devices keeps them (a lab's registrations survive a restart).
        self.reset(seed=reseed or self.registry.is_empty("devices"))

    def reset(self, seed: bool = True) -> None:
        """Faults, script and records cleared; with `seed`, the registry back to the seeded
        state of the fixture devices."""
        super().reset()
        self.material = self.initial_material
        self.policy = dataclasses.replace(self.initial_policy)
        self.script = MmsScript()
        self._recording.clear()
        self.registry.available = True
        if seed:
            self.registry.seed(self.devices, self.clock.now())

    @property
    def recorded(self) -> list[RecordedRequest]:
        """The requests received since the last reset (the last recording.MAX_RECORDED)."""
        return self._recording.all()

    def recorded_after(self, number: int) -> list[RecordedRequest]:
        """The requests kept that came after request `number`."""
        return [r for _, r in self._recording.after(number)]

    def change_encryption_cert(self, cert: x509.Certificate) -> None:
        """From now on hand out (and report the thumbprint of) another encryption certificate."""
        self.material = dataclasses.replace(self.material, encryption_cert=cert)

    def close(self) -> None:
        self.registry.close()

    # --- transport -------------------------------------------------------------------------

    def handle(self, body: Any) -> tuple[int, dict[str, Any]]:
        """Answer a decoded HTTP body: (HTTP status, JSON body)."""
        if not isinstance(body, dict) or len(body) != 1:
            return 400, {"error": "body must be a JSON object with exactly one API name key"}
        ((api, token),) = body.items()
        if not isinstance(token, str):
            return 400, {"error": f"the value of {api!r} must be a compact JWS string"}
        return 200, {api: self.sign_answer(self.answer(api, token))}

    def answer(self, api: str, token: str) -> dict[str, Any]:
        """The answer payload for one envelope (never raises)."""
        request: dict[str, Any] = {}
        received_at = self.clock.now()
        record = self._recording.add(
            lambda n: RecordedRequest(n, api, received_at, clipped(token), None, None, None)
        )
        record.header = _header(token) if len(token) <= MAX_TEXT else None
        try:
            record.payload = request = self.verify_request(token)
            self.take_fault()
            if api not in protocol.APIS:
                raise MmsError(ResponseCode.UNABLE_TO_GENERATE_RESPONSE, f"unknown API {api!r}")
            if api in self.script.forced_codes:
                raise MmsError(self.script.forced_codes.pop(api), "scripted by the scenario")
            with self.registry.transaction():  # one request, one commit
                device = self.validate_device(request)
                fields = getattr(self, _HANDLERS[api])(request, device)
            code, detail = ResponseCode.SUCCESS, ""
        except InvalidJws as exc:
            record.problem = f"{exc.reason}: {exc.detail}"
            fields, code, detail = {}, self.unverified_codes[exc.reason], str(exc)
        except MmsError as exc:
            fields, code, detail = {}, exc.code, exc.detail
        except StoreUnavailable as exc:
            fields, code, detail = {}, ResponseCode.UNABLE_TO_GENERATE_RESPONSE, str(exc)
        except Exception:  # a real internal fault, reported as the spec's -1001
            log.exception("MMS failed to answer %s", api)
            fields, code, detail = {}, ResponseCode.UNABLE_TO_GENERATE_RESPONSE, "internal error"
        record.response_code = int(code)
        description = protocol.DESCRIPTIONS[code] + (f": {detail}" if detail else "")
        record.answer = {
            **self.echo(api, request),
            **fields,
            "responseCode": str(int(code)),
            "description": description,
        }
        return record.answer

    def verify_request(self, token: str) -> dict[str, Any]:
        """Verify the envelope JWS against the vendor root; its payload must be an object."""
        try:
            verified = verify(token, self.material.vendor_trust, self.clock.now())
        except InvalidJws as exc:
            if exc.reason == "untrusted_chain" and self.authentic_outside_validity(token):
                raise MmsError(
                    ResponseCode.INVALID_DEVICE, "MDS certificate outside its validity"
                ) from exc
            raise
        refuse_key_references(verified.header)
        if not isinstance(verified.payload, dict):
            raise InvalidJws("malformed", "payload is not a JSON object")
        return verified.payload

    def authentic_outside_validity(self, token: str) -> bool:
        """True when the envelope is correctly signed by its x5c certificate and the chain leads
        to the vendor root, but a certificate of it is not valid now (docs/errata.md: -102)."""
        try:
            chain = x5c_chain(peek(token)[0])
            verify_with_key(token, chain[0].public_key())  # type: ignore[arg-type]
        except (InvalidJws, TypeError):
            return False
        now = self.clock.now()
        if all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in chain):
            return False
        anchors = self.material.vendor_trust.anchors
        return _issued_in_turn(chain) and any(_issued_in_turn([chain[-1], a]) for a in anchors)

    def echo(self, api: str, request: object) -> dict[str, Any]:
        """Request fields repeated in the answer (only those of a verified request that is a
        JSON object: whatever a subclass let through, the answer is never a 500)."""
        if not isinstance(request, dict):
            return {}
        fields = protocol.ECHOED_FIELDS.get(api, ())
        return {f: request[f] for f in fields if f in request}

    def sign_answer(self, payload: dict[str, Any]) -> str:
        if self.script.answer_mutation:
            return mutate(self.script.answer_mutation, payload, self.material.signer)
        return sign(payload, self.material.signer)

    # --- device checks ---------------------------------------------------------------------

    def validate_device(self, request: dict[str, Any]) -> DeviceRecord:
        """The registry record of a whitelisted, valid device whose device code matches."""
        record = self.registry.get(str(request.get("serialNumber", "")))
        if record is None:
            raise MmsError(ResponseCode.INVALID_DEVICE, "serial number not whitelisted")
        if not record.is_valid(self.clock.now()):
            raise MmsError(ResponseCode.INVALID_DEVICE, "not whitelisted or whitelisting expired")
        claimed = {
            "modelID": record.model_id,
            "deviceProviderId": record.provider_id,
            "bioType": record.bio_type,
            "devicePurpose": record.purpose,
        }
        wrong = [k for k, v in claimed.items() if request.get(k) != v]
        if wrong:
            raise MmsError(ResponseCode.INVALID_DEVICE, f"does not match the whitelist: {wrong}")
        code = request.get("deviceCodeUUID") or ""
        if code and code != (record.device_code or ""):
            raise MmsError(ResponseCode.INVALID_DEVICE_CODE, "device code does not match")
        return record

    # --- the four APIs ---------------------------------------------------------------------

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        now = self.clock.now()
        policy = self.policy
        reported, current = (
            _version(request.get("deviceServiceVersion")),
            _version(policy.current_mds_version),
        )
        expiry = device.key_expiry
        answer = {
            "deviceCodeUUID": device.device_code or "",
            "serverTimeStamp": iso(now),
            "isWhiteListed": _flag(device.whitelisted),
            "isDeviceValid": _flag(device.is_valid(now)),
            "isDeviceRegistered": _flag(device.device_code is not None),
            "deviceServiceUpdateRequired": _flag(reported is None or reported < current),
            "deviceServiceDownloadURL": policy.download_url,
            "mandatoryKeyRotation": _flag(expiry is None or expiry - now <= policy.rotation_window),
            "keyExpiryTimeStamp": iso(expiry) if expiry else "",
            "encryptionCertThumbprint": self.encryption_cert_thumbprint(),
            "snapshotValidity": iso(now + policy.snapshot_validity),
            "bannerMessage": policy.banner,
        }
        if self.script.snapshot_answers != 0 and self.script.snapshot_overrides:
            answer.update(self.script.snapshot_overrides)
            self.script.snapshot_answers -= 1
        return answer

    def encryption_cert_thumbprint(self) -> str:
        """The current encryption certificate's thumbprint, encoded as the policy says."""
        cert, encoding = self.material.encryption_cert, self.policy.thumbprint_encoding
        if encoding == "upper-case hex":
            return certs.thumbprint(cert)
        return certs.thumbprint_forms(cert)[encoding]

    def encryption_cert(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        if device.purpose == "Registration":
            raise MmsError(ResponseCode.ENCRYPTION_CERT_NOT_REQUIRED)
        return {"encryptionCertData": certs.cert_to_b64der(self.material.encryption_cert)}

    def key_rotation(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        data = request.get("csrData")
        if not isinstance(data, str):
            raise MmsError(ResponseCode.CERTIFICATE_SIGNING_FAILED, "csrData is not a string")
        try:
            csr, _ = certs.load_csr(data)
        except ValueError as exc:
            raise MmsError(ResponseCode.CERTIFICATE_SIGNING_FAILED, f"csrData: {exc}") from exc
        key = csr.public_key()
        if not self.proves_possession(csr):
            raise MmsError(ResponseCode.CERTIFICATE_SIGNING_FAILED, "CSR signature is invalid")
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < self.policy.min_key_bits:
            raise MmsError(
                ResponseCode.CERTIFICATE_SIGNING_FAILED,
                f"CSR key must be RSA >= {self.policy.min_key_bits} bits",
            )
        cert = self.issue_device_certificate(device, key)
        self.registry.record_certificate(device.serial_number, cert, self.clock.now())
        return {
            "signedDeviceCertificate": certs.cert_to_b64der(cert),
            "keyExpiryTimeStamp": iso(cert.not_valid_after_utc),
        }

    def proves_possession(self, csr: x509.CertificateSigningRequest) -> bool:
        """The CSR's self-signature verifies with the key it asks to certify."""
        return csr.is_signature_valid

    def issue_device_certificate(
        self, device: DeviceRecord, key: rsa.RSAPublicKey
    ) -> x509.Certificate:
        """A device certificate from the device CA, valid for the policy's key lifetime."""
        now = self.clock.now().replace(microsecond=0)
        return certs.issue_certificate(
            subject=certs.name(device.serial_number),
            public_key=key,
            issuer=self.material.device_ca_cert.subject,
            issuer_key=self.material.device_ca_key,
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + self.policy.key_lifetime,
            ca=False,
        )

    def registration(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        now = self.clock.now()
        try:
            digital_id_jws = self.validate_registration_request(request, device)
        except (InvalidJws, KeyError, TypeError, ValueError) as exc:
            raise MmsError(ResponseCode.REGISTRATION_FAILED, str(exc)) from exc
        code = device.device_code or self.new_device_code(device)
        self.registry.register(device.serial_number, code, now)
        return self.registration_answer(request, code, digital_id_jws)

    def new_device_code(self, device: DeviceRecord) -> str:
        """The code a device gets on registration: a fresh UUID."""
        return str(uuid.uuid4())

    def registration_answer(
        self, request: dict[str, Any], code: str, digital_id_jws: str
    ) -> dict[str, Any]:
        """The MOSIP registration response carrying the device code, as JSON text."""
        now = iso(self.clock.now())
        response = {
            "id": "io.mosip.deviceregister",
            "version": "1.0",
            "responsetime": now,
            "response": {
                "status": "Registered",
                "deviceCode": code,
                "digitalId": digital_id_jws,
                "env": request.get("env", ""),
                "timeStamp": now,
            },
            "errors": [],
        }
        return {"deviceRegistrationResponse": json.dumps(response)}

    def validate_registration_request(self, request: dict[str, Any], device: DeviceRecord) -> str:
        """Verify the MOSIP registration request (any form docs/errata.md accept): deviceData
        (when signed), deviceInfo and digitalId must each verify, chain to the device CA and be
        signed by this device's key. Return the signed digitalId."""
        read = read_registration_request(request["deviceRegistrationRequest"])
        if read.device_data_token is not None:
            self.verify_device_signed(read.device_data_token, device, "deviceData")
        data = read.device_data
        info = self.verify_device_signed(data["deviceInfo"], device, "deviceInfo").payload
        if not isinstance(info, dict):
            raise ValueError("deviceInfo is not a JSON object")
        digital_id = self.verify_device_signed(info["digitalId"], device, "digitalId").payload
        if not isinstance(digital_id, dict):
            raise ValueError("digitalId is not a JSON object")
        mismatches = {
            "deviceData.deviceId": (data["deviceId"], device.serial_number),
            "deviceData.purpose": (str(data["purpose"]).casefold(), device.purpose.casefold()),
            "digitalId.serialNo": (digital_id["serialNo"], device.serial_number),
            "digitalId.deviceProviderId": (digital_id["deviceProviderId"], device.provider_id),
            "digitalId.type": (digital_id["type"], device.bio_type),
        }
        wrong = [k for k, (got, want) in mismatches.items() if got != want]
        if wrong:
            raise ValueError(f"registration request does not match the device: {wrong}")
        return info["digitalId"]

    def verify_device_signed(self, token: object, device: DeviceRecord, part: str) -> VerifiedJws:
        """A registration part verified against the device CA and signed by the key of `device`
        (docs/errata.md: another device's valid key is a forgery)."""
        if not isinstance(token, str):
            raise ValueError(f"{part} is not a JWS")
        verified = verify(token, self.material.device_trust, self.clock.now())
        if not self.certificate_of_device(verified.signer, device):
            subject = verified.signer.subject.rfc4514_string()
            raise ValueError(f"{part} is signed by {subject}, not by {device.serial_number}")
        return verified

    def certificate_of_device(self, cert: x509.Certificate, device: DeviceRecord) -> bool:
        """The certificate names the device (its CN or serialNumber is the serial number, or
        `<serialNumber>.<modelID>`, as MOSIP's Android MDS names its device key), or is one the
        device was provisioned with or the server issued to it."""
        named = {
            a.value
            for oid in (NameOID.COMMON_NAME, NameOID.SERIAL_NUMBER)
            for a in cert.subject.get_attributes_for_oid(oid)
        }
        if named & {device.serial_number, f"{device.serial_number}.{device.model_id}"}:
            return True
        known = [
            *self.device_certificates.get(device.serial_number, ()),
            *self.registry.certificates(device.serial_number),
        ]
        return cert in known


def _issued_in_turn(chain: list[x509.Certificate]) -> bool:
    """Each certificate is signed by the next (validity periods not considered)."""
    for cert, issuer in itertools.pairwise(chain):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return False
    return True


_HANDLERS = {
    protocol.SNAPSHOT: "snapshot",
    protocol.ENCRYPTION_CERT: "encryption_cert",
    protocol.KEY_ROTATION: "key_rotation",
    protocol.REGISTRATION: "registration",
}
