"""Named mutations that turn a well-formed request JWS into a specific attack.

Each token mutation takes the payload and the legitimate signer and returns a compact token;
they work for any API that carries a JWS (MMS envelopes, Device-Signature headers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jwcrypto.common import base64url_encode

from harness.jose.jws import Signer, sign, sign_two_part
from harness.pki.material import fixture_pki

TokenMutation = Callable[[dict[str, Any], Signer], str]


def _b64json(value: Any) -> str:
    return base64url_encode(json.dumps(value).encode())


# Fields whose value the tampering changes (the first present): a payload with only the value
# changed is refused for its signature alone, never for an unknown field.
_TAMPERED_FIELDS = ("requestId", "uniqueTransactionId")


def tampered_payload(payload: dict[str, Any], signer: Signer) -> str:
    """A valid signature over the original payload, sent with one value changed."""
    header, _, signature = sign(payload, signer).split(".")
    field = next((f for f in _TAMPERED_FIELDS if isinstance(payload.get(f), str)), None)
    if field is None:
        changed = {**payload, "tampered": True}
    else:
        changed = {**payload, field: payload[field][::-1] + "0"}
    return ".".join((header, _b64json(changed), signature))


def stripped_signature(payload: dict[str, Any], signer: Signer) -> str:
    """Header and payload with an empty signature segment."""
    header, body, _ = sign(payload, signer).split(".")
    return f"{header}.{body}."


def alg_none(payload: dict[str, Any], signer: Signer) -> str:
    """An unsecured JWS (`alg: none`) that keeps the legitimate x5c."""
    return f"{_b64json({**signer.header(), 'alg': 'none'})}.{_b64json(payload)}."


def foreign_key(payload: dict[str, Any], signer: Signer) -> str:
    """Signed with a key that is not the one of the x5c certificate."""
    impostor = Signer(key=fixture_pki().key("foreign-signing"), chain=signer.chain, typ=signer.typ)
    return sign(payload, impostor)


def untrusted_chain(payload: dict[str, Any], signer: Signer) -> str:
    """Correctly signed by a certificate that chains to a CA nobody trusts."""
    pki = fixture_pki()
    rogue = Signer(
        key=pki.key("bad-mds-untrusted"),
        chain=(pki.cert("bad-mds-untrusted"), pki.cert("rogue-root-ca")),
        typ=signer.typ,
    )
    return sign(payload, rogue)


def two_part(payload: dict[str, Any], signer: Signer) -> str:
    """The `payload.signature` form the msbKeyRotation section shows: no header, RS256 by the
    signer's key over the ASCII payload segment (docs/errata.md), so a server can verify it."""
    return sign_two_part(payload, signer)


def two_part_foreign_key(payload: dict[str, Any], signer: Signer) -> str:
    """The two-part form signed by a key that belongs to no certificate of the signer."""
    return sign_two_part(payload, Signer(key=fixture_pki().key("foreign-signing"), chain=()))


def bad_base64url(payload: dict[str, Any], signer: Signer) -> str:
    """The payload segment carries characters outside the base64url alphabet."""
    header, body, signature = sign(payload, signer).split(".")
    return f"{header}.{body[:8]}+/={body[8:]}.{signature}"


TOKEN_MUTATIONS: dict[str, TokenMutation] = {
    "tampered payload": tampered_payload,
    "stripped signature": stripped_signature,
    "alg none": alg_none,
    "foreign key": foreign_key,
    "untrusted chain": untrusted_chain,
    "two-part form": two_part,
    "two-part form by a foreign key": two_part_foreign_key,
    "bad base64url": bad_base64url,
}


def mutate(name: str, payload: dict[str, Any], signer: Signer) -> str:
    """Apply the named token mutation; KeyError lists the known names."""
    try:
        mutation = TOKEN_MUTATIONS[name]
    except KeyError:
        known = ", ".join(sorted(TOKEN_MUTATIONS))
        raise KeyError(f"unknown mutation {name!r}; known: {known}") from None
    return mutation(payload, signer)
