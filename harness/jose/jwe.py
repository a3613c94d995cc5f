"""Compact JWE (RSA-OAEP-256 + A256GCM by default), as the Device Service encrypts its answers."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwe
from jwcrypto.common import JWException

from harness.jose.jws import key_jwk, private_jwk
from harness.pki import certs

ALG = "RSA-OAEP-256"
ENC = "A256GCM"


class InvalidJwe(Exception):
    """A JWE that cannot be parsed or decrypted with the given key."""


def encrypt(
    payload: dict[str, Any] | list[Any],
    key: rsa.RSAPublicKey,
    alg: str = ALG,
    enc: str = ENC,
) -> str:
    """Compact JWE of the JSON `payload` for `key` (by default RSA-OAEP-256 with A256GCM, as the
    Device Service spec's example)."""
    token = jwe.JWE(json.dumps(payload).encode(), protected=json.dumps({"alg": alg, "enc": enc}))
    token.add_recipient(key_jwk(key))
    return token.serialize(compact=True)


def open_compact(token: str, key: certs.RsaKey) -> tuple[dict[str, Any], bytes]:
    """Open a compact JWE with `key`: (protected header, raw plaintext bytes); InvalidJwe when
    it is malformed or not for `key`."""
    parsed = jwe.JWE()
    try:
        parsed.deserialize(token.strip(), key=private_jwk(key))
        plaintext = parsed.payload
    except (JWException, ValueError, TypeError, RecursionError) as exc:
        raise InvalidJwe(f"cannot decrypt the JWE: {exc}") from exc
    header = parsed.jose_header
    return (header if isinstance(header, dict) else {}), plaintext


def decrypt(token: str, key: certs.RsaKey) -> tuple[dict[str, Any], Any]:
    """Decrypt a compact JWE with `key`: (protected header, JSON payload)."""
    header, plaintext = open_compact(token, key)
    try:
        return header, json.loads(plaintext)
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise InvalidJwe(f"the JWE plaintext is not JSON: {exc}") from exc
