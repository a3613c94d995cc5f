"""Reading the data inside MMS answers: certificates and the registration's device code.

What cannot be read is the server's fault: every failure here is a Nonconformance.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography import x509

from harness.jose.jws import InvalidJws, json_payload, peek
from harness.pki import certs
from harness.verdict import Nonconformance

CERTIFICATE_FORMS = {"pem": "PEM", "base64-der": "standard base64 of the DER"}


def certificate_field(answer: dict[str, Any], field: str) -> tuple[x509.Certificate, str]:
    """The certificate in `field` (PEM or base64 DER) and the form it came in."""
    value = answer.get(field)
    if not isinstance(value, str) or not value:
        raise Nonconformance(
            f"{field} is missing or not a string", expected="a certificate", seen=value
        )
    try:
        cert, form = certs.load_certificate(value)
    except ValueError as exc:
        raise Nonconformance(
            f"{field} is not a PEM or base64 DER certificate: {exc}",
            expected="PEM or standard base64 of DER",
            seen=value[:200],
        ) from exc
    return cert, CERTIFICATE_FORMS[form]


def registration_document(answer: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """deviceRegistrationResponse as a dict, and whether it came as a JSON string or object."""
    value = answer.get("deviceRegistrationResponse")
    if isinstance(value, dict):
        return value, "object"
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise Nonconformance(
                f"deviceRegistrationResponse is not JSON: {exc}",
                requirement="MMS-REG-FIELDS",
                seen=value[:200],
            ) from exc
        if isinstance(doc, dict):
            return doc, "JSON string"
    raise Nonconformance(
        "deviceRegistrationResponse is not a JSON object",
        requirement="MMS-REG-FIELDS",
        expected="the MOSIP registration response",
        seen=str(value)[:200],
    )


def document_device_code(answer: dict[str, Any]) -> str | None:
    """The device code inside the MOSIP registration response (its `response`, as an object or
    as the signed JWT MOSIP may send, read without verifying), or None."""
    doc, _ = registration_document(answer)
    response = doc.get("response")
    if isinstance(response, str):
        try:
            response = json_payload(peek(response)[1])
        except InvalidJws:
            response = None
    code = response.get("deviceCode") if isinstance(response, dict) else None
    return code if isinstance(code, str) and code else None


def registered_device_code(answer: dict[str, Any]) -> tuple[str, str]:
    """The device code a registration answer assigns, and where it was found (docs/errata.md:
    MOSIP `deviceRegistrationResponse.response.deviceCode`, or a top-level deviceCodeUUID)."""
    code = document_device_code(answer)
    if code:
        return code, "deviceRegistrationResponse.response.deviceCode"
    if isinstance(answer.get("deviceCodeUUID"), str) and answer["deviceCodeUUID"]:
        return answer["deviceCodeUUID"], "deviceCodeUUID"
    raise Nonconformance(
        "the registration answer assigns no device code",
        requirement="MMS-REG-EFFECT",
        expected="deviceRegistrationResponse.response.deviceCode or deviceCodeUUID",
        seen={k: answer.get(k) for k in ("deviceCodeUUID", "deviceRegistrationResponse")},
    )
