"""Deliberately broken variants of the reference Device Service, each with one hole the hostile
features (features/fido_hostile) must find. Loaded through
`--fido-service tests.broken_hostile_fido:<name>`; tests/test_suite_verdicts_on_variants.py
asserts the suite fails what each hole breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk
from jwcrypto.common import base64url_decode, base64url_encode
from jwcrypto.jwa import JWA

from harness.servers.fido.embedded import reference_service
from harness.servers.fido.service import FidoService, Received, Refusal
from harness.servers.fido.store import TargetRecord
from tests.variant import Expectation, fetch_key_urls, unverified_header, variant_factory


class CrashesOnCrit(FidoService):
    """Hands a `crit` header to its JOSE library unguarded: HTTP 500 (answered, not raised: see
    tests/broken_hostile_mms.py)."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        if "crit" in unverified_header(token):
            raise Refusal(500, "unknown critical header")
        return super().authenticate(token, id_field)


class FetchesKeyUrls(FidoService):
    """Fetches the URL a `jku` or `x5u` header names (before refusing the request)."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        fetch_key_urls(unverified_header(token))
        return super().authenticate(token, id_field)


class HmacWithThePublicKey(FidoService):
    """Verifies an HS256 token with the dispatch target's public key as the HMAC secret (the
    algorithm confusion of libraries that take `alg` from the token)."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        if token and unverified_header(token).get("alg") == "HS256":
            head, body, signature = token.split(".")
            payload = json.loads(base64url_decode(body))
            target = self.find_target(payload[id_field])
            if target is None:
                raise Refusal(401, "unknown dispatch target")
            pem = target.signature_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            key = jwk.JWK(kty="oct", k=base64url_encode(pem))
            signing_input = f"{head}.{body}".encode()
            try:
                JWA.signing_alg("HS256").verify(key, signing_input, base64url_decode(signature))
            except Exception as exc:  # a wrong HMAC is a 401, not an internal fault
                raise Refusal(401, "HS256 signature does not verify") from exc
            return target, payload
        return super().authenticate(token, id_field)


class LastSignatureWins(FidoService):
    """Takes the last of two Device-Signature headers instead of refusing the request."""

    def validate_headers(self, request: Received) -> None:
        return None


class TruncatesIdsAtNul(FidoService):
    """Looks a dispatch target up by its id cut at the first NUL, as a C string ends."""

    def find_target(self, target_id: str) -> TargetRecord | None:
        return super().find_target(target_id.split("\x00")[0])


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


crashes_on_crit = _factory(CrashesOnCrit)
fetches_key_urls = _factory(FetchesKeyUrls)
hmac_with_the_public_key = _factory(HmacWithThePublicKey)
last_signature_wins = _factory(LastSignatureWins)
truncates_ids_at_nul = _factory(TruncatesIdsAtNul)

# --- what the suite must say of each ---------------------------------------------------------
ALG = '<endpoint> against the algorithm attack "<attack>": <outcome>'
KEYS = '<endpoint> against the key attack "<attack>": <outcome>'
HEADER = '<endpoint> against the header attack "<attack>": <outcome>'
PAYLOAD = '<endpoint> against the payload oddity "<attack>": <outcome>'
HTTP = '<endpoint> against the HTTP oddity "<attack>": <outcome>'
EXPECTED: dict[str, Expectation] = {
    "crashes_on_crit": (
        [(HEADER, "crit naming an unknown parameter-"), (HEADER, "crit as a string-")],
        [(HEADER, "a fourth segment-")],
    ),
    "fetches_key_urls": (
        [(KEYS, "jku to the canary, foreign key-"), (KEYS, "x5u to the canary, foreign key-")],
        [(KEYS, "jwk of the foreign key-")],
    ),
    "hmac_with_the_public_key": (
        [
            (ALG, "HS256 keyed with the public key PEM-get credentials"),
            (ALG, "HS256 keyed with the public key PEM-modify"),  # the PATCH renames: seen
        ],
        [(ALG, "HS512 keyed with the public key PEM-get credentials")],
    ),
    "last_signature_wins": (
        [(HTTP, "the JWS twice, the junk first-get credentials")],
        [(HTTP, "PUT instead-get credentials")],
    ),
    "truncates_ids_at_nul": (
        [(PAYLOAD, "identity with a NUL-get credentials")],
        [(PAYLOAD, "identity with a lone surrogate-")],
    ),
}
