"""Deliberately broken variants of the reference Device Service, each with one defect.

Loaded by the suite through `--fido-service tests.broken_fido:<name>`;
tests/test_suite_detects_broken_servers.py asserts the suite fails the scenarios each breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.fido import protocol
from harness.servers.fido.embedded import reference_service
from harness.servers.fido.service import FidoService, Refusal, Reply
from harness.servers.fido.store import TargetRecord
from tests.variant import Expectation, variant_factory


class NoSkewCheck(FidoService):
    """Accepts a device signature however far the device clock is off."""

    def check_clock(self, created_ms: float) -> None:
        return None


class SkewCheckAheadOnly(FidoService):
    """Refuses a device clock that is ahead, but not one that is behind."""

    def check_clock(self, created_ms: float) -> None:
        if created_ms > protocol.epoch_millis(self.clock.now()):
            super().check_clock(created_ms)


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

    def check_clock(self, created_ms: float) -> None:
        try:
            super().check_clock(created_ms)
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

    def check_name_free(self, target: TargetRecord, device_id: str, name: str) -> None:
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


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
GET_200 = "A device reads its credentials, encrypted for the signing dispatch target"
INSIDE = "<request> from a device clock just inside the tolerance <direction> succeeds"
OUTSIDE = (
    "<request> from a device clock just outside the tolerance <direction> is refused as expired"
)
EXPECTED: dict[str, Expectation] = {
    "no_skew_check": ([(OUTSIDE, "ahead"), (OUTSIDE, "behind")], [(INSIDE, None)]),
    "skew_check_ahead_only": ([(OUTSIDE, "behind")], [(OUTSIDE, "ahead"), (INSIDE, None)]),
    "ignores_accept": (
        [('An Accept header of "<accept>" is not acceptable', None),
         ("A request without an Accept header is not acceptable", None)],
        [(GET_200, None)],
    ),
    "plain_json_answers": (
        [(GET_200, None), ("Only live, unredeemed operations are listed", None)],
        [("A dispatch target of another device is forbidden", None)],
    ),
    "forbidden_answered_401": (
        [("A dispatch target of another device is forbidden", None),
         ("A modification signed by another device's dispatch target is forbidden", None)],
        [(GET_200, None)],
    ),
    "wrong_www_authenticate": ([(OUTSIDE, None)], [(INSIDE, None)]),
    "lists_timed_out_operations": (
        [("Only live, unredeemed operations are listed", None),
         ("An operation disappears once it times out", None)],
        [(GET_200, None)],
    ),
    "allows_duplicate_names": (
        [("A name another dispatch target of the same user has is unprocessable", None)],
        [("Renaming and retargeting the dispatch targets shows in the next GET", None)],
    ),
    "crashes_on_bad_jws": (
        [("A Device-Signature <problem> is a bad request", "two parts")],
        [(GET_200, None)],
    ),
}  # fmt: skip
