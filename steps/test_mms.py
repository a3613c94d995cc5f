"""Steps of the MMS server-conformance features: the harness plays the device and its MDS."""

from __future__ import annotations

import dataclasses

from pytest_bdd import given, parsers, scenarios, then, when

from harness import fixture_state
from harness.bench import Bench
from harness.clock import SystemClock
from harness.device.identity import fixture_devices
from harness.evidence import Evidence
from harness.mms import checks, protocol
from harness.mms.answers import certificate_field
from harness.mms.client import MmsClient
from harness.mms.session import (
    FIELD_SHAPES,
    PAYLOAD_SHAPES,
    MmsSession,
    fixture_device_signer,
    fixture_signer,
)
from harness.targets import MmsTarget
from harness.verdict import Nonconformance

scenarios("mms")


# --- Given -----------------------------------------------------------------------------------


@given(parsers.parse('the fixture device "{name}"'), target_fixture="mms")
def fixture_device(name: str, mms_client: MmsClient, bench: Bench) -> MmsSession:
    return MmsSession.of_fixture(name, mms_client, bench.mms.mds)


@given("the server still holds the device as unregistered")
def still_unregistered(mms: MmsSession, mms_target: MmsTarget, evidence: Evidence) -> None:
    """Precondition of a registration: the device is as the lab provisioned it (unregistered)."""
    snapshot = mms.snapshot()
    # A server that registered the device in an earlier run may refuse its empty code (-101).
    code = checks.response_code(snapshot.answer, evidence)
    refused_code = code == protocol.ResponseCode.INVALID_DEVICE_CODE
    if not refused_code:
        checks.check_code(snapshot, protocol.ResponseCode.SUCCESS, evidence, "MMS-SNAP-STATUS")
    registered = (
        "true"
        if refused_code
        else checks.boolean_field(snapshot.answer, "isDeviceRegistered", evidence)
    )
    fixture_state.require(
        registered == "false",
        f"{mms.device.identity.serial_number} unregistered (isDeviceRegistered false)",
        mms_target.hooks,
    )


@given(parsers.parse('the envelope is signed with the "{material}" fixture certificate'))
def envelope_signer(mms: MmsSession, material: str) -> None:
    mms.signer = fixture_signer(material)


@given(parsers.parse('the request JWS is mutated by "{mutation}"'))
def mutated(mms: MmsSession, mutation: str) -> None:
    mms.mutation = mutation


@given(parsers.parse('the request is sent under the body key "{key}"'))
def body_key(mms: MmsSession, key: str) -> None:
    mms.body_key = key


@given(parsers.re(r'the request field "(?P<field>[^"]+)" is "(?P<value>[^"]*)"'))
def request_field(mms: MmsSession, field: str, value: str) -> None:
    mms.overrides[field] = value


@given(parsers.parse('the request field "{field}" is sent as {shape}'))
def request_field_shape(mms: MmsSession, field: str, shape: str) -> None:
    mms.overrides[field] = FIELD_SHAPES[shape]


@given(parsers.parse("the request payload is sent as {shape}"))
def payload_shape(mms: MmsSession, shape: str) -> None:
    mms.payload_shape = PAYLOAD_SHAPES[shape]


@given(parsers.parse('the device code is "{code}"'))
def device_code(mms: MmsSession, code: str) -> None:
    mms.device_code = code


@given(parsers.parse('the device presents the device code of "{other}"'))
def other_device_code(mms: MmsSession, other: str) -> None:
    mms.device_code = fixture_devices()[other].device_code


@given(parsers.parse('the MDS reports version "{version}"'))
def mds_version(mms: MmsSession, version: str) -> None:
    mms.mds = dataclasses.replace(mms.mds, version=version)


@given(parsers.parse("the device makes its CSR for a {bits:d}-bit key"))
def csr_bits(mms: MmsSession, bits: int) -> None:
    mms.csr_bits = bits


@given("the device's CSR carries a tampered self-signature")
def csr_tampered(mms: MmsSession) -> None:
    mms.csr_tampered = True


@given(parsers.parse('the digitalId names the serial number "{serial}"'))
def digital_id_serial(mms: MmsSession, serial: str) -> None:
    mms.digital_id_overrides["serialNo"] = serial


@given(
    parsers.parse(
        'the registration\'s {part} is signed by the device through the mutation "{mutation}"'
    )
)
def part_mutated(mms: MmsSession, part: str, mutation: str) -> None:
    mms.sign_part(part, fixture_device_signer(mms.fixture_name), mutation)


@given(parsers.parse('the registration\'s {part} is signed by the fixture device "{other}"'))
def part_signed_by_other(mms: MmsSession, part: str, other: str) -> None:
    mms.sign_part(part, fixture_device_signer(other))


@given("the server is made to fail its next request")
def next_request_fails(mms_target: MmsTarget) -> None:
    mms_target.hooks.run("fault")


# --- When ------------------------------------------------------------------------------------


@when(parsers.parse('the device sends {api} through the mutation "{mutation}"'))
def send_mutated(mms: MmsSession, api: str, mutation: str) -> None:
    mms.send(api, mutation)


@when(parsers.re(r"the device sends (?P<api>msb\w+)$"))
def send(mms: MmsSession, api: str) -> None:
    mms.send(api)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.parse("the response code is {code:d}"))
def response_code_is(mms: MmsSession, code: int, evidence: Evidence) -> None:
    checks.check_code(mms.last, code, evidence)


@then("the response code is -102 and the answer tells no more than the errata allow")
def invalid_device(mms: MmsSession, evidence: Evidence) -> None:
    checks.check_invalid_device(mms.last, evidence)


@then("the answer is a signed envelope from the server")
def signed_envelope(mms: MmsSession, evidence: Evidence) -> None:
    header = checks.check_envelope(mms.last)
    evidence.add("answer header typ as written", repr(header.get("typ")))


@then("the answer echoes the request fields")
def echoes(mms: MmsSession) -> None:
    checks.check_echo(mms.last)


@then(parsers.parse('the answer field "{field}" is {kind}'))
def field_kind(mms: MmsSession, field: str, kind: str, evidence: Evidence) -> None:
    checks.check_field(mms.last.answer, field, kind, evidence)


@then("the answer has these fields:")
def fields_table(mms: MmsSession, datatable: list[list[str]], evidence: Evidence) -> None:
    header, *rows = datatable
    if header != ["field", "kind"]:
        raise ValueError(f"table columns must be field | kind, got {header}")
    failures = []
    for field, kind in rows:
        try:
            checks.check_field(mms.last.answer, field, kind, evidence)
        except Nonconformance as exc:
            failures.append(str(exc))
    if failures:
        raise Nonconformance("; ".join(failures), expected=dict(rows))


@then(parsers.parse('the answer field "{field}" says "{value}"'))
def field_says(mms: MmsSession, field: str, value: str, evidence: Evidence) -> None:
    checks.check_flag(mms.last.answer, field, value, evidence)


@then(parsers.parse('the request is refused as "{case}"'))
def refused_as(mms: MmsSession, case: str, bench: Bench, evidence: Evidence) -> None:
    if checks.refused_over_http(mms.last, case, evidence):
        return
    checks.check_envelope(mms.last)
    if bench.mms.two_part_rotation and checks.two_part_rotation_taken(mms.last, evidence):
        return
    code = checks.check_rejected(mms.last, evidence, bench.mms.pinned_codes.get(case))
    evidence.add(f"code the server gives for {case}", str(code))


@then("the request is refused")
def refused(mms: MmsSession, evidence: Evidence) -> None:
    checks.check_envelope(mms.last)
    code = checks.check_refused(mms.last, evidence)
    evidence.add("code the server gives", str(code))


@then("the answer carries no device data")
def no_device_data(mms: MmsSession, evidence: Evidence) -> None:
    checks.check_no_device_data(mms.last, evidence)


@then("the server time is within the tolerance of the harness clock")
def server_time(mms: MmsSession, bench: Bench) -> None:
    checks.check_server_time(mms.last.answer, SystemClock().now(), bench.mms.time_tolerance)


@then("the snapshot validity is in the future and after the server time")
def snapshot_validity(mms: MmsSession) -> None:
    checks.check_snapshot_validity(mms.last.answer, SystemClock().now())


@then("the snapshot's encryptionCertThumbprint matches the certificate from msbEncryptionCert")
def thumbprint(mms: MmsSession, bench: Bench, evidence: Evidence) -> None:
    cert, form = certificate_field(
        mms.last_of(protocol.ENCRYPTION_CERT).answer, "encryptionCertData"
    )
    snapshot = mms.last_of(protocol.SNAPSHOT).answer
    matched = checks.check_thumbprint(snapshot, cert, list(bench.mms.thumbprint_hashes))
    evidence.add("thumbprint form that matched", f"{matched} (certificate as {form})")


@then("the rotated certificate carries the CSR's public key and chains to the device CA")
def rotated_certificate(mms: MmsSession, bench: Bench) -> None:
    if mms.csr is None:
        raise RuntimeError("no CSR was sent in this scenario")
    answer = mms.last_of(protocol.KEY_ROTATION).answer
    checks.check_rotated_certificate(
        answer, mms.csr, bench.mms.device_ca_chain(), SystemClock().now()
    )


@then("the rotated certificate's notAfter equals keyExpiryTimeStamp")
def rotated_expiry(mms: MmsSession) -> None:
    answer = mms.last_of(protocol.KEY_ROTATION).answer
    cert, _ = certificate_field(answer, "signedDeviceCertificate")
    checks.check_expiry_matches(answer, cert)


@then("the snapshot's keyExpiryTimeStamp equals the rotated certificate's notAfter")
def snapshot_expiry(mms: MmsSession) -> None:
    cert, _ = certificate_field(
        mms.last_of(protocol.KEY_ROTATION).answer, "signedDeviceCertificate"
    )
    checks.check_expiry_matches(mms.last_of(protocol.SNAPSHOT).answer, cert)


@then("the registration answer assigns a device code")
def assigns_code(mms: MmsSession, evidence: Evidence) -> None:
    checks.check_assigned_code(mms.last_of(protocol.REGISTRATION).answer, evidence)


@then(parsers.parse('the assigned device code is not the one "{other}" holds'))
def code_of_its_own(
    mms: MmsSession, other: str, mms_client: MmsClient, bench: Bench, evidence: Evidence
) -> None:
    assigned = checks.check_assigned_code(mms.last_of(protocol.REGISTRATION).answer, evidence)
    snapshot = MmsSession.of_fixture(other, mms_client, bench.mms.mds).snapshot()
    checks.check_code(snapshot, protocol.ResponseCode.SUCCESS, evidence, "MMS-SNAP-STATUS")
    held = snapshot.answer.get("deviceCodeUUID")
    evidence.add(f"device code {other} holds", repr(held))
    checks.check_codes_differ(assigned, held, other)


@then(parsers.parse('the answer field "{field}" equals the assigned device code'))
def equals_assigned_code(mms: MmsSession, field: str, evidence: Evidence) -> None:
    assigned = checks.check_assigned_code(mms.last_of(protocol.REGISTRATION).answer, evidence)
    checks.check_same_code(mms.last.answer, field, assigned)
