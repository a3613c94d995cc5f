"""Verdicts on a device's FIDO client: the requests the reference Device Service recorded from
it, what it reported of each call, and what it believes afterwards. Each check raises
Nonconformance with the requirement the caller names, what it expected and what it saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from harness.fido import protocol
from harness.fido_client.scenario import FidoCall
from harness.jose.jws import ALG, InvalidJws, json_payload, peek, verify_with_key
from harness.servers.fido.service import FidoService, RecordedRequest
from harness.servers.fido.store import TargetRecord
from harness.verdict import Nonconformance

CLOCK_PROBLEM = "clock"  # a call's problem when it gave up on the expired challenge
SIGNATURE_FIELDS = {"modify": "signingDispatchTargetId"}  # else dispatchTargetId
# How far a creationTimeInEpochMillis may be from the device clock read around its call.
CLOCK_SLACK = dt.timedelta(seconds=3)


def _describe(r: RecordedRequest) -> str:
    return f"#{r.number} {r.request.method} {r.request.path}"


def _id_field(r: RecordedRequest) -> str:
    return SIGNATURE_FIELDS.get(r.endpoint, "dispatchTargetId")


def _payload(r: RecordedRequest, requirement: str | None) -> dict[str, Any]:
    """The JSON object the request's JWS carries (unverified); Nonconformance when there is
    none."""
    try:
        payload = json_payload(peek(r.jws)[1])
    except InvalidJws as exc:
        raise Nonconformance(
            f"{_describe(r)}: its JWS cannot be read: {exc}",
            requirement=requirement,
            expected="a compact JWS",
            seen=r.jws,
        ) from exc
    if not isinstance(payload, dict):
        raise Nonconformance(
            f"{_describe(r)}: the JWS payload is not a JSON object",
            requirement=requirement,
            expected="a JSON object",
            seen=payload,
        )
    return payload


def _require_requests(requests: Sequence[RecordedRequest], requirement: str | None) -> None:
    if not requests:
        raise Nonconformance(
            "the Device Service received no request from the client",
            requirement=requirement,
            expected="at least one request",
            seen=0,
        )


# --- what the client sent --------------------------------------------------------------------


def check_headers(requests: Sequence[RecordedRequest], *, requirement: str | None = None) -> None:
    """GET and DELETE carry Device-Signature, GETs `Accept: application/jose;charset=UTF-8`,
    PATCH `Content-Type: application/jose;charset=UTF-8` and a body (media types compared as
    media types, RFC 9110)."""
    _require_requests(requests, requirement)
    problems = []
    for r in requests:
        headers = r.request.headers
        if r.request.method == "PATCH":
            if not protocol.is_jose(headers.get("content-type")):
                problems.append(f"{_describe(r)}: Content-Type {headers.get('content-type')!r}")
            if not r.request.body:
                problems.append(f"{_describe(r)}: no body")
            continue
        if not headers.get("device-signature"):
            problems.append(f"{_describe(r)}: no Device-Signature")
        if r.request.method == "GET" and not protocol.is_jose(headers.get("accept")):
            problems.append(f"{_describe(r)}: Accept {headers.get('accept')!r}")
    if problems:
        raise Nonconformance(
            "; ".join(problems),
            requirement=requirement,
            expected=f"Device-Signature on GET and DELETE, Accept {protocol.JOSE} on GET, "
            f"Content-Type {protocol.JOSE} and a JWS body on PATCH",
            seen=problems,
        )


def check_signed_by_device(
    requests: Sequence[RecordedRequest],
    device_id: str,
    targets: dict[str, TargetRecord],
    *,
    requirement: str | None = None,
) -> None:
    """Every request is for `device_id` and carries a compact RS256 JWS whose payload names one
    of its dispatch targets (`targets`: as the Device Service holds them) and that verifies with
    that target's signature key."""
    _require_requests(requests, requirement)
    problems = []
    for r in requests:
        if r.request.device_id != device_id:
            problems.append(f"{_describe(r)}: addressed to device {r.request.device_id}")
        named = _payload(r, requirement).get(_id_field(r))
        target = targets.get(named) if isinstance(named, str) else None
        if target is None:
            problems.append(f"{_describe(r)}: {_id_field(r)} {named!r} is not a target of it")
            continue
        try:
            verify_with_key(r.jws or "", target.signature_key)  # RS256 only
        except InvalidJws as exc:
            problems.append(f"{_describe(r)}: does not verify with {named}'s key: {exc}")
    if problems:
        raise Nonconformance(
            "; ".join(problems),
            requirement=requirement,
            expected=f"compact {ALG} JWS signed by a dispatch target of {device_id}: "
            f"{sorted(targets)}",
            seen=problems,
        )


def check_request_ids(
    requests: Sequence[RecordedRequest], *, requirement: str | None = None
) -> None:
    """Every requestId is a non-empty string of at most 64 characters, none sent twice."""
    _require_requests(requests, requirement)
    ids = [(_describe(r), _payload(r, requirement).get("requestId")) for r in requests]
    bad = [
        (where, rid)
        for where, rid in ids
        if not isinstance(rid, str) or not 0 < len(rid) <= protocol.MAX_REQUEST_ID
    ]
    if bad:
        raise Nonconformance(
            f"requestIds that are not strings of 1 to {protocol.MAX_REQUEST_ID} characters",
            requirement=requirement,
            expected=f"a string of at most {protocol.MAX_REQUEST_ID} characters",
            seen=bad,
        )
    values = [rid for _, rid in ids]
    repeated = sorted({rid for rid in values if values.count(rid) > 1})
    if repeated:
        raise Nonconformance(
            f"requestIds sent more than once: {repeated}",
            requirement=requirement,
            expected="a unique requestId for each request",
            seen=ids,
        )


def check_creation_times(
    calls: Sequence[FidoCall], slack: dt.timedelta = CLOCK_SLACK, *, requirement: str | None = None
) -> None:
    """Every creationTimeInEpochMillis is a JSON integer within `slack` of the device's clock
    while its call ran (read from the device just before and just after the call)."""
    _require_requests([r for c in calls for r in c.requests], requirement)
    problems = []
    for call in calls:
        earliest, latest = sorted(call.device_clock)
        for r in call.requests:
            created = _payload(r, requirement).get("creationTimeInEpochMillis")
            if not isinstance(created, int) or isinstance(created, bool):
                problems.append(f"{_describe(r)}: creationTimeInEpochMillis {created!r}")
                continue
            moment = dt.datetime.fromtimestamp(created / 1000, dt.UTC)
            if not earliest - slack <= moment <= latest + slack:
                problems.append(
                    f"{_describe(r)}: {moment.isoformat()} while the device clock read "
                    f"{earliest.isoformat()} to {latest.isoformat()}"
                )
    if problems:
        raise Nonconformance(
            "creation times not from the device's clock: " + "; ".join(problems),
            requirement=requirement,
            expected=f"integer milliseconds within {slack.total_seconds():g}s of the device clock",
            seen=problems,
        )


# --- what the client reported and believes ---------------------------------------------------


def check_status(call: FidoCall, status: int, *, requirement: str | None = None) -> None:
    """The client reports the last status it got, `status`, and no problem when it is a
    success."""
    result = call.result
    if result.status != status or (status < 300 and result.problem is not None):
        raise Nonconformance(
            f"{call.operation}: the client reports status {result.status}, "
            f"problem {result.problem!r}",
            requirement=requirement,
            expected=f"status {status}" + (", no problem" if status < 300 else ""),
            seen={"status": result.status, "problem": result.problem},
        )


def check_view(call: FidoCall, view: Any, sent: Any, *, requirement: str | None = None) -> None:
    """The answer the client read (`view`) is the JSON the Device Service encrypted (`sent`)."""
    if view != sent:
        raise Nonconformance(
            f"{call.operation}: the client read something other than the answer",
            requirement=requirement,
            expected=sent,
            seen=view,
        )


def check_requests_at_most(call: FidoCall, most: int, *, requirement: str | None = None) -> None:
    """The client sent at most `most` requests for the call (the Device Service's count)."""
    if len(call.requests) > most:
        raise Nonconformance(
            f"{call.operation}: the client sent {len(call.requests)} requests for one call",
            requirement=requirement,
            expected=f"at most {most}",
            seen=[f"{_describe(r)} -> {r.status}" for r in call.requests],
        )


def _challenged(r: RecordedRequest) -> bool:
    answered = {k.lower(): v for k, v in r.reply.headers.items()}
    return r.status == 401 and answered.get("www-authenticate") == protocol.WWW_AUTHENTICATE_EXPIRED


def check_gave_up_on_clock(call: FidoCall, *, requirement: str | None = None) -> None:
    """The last answer was the device_signature_expired challenge and the client reports the
    clock problem with its status."""
    _require_requests(call.requests, requirement)
    result = call.result
    if not _challenged(call.requests[-1]) or (result.status, result.problem) != (
        401,
        CLOCK_PROBLEM,
    ):
        raise Nonconformance(
            f"{call.operation}: the client did not report the clock problem",
            requirement=requirement,
            expected={"status": 401, "problem": CLOCK_PROBLEM},
            seen={"status": result.status, "problem": result.problem},
        )


def check_gave_up_or_retried(call: FidoCall, *, requirement: str | None = None) -> None:
    """Either the client gave up on the challenge reporting the clock problem, or it retried
    (after a re-sync) and reports the status its retry got."""
    _require_requests(call.requests, requirement)
    last = call.requests[-1]
    if _challenged(last):
        check_gave_up_on_clock(call, requirement=requirement)
    else:
        check_status(call, last.status, requirement=requirement)


def check_server_targets(
    service: FidoService, device_id: str, name: str, target: str, *, requirement: str | None = None
) -> None:
    """Every dispatch target the Device Service holds for the device has `name` and `target`."""
    view = service.store.device_view(device_id)
    seen = [(t.get("name"), t.get("target")) for t in view["dispatchTargets"]]
    if not seen or any(pair != (name, target) for pair in seen):
        raise Nonconformance(
            "the Device Service's dispatch targets were not renamed",
            requirement=requirement,
            expected=(name, target),
            seen=seen,
        )


def check_device_gone(
    service: FidoService, device_id: str, *, requirement: str | None = None
) -> None:
    """The Device Service no longer holds the device, nor its credentials."""
    if service.store.has_device(device_id):
        raise Nonconformance(
            f"the Device Service still holds {device_id}",
            requirement=requirement,
            expected="no such device",
            seen=service.store.device_view(device_id),
        )


def check_local_targets(
    local: dict[str, Any], name: str, target: str, *, requirement: str | None = None
) -> None:
    """The client believes every dispatch target of the device has `name` and `target`."""
    seen = [(t.get("name"), t.get("target")) for t in local.get("targets", {}).values()]
    if not seen or any(pair != (name, target) for pair in seen):
        raise Nonconformance(
            "the client's own view of its dispatch targets does not show the rename",
            requirement=requirement,
            expected=(name, target),
            seen=local,
        )


def check_local_credentials_gone(local: dict[str, Any], *, requirement: str | None = None) -> None:
    """The client believes it has no credentials left on the device."""
    if local.get("credentials", True):
        raise Nonconformance(
            "the client still believes it has credentials after the Device Service deleted them",
            requirement=requirement,
            expected={"credentials": False},
            seen=local,
        )


def check_local_unchanged(
    before: dict[str, Any] | None, now: dict[str, Any], *, requirement: str | None = None
) -> None:
    """The client believes what it believed before the refused call."""
    if before != now:
        raise Nonconformance(
            "the client's own view changed although the Device Service refused the change",
            requirement=requirement,
            expected=before,
            seen=now,
        )
