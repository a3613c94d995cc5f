"""Reading the data inside MMS answers: certificates and the registration's device code."""

from __future__ import annotations

import json
from typing import Any

from cryptography import x509

from harness.pki import certs


def certificate_field(answer: dict[str, Any], field: str) -> tuple[x509.Certificate, str]:
    """The certificate in `field` (PEM or base64 DER) and the form it came in."""
    value = answer.get(field)
    if not isinstance(value, str) or not value:
        raise AssertionError(f"{field} is missing or not a string: {value!r}")
    try:
        return certs.load_certificate(value)
    except ValueError as exc:
        raise AssertionError(f"{field} is not a PEM or base64 DER certificate: {exc}") from exc


def registration_document(answer: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """deviceRegistrationResponse as a dict, and whether it came as a JSON string or object."""
    value = answer.get("deviceRegistrationResponse")
    if isinstance(value, dict):
        return value, "object"
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except ValueError as exc:
            raise AssertionError(f"deviceRegistrationResponse is not JSON: {exc}") from exc
        if isinstance(doc, dict):
            return doc, "JSON string"
    raise AssertionError(f"deviceRegistrationResponse is not a JSON object: {value!r:.200}")


def registered_device_code(answer: dict[str, Any]) -> tuple[str, str]:
    """The device code a registration answer assigns, and where it was found (DESIGN errata)."""
    doc, _ = registration_document(answer)
    response = doc.get("response")
    if isinstance(response, dict) and isinstance(response.get("deviceCode"), str):
        return response["deviceCode"], "deviceRegistrationResponse.response.deviceCode"
    if isinstance(answer.get("deviceCodeUUID"), str) and answer["deviceCodeUUID"]:
        return answer["deviceCodeUUID"], "deviceCodeUUID"
    raise AssertionError("the registration answer assigns no device code")
