"""Request payloads an MDS builds for the four MMS APIs, from a device and its key store."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness.clock import iso
from harness.device.interface import Device
from harness.jose.jws import InvalidJws, json_payload, peek
from harness.pki import certs


@dataclass(frozen=True)
class MdsInfo:
    """What the MDS says about itself in every request."""

    env: str = "Developer"
    version: str = "1.0.0"
    spec_version: str = "0.9.5"
    hostos: str = "Linux"


def base_payload(device: Device, mds: MdsInfo, device_code: str) -> dict[str, Any]:
    """The fields common to all four requests, with a fresh transaction id and the device time."""
    ident = device.identity
    return {
        "uniqueTransactionId": str(uuid.uuid4()),
        "timeStamp": iso(device.clock.now()),
        "serialNumber": ident.serial_number,
        "deviceCodeUUID": device_code,
        "modelID": ident.model_id,
        "deviceProviderId": ident.provider_id,
        "bioType": ident.bio_type,
        "certificationLevel": ident.certification_level,
        "devicePurpose": ident.purpose,
        "env": mds.env,
        "deviceServiceVersion": mds.version,
        "specVersion": mds.spec_version,
        "hostos": mds.hostos,
    }


def rotation_fields(csr: x509.CertificateSigningRequest) -> dict[str, Any]:
    """msbKeyRotation's extra field: the CSR as base64 DER."""
    return {"csrData": certs.csr_to_b64der(csr)}


def tampered_csr(csr: x509.CertificateSigningRequest) -> str:
    """The CSR as base64 DER with the last byte of its self-signature flipped: it still parses,
    but proves no possession of the key (the signature is the DER's last element)."""
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01
    return base64.b64encode(bytes(der)).decode("ascii")


def digital_id(device: Device) -> dict[str, Any]:
    """The MOSIP digitalId of a device (SBI 0.9.5 fields)."""
    ident = device.identity
    return {
        "serialNo": ident.serial_number,
        "make": ident.make,
        "model": ident.model_id,
        "type": ident.bio_type,
        "deviceSubType": ident.device_sub_type,
        "deviceProvider": ident.make,
        "deviceProviderId": ident.provider_id,
        "dateTime": iso(device.clock.now()),
    }


# The three signed parts of a MOSIP registration request, outermost first.
REGISTRATION_PARTS = ("deviceData", "deviceInfo", "digitalId")
PartSigner = Callable[[dict[str, Any]], str]


def registration_request(
    device: Device,
    digital_id_overrides: dict[str, Any] | None = None,
    signers: dict[str, PartSigner] | None = None,
) -> dict[str, Any]:
    """The MOSIP device registration request `{id, version, requesttime, metadata, request:
    {deviceData}}` (docs/errata.md): deviceData, its deviceInfo and the digitalId inside it are
    each a JWS signed by the device key (x5c: device certificate, device CA), unless `signers`
    names another signer for a part; no device-provider signature, as the MMS spec says."""
    sign = {part: (signers or {}).get(part, device.sign) for part in REGISTRATION_PARTS}
    ident, now = device.identity, iso(device.clock.now())
    device_info = {
        "deviceSubId": ["0"],
        "certification": ident.certification_level,
        "digitalId": sign["digitalId"]({**digital_id(device), **(digital_id_overrides or {})}),
        "firmware": ident.firmware,
        "deviceExpiry": iso(device.certificate.not_valid_after_utc),
        "timeStamp": now,
    }
    device_data = {
        "deviceId": ident.serial_number,
        "purpose": ident.purpose,
        "deviceInfo": sign["deviceInfo"](device_info),
        "foundationalTrustProviderId": "",
    }
    return {
        "id": "io.mosip.deviceregister",
        "version": "0.9.5",
        "requesttime": now,
        "metadata": {},
        "request": {"deviceData": sign["deviceData"](device_data)},
    }


def registration_fields(
    device: Device,
    digital_id_overrides: dict[str, Any] | None = None,
    signers: dict[str, PartSigner] | None = None,
) -> dict[str, Any]:
    """msbDeviceRegistration's extra field: the MOSIP registration request as JSON text."""
    request = registration_request(device, digital_id_overrides, signers)
    return {"deviceRegistrationRequest": json.dumps(request)}


@dataclass(frozen=True)
class RegistrationRequest:
    """A registration request as read: deviceData (not yet verified), its JWS when it came
    signed, and the forms it came in (for evidence)."""

    device_data: dict[str, Any]
    device_data_token: str | None
    forms: tuple[str, ...]


def read_registration_request(raw: Any) -> RegistrationRequest:
    """Read deviceRegistrationRequest in any form docs/errata.md accept: a JSON object or JSON
    text; the MOSIP request `{..., request: {deviceData}}` or a bare `{deviceData}`; deviceData
    as a JWS (read here, verified by the caller) or as an object. ValueError otherwise."""
    forms = []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"deviceRegistrationRequest is not JSON: {exc}") from None
        forms.append("JSON text")
    else:
        forms.append("JSON object")
    if not isinstance(raw, dict):
        raise ValueError("deviceRegistrationRequest is not a JSON object")
    inner = raw.get("request")
    if isinstance(inner, dict) and "deviceData" in inner:
        data = inner["deviceData"]
        forms.append("MOSIP request")
    elif "deviceData" in raw:
        data = raw["deviceData"]
        forms.append("bare {deviceData}")
    else:
        raise ValueError("deviceRegistrationRequest has no deviceData (nor request.deviceData)")
    token = None
    if isinstance(data, str):
        try:
            token, data = data, json_payload(peek(data)[1])
        except InvalidJws as exc:
            raise ValueError(f"deviceData is neither an object nor a JWS: {exc}") from None
        forms.append("deviceData as JWS")
    else:
        forms.append("deviceData as object")
    if not isinstance(data, dict):
        raise ValueError("deviceData is not a JSON object")
    return RegistrationRequest(data, token, tuple(forms))
