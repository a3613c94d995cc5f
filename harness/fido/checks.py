"""Verdicts on Device Service answers: each raises Nonconformance saying what was expected.

An answer the harness cannot read (not a JWE for the signing target, not JSON, a field of the
wrong type) is a Nonconformance too: the server sent it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pytest

from harness.evidence import Evidence
from harness.fido import protocol
from harness.fido.client import FidoExchange
from harness.fido.fixtures import DispatchTarget, FidoDevice
from harness.hostile.outcome import ANY_CLIENT_ERROR, REFUSED, check_no_server_error
from harness.jose import jwe
from harness.verdict import Nonconformance

# The status a refusal of an unknown dispatch target may carry: 401 (the JWS is not valid: no
# key verifies it) or 403 (the signer is not part of the requested device). Our reading.
UNKNOWN_TARGET_STATUSES = frozenset({401, 403})


def check_status(exchange: FidoExchange, expected: int, requirement: str | None = None) -> None:
    """The answer has status `expected`."""
    if exchange.status != expected:
        raise Nonconformance(
            f"{exchange.method} {exchange.url}: HTTP {exchange.status}, expected {expected}; "
            f"body {exchange.body[:300]!r}",
            requirement=requirement,
            expected=expected,
            seen=exchange.status,
        )


def check_status_in(
    exchange: FidoExchange, allowed: Iterable[int], requirement: str | None = None
) -> None:
    """The answer's status is one of `allowed`."""
    allowed = sorted(allowed)
    if exchange.status not in allowed:
        raise Nonconformance(
            f"{exchange.method} {exchange.url}: HTTP {exchange.status}, expected one of "
            f"{allowed}; body {exchange.body[:300]!r}",
            requirement=requirement,
            expected=allowed,
            seen=exchange.status,
        )


def check_signature_expired(exchange: FidoExchange) -> None:
    """401 with exactly the spec's WWW-Authenticate value."""
    check_status(exchange, 401, "FIDO-CLOCK-SKEW")
    got = exchange.headers.get("www-authenticate")
    if got != protocol.WWW_AUTHENTICATE_EXPIRED:
        raise Nonconformance(
            f"WWW-Authenticate is {got!r}, expected {protocol.WWW_AUTHENTICATE_EXPIRED!r}",
            requirement="FIDO-CLOCK-SKEW",
            expected=protocol.WWW_AUTHENTICATE_EXPIRED,
            seen=got,
        )


def check_jose_answer(exchange: FidoExchange, evidence: Evidence | None = None) -> dict[str, Any]:
    """Content-Type JOSE (any case), a compact JWE the signing dispatch target decrypts, holding
    a JSON object. The spec says "standard JWE" and its example uses RSA-OAEP-256 with A256GCM:
    other standard algorithms that decrypt with the target's key are reported as an advisory.
    Against a sealed bench device, which never releases a plaintext, the scenario is skipped."""
    content_type = exchange.headers.get("content-type")
    if not protocol.is_jose(content_type):
        raise Nonconformance(
            f"Content-Type is {content_type!r}, expected {protocol.JOSE!r}",
            expected=protocol.JOSE,
            seen=content_type,
        )
    if exchange.withheld:
        pytest.skip(
            "the bench device is sealed: it opens the answer but never releases its plaintext"
        )
    header = exchange.jwe_header
    if header is None:
        raise Nonconformance(
            f"the body is not a JWE the signing dispatch target can decrypt: {exchange.problem}",
            seen=exchange.body[:300],
        )
    if (header.get("alg"), header.get("enc")) != (jwe.ALG, jwe.ENC) and evidence is not None:
        evidence.advisory(
            f"the JWE uses alg {header.get('alg')!r} with enc {header.get('enc')!r}; the spec's "
            f"example uses {jwe.ALG} with {jwe.ENC} (a mobile SDK may expect those)"
        )
    if not isinstance(exchange.payload, dict):
        raise Nonconformance(
            "the decrypted payload is not a JSON object", seen=repr(exchange.payload)[:300]
        )
    return exchange.payload


def check_no_body(exchange: FidoExchange) -> None:
    """The answer has no body (204)."""
    if exchange.body:
        raise Nonconformance(
            f"expected no body, got {exchange.body[:200]!r}", seen=exchange.body[:200]
        )


def _typed(where: str, obj: Any, name: str, kind: type, optional: bool = False) -> None:
    if name not in obj:
        if optional:
            return
        raise Nonconformance(f"{where}: {name} is missing", expected=kind.__name__)
    if not isinstance(obj[name], kind) or isinstance(obj[name], bool):
        raise Nonconformance(
            f"{where}: {name} is {obj[name]!r}, expected {kind.__name__}",
            expected=kind.__name__,
            seen=obj[name],
        )


def check_device_payload(payload: dict[str, Any], device_id: str) -> None:
    """deviceId, fidoUafCredentials[keyId (base64url), aaid], dispatchTargets[id, name, target?]."""
    _typed("device", payload, "deviceId", str)
    if payload["deviceId"] != device_id:
        raise Nonconformance(
            f"deviceId is {payload['deviceId']!r}, expected {device_id!r}",
            expected=device_id,
            seen=payload["deviceId"],
        )
    _typed("device", payload, "fidoUafCredentials", list)
    _typed("device", payload, "dispatchTargets", list)
    for i, cred in enumerate(payload["fidoUafCredentials"]):
        where = f"fidoUafCredentials[{i}]"
        if not isinstance(cred, dict):
            raise Nonconformance(f"{where} is {cred!r}, expected an object")
        _typed(where, cred, "keyId", str)
        _typed(where, cred, "aaid", str)
        if not cred["keyId"] or any(c in cred["keyId"] for c in "+/="):
            raise Nonconformance(f"{where}: keyId {cred['keyId']!r} is not base64url")
    for i, target in enumerate(payload["dispatchTargets"]):
        where = f"dispatchTargets[{i}]"
        if not isinstance(target, dict):
            raise Nonconformance(f"{where} is {target!r}, expected an object")
        _typed(where, target, "id", str)
        _typed(where, target, "name", str)
        _typed(where, target, "target", str, optional=True)


def credentials_of(payload: dict[str, Any]) -> set[tuple[str, str]]:
    """(keyId, aaid) of each credential of a checked device payload."""
    return {(c["keyId"], c["aaid"]) for c in payload["fidoUafCredentials"]}


def targets_of(payload: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """(id, name, target) of each dispatch target of a checked device payload."""
    return {(t["id"], t["name"], t.get("target")) for t in payload["dispatchTargets"]}


def fixture_targets(targets: Iterable[DispatchTarget]) -> set[tuple[str, str, str | None]]:
    """(id, name, target) of fixture dispatch targets."""
    return {(t.id, t.name, t.target) for t in targets}


def as_provisioned(payload: dict[str, Any], device: FidoDevice) -> bool:
    """True when a checked device payload shows exactly the fixture credentials and targets."""
    want_creds = {(c["keyId"], c["aaid"]) for c in device.credentials}
    return credentials_of(payload) == want_creds and targets_of(payload) == fixture_targets(
        device.targets
    )


def check_matches_fixture(payload: dict[str, Any], device: FidoDevice, requirement: str) -> None:
    """The device payload lists exactly the fixture's credentials and dispatch targets."""
    check_device_payload(payload, device.device_id)
    want_creds = {(c["keyId"], c["aaid"]) for c in device.credentials}
    if credentials_of(payload) != want_creds:
        raise Nonconformance(
            "the credentials listed are not the device's",
            requirement=requirement,
            expected=sorted(want_creds),
            seen=sorted(credentials_of(payload)),
        )
    want = fixture_targets(device.targets)
    if targets_of(payload) != want:
        raise Nonconformance(
            "the dispatch targets listed are not the device's",
            requirement=requirement,
            expected=sorted(want, key=str),
            seen=sorted(targets_of(payload), key=str),
        )


def check_targets_updated(
    payload: dict[str, Any],
    device: FidoDevice,
    name: str | None,
    target: str | None,
    requirement: str,
) -> None:
    """Every dispatch target of the device is listed with `name` and `target` where given, and
    with its fixture name or target where not (an update changes only what it names)."""
    want = {
        (t.id, t.name if name is None else name, t.target if target is None else target)
        for t in device.targets
    }
    if targets_of(payload) != want:
        raise Nonconformance(
            f"after the update (name {name!r}, target {target!r}) the dispatch targets are "
            "not what it set, or it changed what it did not name",
            requirement=requirement,
            expected=sorted(want, key=str),
            seen=sorted(targets_of(payload), key=str),
        )


def check_credential_listed(
    payload: dict[str, Any], key_id: str, listed: bool, requirement: str
) -> None:
    """The credential `key_id` is (or is not) listed."""
    seen = key_id in {k for k, _ in credentials_of(payload)}
    if seen != listed:
        raise Nonconformance(
            f"credential {key_id} is {'' if seen else 'not '}listed",
            requirement=requirement,
            expected=f"{'' if listed else 'not '}listed",
            seen=sorted(credentials_of(payload)),
        )


def check_target_not_listed(payload: dict[str, Any], target_id: str, requirement: str) -> None:
    """The dispatch target `target_id` is not listed."""
    if target_id in {t for t, _, _ in targets_of(payload)}:
        raise Nonconformance(
            f"dispatch target {target_id} is still listed",
            requirement=requirement,
            seen=sorted(targets_of(payload), key=str),
        )


def check_oob_payload(payload: dict[str, Any], device_id: str, evidence: Evidence) -> list[dict]:
    """deviceId and operations[creationTimeInEpochMillis, dispatcher, outOfBandPayload,
    additionalInformation?]; `outOfBandPayload` and `additionalInformation` as a JSON string
    (as typed) or an object (as the example shows), the form reported."""
    _typed("oob", payload, "deviceId", str)
    if payload["deviceId"] != device_id:
        raise Nonconformance(
            f"deviceId is {payload['deviceId']!r}, expected {device_id!r}",
            expected=device_id,
            seen=payload["deviceId"],
        )
    _typed("oob", payload, "operations", list)
    for i, op in enumerate(payload["operations"]):
        where = f"operations[{i}]"
        if not isinstance(op, dict):
            raise Nonconformance(f"{where} is {op!r}, expected an object")
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
                    raise Nonconformance(
                        f"{where}: {name} is not a JSON string", seen=value[:200]
                    ) from None
                evidence.add(f"{where}.{name} form", "JSON string (as typed in the spec)")
            elif isinstance(value, dict):
                evidence.add(f"{where}.{name} form", "JSON object (as the spec's example)")
            else:
                raise Nonconformance(
                    f"{where}: {name} is {value!r}, expected a JSON string", seen=value
                )
    return payload["operations"]


def _body(op: dict[str, Any]) -> dict[str, Any]:
    body = op["outOfBandPayload"]
    body = json.loads(body) if isinstance(body, str) else body
    if not isinstance(body, dict):
        raise Nonconformance(f"outOfBandPayload is {body!r}, expected a JSON object")
    return body


def oob_tokens(operations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The operations of a checked list by their nma_data token."""
    by_token = {}
    for op in operations:
        nma_data = _body(op).get("nma_data")
        if not isinstance(nma_data, dict) or not isinstance(nma_data.get("token"), str):
            raise Nonconformance(
                "outOfBandPayload has no nma_data.token", seen=op["outOfBandPayload"]
            )
        by_token[nma_data["token"]] = op
    return by_token


def fixture_token(op: dict[str, Any]) -> str:
    """The nma_data token of a fixture OOB operation."""
    return op["outOfBandPayload"]["nma_data"]["token"]


def check_live_operations(
    operations: list[dict[str, Any]],
    device: FidoDevice,
    now: dt.datetime,
    margin: dt.timedelta,
) -> None:
    """The operations listed are the fixture's live ones, on a server seeded at any time: an
    operation that never times out is listed; one that timed out on seeding or was redeemed is
    not; one with a short timeout may be listed only while its own creationTimeInEpochMillis
    plus its timeout is ahead of `now` (less the bench's clock `margin`). Nothing else is."""
    listed = oob_tokens(operations)
    fixture = {fixture_token(op): op for op in device.oob_operations}
    unknown = set(listed) - set(fixture)
    if unknown:
        raise Nonconformance(
            "operations listed that the device does not have",
            requirement="FIDO-OOB-200",
            seen=sorted(unknown),
        )
    now_ms = protocol.epoch_millis(now - margin)
    for token, op in fixture.items():
        dead = op["redeemed"] or op["createdSecondsAgo"] >= op["timeoutSeconds"]
        if token in listed and dead:
            why = "redeemed" if op["redeemed"] else "timed out"
            raise Nonconformance(
                f"operation {op['id']} is listed although it {why}",
                requirement="FIDO-OOB-200",
                seen=listed[token],
            )
        if token in listed:
            expires = listed[token]["creationTimeInEpochMillis"] + op["timeoutSeconds"] * 1000
            if expires < now_ms:
                raise Nonconformance(
                    f"operation {op['id']} is listed {now_ms - expires} ms past its timeout "
                    f"({op['timeoutSeconds']} s from its creationTimeInEpochMillis)",
                    requirement="FIDO-OOB-200",
                    seen=listed[token],
                )
        elif not dead and op["timeoutSeconds"] - op["createdSecondsAgo"] > protocol.FOREVER_S:
            raise Nonconformance(
                f"operation {op['id']} (live, it never times out) is not listed",
                requirement="FIDO-OOB-200",
                seen=sorted(listed),
            )
        if token in listed and listed[token]["dispatcher"] != op["dispatcher"]:
            raise Nonconformance(
                f"operation {op['id']} has dispatcher {listed[token]['dispatcher']!r}",
                requirement="FIDO-OOB-200",
                expected=op["dispatcher"],
                seen=listed[token]["dispatcher"],
            )


def check_operation_listed(
    operations: list[dict[str, Any]], op: dict[str, Any], listed: bool, requirement: str
) -> None:
    """The fixture operation `op` is (or is not) listed."""
    tokens = oob_tokens(operations)
    if (fixture_token(op) in tokens) != listed:
        raise Nonconformance(
            f"operation {op['id']} is {'not ' if listed else ''}listed",
            requirement=requirement,
            expected=f"{'' if listed else 'not '}listed",
            seen=sorted(tokens),
        )


def check_credentials_gone(exchange: FidoExchange, evidence: Evidence) -> None:
    """After Delete Device Credentials, a GET finds none: a refusal (4xx: the device or its
    dispatch targets went too), or 200 listing no FIDO UAF credentials (the spec deletes the
    device's *credentials* and says nothing of its dispatch targets)."""
    if 400 <= exchange.status < 500:
        evidence.add("after the DELETE, GET is refused", str(exchange.status))
        return
    check_status_in(exchange, {200, *range(400, 500)}, "FIDO-DELETE-204")
    credentials = check_jose_answer(exchange, evidence).get("fidoUafCredentials")
    if credentials:
        raise Nonconformance(
            "after Delete Device Credentials the device still lists FIDO UAF credentials",
            requirement="FIDO-DELETE-204",
            expected="a 4xx, or 200 with no credentials",
            seen=credentials,
        )
    evidence.add("after the DELETE, GET answers", "200 with no credentials")


# What a hostile request may get, by the outcome its row pins (harness/hostile/outcome.py).
# A connection the server closes on a hostile request (status 0) is a refusal too.
HOSTILE_STATUSES = {REFUSED: {0, 400, 401, 403}, ANY_CLIENT_ERROR: {0, *range(300, 500)}}


def check_hostile_status(
    exchange: FidoExchange, outcome: str, requirement: str, evidence: Evidence
) -> bool:
    """A hostile request's status: never a 5xx, and one its outcome allows (`tolerated` and
    `harmless`: any); True when it was served (2xx)."""
    check_no_server_error(exchange.status, f"{exchange.method} {exchange.url}", requirement)
    evidence.add("status of the hostile request", str(exchange.status))
    allowed = HOSTILE_STATUSES.get(outcome)
    if allowed is not None and exchange.status not in allowed:
        raise Nonconformance(
            f"{exchange.method}: a hostile request got HTTP {exchange.status}",
            requirement=requirement,
            expected=f"one of {sorted(allowed)}" if len(allowed) < 10 else "a 3xx or 4xx",
            seen=exchange.status,
        )
    return 200 <= exchange.status < 300
