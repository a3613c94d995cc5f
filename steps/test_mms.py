"""Steps of the MMS server-conformance features: the harness plays the device and its MDS."""

from __future__ import annotations

import dataclasses
import uuid

from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.clock import SystemClock
from harness.device.emulated import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.evidence import Evidence
from harness.jose.jws import Signer
from harness.mms import checks, protocol
from harness.mms.answers import certificate_field, registered_device_code
from harness.mms.client import MmsClient
from harness.mms.session import MmsSession
from harness.pki.material import fixture_pki

scenarios("mms")


def fixture_signer(material: str) -> Signer:
    """An MDS envelope signer from fixture material: its key, its certificate in x5c."""
    pki = fixture_pki()
    return Signer(pki.key(material), (pki.cert(material),))


# --- Given -----------------------------------------------------------------------------------


@given(parsers.parse('the fixture device "{name}"'), target_fixture="mms")
def fixture_device(name: str, mms_client: MmsClient, bench: Bench) -> MmsSession:
    devices = fixture_devices()
    if name not in devices:
        raise KeyError(f"no fixture device {name!r}; known: {', '.join(devices)}")
    device = EmulatedDevice(devices[name])
    signer = fixture_signer("mds-signing")
    return MmsSession(mms_client, device, signer, bench.mms.mds, devices[name].device_code)


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


@given(parsers.parse('the device code is "{code}"'))
def device_code(mms: MmsSession, code: str) -> None:
    mms.device_code = code


@given(parsers.parse('the MDS reports version "{version}"'))
def mds_version(mms: MmsSession, version: str) -> None:
    mms.mds = dataclasses.replace(mms.mds, version=version)


@given(parsers.parse("the device makes its CSR for a {bits:d}-bit key"))
def csr_bits(mms: MmsSession, bits: int) -> None:
    mms.csr_bits = bits


@given(parsers.parse('the digitalId names the serial number "{serial}"'))
def digital_id_serial(mms: MmsSession, serial: str) -> None:
    mms.digital_id_overrides["serialNo"] = serial


@given("the server is made to fail its next request")
def next_request_fails(mms_target) -> None:
    mms_target.hooks.run("fault")


# --- When ------------------------------------------------------------------------------------


@when(parsers.parse("the device sends {api}"))
def send(mms: MmsSession, api: str) -> None:
    mms.send(api)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.parse("the response code is {code:d}"))
def response_code_is(mms: MmsSession, code: int, evidence: Evidence) -> None:
    checks.check_code(mms.last, code, evidence)


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
    assert header == ["field", "kind"], f"table columns must be field | kind, got {header}"
    failures = []
    for field, kind in rows:
        try:
            checks.check_field(mms.last.answer, field, kind, evidence)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "; ".join(failures)


@then(parsers.parse('the answer field "{field}" says "{value}"'))
def field_says(mms: MmsSession, field: str, value: str, evidence: Evidence) -> None:
    checks.check_flag(mms.last.answer, field, value, evidence)


@then(parsers.parse('the request is refused as "{case}"'))
def refused(mms: MmsSession, case: str, bench: Bench, evidence: Evidence) -> None:
    checks.check_envelope(mms.last)
    if _two_part_rotation_allowed(mms, bench, evidence):
        return
    code = checks.check_rejected(mms.last, evidence, bench.mms.pinned_codes.get(case))
    evidence.add(f"code the server gives for {case}", str(code))


def _two_part_rotation_allowed(mms: MmsSession, bench: Bench, evidence: Evidence) -> bool:
    """True when the server took msbKeyRotation's two-part form and the bench allows that."""
    two_part_rotation = mms.mutation == "two-part form" and mms.last.api == protocol.KEY_ROTATION
    if not (bench.mms.two_part_rotation and two_part_rotation):
        return False
    if checks.response_code(mms.last.answer, evidence) != protocol.ResponseCode.SUCCESS:
        return False  # refused: the usual check follows
    evidence.advisory(
        "msbKeyRotation was accepted in the two-part payload.signature form its section shows "
        "(allowed by this bench; DESIGN errata expect three parts)"
    )
    return True


@then("the answer carries no device data")
def no_device_data(mms: MmsSession) -> None:
    checks.check_no_device_data(mms.last)


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
    algorithm = checks.check_thumbprint(snapshot, cert, list(bench.mms.thumbprint_hashes))
    evidence.add("thumbprint form that matched", f"{algorithm} over DER (certificate as {form})")


@then("the rotated certificate carries the CSR's public key and chains to the device CA")
def rotated_certificate(mms: MmsSession, bench: Bench) -> None:
    assert mms.csr is not None, "no CSR was sent in this scenario"
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
    code, where = registered_device_code(mms.last_of(protocol.REGISTRATION).answer)
    evidence.add("device code found at", where)
    assert code, "the assigned device code is empty"
    try:
        uuid.UUID(code)
    except ValueError:
        evidence.advisory(f"device code {code!r} is not a UUID (the field is deviceCodeUUID)")


@then(parsers.parse('the answer field "{field}" equals the assigned device code'))
def equals_assigned_code(mms: MmsSession, field: str) -> None:
    code, _ = registered_device_code(mms.last_of(protocol.REGISTRATION).answer)
    got = mms.last.answer.get(field)
    assert got == code, f"{field} is {got!r}, the registration assigned {code!r}"
