"""Deliberately broken FIDO clients for the emulated device, each with one defect.

Loaded by the FIDO client features through `--fido-client-factory tests.broken_fido_clients:<name>`;
tests/test_suite_verdicts_on_variants.py asserts the suite fails the scenarios each breaks, with
product-defect failures only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import httpx

from harness.device.emulator.fido_client import CLOCK, EmulatedFidoClient
from harness.device.interface import FidoCallResult
from harness.fido import protocol
from harness.fido.fixtures import fido_devices
from tests.variant import Expectation

MAX_TRIES = 10  # "forever", bounded so that nothing hangs


class SignsWithAnotherDevicesTarget(EmulatedFidoClient):
    """Signs every request as a dispatch target of another device than the one it acts for."""

    def _signed(self, payload: dict[str, Any], target_id: str) -> str:
        foreign = next(
            d.target().id
            for d in fido_devices().values()
            if target_id not in {t.id for t in d.targets}
        )
        field = next(f for f in ("dispatchTargetId", "signingDispatchTargetId") if f in payload)
        return super()._signed({**payload, field: foreign}, foreign)


class ReusesRequestId(EmulatedFidoClient):
    """Sends every request with the same requestId."""

    def _stamp(self) -> dict[str, Any]:
        return {**super()._stamp(), "requestId": "bioharness-reused-request-id"}


class StampsHostTime(EmulatedFidoClient):
    """Stamps creationTimeInEpochMillis from the host's clock instead of the device's."""

    def _stamp(self) -> dict[str, Any]:
        now = protocol.epoch_millis(dt.datetime.now(dt.UTC))
        return {**super()._stamp(), "creationTimeInEpochMillis": now}


class RetriesForever(EmulatedFidoClient):
    """Sends a request again and again while it gets the device_signature_expired challenge
    (MAX_TRIES times at most), never re-syncing its clock."""

    def _send(
        self, http: httpx.Client, method: str, url: str, target_id: str, fields: dict[str, Any]
    ) -> httpx.Response:
        for _ in range(MAX_TRIES):
            response = super()._send(http, method, url, target_id, fields)
            challenge = response.headers.get("www-authenticate", "")
            if response.status_code != 401 or "device_signature_expired" not in challenge:
                break
        return response


class ForgetsStateOn403(EmulatedFidoClient):
    """Forgets what it believed of the device (its targets and credentials) on a 403."""

    def call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        result = super().call(operation, service_url, device_id, target_id, **fields)
        if result.status == 403:
            self._state[device_id] = {"targets": {}, "credentials": False}
        return result


class SendsNoAccept(EmulatedFidoClient):
    """Sends its GETs without the Accept header."""

    def _send(
        self, http: httpx.Client, method: str, url: str, target_id: str, fields: dict[str, Any]
    ) -> httpx.Response:
        if method != "GET":
            return super()._send(http, method, url, target_id, fields)
        signature = self._signed({"dispatchTargetId": target_id, **self._stamp()}, target_id)
        return http.request(method, url, headers={"Device-Signature": signature})


class MisreadsAnswers(EmulatedFidoClient):
    """Loses the deviceId of every answer it opens."""

    def _read(self, response: httpx.Response, target_id: str) -> tuple[Any, str | None]:
        view, problem = super()._read(response, target_id)
        if isinstance(view, dict):
            view = {k: v for k, v in view.items() if k != "deviceId"}
        return view, problem


class DropsTheTargetOfARename(EmulatedFidoClient):
    """Sends a rename without its target (and believes it set both)."""

    def _send(
        self, http: httpx.Client, method: str, url: str, target_id: str, fields: dict[str, Any]
    ) -> httpx.Response:
        kept = {k: v for k, v in fields.items() if k != "target"}
        return super()._send(http, method, url, target_id, kept)


class NeverUpdatesItsState(EmulatedFidoClient):
    """Believes what it first believed, whatever the Device Service did."""

    def _changed(self, operation: str, device_id: str, fields: dict[str, Any]) -> None:
        return None


class DeletesNothing(EmulatedFidoClient):
    """Deletes its credentials with a PATCH Delete that names nothing to delete."""

    def _send(
        self, http: httpx.Client, method: str, url: str, target_id: str, fields: dict[str, Any]
    ) -> httpx.Response:
        if method != "DELETE":
            return super()._send(http, method, url, target_id, fields)
        payload = {"signingDispatchTargetId": target_id, **self._stamp(), "operation": "Delete"}
        body = self._signed(payload, target_id)
        return http.request("PATCH", url, headers={"Content-Type": protocol.JOSE}, content=body)


class HidesTheClockProblem(EmulatedFidoClient):
    """Gives up on the device_signature_expired challenge without saying it is the clock."""

    def call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        result = super().call(operation, service_url, device_id, target_id, **fields)
        return dataclasses.replace(result, problem=None) if result.problem == CLOCK else result


signs_with_another_devices_target = SignsWithAnotherDevicesTarget
reuses_request_id = ReusesRequestId
stamps_host_time = StampsHostTime
retries_forever = RetriesForever
forgets_state_on_403 = ForgetsStateOn403
sends_no_accept = SendsNoAccept
misreads_answers = MisreadsAnswers
drops_the_target_of_a_rename = DropsTheTargetOfARename
never_updates_its_state = NeverUpdatesItsState
deletes_nothing = DeletesNothing
hides_the_clock_problem = HidesTheClockProblem


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass: every other one); a
# scenario is its title as in the feature file and an optional fragment of the Examples row's id.
HEADERS = ("Every request carries the headers its endpoint requires", None)
SIGNATURE = ("Every request is signed by a dispatch target of the device it acts for", None)
REQUEST_ID = ("Every request has a requestId of its own of at most 64 characters", None)
CREATION_TIME = ("creationTimeInEpochMillis is the device's own time, not the host's", None)
GET = ("The client reads its credentials from the JWE answer", None)
OOB = ("The client reads its out-of-band operations from the JWE answer", None)
UPDATE = ("The client renames its dispatch targets", None)
UPDATE_BELIEVED = ("Once its rename is done, the client believes the new name", None)
DELETE = ("The client deletes its credentials", None)
DELETE_BELIEVED = ("Once its delete is done, the client believes it has no credentials left", None)
REFUSED = "A rename refused with <status> leaves the client believing what it did"
CLOCK_AHEAD = (
    "A client whose clock runs 10 minutes ahead does not loop on the expired challenge "
    "(told to <on_expired>)"
)
ONLY_EXPIRED = (
    "A client that only ever gets the expired challenge gives up and reports its clock "
    "(told to <on_expired>)"
)
REFUSED_403, REFUSED_422 = (REFUSED, "403"), (REFUSED, "422")
AHEAD_REPORT, AHEAD_RESYNC = (CLOCK_AHEAD, "report"), (CLOCK_AHEAD, "resync")
ONLY_EXPIRED_ROWS = [(ONLY_EXPIRED, "report"), (ONLY_EXPIRED, "resync")]
EXPIRED = [AHEAD_REPORT, AHEAD_RESYNC, *ONLY_EXPIRED_ROWS]
SCENARIOS = [
    HEADERS,
    SIGNATURE,
    REQUEST_ID,
    CREATION_TIME,
    GET,
    OOB,
    UPDATE,
    UPDATE_BELIEVED,
    DELETE,
    DELETE_BELIEVED,
    REFUSED_403,
    REFUSED_422,
    *EXPIRED,
]


def _fails(*scenarios: tuple[str, str | None]) -> Expectation:
    """These scenarios fail, and every other one passes."""
    return list(scenarios), [s for s in SCENARIOS if s not in scenarios]


EXPECTED: dict[str, Expectation] = {
    # the server refuses it with 403, except where the clock is checked first
    "signs_with_another_devices_target": _fails(
        SIGNATURE, GET, OOB, UPDATE, UPDATE_BELIEVED, DELETE, DELETE_BELIEVED
    ),
    "reuses_request_id": _fails(REQUEST_ID),
    # a device clock 10 minutes ahead goes unnoticed: its first request is accepted
    "stamps_host_time": _fails(CREATION_TIME),
    "retries_forever": _fails(*EXPIRED),
    "forgets_state_on_403": _fails(REFUSED_403),
    # the server answers its GETs 406 (reported as it came, even with its clock ahead)
    "sends_no_accept": _fails(HEADERS, GET, OOB),
    "misreads_answers": _fails(GET, OOB),
    "drops_the_target_of_a_rename": _fails(UPDATE),
    "never_updates_its_state": _fails(UPDATE_BELIEVED, DELETE_BELIEVED),
    "deletes_nothing": _fails(DELETE),
    # after a re-sync and a successful retry there is no clock problem to report
    "hides_the_clock_problem": _fails(AHEAD_REPORT, *ONLY_EXPIRED_ROWS),
}
