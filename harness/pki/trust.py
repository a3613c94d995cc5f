"""Chain verification against trust anchors, done by cryptography's X.509 path validation."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

MIN_RSA_BITS = 2048


class UntrustedChain(Exception):
    """A certificate chain that does not lead to a trust anchor (or is not valid now)."""


class TrustStore:
    """A set of trust anchors that verifies leaf-first chains.

    CA certificates must meet WebPKI rules; end-entity extensions are not constrained (signing
    certificates of devices and vendors carry no subject alternative name). Signatures, validity
    windows and key sizes (RSA >= 2048) are checked on every certificate.
    """

    def __init__(self, anchors: list[x509.Certificate]) -> None:
        if not anchors:
            raise ValueError("a trust store needs at least one anchor")
        self.anchors = list(anchors)
        self._store = Store(self.anchors)

    def verify(self, chain: list[x509.Certificate], at: dt.datetime) -> x509.Certificate:
        """Verify `chain` (leaf first) at time `at`; return the leaf or raise UntrustedChain."""
        if not chain:
            raise UntrustedChain("empty certificate chain")
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(at)
            .max_chain_depth(4)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(chain[0], chain[1:])
        except VerificationError as exc:
            raise UntrustedChain(str(exc)) from exc
        for cert in verified.chain:
            key = cert.public_key()
            if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
                raise UntrustedChain(
                    f"{cert.subject.rfc4514_string()}: key is not RSA >= {MIN_RSA_BITS} bits"
                )
        return chain[0]

    def __repr__(self) -> str:
        names = ", ".join(a.subject.rfc4514_string() for a in self.anchors)
        return f"TrustStore({names})"
