"""Hostile requests to a Device Service: the JOSE attack catalogue on the Device-Signature header
or the PATCH body, and HTTP oddities (repeated headers, methods, device ids in the path).

A hostile request is built from the request the device would send to an endpoint, so it differs
from a legitimate one only by its attack. A hostile PATCH that must be refused renames the
device's dispatch targets, so a server that executes it anyway changes the state the case reads.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.fido import protocol
from harness.fido.fixtures import DispatchTarget
from harness.jose.attacks import TOKEN_ATTACKS, AttackContext, attack, compact
from harness.mms.session import fixture_signer

# The endpoints a hostile request goes to, by the name the features use.
ENDPOINTS = ("get credentials", "get oob operations", "modify", "delete")
# The fixture device attacked (no other scenario reads or changes it), its first dispatch
# target signing.
DEVICE = "alice-tablet"
ATTACKER_MATERIAL = "bad-mds-self-signed"
HOSTILE_NAME = "renamed-by-a-hostile-request"


@dataclass(frozen=True)
class HostileRequest:
    """What goes on the wire: method, path under the base URL, headers (repeatable), body."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None = None


@dataclass(frozen=True)
class Legit:
    """The legitimate request an attack starts from: endpoint, device id, its payload."""

    endpoint: str
    device_id: str
    payload: dict[str, Any]

    @property
    def method(self) -> str:
        return {"modify": "PATCH", "delete": "DELETE"}.get(self.endpoint, "GET")

    @property
    def identity_field(self) -> str:
        return "signingDispatchTargetId" if self.endpoint == "modify" else "dispatchTargetId"

    def path(self, device_id: str | None = None) -> str:
        template = protocol.OOB_PATH if self.endpoint == "get oob operations" else None
        template = template or protocol.CREDENTIALS_PATH
        return template.format(device_id=self.device_id if device_id is None else device_id)


def legit_request(
    endpoint: str, device_id: str, target: DispatchTarget, changes_state: bool
) -> Legit:
    """The request the device would send now; a PATCH that `changes_state` renames the device's
    dispatch targets, else it sets the name and target they already have."""
    if endpoint not in ENDPOINTS:
        raise KeyError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
    stamp = {
        "requestId": str(uuid.uuid4()),
        "creationTimeInEpochMillis": int(time.time() * 1000),
    }
    if endpoint != "modify":
        return Legit(endpoint, device_id, {"dispatchTargetId": target.id, **stamp})
    change = {"name": HOSTILE_NAME} if changes_state else {"name": target.name}
    if target.target is not None:
        change["target"] = target.target
    payload = {
        "signingDispatchTargetId": target.id,
        **stamp,
        "operation": protocol.UPDATE,
        **change,
    }
    return Legit(endpoint, device_id, payload)


def attack_context(target: DispatchTarget, canary_url: str, identity_field: str) -> AttackContext:
    """What the token attacks may use against a Device Service, for `target`."""
    signer = target.signer()
    return AttackContext(
        signer=signer,
        header={**signer.header(), "kid": target.id},
        public_key=signer.private_key().public_key(),  # type: ignore[arg-type]
        attacker=fixture_signer(ATTACKER_MATERIAL),
        canary_url=canary_url,
        identity_field=identity_field,
    )


def carrying(
    legit: Legit, token: str, path: str | None = None, method: str | None = None
) -> HostileRequest:
    """`token` where the endpoint carries its JWS: the PATCH body or the Device-Signature."""
    method = method or legit.method
    if legit.endpoint == "modify":
        headers = [("Content-Type", protocol.JOSE)]
        return HostileRequest(method, path or legit.path(), headers, token.encode())
    headers = [("Device-Signature", token)]
    if legit.method == "GET":
        headers.append(("Accept", protocol.JOSE))
    return HostileRequest(method, path or legit.path(), headers)


HttpAttack = Callable[[Legit, str], HostileRequest]


def _jws_twice(junk_first: bool) -> HttpAttack:
    """Two JWS where one belongs, one of them junk: two Device-Signature headers, or a body of
    two (a server that takes the first or the last one is caught by one order or the other)."""

    def attack(legit: Legit, token: str) -> HostileRequest:
        request = carrying(legit, token)
        pair = ["junk.junk.junk", token] if junk_first else [token, "junk.junk.junk"]
        if legit.endpoint == "modify":
            body = "\n".join(pair).encode()
            return HostileRequest(request.method, request.path, request.headers, body)
        others = [h for h in request.headers if h[0] != "Device-Signature"]
        signatures = [("Device-Signature", jws) for jws in pair]
        return HostileRequest(request.method, request.path, [*signatures, *others])

    return attack


def _in_path(device_id: str) -> HttpAttack:
    """The request for another device id: `device_id` with `{id}` for the attacked device's."""
    return lambda legit, token: carrying(
        legit, token, path=legit.path(device_id.format(id=legit.device_id))
    )


def _method(method: str) -> HttpAttack:
    return lambda legit, token: carrying(legit, token, method=method)


def _oversized(legit: Legit, token: str) -> HostileRequest:
    request = carrying(legit, token)
    body = (request.body or b"") + b"A" * (1 << 20)
    return HostileRequest(request.method, request.path, request.headers, body)


HTTP_ATTACKS: dict[str, HttpAttack] = {
    "the JWS twice, the junk first": _jws_twice(junk_first=True),
    "the JWS twice, the junk last": _jws_twice(junk_first=False),
    "HEAD instead": _method("HEAD"),
    "PUT instead": _method("PUT"),
    "POST instead": _method("POST"),
    "device id traversing the path": _in_path("..%2F..%2F..%2Fetc%2Fpasswd"),
    "device id with a lone surrogate": _in_path("{id}%ED%A0%80"),
    "device id with a NUL": _in_path("{id}%00"),
    "device id 10 KB long": _in_path("{id}" + "b" * 10_000),
    "a body over 1 MiB": _oversized,
}

ATTACKS = (*TOKEN_ATTACKS, *HTTP_ATTACKS)


def signed(legit: Legit, ctx: AttackContext) -> str:
    """The legitimate JWS of `legit`."""
    return compact(ctx.header, legit.payload, ctx.signer)


def hostile_request(name: str, legit: Legit, ctx: AttackContext) -> HostileRequest:
    """The named attack on `legit`; KeyError lists the known attacks."""
    if name in HTTP_ATTACKS:
        return HTTP_ATTACKS[name](legit, signed(legit, ctx))
    if name not in TOKEN_ATTACKS:
        raise KeyError(f"unknown hostile request {name!r}; known: {', '.join(ATTACKS)}")
    return carrying(legit, attack(name, legit.payload, ctx))
