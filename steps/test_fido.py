"""Steps of the nevisFIDO Device Service features: the harness plays a mobile device."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.evidence import Evidence
from harness.fido import checks, protocol
from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.session import FidoSession

scenarios("fido")

REFUSALS = set(range(400, 500))
UNKNOWN_DEVICE_STATUSES = {401, 403, 404}


def _device(name: str):
    devices = fido_devices()
    if name not in devices:
        raise KeyError(f"no fixture FIDO device {name!r}; known: {', '.join(devices)}")
    return devices[name]


# --- Given -----------------------------------------------------------------------------------


@given(
    parsers.parse('the FIDO device "{name}" signing with its dispatch target {n:d}'),
    target_fixture="fido",
)
def device_with_target(name: str, n: int, fido_client: FidoClient) -> FidoSession:
    device = _device(name)
    return FidoSession(fido_client, device, device.target(n - 1))


@given(
    parsers.parse('the FIDO device "{name}" signing with the dispatch target of "{other}"'),
    target_fixture="fido",
)
def device_with_foreign_target(name: str, other: str, fido_client: FidoClient) -> FidoSession:
    return FidoSession(fido_client, _device(name), _device(other).target())


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
    fido.overrides[field] = "r" * length


@given(parsers.parse('the payload field "{field}" is left out'))
def field_left_out(fido: FidoSession, field: str) -> None:
    fido.overrides[field] = FidoSession.REMOVE


@given(parsers.re(r'the payload field "(?P<field>[^"]+)" is "(?P<value>[^"]*)"'))
def payload_field(fido: FidoSession, field: str, value: str) -> None:
    fido.overrides[field] = value


@given(parsers.parse('the request names the device id "{device_id}"'))
def other_device_id(fido: FidoSession, device_id: str) -> None:
    fido.device_id = device_id


@given("the Device Service is made to fail its next request")
def next_request_fails(fido_target) -> None:
    fido_target.hooks.run("fault")


@given(parsers.re(r"the device clock runs just (?P<side>inside|outside) the tolerance "
                  r"(?P<direction>ahead|behind)"))  # fmt: skip
def clock_skew(fido: FidoSession, side: str, direction: str, bench: Bench) -> None:
    margin = bench.fido.skew_margin
    offset = bench.fido.tolerance + (margin if side == "outside" else -margin)
    fido.clock.offset = offset if direction == "ahead" else -offset


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
    fido.modify(protocol.UPDATE, name=f"{fido.device.name} renamed")


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
def minutes_pass(minutes: int, fido_target, request: pytest.FixtureRequest) -> None:
    """The server's clock moves on (its clock hook); it is set right after the scenario."""
    request.addfinalizer(lambda: fido_target.hooks.run("clock", offset_ms=0))
    fido_target.hooks.run("clock", offset_ms=minutes * 60_000)


@when("the device clock is set right")
def clock_right(fido: FidoSession) -> None:
    fido.clock.offset = dt.timedelta()


@when(parsers.parse("the device signs with its own dispatch target {n:d} again"))
def own_target(fido: FidoSession, n: int) -> None:
    fido.target = fido.device.target(n - 1)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.parse("the status is {status:d}"))
def status_is(fido: FidoSession, status: int) -> None:
    checks.check_status(fido.last, status)


@then("the status is a refusal")
def refused(fido: FidoSession, evidence: Evidence) -> None:
    checks.check_status_in(fido.last, REFUSALS)
    evidence.add("refusal status", str(fido.last.status))


@then("the status is the refusal for an unknown device")
def unknown_device(fido: FidoSession, bench: Bench, evidence: Evidence) -> None:
    pinned = bench.fido.unknown_device_status
    checks.check_status_in(fido.last, {pinned} if pinned else UNKNOWN_DEVICE_STATUSES)
    evidence.add("status for an unknown deviceId (errata)", str(fido.last.status))


@then("the answer is a JWE for the signing dispatch target")
def jwe_answer(fido: FidoSession) -> None:
    checks.check_jose_answer(fido.last)


@then("the answer has no body")
def no_body(fido: FidoSession) -> None:
    checks.check_no_body(fido.last)


@then("the answer says the device signature expired")
def signature_expired(fido: FidoSession) -> None:
    checks.check_signature_expired(fido.last)


@then("the decrypted device has the fields of the spec")
def device_fields(fido: FidoSession) -> None:
    checks.check_device_payload(checks.check_jose_answer(fido.last), fido.device.device_id)


@then("the decrypted device lists the fixture's credentials and dispatch targets")
def device_matches_fixture(fido: FidoSession) -> None:
    payload = checks.check_jose_answer(fido.last)
    checks.check_device_payload(payload, fido.device.device_id)
    want_creds = {(c["keyId"], c["aaid"]) for c in fido.device.credentials}
    got_creds = {(c["keyId"], c["aaid"]) for c in payload["fidoUafCredentials"]}
    assert got_creds == want_creds, f"credentials {got_creds}, fixture has {want_creds}"
    want = {(t.id, t.name, t.target) for t in fido.device.targets}
    got = {(t["id"], t["name"], t.get("target")) for t in payload["dispatchTargets"]}
    assert got == want, f"dispatch targets {got}, fixture has {want}"


@then(parsers.parse('every dispatch target is named "{name}" with target "{target}"'))
def all_targets(fido: FidoSession, name: str, target: str) -> None:
    payload = checks.check_jose_answer(fido.last)
    seen = {(t["name"], t.get("target")) for t in payload["dispatchTargets"]}
    assert seen == {(name, target)}, f"dispatch targets are {seen}"


@then(parsers.re(r'the credential "(?P<key_id>[^"]+)" is (?P<negation>not )?listed'))
def credential_listed(fido: FidoSession, key_id: str, negation: str | None) -> None:
    payload = checks.check_jose_answer(fido.last)
    listed = key_id in {c["keyId"] for c in payload["fidoUafCredentials"]}
    assert listed != bool(negation), f"credential {key_id} listed: {listed}"


@then(parsers.parse("its dispatch target {n:d} is not listed"))
def target_not_listed(fido: FidoSession, n: int) -> None:
    payload = checks.check_jose_answer(fido.last)
    target_id = fido.device.target(n - 1).id
    assert target_id not in {t["id"] for t in payload["dispatchTargets"]}


@then("the decrypted operations have the fields of the spec")
def oob_fields(fido: FidoSession, evidence: Evidence) -> None:
    payload = checks.check_jose_answer(fido.last)
    checks.check_oob_payload(payload, fido.device.device_id, evidence)


def _token(fido: FidoSession, op_id: str) -> str:
    ops = {op["id"]: op for op in fido.device.oob_operations}
    return ops[op_id]["outOfBandPayload"]["nma_data"]["token"]


def _listed_tokens(fido: FidoSession, evidence: Evidence) -> set[str]:
    payload = checks.check_jose_answer(fido.last)
    return checks.oob_tokens(checks.check_oob_payload(payload, fido.device.device_id, evidence))


@then("the operations listed are exactly the fixture's live ones")
def live_operations(fido: FidoSession, evidence: Evidence) -> None:
    live = {
        _token(fido, op["id"])
        for op in fido.device.oob_operations
        if not op["redeemed"] and op["createdSecondsAgo"] < op["timeoutSeconds"]
    }
    listed = _listed_tokens(fido, evidence)
    assert listed == live, f"listed {sorted(listed)}, live in the fixture {sorted(live)}"


@then(parsers.re(r'the operation "(?P<op_id>[^"]+)" is (?P<negation>not )?listed'))
def operation_listed(fido: FidoSession, op_id: str, negation: str | None, evidence: Evidence):
    listed = _token(fido, op_id) in _listed_tokens(fido, evidence)
    assert listed != bool(negation), f"operation {op_id} listed: {listed}"
