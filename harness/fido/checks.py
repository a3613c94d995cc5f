"""Verdicts on Device Service answers: each raises AssertionError saying what was expected."""

from __future__ import annotations

import json
from typing import Any

from harness.evidence import Evidence
from harness.fido import protocol
from harness.fido.client import FidoExchange
from harness.jose import jwe


def check_status(exchange: FidoExchange, expected: int) -> None:
    if exchange.status != expected:
        raise AssertionError(
            f"{exchange.method} {exchange.url}: HTTP {exchange.status}, expected {expected}; "
            f"body {exchange.body[:300]!r}"
        )


def check_status_in(exchange: FidoExchange, allowed: set[int]) -> None:
    if exchange.status not in allowed:
        raise AssertionError(
            f"{exchange.method} {exchange.url}: HTTP {exchange.status}, expected one of "
            f"{sorted(allowed)}"
        )


def check_signature_expired(exchange: FidoExchange) -> None:
    """401 with exactly the spec's WWW-Authenticate value."""
    check_status(exchange, 401)
    got = exchange.headers.get("www-authenticate")
    if got != protocol.WWW_AUTHENTICATE_EXPIRED:
        raise AssertionError(
            f"WWW-Authenticate is {got!r}, expected {protocol.WWW_AUTHENTICATE_EXPIRED!r}"
        )


def check_jose_answer(exchange: FidoExchange) -> dict[str, Any]:
    """Content-Type JOSE, a JWE (RSA-OAEP-256, A256GCM) the signing target can decrypt."""
    content_type = exchange.headers.get("content-type")
    if not protocol.is_jose(content_type):
        raise AssertionError(f"Content-Type is {content_type!r}, expected {protocol.JOSE!r}")
    header = exchange.jwe_header
    if header is None:
        raise AssertionError(f"the body is not a JWE for the signing target: {exchange.problem}")
    if header.get("alg") != jwe.ALG or header.get("enc") != jwe.ENC:
        raise AssertionError(f"JWE header is {header}, expected {jwe.ALG} with {jwe.ENC}")
    if not isinstance(exchange.payload, dict):
        raise AssertionError("the decrypted payload is not a JSON object")
    return exchange.payload


def check_no_body(exchange: FidoExchange) -> None:
    if exchange.body:
        raise AssertionError(f"expected no body, got {exchange.body[:200]!r}")


def _typed(where: str, obj: Any, field: str, kind: type, optional: bool = False) -> None:
    if field not in obj:
        if optional:
            return
        raise AssertionError(f"{where}: {field} is missing")
    if not isinstance(obj[field], kind) or isinstance(obj[field], bool):
        raise AssertionError(f"{where}: {field} is {obj[field]!r}, expected {kind.__name__}")


def check_device_payload(payload: dict[str, Any], device_id: str) -> None:
    """deviceId, fidoUafCredentials[keyId (base64url), aaid], dispatchTargets[id, name, target?]."""
    _typed("device", payload, "deviceId", str)
    if payload["deviceId"] != device_id:
        raise AssertionError(f"deviceId is {payload['deviceId']!r}, expected {device_id!r}")
    _typed("device", payload, "fidoUafCredentials", list)
    _typed("device", payload, "dispatchTargets", list)
    for i, cred in enumerate(payload["fidoUafCredentials"]):
        where = f"fidoUafCredentials[{i}]"
        _typed(where, cred, "keyId", str)
        _typed(where, cred, "aaid", str)
        if not cred["keyId"] or any(c in cred["keyId"] for c in "+/="):
            raise AssertionError(f"{where}: keyId {cred['keyId']!r} is not base64url")
    for i, target in enumerate(payload["dispatchTargets"]):
        where = f"dispatchTargets[{i}]"
        _typed(where, target, "id", str)
        _typed(where, target, "name", str)
        _typed(where, target, "target", str, optional=True)


def check_oob_payload(payload: dict[str, Any], device_id: str, evidence: Evidence) -> list[dict]:
    """deviceId and operations[creationTimeInEpochMillis, dispatcher, outOfBandPayload,
    additionalInformation?]; a JSON object where the spec types a JSON string is reported."""
    _typed("oob", payload, "deviceId", str)
    if payload["deviceId"] != device_id:
        raise AssertionError(f"deviceId is {payload['deviceId']!r}, expected {device_id!r}")
    _typed("oob", payload, "operations", list)
    for i, op in enumerate(payload["operations"]):
        where = f"operations[{i}]"
        _typed(where, op, "creationTimeInEpochMillis", int)
        _typed(where, op, "dispatcher", str)
        for name, optional in (("outOfBandPayload", False), ("additionalInformation", True)):
            if name not in op and optional:
                continue
            value = op.get(name)
            if isinstance(value, str):
                try:
                    json.loads(value)
                except ValueError:
                    raise AssertionError(f"{where}: {name} is not a JSON string") from None
                evidence.add(f"{where}.{name} form", "JSON string (as typed in the spec)")
            elif isinstance(value, dict):
                evidence.add(f"{where}.{name} form", "JSON object (as the spec's example)")
            else:
                raise AssertionError(f"{where}: {name} is {value!r}, expected a JSON string")
    return payload["operations"]


def oob_tokens(operations: list[dict[str, Any]]) -> set[str]:
    """The nma_data tokens of a list of operations (payload as JSON string or object)."""
    tokens = set()
    for op in operations:
        body = op["outOfBandPayload"]
        body = json.loads(body) if isinstance(body, str) else body
        tokens.add(body.get("nma_data", {}).get("token"))
    return tokens
