"""The keys and trust anchors the reference MMS works with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509

from harness.jose.jws import Signer
from harness.pki import certs
from harness.pki.material import FixturePki, fixture_pki
from harness.pki.trust import TrustStore


@dataclass(frozen=True)
class ServerMaterial:
    """Response signer, trust for MDS envelopes and device signatures, device CA, MOSIP cert."""

    signer: Signer
    vendor_trust: TrustStore
    device_trust: TrustStore
    device_ca_cert: x509.Certificate
    device_ca_key: certs.RsaKey = field(repr=False)
    encryption_cert: x509.Certificate = field(repr=False)

    @classmethod
    def from_fixtures(
        cls,
        pki: FixturePki | None = None,
        extra_device_anchors: Sequence[x509.Certificate] = (),
        extra_vendor_anchors: Sequence[x509.Certificate] = (),
    ) -> ServerMaterial:
        """The server side of the committed fixture PKI (see fixtures/pki/manifest.json); a
        real device's certificates verify against `extra_device_anchors` too, a vendor MDS's
        envelopes against `extra_vendor_anchors`."""
        pki = pki or fixture_pki()
        return cls(
            signer=Signer(pki.key("mms-response-signing"), (pki.cert("mms-response-signing"),)),
            vendor_trust=TrustStore([pki.cert("vendor-root-ca"), *extra_vendor_anchors]),
            device_trust=TrustStore([pki.cert("server-root-ca"), *extra_device_anchors]),
            device_ca_cert=pki.cert("device-ca"),
            device_ca_key=pki.key("device-ca"),
            encryption_cert=pki.cert("mosip-encryption"),
        )
