"""Conformant variants of the reference MMS server: each takes another answer the specification
or docs/errata.md allow. The suite must pass every one (no false failure); they are the twins
of tests/broken_mms.py, and both lists grow together. One alternative per variant.

Loaded through `--mms-service tests.conformant_mms:<name>`;
tests/test_suite_verdicts_on_variants.py runs the suite against each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from cryptography import x509
from jwcrypto.common import base64url_decode, base64url_encode

from harness.clock import iso, parse_iso
from harness.jose.jws import InvalidJws, peek, sign, verify_two_part, x5c_chain
from harness.mms import protocol
from harness.mms.protocol import ResponseCode
from harness.pki import certs
from harness.servers.mms.embedded import reference_service
from harness.servers.mms.registry import DeviceRecord
from harness.servers.mms.service import UNVERIFIED_CODES, MmsService
from tests.variant import variant_factory

INVALID_DEVICE = str(int(ResponseCode.INVALID_DEVICE))


class UpperCaseTyp(MmsService):
    """Signs its answers with header typ "JWT" (the spec writes "jwt"; docs/errata.md: any case)."""

    def sign_answer(self, payload: dict[str, Any]) -> str:
        return sign(payload, dataclasses.replace(self.material.signer, typ="JWT"))


class FlagsOn102(MmsService):
    """Answers -102 with isWhiteListed / isDeviceValid "false" and serverTimeStamp beside the
    echo (docs/errata.md: flags that agree with the code and server fields are allowed)."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if answer["responseCode"] == INVALID_DEVICE:
            now = iso(self.clock.now())
            answer.update(isWhiteListed="false", isDeviceValid="false", serverTimeStamp=now)
        return answer


class MimeLinesInX5c(MmsService):
    """Writes x5c entries MIME style, CRLF every 76 characters, as a deployed MMS does."""

    def sign_answer(self, payload: dict[str, Any]) -> str:
        lines = [_mime(certs.cert_to_b64der(c)) for c in self.material.signer.chain]
        return sign(payload, self.material.signer, x5c=lines)


def _mime(text: str) -> str:
    return "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


class _Thumbprint(MmsService):
    """Reports encryptionCertThumbprint through `form` (SHA-256 over DER)."""

    form: Callable[[x509.Certificate], str]

    def snapshot(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().snapshot(request, device)
        answer["encryptionCertThumbprint"] = type(self).form(self.material.encryption_cert)
        return answer


class Base64urlThumbprint(_Thumbprint):
    """Reports the thumbprint as unpadded base64url SHA-256 (what a deployed MMS sends)."""

    form = staticmethod(lambda cert: base64url_encode(bytes.fromhex(certs.thumbprint(cert))))


class LowerCaseHexThumbprint(_Thumbprint):
    """Reports the thumbprint as lower-case hex."""

    form = staticmethod(lambda cert: certs.thumbprint(cert).lower())


class PemEncryptionCert(MmsService):
    """Sends encryptionCertData as PEM (docs/errata.md: base64 DER or PEM)."""

    def encryption_cert(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        answer = super().encryption_cert(request, device)
        answer["encryptionCertData"] = certs.cert_to_pem(self.material.encryption_cert).decode()
        return answer


class RegistrationCodeAtTopLevel(MmsService):
    """Puts the registration's device code in a top-level deviceCodeUUID only, not inside the
    MOSIP response (the reference puts it inside only)."""

    def registration_answer(
        self, request: dict[str, Any], code: str, digital_id_jws: str
    ) -> dict[str, Any]:
        answer = super().registration_answer(request, code, digital_id_jws)
        document = json.loads(answer["deviceRegistrationResponse"])
        del document["response"]["deviceCode"]
        return {"deviceRegistrationResponse": json.dumps(document), "deviceCodeUUID": code}


class RegistrationResponseAsObject(MmsService):
    """Sends deviceRegistrationResponse as a JSON object rather than JSON text."""

    def registration_answer(
        self, request: dict[str, Any], code: str, digital_id_jws: str
    ) -> dict[str, Any]:
        answer = super().registration_answer(request, code, digital_id_jws)
        return {"deviceRegistrationResponse": json.loads(answer["deviceRegistrationResponse"])}


class SerialNumberAsDeviceCode(MmsService):
    """Registers a device under its serial number (docs/errata.md: a code that is not a UUID is
    an advisory; a deployed MMS does this)."""

    def new_device_code(self, device: DeviceRecord) -> str:
        return device.serial_number


class JsonBooleans(MmsService):
    """Sends the boolean fields as JSON booleans (docs/errata.md: an advisory)."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        for field in protocol.BOOLEAN_FIELDS:
            if answer.get(field) in ("true", "false"):
                answer[field] = answer[field] == "true"
        return answer


class NumericResponseCode(MmsService):
    """Sends responseCode as a JSON number (docs/errata.md: an advisory)."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        answer["responseCode"] = int(answer["responseCode"])
        return answer


class Minus1001ForUnauthenticated(MmsService):
    """Answers -1001 to every envelope it cannot authenticate (the spec names no code)."""

    unverified_codes = dict.fromkeys(UNVERIFIED_CODES, ResponseCode.UNABLE_TO_GENERATE_RESPONSE)


class VerifiesTwoPartRotation(MmsService):
    """Takes msbKeyRotation in the two-part `payload.signature` form, verified as
    docs/errata.md says: RS256 over the payload segment, with the certificate the device last
    authenticated with. Passes with --mms-allow-two-part-rotation."""

    def reset(self, seed: bool = True) -> None:
        self.authenticated_with: dict[str, x509.Certificate] = {}
        super().reset(seed)

    def verify_request(self, token: str) -> dict[str, Any]:
        if token.count(".") != 1:
            request = super().verify_request(token)
            serial = str(request.get("serialNumber"))
            self.authenticated_with[serial] = x5c_chain(peek(token)[0])[0]
            return request
        claimed = _unverified_serial(token)
        cert = self.authenticated_with.get(claimed)
        if cert is None:
            raise InvalidJws("malformed", "two-part form from a device not yet authenticated")
        request = verify_two_part(token, cert)
        if not isinstance(request, dict) or request.get("serialNumber") != claimed:
            raise InvalidJws("malformed", "payload is not a JSON object")
        return request


def _unverified_serial(token: str) -> str:
    """The serialNumber a two-part token claims, before its signature is checked."""
    try:
        body = json.loads(base64url_decode(token.split(".")[0]))
    except ValueError:
        return ""
    return str(body.get("serialNumber")) if isinstance(body, dict) else ""


class NullFieldsInRefusals(MmsService):
    """Writes every answer from one fixed object: a refusal carries the device fields as null
    (as Jackson writes unused fields); null tells nothing about the device."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if answer["responseCode"] != "0":
            for name in protocol.ANY_DEVICE_DATA:
                answer.setdefault(name, None)
        return answer


class Http400ForUnknownApi(MmsService):
    """Refuses a body under an API name the spec does not define with HTTP 400 (there is no
    name to answer under)."""

    def handle(self, body: Any) -> tuple[int, dict[str, Any]]:
        if isinstance(body, dict) and len(body) == 1 and next(iter(body)) not in protocol.APIS:
            return 400, {"error": "unknown API"}
        return super().handle(body)


class OwnTimeStamps(MmsService):
    """Writes timeStamp back as a moment of its own form: the snapshot's as the request's time
    with a +00:00 zone, the other answers' as the server's own time."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if isinstance(answer.get("timeStamp"), str):
            moment = parse_iso(answer["timeStamp"])
            own = moment if api == protocol.SNAPSHOT else self.clock.now()
            answer["timeStamp"] = own.astimezone(dt.UTC).isoformat()
        return answer


class SignedMosipResponse(MmsService):
    """Sends the MOSIP registration response's `response` as a signed JWT, as MOSIP may."""

    def registration(self, request: dict[str, Any], device: DeviceRecord) -> dict[str, Any]:
        fields = super().registration(request, device)
        doc = json.loads(fields["deviceRegistrationResponse"])
        doc["response"] = sign(doc["response"], self.material.signer)
        return {"deviceRegistrationResponse": json.dumps(doc)}


class RelaysMosipRefusal(MmsService):
    """Answers a failed registration (-103) with the MOSIP response it would relay: errors,
    no device code."""

    def answer(self, api: str, token: str) -> dict[str, Any]:
        answer = super().answer(api, token)
        if api == protocol.REGISTRATION and answer["responseCode"] == "-103":
            refusal = {
                "id": "io.mosip.deviceregister",
                "response": None,
                "errors": [{"errorCode": "ADM-DPM-001", "message": "invalid request"}],
            }
            answer["deviceRegistrationResponse"] = json.dumps(refusal)
        return answer


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


upper_case_typ = _factory(UpperCaseTyp)
flags_on_102 = _factory(FlagsOn102)
mime_lines_in_x5c = _factory(MimeLinesInX5c)
base64url_thumbprint = _factory(Base64urlThumbprint)
lower_case_hex_thumbprint = _factory(LowerCaseHexThumbprint)
pem_encryption_cert = _factory(PemEncryptionCert)
registration_code_at_top_level = _factory(RegistrationCodeAtTopLevel)
registration_response_as_object = _factory(RegistrationResponseAsObject)
serial_number_as_device_code = _factory(SerialNumberAsDeviceCode)
json_booleans = _factory(JsonBooleans)
numeric_response_code = _factory(NumericResponseCode)
minus_1001_for_unauthenticated = _factory(Minus1001ForUnauthenticated)
verifies_two_part_rotation = _factory(VerifiesTwoPartRotation)
null_fields_in_refusals = _factory(NullFieldsInRefusals)
http_400_for_unknown_api = _factory(Http400ForUnknownApi)
own_time_stamps = _factory(OwnTimeStamps)
signed_mosip_response = _factory(SignedMosipResponse)
relays_mosip_refusal = _factory(RelaysMosipRefusal)

# name -> extra suite options the variant needs (most need none)
VARIANTS: dict[str, list[str]] = {
    "upper_case_typ": [],
    "flags_on_102": [],
    "mime_lines_in_x5c": [],
    "base64url_thumbprint": [],
    "lower_case_hex_thumbprint": [],
    "pem_encryption_cert": [],
    "registration_code_at_top_level": [],
    "registration_response_as_object": [],
    "serial_number_as_device_code": [],
    "json_booleans": [],
    "numeric_response_code": [],
    "minus_1001_for_unauthenticated": [],
    "verifies_two_part_rotation": ["--mms-allow-two-part-rotation"],
    "null_fields_in_refusals": [],
    "http_400_for_unknown_api": [],
    "own_time_stamps": [],
    "signed_mosip_response": [],
    "relays_mosip_refusal": [],
}
