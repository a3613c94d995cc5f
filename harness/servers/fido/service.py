"""The reference Device Service's logic, one method per endpoint, transport-free.

Order of checks: media types (406/415), JWS form and payload fields (400), dispatch target and
signature (401), clock divergence (401 with WWW-Authenticate), device membership (403), then the
operation (400 / 422). A device id nobody knows is answered 403 (docs/errata.md: a 4xx).
Only a real internal fault (e.g. the store down) gives 500.

Every request is recorded (bounded: harness/servers/recording.py) with the answer it got, and a
scenario that grades a device's FIDO client can script the next answers of an endpoint
(`FidoScript`). A request's changes to the store are one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.clock import Clock
from harness.fido import protocol
from harness.fido.fixtures import FidoDevice
from harness.jose.jwe import encrypt
from harness.jose.jws import InvalidJws, json_payload, peek, refuse_key_references, verify_with_key
from harness.servers.fido.store import FidoStore, TargetRecord
from harness.servers.recording import Recording
from harness.servers.test_hooks import HookableService

log = logging.getLogger(__name__)

# The endpoints, by the name of the method that serves each.
ENDPOINTS = ("get_credentials", "get_oob_operations", "modify", "delete")


@dataclass
class Reply:
    """An HTTP answer: status, headers and body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class Refusal(Exception):
    """A request answered with an error status."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {reason}")
        self.reply = Reply(status, {"Content-Type": "text/plain", **(headers or {})}, reason)
        self.reason = reason


def expired_challenge(reason: str) -> Refusal:
    """401 with the spec's WWW-Authenticate challenge for a device signature that expired."""
    return Refusal(401, reason, {"WWW-Authenticate": protocol.WWW_AUTHENTICATE_EXPIRED})


@dataclass(frozen=True)
class Received:
    """A request as it reached an endpoint: header names in lower case, the body as text."""

    method: str
    path: str
    device_id: str
    headers: dict[str, str]
    body: str = ""
    repeated_signature: bool = False  # more than one Device-Signature header came


@dataclass(frozen=True)
class RecordedRequest:
    """One request the service received: its number (1 for the first since the service
    started, never reused), when (by the service's clock), and the answer it gave."""

    number: int
    endpoint: str
    request: Received
    received_at: dt.datetime
    reply: Reply
    scripted: bool = False

    @property
    def status(self) -> int:
        return self.reply.status

    @property
    def jws(self) -> str | None:
        """The JWS the request carries: the PATCH body, else the Device-Signature header."""
        if self.endpoint == "modify":
            return self.request.body
        return self.request.headers.get("device-signature")


@dataclass
class FidoScript:
    """What a scenario tells the reference Device Service to answer instead of serving.

    `next_answers[endpoint]`: replies for that endpoint's next requests, in order, each used once;
    `every_answer`: a reply for every request to any endpoint while it is set.
    """

    next_answers: dict[str, list[Reply]] = field(default_factory=dict)
    every_answer: Reply | None = None

    def answer_next(self, endpoint: str, reply: Reply, times: int = 1) -> None:
        """Answer the next `times` requests to `endpoint` with `reply`."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"no endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        self.next_answers.setdefault(endpoint, []).extend([reply] * times)

    def take(self, endpoint: str) -> Reply | None:
        """The scripted reply for a request to `endpoint` now, if any (a next answer is used up)."""
        queued = self.next_answers.get(endpoint)
        if queued:
            return queued.pop(0)
        return self.every_answer


class FidoService(HookableService):
    """Answers the four Device Service endpoints; subclass and override a method for a variant."""

    max_request_id = protocol.MAX_REQUEST_ID

    def __init__(
        self,
        store: FidoStore,
        devices: list[FidoDevice],
        clock: Clock | None = None,
        tolerance: dt.timedelta = protocol.DEFAULT_TOLERANCE,
        reseed: bool = False,
    ) -> None:
        self.store = store
        self.devices = devices
        super().__init__(clock)
        self.tolerance = tolerance
        self._lock = threading.Lock()  # the script, shared with the server
        self._recording: Recording[RecordedRequest] = Recording()
        self.script = FidoScript()
        # A store that holds devices keeps them (a lab's changes survive a restart).
        self.reset(seed=reseed or self.store.is_empty("devices"))

    def reset(self, seed: bool = True) -> None:
        """Faults, script and recording cleared; with `seed`, the store back to the seeded
        fixture state."""
        super().reset()
        self._recording.clear()
        with self._lock:
            self.script = FidoScript()
        self.store.available = True
        if seed:
            self.store.seed(self.devices, self.clock.now())

    @property
    def recorded(self) -> list[RecordedRequest]:
        """The requests received since the last reset (the last recording.MAX_RECORDED), in
        the order they were answered."""
        return self._recording.all()

    def serve(self, endpoint: str, request: Received, call: Callable[[], Reply]) -> Reply:
        """Answer one request to `endpoint`: with the scripted reply when a scenario gave one,
        else with `call()` (a Refusal is its reply, any other exception a 500); record both."""
        received_at = self.clock.now()
        with self._lock:
            scripted = self.script.take(endpoint)
        reply = scripted if scripted is not None else self._answer(request, call)
        self._recording.add(
            lambda n: RecordedRequest(
                n, endpoint, request, received_at, reply, scripted is not None
            )
        )
        return reply

    def _answer(self, request: Received, call: Callable[[], Reply]) -> Reply:
        try:
            self.take_fault()
            self.validate_headers(request)
            with self.store.transaction():  # one request, one commit
                return call()
        except Refusal as refusal:
            return refusal.reply
        except Exception:  # a real internal fault: the spec's 500, never a traceback to the client
            log.exception("Device Service failed")
            return Reply(500, {}, "")

    def close(self) -> None:
        self.store.close()

    # --- endpoints -------------------------------------------------------------------------

    def get_credentials(self, device_id: str, headers: dict[str, str]) -> Reply:
        self.require_accept(headers)
        target, _ = self.authenticate(headers.get("device-signature"), "dispatchTargetId")
        self.require_member(target, device_id)
        return self.encrypted(self.store.device_view(device_id), target)

    def get_oob_operations(self, device_id: str, headers: dict[str, str]) -> Reply:
        self.require_accept(headers)
        target, _ = self.authenticate(headers.get("device-signature"), "dispatchTargetId")
        self.require_member(target, device_id)
        view = {"deviceId": device_id, "operations": self.live_operations(device_id)}
        return self.encrypted(view, target)

    def delete(self, device_id: str, headers: dict[str, str]) -> Reply:
        target, _ = self.authenticate(headers.get("device-signature"), "dispatchTargetId")
        self.require_member(target, device_id)
        self.store.delete_device(device_id)
        return Reply(204)

    def modify(self, device_id: str, headers: dict[str, str], body: str) -> Reply:
        if not protocol.is_jose(headers.get("content-type")):
            raise Refusal(415, f"Content-Type must be {protocol.JOSE}")
        target, payload = self.authenticate(body, "signingDispatchTargetId")
        self.require_member(target, device_id)
        operation = payload.get("operation")
        if operation == protocol.UPDATE:
            name = _one_string(payload, "name")
            new_target = _one_string(payload, "target")
            if name is not None:
                self.validate_name_free(target, device_id, name)
            self.store.update_targets(device_id, name, new_target)
        elif operation == protocol.DELETE:
            self.store.delete_items(
                device_id, _strings(payload, "keyIds"), _strings(payload, "dispatchTargetIds")
            )
        else:
            raise Refusal(400, f"unknown operation {operation!r}")
        return Reply(204)

    # --- shared checks ---------------------------------------------------------------------

    def validate_headers(self, request: Received) -> None:
        """docs/errata.md: two Device-Signature headers (which one is the device's?) are 400."""
        if request.repeated_signature:
            raise Refusal(400, "more than one Device-Signature header")

    def require_accept(self, headers: dict[str, str]) -> None:
        if not protocol.is_jose(headers.get("accept")):
            raise Refusal(406, f"Accept must be {protocol.JOSE}")

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        """The dispatch target that signed `token` and the payload, or a Refusal."""
        if not token:
            raise Refusal(400, "no JWS")
        try:
            header, raw, _ = peek(token)
            payload = self.read_payload(raw)
        except InvalidJws as exc:
            raise Refusal(400, str(exc)) from exc
        self.validate_payload_fields(payload, id_field)
        target = self.find_target(payload[id_field])
        if target is None:
            raise Refusal(401, f"unknown dispatch target {payload[id_field]!r}")
        try:
            refuse_key_references(header)
            verify_with_key(token, target.signature_key)
        except InvalidJws as exc:
            raise Refusal(401, str(exc)) from exc
        self.validate_clock(payload["creationTimeInEpochMillis"])
        return target, payload

    def read_payload(self, raw: bytes) -> Any:
        """A JWS payload as strict JSON (harness/strict_json.py); InvalidJws when it is not."""
        return json_payload(raw)

    def find_target(self, target_id: str) -> TargetRecord | None:
        """The dispatch target of this id, if the store holds one."""
        return self.store.target(target_id)

    def validate_payload_fields(self, payload: Any, id_field: str) -> None:
        """400 unless the payload is an object with the mandatory fields, each of its type."""
        if not isinstance(payload, dict):
            raise Refusal(400, "payload is not a JSON object")
        for name in (id_field, "requestId"):
            if not isinstance(payload.get(name), str) or not payload[name]:
                raise Refusal(400, f"{name} must be a non-empty string")
        if len(payload["requestId"]) > self.max_request_id:
            raise Refusal(400, f"requestId is over {self.max_request_id} characters")
        self.validate_creation_time(payload.get("creationTimeInEpochMillis"))

    def validate_creation_time(self, created: Any) -> None:
        """docs/errata.md: a JSON integer; a float, NaN, Infinity, a string or null is 400."""
        if not isinstance(created, int) or isinstance(created, bool):
            raise Refusal(400, "creationTimeInEpochMillis must be an integer")

    def validate_clock(self, created_ms: int) -> None:
        """Refuse a signature created further than the tolerance from the server's clock."""
        divergence = abs(protocol.epoch_millis(self.clock.now()) - created_ms)
        if divergence > self.tolerance.total_seconds() * 1000:
            raise expired_challenge(f"clock divergence {divergence} ms")

    def require_member(self, target: TargetRecord, device_id: str) -> None:
        if target.device_id != device_id:
            raise Refusal(403, "the dispatch target is not part of the requested device")

    def live_operations(self, device_id: str) -> list[dict[str, Any]]:
        """OOB operations that have neither timed out nor been redeemed, by the server's clock."""
        return self.store.live_operations(device_id, protocol.epoch_millis(self.clock.now()))

    def validate_name_free(self, target: TargetRecord, device_id: str, name: str) -> None:
        """422 when another dispatch target of the user (on another device) has `name`."""
        if name in self.store.names_of_other_devices(target.user, device_id):
            raise Refusal(422, f"name {name!r} is used by another dispatch target of the user")

    def encrypted(self, view: dict[str, Any], target: TargetRecord) -> Reply:
        return Reply(200, {"Content-Type": protocol.JOSE}, encrypt(view, target.encryption_key))


def _one_string(payload: dict[str, Any], name: str) -> str | None:
    """An optional string field; a list of one string is taken too (the spec types it Array)."""
    value = payload.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    raise Refusal(400, f"{name} must be a string")


def _strings(payload: dict[str, Any], name: str) -> list[str]:
    value = payload.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Refusal(400, f"{name} must be an array of strings")
    return value
