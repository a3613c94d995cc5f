"""Hostile requests to an MMS: the JOSE attack catalogue on the envelope JWS, and attacks on the
HTTP body around it (JSON oddities, API-name tricks, methods, paths).

A hostile request is built from the request the device would send for an API, so it differs
from a legitimate one only by its attack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.jose.attacks import TOKEN_ATTACKS, AttackContext, attack
from harness.jose.jws import sign
from harness.mms import protocol
from harness.mms.session import MmsSession, fixture_signer

# The fixture device each API is attacked as: one the API serves, and for the APIs that change
# state one whose state the suite lets scenarios consume (the registration scenario's own device,
# the rotating device).
DEVICE_OF_API = {
    protocol.SNAPSHOT: "finger-auth",
    protocol.ENCRYPTION_CERT: "finger-auth",
    protocol.KEY_ROTATION: "finger-rotator",
    protocol.REGISTRATION: "iris-enrol",
}
# The APIs whose served request changes what the server holds (a served tolerated request may).
CHANGES_STATE = {protocol.KEY_ROTATION, protocol.REGISTRATION}
# The answer fields that hold a device's state on the server (a snapshot's).
STATE_FIELDS = (
    "isWhiteListed",
    "isDeviceValid",
    "isDeviceRegistered",
    "deviceCodeUUID",
    "keyExpiryTimeStamp",
    "mandatoryKeyRotation",
    "encryptionCertThumbprint",
)
ATTACKER_MATERIAL = "bad-mds-self-signed"


@dataclass(frozen=True)
class HostileRequest:
    """What goes on the wire: method, a path after the MMS URL, and the body bytes."""

    method: str
    path: str
    body: bytes


BodyAttack = Callable[[str, str], HostileRequest]


def _post(text: str | bytes) -> HostileRequest:
    return HostileRequest("POST", "", text if isinstance(text, bytes) else text.encode())


def _members(api: str, token: str, *more: str) -> HostileRequest:
    """A body object written member by member (JSON text, as is)."""
    return _post("{" + ", ".join([f"{json.dumps(api)}: {json.dumps(token)}", *more]) + "}")


def _named(name_json: str) -> BodyAttack:
    """The token under an API name written as this JSON string text."""
    return lambda api, token: _post(f"{{{name_json.format(api=api)}: {json.dumps(token)}}}")


def _value(value_json: str) -> BodyAttack:
    return lambda api, token: _post(f"{{{json.dumps(api)}: {value_json}}}")


BODY_ATTACKS: dict[str, BodyAttack] = {
    "API name twice, the last junk": lambda api, token: _members(
        api, token, f'{json.dumps(api)}: "junk.junk.junk"'
    ),
    "API name with a lone surrogate": _named('"{api}\\ud800"'),
    "API name with a forged log line": _named(
        '"{api}\\n00:00:00 msbDeviceSnapshot SN0001: responseCode 0"'
    ),
    "API name with a terminal escape": _named('"\\u001b[2J{api}"'),
    "API name in upper case": lambda api, token: _post(json.dumps({api.upper(): token})),
    "a second member beside the API": lambda api, token: _members(
        api, token, f'"extra": {json.dumps(token)}'
    ),
    "the token as a number": _value("12345"),
    "the token as null": _value("null"),
    "the token as an object": lambda api, token: _post(json.dumps({api: {"jws": token}})),
    "body nested 10000 deep": _value("[" * 10_000 + "]" * 10_000),
    "body with NaN": _value("NaN"),
    "body not UTF-8": lambda api, token: _post(
        f'{{{json.dumps(api)}: "'.encode() + b"\xff\xfe" + token.encode() + b'"}'
    ),
    "body not JSON": lambda api, token: _post(f"{api}={token}"),
    "body empty": lambda api, token: _post(b""),
    "body a JSON array": lambda api, token: _post(json.dumps([{api: token}])),
    "body over 1 MiB": lambda api, token: _post(json.dumps({api: token + "A" * (1 << 20)})),
    "method GET": lambda api, token: HostileRequest("GET", "", json.dumps({api: token}).encode()),
    "method PUT": lambda api, token: HostileRequest("PUT", "", json.dumps({api: token}).encode()),
    "path traversal": lambda api, token: HostileRequest(
        "POST", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", json.dumps({api: token}).encode()
    ),
}

ATTACKS = (*TOKEN_ATTACKS, *BODY_ATTACKS)


def attack_context(session: MmsSession, canary_url: str) -> AttackContext:
    """What the token attacks may use against this MMS, for the device of `session`."""
    return AttackContext(
        signer=session.signer,
        header=session.signer.header(),
        public_key=session.signer.chain[0].public_key(),  # type: ignore[arg-type]
        attacker=fixture_signer(ATTACKER_MATERIAL),
        canary_url=canary_url,
        identity_field="serialNumber",
    )


def hostile_request(
    name: str, api: str, payload: dict[str, Any], ctx: AttackContext
) -> HostileRequest:
    """The named attack on the `api` request whose payload is `payload`; KeyError lists the
    known attacks."""
    if name in BODY_ATTACKS:
        return BODY_ATTACKS[name](api, sign(payload, ctx.signer))
    if name not in TOKEN_ATTACKS:
        raise KeyError(f"unknown hostile request {name!r}; known: {', '.join(ATTACKS)}")
    return _post(json.dumps({api: attack(name, payload, ctx)}))


def device_state(answer: dict[str, Any]) -> dict[str, Any]:
    """The state fields of a snapshot answer (what a hostile request must not change)."""
    return {f: answer.get(f) for f in (*STATE_FIELDS, "responseCode")}
