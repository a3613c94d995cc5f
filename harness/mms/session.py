"""A device's conversation with an MMS: the harness playing an emulated device and its MDS."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cryptography import x509

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.device.interface import Device
from harness.jose.jws import Signer, sign
from harness.jose.mutations import mutate
from harness.mms import protocol
from harness.mms.answers import certificate_field, registered_device_code
from harness.mms.client import MmsClient, MmsExchange
from harness.mms.requests import (
    REGISTRATION_PARTS,
    MdsInfo,
    PartSigner,
    base_payload,
    registration_fields,
    rotation_fields,
    tampered_csr,
)
from harness.pki import certs
from harness.pki.material import fixture_pki

# A request field's value that leaves the field out.
LEFT_OUT = object()
# How a scenario may send a request field instead of its value: another JSON type, or nothing.
FIELD_SHAPES: dict[str, Callable[[Any], Any]] = {
    "left out": lambda value: LEFT_OUT,
    "null": lambda value: None,
    "a number": lambda value: 12345,
    "an array holding its value": lambda value: [value],
    "an object holding its value": lambda value: {"value": value},
}
# How a scenario may send the whole payload instead of a JSON object.
PAYLOAD_SHAPES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "a JSON array holding the request": lambda payload: [payload],
    "a JSON string holding the request": json.dumps,
    "a JSON number": lambda payload: 12345,
}


def fixture_signer(material: str) -> Signer:
    """An MDS envelope signer from fixture material: its key, its certificate in x5c."""
    pki = fixture_pki()
    return Signer(pki.key(material), (pki.cert(material),))


def fixture_device_signer(name: str) -> Signer:
    """The fixture key of device `name` as a Signer (x5c: its certificate, the device CA), for
    building a registration part the way that device would sign it."""
    pki, material = fixture_pki(), fixture_devices()[name].pki
    return Signer(pki.key(material), (pki.cert(material), pki.cert("device-ca")), typ="JWT")


class MmsSession:
    """Builds, signs and sends the four requests for one device, with knobs for negative tests.

    `overrides` replace request fields (a callable gets the field's value and returns what to
    send instead, LEFT_OUT removes it); `payload_shape` turns the payload into another value;
    `mutation` names a JWS mutation; `body_key` replaces the API name in the body; `csr_bits`
    sizes the next rotation key and `csr_tampered` breaks its self-signature;
    `digital_id_overrides` change the next registration's digitalId and `part_signers` sign
    its parts (deviceData, deviceInfo, digitalId) some other way than the device does.
    """

    def __init__(
        self,
        client: MmsClient,
        device: Device,
        signer: Signer,
        mds: MdsInfo,
        device_code: str = "",
    ) -> None:
        self.client = client
        self.device = device
        self.signer = signer
        self.mds = mds
        self.device_code = device_code
        self.overrides: dict[str, Any] = {}
        self.payload_shape: Callable[[dict[str, Any]], Any] | None = None
        self.mutation: str | None = None
        self.body_key: str | None = None
        self.exchanges: list[MmsExchange] = []
        self.csr: x509.CertificateSigningRequest | None = None
        self.csr_bits = 2048
        self.csr_tampered = False
        self.digital_id_overrides: dict[str, Any] = {}
        self.part_signers: dict[str, PartSigner] = {}
        self.fixture_name = ""  # the fixture device this session plays, when it plays one

    @classmethod
    def of_fixture(cls, name: str, client: MmsClient, mds: MdsInfo) -> MmsSession:
        """A session for fixture device `name`, emulated, its envelopes signed by the fixture
        MDS certificate, presenting the device code the lab provisioned."""
        devices = fixture_devices()
        if name not in devices:
            raise KeyError(f"no fixture device {name!r}; known: {', '.join(devices)}")
        device = EmulatedDevice(devices[name])
        session = cls(client, device, fixture_signer("mds-signing"), mds, devices[name].device_code)
        session.fixture_name = name
        return session

    def sign_part(self, part: str, signer: Signer, mutation: str | None = None) -> None:
        """Sign registration part `part` with `signer` (through a named mutation) next time."""
        if part not in REGISTRATION_PARTS:
            raise ValueError(f"no registration part {part!r}; known: {REGISTRATION_PARTS}")
        if mutation:
            self.part_signers[part] = lambda payload: mutate(mutation, payload, signer)
        else:
            self.part_signers[part] = lambda payload: sign(payload, signer)

    def payload(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The request payload with the API's `extra` fields and the overrides applied."""
        payload = {**base_payload(self.device, self.mds, self.device_code), **(extra or {})}
        for name, value in self.overrides.items():
            payload[name] = value(payload.get(name)) if callable(value) else value
        return {k: v for k, v in payload.items() if v is not LEFT_OUT}

    def payload_of(
        self, api: str, csr: x509.CertificateSigningRequest | None = None
    ) -> dict[str, Any]:
        """The payload the device would sign for `api` now (a rotation's carries `csr`, or a
        CSR of a new key)."""
        if api == protocol.KEY_ROTATION:
            self.csr = csr or self.device.create_csr(self.csr_bits)
            return self.payload(rotation_fields(self.csr))
        if api == protocol.REGISTRATION:
            fields = registration_fields(self.device, self.digital_id_overrides, self.part_signers)
            return self.payload(fields)
        return self.payload()

    def request(
        self, api: str, extra: dict[str, Any] | None = None, mutation: str | None = None
    ) -> MmsExchange:
        """Send one request of `api` with the current knobs (`mutation` for this one only)."""
        payload = self.payload(extra)
        signed = self.payload_shape(payload) if self.payload_shape else payload
        exchange = self.client.send(
            api,
            signed,
            self.signer,
            mutation=mutation or self.mutation,
            body_key=self.body_key,
        )
        self.exchanges.append(exchange)
        return exchange

    def snapshot(self) -> MmsExchange:
        return self.request(protocol.SNAPSHOT)

    def encryption_cert(self) -> MmsExchange:
        return self.request(protocol.ENCRYPTION_CERT)

    def send(self, api: str, mutation: str | None = None) -> MmsExchange:
        """Send the request of `api` the way the MDS would (through `mutation`, this once)."""
        if api not in protocol.APIS:
            raise ValueError(f"unknown MMS API {api!r}; known: {', '.join(protocol.APIS)}")
        if api == protocol.KEY_ROTATION:
            return self.rotate_key(mutation)
        if api == protocol.REGISTRATION:
            return self.register(mutation)
        return self.request(api, mutation=mutation)

    def rotate_key(self, mutation: str | None = None) -> MmsExchange:
        """Ask the device for a CSR of a fresh key and send it. On success the device installs the
        certificate if it certifies the new key (a device refuses any other; checks report it)."""
        self.csr = self.device.create_csr(self.csr_bits)
        fields = rotation_fields(self.csr)
        if self.csr_tampered:
            fields["csrData"] = tampered_csr(self.csr)
        exchange = self.request(protocol.KEY_ROTATION, fields, mutation)
        if _succeeded(exchange):
            cert, _ = certificate_field(exchange.answer, "signedDeviceCertificate")
            if certs.same_public_key(cert.public_key(), self.csr.public_key()):
                self.device.install_certificate(cert)
        return exchange

    def register(self, mutation: str | None = None) -> MmsExchange:
        """Send a registration request; adopt the assigned device code on 0."""
        fields = registration_fields(self.device, self.digital_id_overrides, self.part_signers)
        exchange = self.request(protocol.REGISTRATION, fields, mutation)
        if _succeeded(exchange):
            self.device_code, _ = registered_device_code(exchange.answer)
        return exchange

    @property
    def last(self) -> MmsExchange:
        if not self.exchanges:
            raise RuntimeError("no request has been sent yet")
        return self.exchanges[-1]

    def last_of(self, api: str) -> MmsExchange:
        """The most recent exchange of `api`."""
        for exchange in reversed(self.exchanges):
            if exchange.api == api:
                return exchange
        raise RuntimeError(f"no {api} request has been sent in this scenario")

    def __repr__(self) -> str:
        return f"MmsSession({self.device.identity.serial_number})"


def _succeeded(exchange: MmsExchange) -> bool:
    return (
        exchange.verified is not None
        and isinstance(exchange.verified.payload, dict)
        and exchange.answer.get("responseCode") in ("0", 0)
    )
