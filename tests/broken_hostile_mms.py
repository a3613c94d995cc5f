"""Deliberately broken variants of the reference MMS, each with one hole the hostile features
(features/mms_hostile) must find. Loaded through `--mms-service tests.broken_hostile_mms:<name>`;
tests/test_suite_verdicts_on_variants.py asserts the suite fails what each hole breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jwcrypto.common import base64url_decode
from jwcrypto.jwa import JWA

from harness.jose import jws
from harness.servers.mms.embedded import reference_service
from harness.servers.mms.registry import DeviceRecord
from harness.servers.mms.service import MmsService
from tests.variant import Expectation, fetch_key_urls, unverified_header, variant_factory


class CrashesOnCrit(MmsService):
    """Hands a `crit` header to its JOSE library unguarded: HTTP 500. (It answers the 500 rather
    than raising: a traceback logged in the server's thread while pytest formats a failure in
    its own trips CPython 3.11's shared AST recursion counter, gh-106905.)"""

    def handle(self, body: Any) -> tuple[int, dict[str, Any]]:
        if isinstance(body, dict) and any("crit" in unverified_header(t) for t in body.values()):
            return 500, {"error": "unknown critical header"}
        return super().handle(body)


class FetchesKeyUrls(MmsService):
    """Fetches the URL a `jku` or `x5u` header names (before refusing the request)."""

    def verify_request(self, token: str) -> dict[str, Any]:
        fetch_key_urls(unverified_header(token))
        return super().verify_request(token)


class AcceptsAlgNone(MmsService):
    """Takes an unsecured JWS (`alg: none`, in any case) at its word."""

    def verify_request(self, token: str) -> dict[str, Any]:
        if str(unverified_header(token).get("alg", "")).lower() == "none":
            return json.loads(base64url_decode(token.split(".")[1]))
        return super().verify_request(token)


class HonoursUnencodedPayload(MmsService):
    """Honours RFC 7797 `b64: false`, verifying the signature over the raw payload."""

    def verify_request(self, token: str) -> dict[str, Any]:
        header = unverified_header(token)
        if header.get("b64") is False:
            head, body, signature = token.split(".")
            raw = base64url_decode(body)
            key = jws.public_jwk(jws.x5c_chain(header)[0])
            signing_input = head.encode() + b"." + raw
            JWA.signing_alg(jws.ALG).verify(key, signing_input, base64url_decode(signature))
            return json.loads(raw)
        return super().verify_request(token)


class TruncatesSerialsAtNul(MmsService):
    """Looks a device up by its serial number cut at the first NUL, as a C string ends."""

    def validate_device(self, request: dict[str, Any]) -> DeviceRecord:
        serial = request.get("serialNumber")
        if isinstance(serial, str):
            request = {**request, "serialNumber": serial.split("\x00")[0]}
        return super().validate_device(request)


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


crashes_on_crit = _factory(CrashesOnCrit)
fetches_key_urls = _factory(FetchesKeyUrls)
accepts_alg_none = _factory(AcceptsAlgNone)
honours_unencoded_payload = _factory(HonoursUnencodedPayload)
truncates_serials_at_nul = _factory(TruncatesSerialsAtNul)

# --- what the suite must say of each ---------------------------------------------------------
ALG = '<api> against the algorithm attack "<attack>": <outcome>'
KEYS = '<api> against the key attack "<attack>": <outcome>'
HEADER = '<api> against the header attack "<attack>": <outcome>'
PAYLOAD = '<api> against the payload oddity "<attack>": <outcome>'
EXPECTED: dict[str, Expectation] = {
    "crashes_on_crit": (
        [(HEADER, "crit naming an unknown parameter-"), (HEADER, "crit as a string-")],
        [(HEADER, "a fourth segment-")],
    ),
    "fetches_key_urls": (
        [(KEYS, "jku to the canary, foreign key-"), (KEYS, "x5u to the canary, foreign key-")],
        [(KEYS, "jwk of the foreign key-")],
    ),
    "accepts_alg_none": (
        [(ALG, "alg none-msbDeviceSnapshot"), (ALG, "alg NONE-msbEncryptionCert")],
        [(ALG, "HS256 keyed with the public key PEM-")],
    ),
    "honours_unencoded_payload": (
        [(HEADER, "b64 false (RFC 7797)-msbDeviceSnapshot")],
        [(HEADER, "a fourth segment-")],
    ),
    "truncates_serials_at_nul": (
        [(PAYLOAD, "identity with a NUL-msbDeviceSnapshot")],
        [(PAYLOAD, "identity with a lone surrogate-")],
    ),
}
