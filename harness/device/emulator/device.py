"""Emulator side: an emulated biometric device (identity, key store, clock and sensor, all in
memory), which also holds the fixture FIDO dispatch targets and runs a FIDO client. Like every
Device it raises only the DeviceError family."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from harness.clock import Clock, OffsetClock
from harness.device.emulator.dispatch_targets import FixtureDispatchTargets
from harness.device.emulator.fido_client import EmulatedFidoClient, FidoClientFactory
from harness.device.identity import DeviceIdentity
from harness.device.interface import (
    CLOCK_CONTROL,
    FIDO_CLIENT,
    FIDO_TARGETS,
    JWE_PLAINTEXT,
    Device,
    DeviceInfo,
    DeviceRefused,
    DispatchTargetKeys,
    FidoCallResult,
)
from harness.pki import certs
from harness.pki.material import fixture_pki

CAPABILITIES = frozenset({CLOCK_CONTROL, FIDO_TARGETS, JWE_PLAINTEXT, FIDO_CLIENT})
# Where the clock restarts after a power loss: the device keeps no time without power, so the
# time its MDS gave it is gone until the MDS syncs it again.
POWER_ON_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class EmulatedDevice(Device):
    """A device whose key and certificate start as the fixture ones and can be rotated, holding
    every dispatch target of the fixture FIDO devices, with a FIDO client made by
    `fido_client_factory`. A `sealed` one never gives a JWE plaintext back (no jwe_plaintext).
    Its clock runs at an adjustable offset from `clock` (default: the system clock).
    """

    def __init__(
        self,
        identity: DeviceIdentity,
        fido_client_factory: FidoClientFactory = EmulatedFidoClient,
        sealed: bool = False,
        clock: Clock | None = None,
    ) -> None:
        pki = fixture_pki()
        self.fixture = identity
        self.sealed = sealed
        self._clock = OffsetClock(clock)
        self._key = pki.key(identity.pki)
        self._chain = [pki.cert(identity.pki), pki.cert("device-ca")]
        self._pending: certs.RsaKey | None = None
        self._targets = FixtureDispatchTargets()
        self.fido_client = fido_client_factory(self)

    @property
    def capabilities(self) -> frozenset[str]:  # type: ignore[override]
        return CAPABILITIES - {JWE_PLAINTEXT} if self.sealed else CAPABILITIES

    @property
    def identity(self) -> DeviceInfo:
        f = self.fixture
        return DeviceInfo(
            serial_number=f.serial_number,
            make=f.make,
            model_id=f.model_id,
            provider_id=f.provider_id,
            bio_type=f.bio_type,
            device_sub_type=f.device_sub_type,
            purpose=f.purpose,
            certification_level=f.certification_level,
            firmware=f.firmware,
        )

    def sign_bytes(self, data: bytes) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def certificate_chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    def create_csr(self, bits: int = 2048) -> x509.CertificateSigningRequest:
        try:
            self._pending = certs.new_rsa_key(bits)
        except ValueError as exc:  # a key size the device cannot make
            raise DeviceRefused(str(exc)) from exc
        return certs.build_csr(self._pending, self.fixture.serial_number)

    def install_certificate(self, cert: x509.Certificate) -> None:
        if self._pending is None:
            raise DeviceRefused("no key is pending: create a CSR first")
        if not certs.same_public_key(cert.public_key(), self._pending.public_key()):
            raise DeviceRefused("the certificate does not carry the pending key")
        self._key, self._pending = self._pending, None
        self._chain = [cert, *self._chain[1:]]

    def now(self) -> dt.datetime:
        return self._clock.now()

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        self._clock.offset = offset

    def capture(self) -> dict[str, Any]:
        sample = os.urandom(64)
        return {
            "bioType": self.fixture.bio_type,
            "data": base64.b64encode(sample).decode(),
            "hash": hashlib.sha256(sample).hexdigest(),
        }

    def reboot(self) -> None:
        self._pending = None

    def lose_power(self) -> None:
        """What a power loss takes: what the device held in RAM (a pending key; the time it was
        given: its clock restarts at POWER_ON_TIME). What it stores stays: its key and
        certificates, its dispatch targets and what its FIDO client keeps."""
        self.reboot()
        self._clock.offset = POWER_ON_TIME - self._clock.base.now()

    def dispatch_targets(self) -> list[DispatchTargetKeys]:
        return self._targets.listing()

    def sign_as_target(self, target_id: str, data: bytes) -> bytes:
        return self._targets.sign(target_id, data)

    def open_jwe(self, target_id: str, token: str) -> bytes:
        if JWE_PLAINTEXT not in self.capabilities:
            raise DeviceRefused("this device is sealed: it never gives a plaintext back")
        return self._targets.open(target_id, token)

    def fido_call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        return self.fido_client.call(operation, service_url, device_id, target_id, **fields)

    def __repr__(self) -> str:
        return f"EmulatedDevice({self.fixture.name}, {self.fixture.serial_number})"
