"""Deliberately broken variants of the reference Device Service, each with one defect.

Loaded by the suite through `--fido-service tests.broken_fido:<name>`;
tests/test_suite_detects_broken_servers.py asserts the suite fails the scenarios each breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.fido import protocol
from harness.jose.jws import peek
from harness.servers.fido.embedded import reference_service
from harness.servers.fido.service import FidoService, Refusal, Reply
from harness.servers.fido.store import TargetRecord
from tests.variant import Expectation, variant_factory


class NoSkewCheck(FidoService):
    """Accepts a device signature however far the device clock is off."""

    def validate_clock(self, created_ms: int) -> None:
        return None


class SkewCheckAheadOnly(FidoService):
    """Refuses a device clock that is ahead, but not one that is behind."""

    def validate_clock(self, created_ms: int) -> None:
        if created_ms > protocol.epoch_millis(self.clock.now()):
            super().validate_clock(created_ms)


class IgnoresAccept(FidoService):
    """Answers 200 whatever the Accept header says."""

    def require_accept(self, headers: dict[str, str]) -> None:
        return None


class PlainJsonAnswers(FidoService):
    """Answers with plain JSON instead of a JWE."""

    def encrypted(self, view: dict[str, Any], target: TargetRecord) -> Reply:
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(view))


class ForbiddenAnswered401(FidoService):
    """Answers 401 where a foreign dispatch target must get 403."""

    def require_member(self, target: TargetRecord, device_id: str) -> None:
        try:
            super().require_member(target, device_id)
        except Refusal as refusal:
            raise Refusal(401, refusal.reason) from refusal


class WrongWwwAuthenticate(FidoService):
    """Says the signature expired in words of its own."""

    def validate_clock(self, created_ms: int) -> None:
        try:
            super().validate_clock(created_ms)
        except Refusal as refusal:
            raise Refusal(
                401, refusal.reason, {"WWW-Authenticate": 'JWS error="expired"'}
            ) from None


class ListsTimedOutOperations(FidoService):
    """Lists out-of-band operations whatever their timeout."""

    def live_operations(self, device_id: str) -> list[dict[str, Any]]:
        return self.store.live_operations(device_id, now_ms=0)


class AllowsDuplicateNames(FidoService):
    """Renames dispatch targets to a name the user's other device already uses."""

    def validate_name_free(self, target: TargetRecord, device_id: str, name: str) -> None:
        return None


class CrashesOnBadJws(FidoService):
    """Fails with 500 on a Device-Signature it cannot parse."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        try:
            return super().authenticate(token, id_field)
        except Refusal as refusal:
            if refusal.reply.status == 400:
                raise RuntimeError("unparseable JWS") from refusal
            raise


class RequestIdLimit63(FidoService):
    """Refuses a requestId of 64 characters (its limit is one short)."""

    max_request_id = protocol.MAX_REQUEST_ID - 1


class NoRequestIdLimit(FidoService):
    """Takes a requestId of any length."""

    max_request_id = 1 << 20


class AcceptsNonIntegerTime(FidoService):
    """Takes any number as creationTimeInEpochMillis: a fraction, and NaN (its JSON parser
    reads it, as Python's does), which then passes its clock check."""

    def read_payload(self, raw: bytes) -> Any:
        return json.loads(raw)

    def validate_creation_time(self, created: Any) -> None:
        if not isinstance(created, int | float) or isinstance(created, bool):
            super().validate_creation_time(created)


class CoercesTimeStrings(FidoService):
    """Takes creationTimeInEpochMillis given as a string of digits."""

    def validate_creation_time(self, created: Any) -> None:
        if not (isinstance(created, str) and created.isdigit()):
            super().validate_creation_time(created)

    def validate_clock(self, created_ms: int) -> None:
        super().validate_clock(int(created_ms))


class RequestIdOptional(FidoService):
    """Takes a payload without requestId."""

    def validate_payload_fields(self, payload: Any, id_field: str) -> None:
        if isinstance(payload, dict):
            payload.setdefault("requestId", "none given")
        super().validate_payload_fields(payload, id_field)


class LooseIdTypes(FidoService):
    """Takes the dispatch target id and requestId in any JSON type, as their JSON text."""

    def validate_payload_fields(self, payload: Any, id_field: str) -> None:
        if isinstance(payload, dict):
            for name in (id_field, "requestId"):
                if name in payload and not isinstance(payload[name], str):
                    payload[name] = json.dumps(payload[name])
        super().validate_payload_fields(payload, id_field)


class OperationDefaultsToUpdate(FidoService):
    """Takes a PATCH without a string operation as a DispatchTargetUpdate."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        target, payload = super().authenticate(token, id_field)
        if not isinstance(payload.get("operation"), str):
            payload["operation"] = protocol.UPDATE
        return target, payload


class CrashesOnNonObjectPayload(FidoService):
    """Fails with 500 on a signed payload that is not a JSON object."""

    def validate_payload_fields(self, payload: Any, id_field: str) -> None:
        if not isinstance(payload, dict):
            raise RuntimeError("payload is not a dict")
        super().validate_payload_fields(payload, id_field)


class UpdateClearsTarget(FidoService):
    """A DispatchTargetUpdate with only a name blanks every target."""

    def modify(self, device_id: str, headers: dict[str, str], body: str) -> Reply:
        reply = super().modify(device_id, headers, body)
        payload = json.loads(peek(body)[1])
        if payload.get("operation") == protocol.UPDATE and "target" not in payload:
            self.store.update_targets(device_id, None, "")
        return reply


class UpdateRenamesOnRetarget(FidoService):
    """A DispatchTargetUpdate with only a target names every target after it."""

    def modify(self, device_id: str, headers: dict[str, str], body: str) -> Reply:
        reply = super().modify(device_id, headers, body)
        payload = json.loads(peek(body)[1])
        if payload.get("operation") == protocol.UPDATE and "name" not in payload:
            self.store.update_targets(device_id, payload.get("target"), None)
        return reply


class UnknownTargetCrashes(FidoService):
    """Fails with 500 on a dispatch target it does not know."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        try:
            return super().authenticate(token, id_field)
        except Refusal as refusal:
            if refusal.reason.startswith("unknown dispatch target"):
                raise RuntimeError("no such dispatch target") from refusal
            raise


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


no_skew_check = _factory(NoSkewCheck)
skew_check_ahead_only = _factory(SkewCheckAheadOnly)
ignores_accept = _factory(IgnoresAccept)
plain_json_answers = _factory(PlainJsonAnswers)
forbidden_answered_401 = _factory(ForbiddenAnswered401)
wrong_www_authenticate = _factory(WrongWwwAuthenticate)
lists_timed_out_operations = _factory(ListsTimedOutOperations)
allows_duplicate_names = _factory(AllowsDuplicateNames)
crashes_on_bad_jws = _factory(CrashesOnBadJws)
request_id_limit_63 = _factory(RequestIdLimit63)
no_request_id_limit = _factory(NoRequestIdLimit)
accepts_non_integer_time = _factory(AcceptsNonIntegerTime)
coerces_time_strings = _factory(CoercesTimeStrings)
request_id_optional = _factory(RequestIdOptional)
loose_id_types = _factory(LooseIdTypes)
operation_defaults_to_update = _factory(OperationDefaultsToUpdate)
crashes_on_non_object_payload = _factory(CrashesOnNonObjectPayload)
update_clears_target = _factory(UpdateClearsTarget)
update_renames_on_retarget = _factory(UpdateRenamesOnRetarget)
unknown_target_crashes = _factory(UnknownTargetCrashes)


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
GET_200 = "A device reads its credentials, encrypted for the signing dispatch target"
INSIDE = "<request> from a device clock just inside the tolerance <direction> succeeds"
INSIDE_DELETE = "A DELETE from a device clock just inside the tolerance <direction> succeeds"
GET_400 = "A Device-Signature that is malformed (<problem>) is a bad request"
DELETE_400 = "A DELETE whose Device-Signature is malformed (<problem>) is a bad request"
OOB_400 = "An out-of-band request whose Device-Signature is malformed (<problem>) is a bad request"
PATCH_400 = "A modification whose JWS is malformed (<problem>) is a bad request"
MALFORMED = (GET_400, DELETE_400, OOB_400, PATCH_400)
ID_64 = [
    ("A Device-Signature whose requestId has exactly 64 characters is accepted", None),
    ("An out-of-band request whose requestId has exactly 64 characters is accepted", None),
    ("A modification whose requestId has exactly 64 characters is carried out", None),
    ("A DELETE whose requestId has exactly 64 characters is carried out", None),
]
NAME_ONLY = "An update with only a name leaves every target as it was"
TARGET_ONLY = "An update with only a target leaves every name as it was"
UNKNOWN_TARGET = "A dispatch target the server does not know is refused"


def _rows(fragment: str) -> list[tuple[str, str | None]]:
    """The row `fragment` of every endpoint's malformed-payload outline."""
    return [(outline, fragment) for outline in MALFORMED]


OUTSIDE = (
    "<request> from a device clock just outside the tolerance <direction> is refused as expired"
)
EXPECTED: dict[str, Expectation] = {
    "no_skew_check": (
        [(OUTSIDE, "ahead"), (OUTSIDE, "behind")],
        [(INSIDE, None), (INSIDE_DELETE, None)],
    ),
    "skew_check_ahead_only": (
        [(OUTSIDE, "behind")],
        [(OUTSIDE, "ahead"), (INSIDE, None), (INSIDE_DELETE, None)],
    ),
    "ignores_accept": (
        [('An Accept header of "<accept>" is not acceptable', None)],
        [(GET_200, None)],
    ),
    "plain_json_answers": (
        [(GET_200, None), ("Only live, unredeemed operations are listed", None)],
        [("A dispatch target of another device is forbidden", None)],
    ),
    "forbidden_answered_401": (
        [
            ("A dispatch target of another device is forbidden", None),
            ("A modification signed by another device's dispatch target is forbidden", None),
        ],
        [(GET_200, None)],
    ),
    "wrong_www_authenticate": ([(OUTSIDE, None)], [(INSIDE, None)]),
    "lists_timed_out_operations": (
        [
            ("Only live, unredeemed operations are listed", None),
            ("An operation disappears once it times out", None),
        ],
        [(GET_200, None)],
    ),
    "allows_duplicate_names": (
        [("A name another dispatch target of the same user has is unprocessable", None)],
        [("Renaming and retargeting the dispatch targets shows in the next GET", None)],
    ),
    "crashes_on_bad_jws": ([(GET_400, "two parts")], [(GET_200, None)]),
    "request_id_limit_63": (ID_64, [(GET_200, None), *_rows("requestId of 65")]),
    "no_request_id_limit": (_rows("requestId of 65"), ID_64),
    "accepts_non_integer_time": (
        _rows("creationTimeInEpochMillis a fraction") + _rows("creationTimeInEpochMillis NaN"),
        [*_rows("creationTimeInEpochMillis a string"), (INSIDE, None)],
    ),
    "coerces_time_strings": (
        _rows("creationTimeInEpochMillis a string"),
        [*_rows("creationTimeInEpochMillis a fraction"), (INSIDE, None)],
    ),
    "request_id_optional": (_rows("no requestId"), [(GET_200, None), *_rows("requestId null")]),
    "loose_id_types": (
        [
            (GET_400, "requestId a number"),
            (GET_400, "requestId an array"),
            (PATCH_400, "requestId an object"),
            (OOB_400, "requestId an object"),
        ],
        [(GET_200, None), *_rows("no requestId")],
    ),
    "operation_defaults_to_update": (
        [
            (PATCH_400, "no operation"),
            (PATCH_400, "operation a number"),
            (PATCH_400, "operation an array"),
        ],
        [(PATCH_400, "no requestId"), (GET_200, None)],
    ),
    "crashes_on_non_object_payload": (
        _rows("payload a JSON array") + _rows("payload a JSON number"),
        [(GET_200, None)],
    ),
    "update_clears_target": ([(NAME_ONLY, None)], [(TARGET_ONLY, None)]),
    "update_renames_on_retarget": ([(TARGET_ONLY, None)], [(NAME_ONLY, None)]),
    "unknown_target_crashes": ([(UNKNOWN_TARGET, None)], [(GET_200, None)]),
}
