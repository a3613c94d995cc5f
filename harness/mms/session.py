"""A device's conversation with an MMS: the harness playing an emulated device and its MDS."""

from __future__ import annotations

from typing import Any

from cryptography import x509

from harness.device.interface import Device
from harness.jose.jws import Signer
from harness.mms import protocol
from harness.mms.answers import certificate_field, registered_device_code
from harness.mms.client import MmsClient, MmsExchange
from harness.mms.requests import MdsInfo, base_payload, registration_fields, rotation_fields
from harness.pki import certs


class MmsSession:
    """Builds, signs and sends the four requests for one device, with knobs for negative tests.

    `overrides` replace request fields, `mutation` names a JWS mutation and `body_key` replaces
    the API name in the body, `csr_bits` sizes the next rotation key and
    `digital_id_overrides` change the next registration's digitalId.
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
        self.mutation: str | None = None
        self.body_key: str | None = None
        self.exchanges: list[MmsExchange] = []
        self.csr: x509.CertificateSigningRequest | None = None
        self.csr_bits = 2048
        self.digital_id_overrides: dict[str, Any] = {}

    def request(self, api: str, extra: dict[str, Any] | None = None) -> MmsExchange:
        """Send one request of `api` with the current knobs."""
        payload = {**base_payload(self.device, self.mds, self.device_code), **(extra or {})}
        payload.update(self.overrides)
        exchange = self.client.send(
            api, payload, self.signer, mutation=self.mutation, body_key=self.body_key
        )
        self.exchanges.append(exchange)
        return exchange

    def snapshot(self) -> MmsExchange:
        return self.request(protocol.SNAPSHOT)

    def encryption_cert(self) -> MmsExchange:
        return self.request(protocol.ENCRYPTION_CERT)

    def send(self, api: str) -> MmsExchange:
        """Send the request of `api` the way the MDS would."""
        actions = {
            protocol.SNAPSHOT: self.snapshot,
            protocol.ENCRYPTION_CERT: self.encryption_cert,
            protocol.KEY_ROTATION: self.rotate_key,
            protocol.REGISTRATION: self.register,
        }
        if api not in actions:
            raise ValueError(f"unknown MMS API {api!r}; known: {', '.join(protocol.APIS)}")
        return actions[api]()

    def rotate_key(self) -> MmsExchange:
        """Ask the device for a CSR of a fresh key and send it. On success the device installs the
        certificate if it certifies the new key (a device refuses any other; checks report it)."""
        self.csr = self.device.create_csr(self.csr_bits)
        exchange = self.request(protocol.KEY_ROTATION, rotation_fields(self.csr))
        if _succeeded(exchange):
            cert, _ = certificate_field(exchange.answer, "signedDeviceCertificate")
            if certs.same_public_key(cert.public_key(), self.csr.public_key()):
                self.device.install_certificate(cert)
        return exchange

    def register(self) -> MmsExchange:
        """Send a registration request; adopt the assigned device code on 0."""
        exchange = self.request(
            protocol.REGISTRATION, registration_fields(self.device, self.digital_id_overrides)
        )
        if _succeeded(exchange):
            self.device_code, _ = registered_device_code(exchange.answer)
        return exchange

    @property
    def last(self) -> MmsExchange:
        if not self.exchanges:
            raise AssertionError("no request has been sent yet")
        return self.exchanges[-1]

    def last_of(self, api: str) -> MmsExchange:
        """The most recent exchange of `api`."""
        for exchange in reversed(self.exchanges):
            if exchange.api == api:
                return exchange
        raise AssertionError(f"no {api} request has been sent in this scenario")

    def __repr__(self) -> str:
        return f"MmsSession({self.device.identity.serial_number})"


def _succeeded(exchange: MmsExchange) -> bool:
    return exchange.verified is not None and exchange.answer.get("responseCode") in ("0", 0)
