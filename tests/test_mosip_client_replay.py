"""MOSIP's Android camera MDS, replayed request by request against `bioharness serve mms`.

The requests are re-created here, in our own code, from reading its management client
(https://github.com/mosip/android-camera-mds, branch develop at d1ec22a5):

- app/src/main/java/nprime/reg/sbi/mmc/MMCHelper.java: the envelope (getJwtEncodedData), the
  four payloads (getDeviceSnapshotData, getmsbEncryptCertData, getmsbKeyRotationData,
  getmsbDeviceRegistrationData), the registration request (getRegRequest), and how an answer is
  verified (evaluateMMCResponse, evaluateTrust);
- app/src/main/java/nprime/reg/sbi/utility/CommonDeviceAPI.java: the JWS headers (getHeader,
  getHeaderfromCert: the MDS or the device certificate alone in x5c), the CSR's common name
  (generateCSR) and the device certificate's (isValidDeviceforCertificate);
- app/src/main/java/nprime/reg/sbi/secureLib/DeviceKeystore.java: the CSR (GenerateCSR);
- app/src/main/java/nprime/reg/sbi/utility/CryptoUtility.java: timestamps (getTimestamp);
- app/src/main/java/nprime/reg/sbi/utility/DeviceConstants.java: the constant fields;
- app/src/main/java/nprime/reg/sbi/scanner/ResponseGenerator/ResponseGenHelper.java: digitalId;
- app/src/main/java/nprime/reg/sbi/mds/DeviceMain.java, mmc/ManagementClient.java: the order of
  the calls and the device code sent (the serial number the snapshot echoes);
- app/libs/MdsDao.jar, package com.mmc.DataObjects: the fields of its request and answer classes
  (Jackson refuses an answer field its class lacks).

The client sends its serial number as deviceCodeUUID; the spec's -101 rightly refuses that (see
the last test), so the replay sends the real code: "" before registration, then the code the
registration gave. The device is none of the fixtures: its key and certificate are made here,
under a CA made here and given to the server with --device-trust, and it is whitelisted with
--whitelist. The client is built as a Registration device, for which the spec's answer to
msbEncryptionCert is -104; the same client built as an Auth device fetches the certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from harness.pki import certs
from harness.pki.material import fixture_pki
from tests.served import Served, served

PROVIDER = "LAB-DP"
MODEL = "LAB-FACE-CAM"
MDS_KEY, MDS_CERT = fixture_pki().key("mds-signing"), fixture_pki().cert("mds-signing")
SERVER_ROOT = fixture_pki().cert("server-root-ca")  # the client's TRUST_CERT

# The fields of the client's answer classes (com.mmc.DataObjects).
ECHO = {
    "uniqueTransactionId",
    "timeStamp",
    "serialNumber",
    "deviceCodeUUID",
    "modelID",
    "deviceProviderId",
    "bioType",
    "certificationLevel",
    "devicePurpose",
    "env",
    "responseCode",
    "description",
}
ANSWER_FIELDS = {
    "msbDeviceSnapshot": ECHO
    | {
        "serverTimeStamp",
        "isWhiteListed",
        "isDeviceValid",
        "isDeviceRegistered",
        "deviceServiceUpdateRequired",
        "deviceServiceDownloadURL",
        "mandatoryKeyRotation",
        "keyExpiryTimeStamp",
        "encryptionCertThumbprint",
        "snapshotValidity",
        "bannerMessage",
    },
    "msbEncryptionCert": ECHO | {"encryptionCertData"},
    "msbKeyRotation": ECHO | {"signedDeviceCertificate", "keyExpiryTimeStamp"},
    "msbDeviceRegistration": ECHO
    | {"deviceServiceVersion", "specVersion", "hostos", "deviceRegistrationResponse"},
}


@dataclass(frozen=True)
class LabDevice:
    """A phone running the camera MDS: its serial number (ANDROID_ID), the purpose the client
    was built for, its key and the certificate the lab's CA gave it."""

    serial: str
    purpose: str
    key: certs.RsaKey
    cert: x509.Certificate


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: dict[str, Any]) -> bytes:
    """As Jackson writes an object: compact, fields in declaration order."""
    return json.dumps(value, separators=(",", ":")).encode()


def _jws(cert: x509.Certificate, key: certs.RsaKey, payload: dict[str, Any]) -> str:
    """The client's JWS: header alg, typ "jwt" and the one certificate in x5c; SHA256withRSA
    over the unpadded base64url header and payload."""
    header = {"alg": "RS256", "typ": "jwt", "x5c": [certs.cert_to_b64der(cert)]}
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json(payload))}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _now() -> str:
    """The client's timestamp: UTC, whole seconds, `Z`."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(device: LabDevice, code: str) -> dict[str, Any]:
    """The fields all four requests carry (the client's MSB* request classes)."""
    return {
        "uniqueTransactionId": "48213907",  # the client's: eight random digits
        "timeStamp": _now(),
        "serialNumber": device.serial,
        "deviceCodeUUID": code,
        "modelID": MODEL,
        "deviceProviderId": PROVIDER,
        "bioType": "Face",
        "certificationLevel": "L0",
        "devicePurpose": device.purpose,
        "env": "Staging",
        "deviceServiceVersion": "0.9.5.1",
        "specVersion": "0.9.5",
        "hostos": "ANDROID",
    }


def _csr(device: LabDevice) -> str:
    """The client's CSR: a new RSA-2048 key, subject `<serial>.<model>` and its organisation,
    SHA256withRSA, PKCS#10 DER in standard base64."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{device.serial}.{MODEL}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Lab Devices"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab Devices Ltd"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Bench"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Lab"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject)
    der = csr.sign(certs.new_rsa_key(), hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode("ascii")


def _registration_request(device: LabDevice) -> str:
    """The client's MOSIP registration request, as JSON text: digitalId, deviceInfo and
    deviceData each signed by the device key (its certificate alone in x5c), purpose in upper
    case, metadata an empty string."""
    now = _now()
    expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)).isoformat()
    digital_id = {
        "serialNo": device.serial,
        "make": "LabPhone",
        "model": MODEL,
        "type": "Face",
        "deviceSubType": "Full face",
        "deviceProvider": "Lab Devices",
        "deviceProviderId": PROVIDER,
        "dateTime": now,
    }
    device_info = {
        "deviceSubId": "1",
        "certification": "L1",
        "digitalId": _jws(device.cert, device.key, digital_id),
        "firmware": "1.0.9999",
        "deviceExpiry": expiry,
        "timeStamp": now,
    }
    device_data = {
        "deviceId": device.serial,
        "purpose": device.purpose.upper(),
        "deviceInfo": _jws(device.cert, device.key, device_info),
        "foundationalTrustProviderId": "",
    }
    request = {
        "id": "io.mosip.deviceregister",
        "metadata": "",
        "requesttime": now,
        "version": "0.9.5",
        "request": {"deviceData": _jws(device.cert, device.key, device_data)},
    }
    return json.dumps(request, separators=(",", ":"))


def _call(url: str, api: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST `{api: JWS}` as the client does; verify the answer as it does (x5c[0] issued by its
    trust certificate, the signature by x5c[0]) and return its payload, which must hold only
    fields the client's answer class has."""
    body = json.dumps({api: _jws(MDS_CERT, MDS_KEY, payload)})
    headers = {"Content-Type": "application/json; charset=utf-8"}
    response = httpx.post(url, content=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    (token,) = response.json().values()
    header, payload_part, signature = token.split(".")
    host_cert = x509.load_der_x509_certificate(
        base64.b64decode(json.loads(_b64url_decode(header))["x5c"][0])
    )
    host_cert.verify_directly_issued_by(SERVER_ROOT)
    host_key = host_cert.public_key()
    assert isinstance(host_key, rsa.RSAPublicKey)
    signing_input = f"{header}.{payload_part}".encode()
    host_key.verify(_b64url_decode(signature), signing_input, padding.PKCS1v15(), hashes.SHA256())
    answer = json.loads(_b64url_decode(payload_part))
    assert set(answer) <= ANSWER_FIELDS[api], set(answer) - ANSWER_FIELDS[api]
    return answer


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["responseCode"] == "0", answer["description"]
    return answer


def _issue(
    name: x509.Name, key: certs.RsaKey, ca_key: certs.RsaKey, issuer: x509.Name, ca: bool
) -> x509.Certificate:
    """A certificate for `key`, valid from yesterday for a year, issued by `ca_key`."""
    now = dt.datetime.now(dt.UTC)
    return certs.issue_certificate(
        subject=name,
        public_key=key.public_key(),
        issuer=issuer,
        issuer_key=ca_key,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365),
        ca=ca,
    )


@dataclass(frozen=True)
class Lab:
    server: Served
    registration: LabDevice
    auth: LabDevice


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """`bioharness serve mms` trusting a CA made here and whitelisting two phones it issued
    certificates to: the client built for Registration, and built for Auth."""
    folder: Path = tmp_path_factory.mktemp("lab")
    ca_key, ca_name = certs.new_rsa_key(), certs.name("Lab Device CA", "Lab Devices Ltd")
    ca_cert = _issue(ca_name, ca_key, ca_key, ca_name, ca=True)
    (folder / "device-ca.pem").write_bytes(certs.cert_to_pem(ca_cert))

    def phone(serial: str, purpose: str) -> LabDevice:
        key = certs.new_rsa_key()
        name = certs.name(f"{serial}.{MODEL}", "Lab Devices Ltd")
        return LabDevice(serial, purpose, key, _issue(name, key, ca_key, ca_name, ca=False))

    registration, auth = (
        phone("9774d56d682e549c", "Registration"),
        phone("3c1f7a08e2b95d64", "Auth"),
    )
    whitelist = [f'[provider]\ndeviceProviderId = "{PROVIDER}"\n']
    for name, device in (("face-camera", registration), ("face-camera-auth", auth)):
        whitelist.append(
            f'[devices.{name}]\nserialNumber = "{device.serial}"\nmodelID = "{MODEL}"\n'
            f'bioType = "Face"\ndevicePurpose = "{device.purpose}"\n'
            "server = { whitelisted = true, whitelistValidDays = 30 }\n"
        )
    (folder / "whitelist.toml").write_text("\n".join(whitelist))
    trust, listed = str(folder / "device-ca.pem"), str(folder / "whitelist.toml")
    with served("mms", "--device-trust", trust, "--whitelist", listed, seconds=300) as server:
        assert server.line.startswith("reference MMS at "), server.line
        yield Lab(server, registration, auth)


def test_the_registration_build_registers_then_rotates_its_key(lab: Lab) -> None:
    device, url = lab.registration, lab.server.url
    snapshot = _ok(_call(url, "msbDeviceSnapshot", _payload(device, "")))
    assert (snapshot["isWhiteListed"], snapshot["isDeviceValid"]) == ("true", "true")
    assert (snapshot["isDeviceRegistered"], snapshot["deviceCodeUUID"]) == ("false", "")

    refused = _call(url, "msbEncryptionCert", _payload(device, ""))
    assert refused["responseCode"] == "-104"  # the spec: not required for a registration device

    request = {**_payload(device, ""), "deviceRegistrationRequest": _registration_request(device)}
    registered = _ok(_call(url, "msbDeviceRegistration", request))
    code = json.loads(registered["deviceRegistrationResponse"])["response"]["deviceCode"]
    assert code

    snapshot = _ok(_call(url, "msbDeviceSnapshot", _payload(device, code)))
    assert (snapshot["isDeviceRegistered"], snapshot["deviceCodeUUID"]) == ("true", code)

    csr = _csr(device)
    rotated = _ok(_call(url, "msbKeyRotation", {**_payload(device, code), "csrData": csr}))
    issued = x509.load_der_x509_certificate(
        base64.b64decode(rotated["signedDeviceCertificate"], validate=True)
    )
    asked = x509.load_der_x509_csr(base64.b64decode(csr)).public_key()
    assert issued.public_key() == asked
    snapshot = _ok(_call(url, "msbDeviceSnapshot", _payload(device, code)))
    assert snapshot["keyExpiryTimeStamp"] == rotated["keyExpiryTimeStamp"]
    assert snapshot["mandatoryKeyRotation"] == "false"


def test_the_auth_build_fetches_the_encryption_certificate(lab: Lab) -> None:
    device, url = lab.auth, lab.server.url
    snapshot = _ok(_call(url, "msbDeviceSnapshot", _payload(device, "")))
    answer = _ok(_call(url, "msbEncryptionCert", _payload(device, "")))
    der = base64.b64decode(answer["encryptionCertData"], validate=True)  # base64 only
    cert = x509.load_der_x509_certificate(der)
    assert snapshot["encryptionCertThumbprint"].upper() == certs.thumbprint(cert).upper()


def test_the_serial_number_the_client_sends_as_device_code_gets_minus_101(lab: Lab) -> None:
    device = lab.auth
    answer = _call(lab.server.url, "msbDeviceSnapshot", _payload(device, device.serial))
    assert answer["responseCode"] == "-101"
