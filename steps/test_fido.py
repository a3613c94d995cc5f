"""Steps of the nevisFIDO Device Service features: the harness plays a mobile device."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from harness import fixture_state
from harness.bench import Bench
from harness.evidence import Evidence
from harness.fido import checks, malformed, protocol, state
from harness.fido.client import FidoClient
from harness.fido.fixtures import FidoDevice, fido_devices
from harness.fido.keys import TargetKeys
from harness.fido.session import FidoSession
from harness.targets import FidoTarget

scenarios("fido")

UNKNOWN_DEVICE_STATUSES = {401, 403, 404}
FIELD_FORMS = "|".join(["left out", *malformed.FIELD_FORMS])


def _device(name: str) -> FidoDevice:
    devices = fido_devices()
    if name not in devices:
        raise KeyError(f"no fixture FIDO device {name!r}; known: {', '.join(devices)}")
    return devices[name]


def _op(fido: FidoSession, op_id: str) -> dict:
    ops = {op["id"]: op for op in fido.device.oob_operations}
    if op_id not in ops:
        raise KeyError(f"{fido.device.name} has no fixture operation {op_id!r}")
    return ops[op_id]


# --- Given -----------------------------------------------------------------------------------


@given(
    parsers.parse('the FIDO device "{name}" signing with its dispatch target {n:d}'),
    target_fixture="fido",
)
def device_with_target(
    name: str, n: int, fido_client: FidoClient, fido_keys: TargetKeys
) -> FidoSession:
    device = _device(name)
    return FidoSession(fido_client, device, device.target(n - 1), fido_keys)


@given(
    parsers.parse('the FIDO device "{name}" signing with the dispatch target of "{other}"'),
    target_fixture="fido",
)
def device_with_foreign_target(
    name: str, other: str, fido_client: FidoClient, fido_keys: TargetKeys
) -> FidoSession:
    return FidoSession(fido_client, _device(name), _device(other).target(), fido_keys)


@given(
    parsers.parse(
        'the FIDO device "{name}" as provisioned, signing with its dispatch target {n:d}'
    ),
    target_fixture="fido",
)
def provisioned_device(
    name: str,
    n: int,
    fido_client: FidoClient,
    fido_keys: TargetKeys,
    fido_target: FidoTarget,
    evidence: Evidence,
) -> FidoSession:
    """A device of a scenario that consumes state: the server must show it as provisioned."""
    session = device_with_target(name, n, fido_client, fido_keys)
    holds = state.device_as_provisioned(session, evidence)
    fixture_state.require(
        holds, f"{name} with its fixture credentials and targets", fido_target.hooks
    )
    return session


@given(parsers.parse('the device signs with the dispatch target of "{other}"'))
def foreign_target(fido: FidoSession, other: str) -> None:
    fido.target = _device(other).target()


@given("its dispatch targets are set back to the fixture's after the scenario")
def set_back_afterwards(
    fido: FidoSession, evidence: Evidence, request: pytest.FixtureRequest
) -> None:
    def set_back() -> None:
        exchange = fido.set_targets_back()
        evidence.add("dispatch targets set back to the fixture's", f"HTTP {exchange.status}")

    request.addfinalizer(set_back)


@given(parsers.parse('the Accept header is "{value}"'))
def accept(fido: FidoSession, value: str) -> None:
    fido.accept = value


@given("the request has no Accept header")
def no_accept(fido: FidoSession) -> None:
    fido.accept = None


@given(parsers.parse('the Content-Type header is "{value}"'))
def content_type(fido: FidoSession, value: str) -> None:
    fido.content_type = value


@given("the request has no Device-Signature header")
def no_signature(fido: FidoSession) -> None:
    fido.signature_header = False


@given(parsers.parse('the signed JWS is mutated by "{mutation}"'))
def mutated(fido: FidoSession, mutation: str) -> None:
    fido.mutation = mutation


@given(parsers.parse('the payload field "{field}" is {length:d} characters long'))
def long_field(fido: FidoSession, field: str, length: int) -> None:
    fido.reforms[field] = malformed.fresh_of_length(length)


@given(parsers.re(rf'the payload field "(?P<field>[^"]+)" is (?P<form>{FIELD_FORMS})'))
def field_form(fido: FidoSession, field: str, form: str) -> None:
    if form == "left out":
        fido.overrides[field] = FidoSession.REMOVE
    else:
        fido.reforms[field] = malformed.field_form(form)


@given(parsers.re(r'the payload field "(?P<field>[^"]+)" is "(?P<value>[^"]*)"'))
def payload_field(fido: FidoSession, field: str, value: str) -> None:
    fido.overrides[field] = value


@given(parsers.parse("the signed payload is {form}"))
def payload_form(fido: FidoSession, form: str) -> None:
    fido.reform_payload = malformed.payload_form(form)


@given(parsers.parse('the request names the device id "{device_id}"'))
def other_device_id(fido: FidoSession, device_id: str) -> None:
    fido.device_id = device_id


@given("the Device Service is made to fail its next request")
def next_request_fails(fido_target: FidoTarget) -> None:
    fido_target.hooks.run("fault")


@given(
    parsers.re(
        r"the FIDO device's clock runs just (?P<side>inside|outside) the tolerance "
        r"(?P<direction>ahead|behind)"
    )
)
def clock_skew(fido: FidoSession, side: str, direction: str, bench: Bench) -> None:
    margin = bench.fido.skew_margin
    offset = bench.fido.tolerance + (margin if side == "outside" else -margin)
    fido.keys.set_clock_offset(offset if direction == "ahead" else -offset)


@given(parsers.parse('the server lists the operation "{op_id}" as live'))
def operation_live(
    fido: FidoSession, op_id: str, fido_target: FidoTarget, evidence: Evidence
) -> None:
    """Precondition of a scenario that waits for `op_id` to time out."""
    listed = checks.fixture_token(_op(fido, op_id)) in checks.oob_tokens(
        state.listed_operations(fido, evidence)
    )
    fixture_state.require(listed, f"operation {op_id} listed as live", fido_target.hooks)


# --- When ------------------------------------------------------------------------------------


@when("the device gets its credentials")
def get_credentials(fido: FidoSession) -> None:
    fido.get_credentials()


@when("the device gets its out-of-band operations")
def get_oob(fido: FidoSession) -> None:
    fido.get_oob_operations()


@when("the device deletes its credentials")
def delete(fido: FidoSession) -> None:
    fido.delete()


@when("the device renames its dispatch targets")
def rename(fido: FidoSession) -> None:
    """A DispatchTargetUpdate to the device's own fixture name and target: it changes nothing
    (a device with one dispatch target, or targets that share both)."""
    name, target = fido.fixture_target_values()
    fido.modify(protocol.UPDATE, name=name, target=target)


@when(
    parsers.parse(
        'the device updates its dispatch targets with name "{name}" and target "{target}"'
    )
)
def update(fido: FidoSession, name: str, target: str) -> None:
    fido.modify(protocol.UPDATE, name=name, target=target)


@when(parsers.parse('the device deletes its credential "{key_id}" and its dispatch target {n:d}'))
def delete_items(fido: FidoSession, key_id: str, n: int) -> None:
    fido.modify(protocol.DELETE, keyIds=[key_id], dispatchTargetIds=[fido.device.target(n - 1).id])


@when(parsers.parse('the device sends a "{operation}" modification with {fields}'))
def modification(fido: FidoSession, operation: str, fields: str) -> None:
    fido.modify(operation, **json.loads(fields))


@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(
    minutes: int, fido: FidoSession, fido_target: FidoTarget, request: pytest.FixtureRequest
) -> None:
    """Time moves on for the server (its clock hook; set right after the scenario) and for the
    device alike, so the device's signatures stay inside the server's tolerance."""
    request.addfinalizer(lambda: fido_target.hooks.run("clock", offset_ms=0))
    fido_target.hooks.run("clock", offset_ms=minutes * 60_000)
    fido.keys.set_clock_offset(fido.keys.clock_offset + dt.timedelta(minutes=minutes))


@when("the FIDO device's clock is set right")
def clock_right(fido: FidoSession) -> None:
    fido.keys.set_clock_offset(dt.timedelta())


@when(parsers.parse("the device signs with its own dispatch target {n:d} again"))
def own_target(fido: FidoSession, n: int) -> None:
    fido.target = fido.device.target(n - 1)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.parse("the status is {status:d}"))
def status_is(fido: FidoSession, status: int) -> None:
    checks.check_status(fido.last, status)


@then(parsers.re(r"the status is one of (?P<statuses>\d{3}(?:(?:, | or )\d{3})*)"))
def status_one_of(fido: FidoSession, statuses: str, evidence: Evidence) -> None:
    """Where the spec's status tables fit more than one status (e.g. a missing field: "not
    properly formatted", 400, or "not valid", 401), any of them passes; the report says which."""
    checks.check_status_in(fido.last, {int(s) for s in re.findall(r"\d{3}", statuses)})
    evidence.add("status given (of those the spec allows)", str(fido.last.status))


@then("the device's credentials are gone")
def credentials_gone(fido: FidoSession, evidence: Evidence) -> None:
    checks.check_credentials_gone(fido.last, evidence)


@then("the status is the refusal for an unknown device")
def unknown_device(fido: FidoSession, bench: Bench, evidence: Evidence) -> None:
    pinned = bench.fido.unknown_device_status
    allowed = {pinned} if pinned else UNKNOWN_DEVICE_STATUSES
    checks.check_status_in(fido.last, allowed, "FIDO-UNKNOWN-DEVICE")
    evidence.add("status for an unknown deviceId (errata)", str(fido.last.status))


@then("the status is the refusal for an unknown dispatch target")
def unknown_target(fido: FidoSession, evidence: Evidence) -> None:
    checks.check_status_in(fido.last, checks.UNKNOWN_TARGET_STATUSES, "FIDO-GET-401")
    evidence.add("status for an unknown dispatch target", str(fido.last.status))


@then("the answer is a JWE for the signing dispatch target")
def jwe_answer(fido: FidoSession, evidence: Evidence) -> None:
    checks.check_jose_answer(fido.last, evidence)


@then("the answer has no body")
def no_body(fido: FidoSession) -> None:
    checks.check_no_body(fido.last)


@then("the answer says the device signature expired")
def signature_expired(fido: FidoSession) -> None:
    checks.check_signature_expired(fido.last)


@then("the decrypted device has the fields of the spec")
def device_fields(fido: FidoSession, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)


@then("the decrypted device lists the fixture's credentials and dispatch targets")
def device_matches_fixture(fido: FidoSession, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_matches_fixture(payload, fido.device, "FIDO-GET-200")


@then(parsers.parse('every dispatch target is named "{name}" with target "{target}"'))
def all_targets(fido: FidoSession, name: str, target: str, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)
    checks.check_targets_updated(payload, fido.device, name, target, "FIDO-PATCH-204")


@then(parsers.parse('every dispatch target is named "{name}" and keeps its fixture target'))
def renamed_only(fido: FidoSession, name: str, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)
    checks.check_targets_updated(payload, fido.device, name, None, "FIDO-PATCH-PARTIAL")


@then(parsers.parse('every dispatch target has the target "{target}" and keeps its fixture name'))
def retargeted_only(fido: FidoSession, target: str, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)
    checks.check_targets_updated(payload, fido.device, None, target, "FIDO-PATCH-PARTIAL")


@then(parsers.re(r'the credential "(?P<key_id>[^"]+)" is (?P<negation>not )?listed'))
def credential_listed(
    fido: FidoSession, key_id: str, negation: str | None, evidence: Evidence
) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)
    checks.check_credential_listed(payload, key_id, not negation, "FIDO-PATCH-204")


@then(parsers.parse("its dispatch target {n:d} is not listed"))
def target_not_listed(fido: FidoSession, n: int, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last, evidence)
    checks.check_device_payload(payload, fido.device.device_id)
    checks.check_target_not_listed(payload, fido.device.target(n - 1).id, "FIDO-PATCH-204")


def _operations(fido: FidoSession, evidence: Evidence) -> list[dict]:
    payload = checks.check_jose_answer(fido.last, evidence)
    return checks.check_oob_payload(payload, fido.device.device_id, evidence)


@then("the decrypted operations have the fields of the spec")
def oob_fields(fido: FidoSession, evidence: Evidence) -> None:
    _operations(fido, evidence)


@then("the operations listed are exactly the fixture's live ones")
def live_operations(fido: FidoSession, evidence: Evidence, bench: Bench) -> None:
    checks.check_live_operations(
        _operations(fido, evidence), fido.device, fido.keys.now(), bench.fido.skew_margin
    )


@then(parsers.re(r'the operation "(?P<op_id>[^"]+)" is (?P<negation>not )?listed'))
def operation_listed(fido: FidoSession, op_id: str, negation: str | None, evidence: Evidence):
    checks.check_operation_listed(
        _operations(fido, evidence), _op(fido, op_id), not negation, "FIDO-OOB-TIMEOUT"
    )
