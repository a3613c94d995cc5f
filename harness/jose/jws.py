"""Compact RS256 JWS with an `x5c` header, built and verified with jwcrypto."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk, jws
from jwcrypto.common import JWException, base64url_decode, base64url_encode
from jwcrypto.jwa import JWA

from harness import strict_json
from harness.pki import certs
from harness.pki.trust import TrustStore, UntrustedChain

ALG = "RS256"
# RFC 7515 compact serialization: three unpadded base64url segments.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# msbKeyRotation's two-part form (docs/errata.md): payload and signature, no header.
_TWO_PART = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# MIME-style line breaks a deployed MMS puts inside x5c entries (docs/errata.md: advisory).
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
X5C_LINE_BREAKS = "x5c entry carries CR/LF line breaks (MIME style); RFC 7515 has none"
# Header parameters that change how a JWS is read; neither specification uses one, so a token
# carrying one cannot be read as meant (RFC 7515 4.1.11, RFC 7797).
UNDERSTOOD_NOWHERE = ("crit", "b64")
# Header parameters that point at a key for the verifier to fetch or take.
KEY_REFERENCES = ("jku", "x5u", "jwk")


@lru_cache(maxsize=256)
def _cached_jwk(pem: bytes) -> jwk.JWK:
    return jwk.JWK.from_pem(pem)


@lru_cache(maxsize=256)
def private_jwk(key: certs.RsaKey) -> jwk.JWK:
    """A cached jwcrypto key for an RSA private key the harness holds (a fixture key or one it
    made). Taken from the key object, without jwcrypto's RSA consistency check: OpenSSL's takes
    ~0.1 s a key, twice (on import and on first use), and these keys are our own."""
    jwcrypto_key = jwk.JWK()
    jwcrypto_key.unsafe_skip_rsa_key_validation = True
    jwcrypto_key.import_from_pyca(key)
    return jwcrypto_key


def public_jwk(cert: x509.Certificate) -> jwk.JWK:
    """A cached jwcrypto key for a certificate's public key."""
    return key_jwk(cert.public_key())


def key_jwk(key: rsa.RSAPublicKey) -> jwk.JWK:
    """A cached jwcrypto key for an RSA public key."""
    return _cached_jwk(key.public_bytes(*_SPKI))


_SPKI = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class Signer:
    """A signing key and the certificate chain (leaf first) to put in `x5c`; or, for a key that
    never leaves its device, no key and `rs256`, the device's signature over a signing input."""

    key: certs.RsaKey | None = field(repr=False)
    chain: tuple[x509.Certificate, ...]
    typ: str | None = "jwt"
    rs256: Callable[[bytes], bytes] | None = field(default=None, repr=False)

    @classmethod
    def on_device(cls, rs256: Callable[[bytes], bytes], typ: str | None = None) -> Signer:
        """A signer whose key is on a device that makes RS256 signatures with `rs256`."""
        return cls(key=None, chain=(), typ=typ, rs256=rs256)

    def private_key(self) -> certs.RsaKey:
        """The key itself; ValueError for a key that stays on its device."""
        if self.key is None:
            raise ValueError("this signer's key stays on its device")
        return self.key

    def __repr__(self) -> str:
        return f"Signer({self.chain[0].subject.rfc4514_string()})" if self.chain else "Signer()"

    def rs256_signature(self, signing_input: bytes) -> bytes:
        """The RS256 signature of `signing_input` (made on the device when the key is there)."""
        if self.rs256 is not None:
            return self.rs256(signing_input)
        return JWA.signing_alg(ALG).sign(private_jwk(self.private_key()), signing_input)

    def header(self) -> dict[str, Any]:
        header: dict[str, Any] = {"alg": ALG}
        if self.typ is not None:
            header["typ"] = self.typ
        if self.chain:
            header["x5c"] = [certs.cert_to_b64der(c) for c in self.chain]
        return header


def sign(payload: dict[str, Any] | bytes, signer: Signer, **header: Any) -> str:
    """Compact JWS of `payload` (JSON-encoded if a dict), RS256, with the signer's x5c (made on
    the device when the signer's key is there)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return sign_with(body, {**signer.header(), **header}, signer.rs256_signature)


def sign_with(
    payload: dict[str, Any] | bytes, header: dict[str, Any], rs256: Callable[[bytes], bytes]
) -> str:
    """Compact JWS whose RS256 signature is made by `rs256` over the signing input (jwcrypto's
    RS256 with a key the harness holds, or the device's for a key that never leaves it): the
    compact form of RFC 7515 7.1, without a jwcrypto JWS object (whose header registry is
    deep-copied for every token: a sixth of what the reference MMS spent answering)."""
    protected = base64url_encode(json.dumps({**header, "alg": ALG}).encode())
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    body = base64url_encode(raw)
    signing_input = f"{protected}.{body}".encode("ascii")
    return f"{protected}.{body}.{base64url_encode(rs256(signing_input))}"


class InvalidJws(Exception):
    """A JWS that fails verification; `reason` is malformed, bad_signature or untrusted_chain."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class VerifiedJws:
    """A JWS whose signature and chain were verified; `advisories` name tolerated deviations."""

    header: dict[str, Any]
    payload: Any
    signer: x509.Certificate
    advisories: tuple[str, ...] = ()


def x5c_chain(header: dict[str, Any]) -> list[x509.Certificate]:
    """The certificates of an `x5c` header (standard base64 DER), leaf first."""
    return x5c_certificates(header)[0]


def x5c_certificates(header: dict[str, Any]) -> tuple[list[x509.Certificate], tuple[str, ...]]:
    """The `x5c` certificates, leaf first, and the advisories their encoding earns: CR/LF line
    breaks inside an entry are tolerated (docs/errata.md); anything else not base64 DER is
    malformed."""
    entries = header.get("x5c")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, str) for e in entries):
        raise InvalidJws("malformed", "x5c header missing or not a list of certificates")
    joined = [_LINE_BREAKS.sub("", e) for e in entries]
    advisories = (X5C_LINE_BREAKS,) if joined != entries else ()
    try:
        chain = [x509.load_der_x509_certificate(base64.b64decode(e, validate=True)) for e in joined]
    except ValueError as exc:
        raise InvalidJws("malformed", f"x5c entry is not a certificate: {exc}") from exc
    return chain, advisories


def protected_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, read before any JOSE library sees it: strict JSON
    (strict_json), an object, and no extension this implementation does not understand
    (RFC 7515 4.1.11: `crit`; RFC 7797's `b64`, which neither specification allows)."""
    try:
        header = strict_json.loads(base64url_decode(token.split(".", 1)[0]))
    except ValueError as exc:  # not base64url, or JsonRejected
        raise InvalidJws("malformed", f"protected header: {exc}") from exc
    if not isinstance(header, dict):
        raise InvalidJws("malformed", "protected header is not a JSON object")
    for name in UNDERSTOOD_NOWHERE:
        if name in header:
            raise InvalidJws("malformed", f"header parameter {name!r} is not understood")
    return header


def peek(token: object) -> tuple[dict[str, Any], bytes, jws.JWS]:
    """Parse a compact JWS without verifying it: (protected header, payload bytes, parsed)."""
    if not isinstance(token, str) or not _COMPACT.fullmatch(token):
        raise InvalidJws("malformed", "not three base64url segments separated by dots")
    header = protected_header(token)
    parsed = jws.JWS()
    try:
        parsed.deserialize(token)
    except (JWException, ValueError, TypeError) as exc:
        raise InvalidJws("malformed", f"not a compact JWS: {exc}") from exc
    return header, parsed.objects["payload"], parsed


def refuse_key_references(header: dict[str, Any]) -> None:
    """docs/errata.md: a request header that points at a key (`jku`, `x5u`, `jwk`) is refused,
    never followed: InvalidJws(bad_signature)."""
    named = [name for name in KEY_REFERENCES if name in header]
    if named:
        raise InvalidJws("bad_signature", f"header names a key by {named[0]!r}; none is fetched")


def json_payload(raw: bytes) -> Any:
    """A JWS payload parsed as strict JSON; InvalidJws(malformed) if it is not."""
    try:
        return strict_json.loads(raw)
    except strict_json.JsonRejected as exc:
        raise InvalidJws("malformed", f"payload: {exc}") from exc


def _check_signature(parsed: jws.JWS, header: dict[str, Any], key: jwk.JWK, who: str) -> None:
    if header.get("alg") != ALG:
        raise InvalidJws("bad_signature", f"alg {header.get('alg')!r} is not {ALG}")
    try:
        parsed.verify(key, alg=ALG)
    except JWException as exc:
        raise InvalidJws("bad_signature", f"signature does not verify with {who}: {exc}") from exc


def verify(token: str, trust: TrustStore, at: dt.datetime) -> VerifiedJws:
    """Verify a compact RS256 JWS signed by the first `x5c` certificate, chained to `trust`."""
    header, raw, parsed = peek(token)
    chain, advisories = x5c_certificates(header)
    try:
        trust.verify(chain, at)
    except UntrustedChain as exc:
        raise InvalidJws("untrusted_chain", str(exc)) from exc
    _check_signature(parsed, header, public_jwk(chain[0]), "x5c[0]")
    return VerifiedJws(header, json_payload(raw), chain[0], advisories)


def verify_with_key(token: str, key: rsa.RSAPublicKey) -> tuple[dict[str, Any], Any]:
    """Verify a compact RS256 JWS against a known public key: (header, JSON payload)."""
    header, raw, parsed = peek(token)
    _check_signature(parsed, header, key_jwk(key), "the expected key")
    return header, json_payload(raw)


def sign_two_part(payload: dict[str, Any], signer: Signer) -> str:
    """msbKeyRotation's two-part form `payload.signature` (docs/errata.md): RS256 over the ASCII
    base64url payload segment, no header (made on the device when the signer's key is there)."""
    body = base64url_encode(json.dumps(payload).encode())
    return f"{body}.{base64url_encode(signer.rs256_signature(body.encode('ascii')))}"


def verify_two_part(token: object, cert: x509.Certificate) -> Any:
    """The JSON payload of a two-part `payload.signature` token whose RS256 signature over the
    payload segment verifies with `cert`; InvalidJws otherwise."""
    if not isinstance(token, str) or not _TWO_PART.fullmatch(token):
        raise InvalidJws("malformed", "not two base64url segments separated by a dot")
    body, signature = token.split(".")
    try:
        JWA.signing_alg(ALG).verify(
            public_jwk(cert), body.encode("ascii"), base64url_decode(signature)
        )
    except (InvalidSignature, ValueError) as exc:
        raise InvalidJws("bad_signature", f"two-part signature does not verify: {exc}") from exc
    try:
        raw = base64url_decode(body)
    except ValueError as exc:
        raise InvalidJws("malformed", f"payload segment is not base64url: {exc}") from exc
    return json_payload(raw)
