"""Request payloads an MDS builds for the four MMS APIs, from a device and its key store."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from harness.clock import iso
from harness.device.interface import Device
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


def registration_fields(
    device: Device, digital_id_overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """msbDeviceRegistration's extra field: a MOSIP registration request as a JSON string.

    deviceInfo and the digitalId inside it are JWS signed by the device key (x5c: device
    certificate, device CA); no device-provider signature, as the MMS spec says.
    """
    ident = device.identity
    device_info = {
        "deviceSubId": ["0"],
        "certification": ident.certification_level,
        "digitalId": device.sign({**digital_id(device), **(digital_id_overrides or {})}),
        "firmware": ident.firmware,
        "deviceExpiry": iso(device.certificate.not_valid_after_utc),
        "timeStamp": iso(device.clock.now()),
    }
    request = {
        "deviceData": {
            "deviceId": ident.serial_number,
            "purpose": ident.purpose,
            "deviceInfo": device.sign(device_info),
            "foundationalTrustProviderId": "",
        }
    }
    return {"deviceRegistrationRequest": json.dumps(request)}
