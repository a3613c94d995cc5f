"""An emulated biometric device: identity, key store and clock, all in memory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509

from harness.clock import Clock, OffsetClock
from harness.device.identity import DeviceIdentity
from harness.jose.jws import Signer, sign
from harness.pki import certs
from harness.pki.material import FixturePki, fixture_pki


class EmulatedDevice:
    """A device whose key and certificate start as the fixture ones and can be rotated."""

    def __init__(
        self, identity: DeviceIdentity, pki: FixturePki | None = None, clock: Clock | None = None
    ) -> None:
        pki = pki or fixture_pki()
        self.identity = identity
        self.clock = OffsetClock(clock)
        self._key = pki.key(identity.pki)
        self.certificate: x509.Certificate = pki.cert(identity.pki)
        self._chain_tail = (pki.cert("device-ca"),)
        self._pending: certs.RsaKey | None = None

    def signer(self) -> Signer:
        """The device key with its certificate chain (device certificate, device CA)."""
        return Signer(key=self._key, chain=(self.certificate, *self._chain_tail))

    def sign(self, payload: dict[str, Any]) -> str:
        """A JWS of `payload` signed with the device key."""
        return sign(payload, self.signer())

    def create_csr(self, bits: int = 2048) -> x509.CertificateSigningRequest:
        """Make a fresh key (kept pending until its certificate is installed) and its CSR."""
        self._pending = certs.new_rsa_key(bits)
        return certs.build_csr(self._pending, self.identity.serial_number)

    def install_certificate(self, cert: x509.Certificate) -> None:
        """Switch to the pending key, which `cert` must certify."""
        if self._pending is None:
            raise RuntimeError("no key is pending: create a CSR first")
        if not certs.same_public_key(cert.public_key(), self._pending.public_key()):
            raise ValueError("the certificate does not carry the pending key")
        self._key, self.certificate, self._pending = self._pending, cert, None

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        self.clock.offset = offset

    def __repr__(self) -> str:
        return f"EmulatedDevice({self.identity.name}, {self.identity.serial_number})"
