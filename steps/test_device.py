"""Steps of the device-conformance features: the harness plays the server and watches the MDS.

The verdicts are in harness/mds/checks.py (what the MDS sends and answers) and
harness/device/checks.py (what the device holds); each names the scenario's requirement.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.device import checks as device_checks
from harness.device.interface import CLOCK_CONTROL
from harness.device.power import NO_POWER_SWITCH
from harness.evidence import Evidence
from harness.mds import checks
from harness.mds.scenario import DeviceScenario
from harness.mms import protocol
from harness.pki.material import fixture_pki
from harness.servers.mms.service import MmsService
from harness.verdict import BenchFault

scenarios("device")


# --- Given -----------------------------------------------------------------------------------


@given(parsers.parse('the next snapshot answer says "{name}" is "{value}"'))
def scripted_snapshot(scripted_mms: MmsService, name: str, value: str) -> None:
    script = scripted_mms.script
    script.snapshot_overrides[name] = value
    script.snapshot_answers = 1


@given(parsers.parse("the MMS writes the encryptionCertThumbprint in {encoding}"))
def thumbprint_encoding(scripted_mms: MmsService, encoding: str) -> None:
    scripted_mms.policy.thumbprint_encoding = encoding


@given(parsers.parse('the MMS signs every answer with the mutation "{mutation}"'))
def spoiled_answers(scripted_mms: MmsService, mutation: str) -> None:
    scripted_mms.script.answer_mutation = mutation


@given(
    parsers.re(
        r"the biometric device's clock runs (?P<amount>\d+) (?P<unit>hours|minutes) "
        r"(?P<direction>ahead|behind)"
    )
)
def device_clock(dev: DeviceScenario, amount: str, unit: str, direction: str) -> None:
    if not dev.owns_device:
        pytest.skip("a vendor MDS owns the device: the bench cannot set its clock")
    if CLOCK_CONTROL not in dev.device.capabilities:
        pytest.skip("this bench device has no clock control")
    offset = dt.timedelta(**{unit: int(amount)})
    dev.device.set_clock_offset(offset if direction == "ahead" else -offset)


# --- When ------------------------------------------------------------------------------------


@when(
    parsers.re(
        r"the MDS has refreshed its snapshot (?P<times>\d+) times?"
        r"(?: within (?P<seconds>\d+) seconds)?$"
    )
)
def refreshed(dev: DeviceScenario, times: str, seconds: str | None) -> None:
    """Wait for more snapshot requests: within `seconds`, else within the validity they renew
    (never longer than the longest wait, so a server policy of hours cannot hang the run)."""
    checks.wait_for_snapshots(
        dev.mms,
        int(times),
        float(seconds) if seconds else None,
        waits=dev.waits,
        requirement=dev.requirement,
    )


@when("the encryption certificate changes on the MMS")
def cert_changes(dev: DeviceScenario) -> None:
    dev.mms.change_encryption_cert(fixture_pki().cert("mosip-encryption-next"))


@when("the device is unplugged")
def unplug(dev: DeviceScenario) -> None:
    if dev.bench_device is None or dev.bench_device.cable is None:
        pytest.skip("this bench cannot unplug its device")
    dev.bench_device.cable.unplug()


@when("the device is plugged in again")
def plug_in(dev: DeviceScenario) -> None:
    if dev.bench_device is None or dev.bench_device.cable is None:
        raise BenchFault("this bench cannot plug its device in again")
    dev.bench_device.cable.plug_in()


@when("the device stops answering")
def wedged(dev: DeviceScenario) -> None:
    if dev.power is None:
        pytest.skip(NO_POWER_SWITCH)
    dev.wedge_device()


@when("the device is power-cycled")
def power_cycled(dev: DeviceScenario) -> None:
    if dev.power is None:
        pytest.skip(NO_POWER_SWITCH)
    dev.power_cycle()


@when("the MMS answers every request with -1001")
def mms_cannot_answer(dev: DeviceScenario) -> None:
    """Its registry fails: every request gets -1001 "Unable to generate response"."""
    dev.mms.registry.available = False


@when(parsers.parse("{seconds:d} seconds pass"))
def seconds_pass(dev: DeviceScenario, seconds: int) -> None:
    """On the scenario's timeline: real seconds, or skipped on an all-emulated bench."""
    dev.clock.sleep(seconds)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.re(r"the MMS received an? (?P<api>msb\w+) request$"))
def received(dev: DeviceScenario, api: str) -> None:
    checks.check_received(dev.mms, api, waits=dev.waits, requirement=dev.requirement)


@then(parsers.re(r"the MMS received (?P<count>\d+) (?P<api>msb\w+) requests?$"))
def received_count(dev: DeviceScenario, count: str, api: str) -> None:
    checks.check_received_count(
        dev.mms, api, int(count), waits=dev.waits, requirement=dev.requirement
    )


@then("every request the MMS received verifies with RS256 and an x5c chained to the vendor root")
def requests_signed(dev: DeviceScenario) -> None:
    checks.check_signed(checks.requests_of(dev.mms), requirement=dev.requirement)


@then("every request the MMS received carries all its fields with their types")
def requests_complete(dev: DeviceScenario) -> None:
    checks.check_fields(checks.requests_of(dev.mms), requirement=dev.requirement)


@then("every timestamp in the requests is ISO 8601 with a zone")
def requests_timestamps(dev: DeviceScenario) -> None:
    checks.check_timestamps(checks.requests_of(dev.mms), requirement=dev.requirement)


@then("no two requests share a uniqueTransactionId")
def unique_ids(dev: DeviceScenario) -> None:
    checks.check_unique_transaction_ids(checks.requests_of(dev.mms), requirement=dev.requirement)


@then("each snapshot was asked for again before the previous one expired")
def refreshed_in_time(dev: DeviceScenario) -> None:
    checks.check_refreshed_in_time(dev.mms, requirement=dev.requirement)


@then("the MMS received a msbKeyRotation request with a CSR for an RSA-2048 key")
def rotation_request(dev: DeviceScenario) -> None:
    checks.check_rotation_csr(dev.mms, dev.original_certificate, requirement=dev.requirement)


def _issued(dev: DeviceScenario) -> x509.Certificate:
    return checks.issued_certificate(
        dev.mms, dev.serial_number, waits=dev.waits, requirement=dev.requirement
    )


@then("the device's certificate is the one the MMS issued")
def device_has_issued(dev: DeviceScenario) -> None:
    """Seen as the device signs (its SBI device info), and in the device itself when the bench
    owns it."""
    issued = _issued(dev)
    checks.check_device_info_signed_by(
        dev.started_sbi(), dev.trust, issued, waits=dev.waits, requirement=dev.requirement
    )
    if dev.owns_device:
        device_checks.check_certificate(
            dev.device, issued, "the certificate the MMS issued", requirement=dev.requirement
        )


@then("device info from the SBI is signed with the issued certificate")
def sbi_signed_by_new_key(dev: DeviceScenario) -> None:
    checks.check_device_info_signed_by(
        dev.started_sbi(), dev.trust, _issued(dev), waits=dev.waits, requirement=dev.requirement
    )


@then(
    "the MMS received a msbDeviceRegistration request whose deviceInfo and digitalId "
    "the device signed"
)
def registration_signed(dev: DeviceScenario) -> None:
    sbi = dev.started_sbi()
    signer = checks.sbi_signer(sbi, dev.trust, waits=dev.waits, requirement=dev.requirement)
    checks.check_registration_signed(dev.mms, dev.trust, signer, requirement=dev.requirement)


@then("the MDS's later snapshot requests carry the device code the MMS assigned")
def later_snapshot_code(dev: DeviceScenario) -> None:
    checks.check_later_snapshots_carry_code(
        dev.mms, dev.serial_number, waits=dev.waits, requirement=dev.requirement
    )


@then(parsers.parse('the SBI reports the device "{status}"'))
def sbi_status(dev: DeviceScenario, status: str) -> None:
    checks.check_device_status(
        dev.started_sbi(), status, waits=dev.waits, requirement=dev.requirement
    )


@then("a capture through the SBI succeeds and the device signed it")
def capture_ok(dev: DeviceScenario) -> None:
    checks.check_capture_signed(
        dev.started_sbi(),
        dev.fixture.purpose,
        dev.trust,
        checks.sbi_signer(
            dev.started_sbi(), dev.trust, waits=dev.waits, requirement=dev.requirement
        ),
        requirement=dev.requirement,
    )


@then(parsers.parse('a capture through the SBI is refused with error "{code}"'))
def capture_refused(dev: DeviceScenario, code: str, bench: Bench, evidence: Evidence) -> None:
    """`code` is the emulated MDS's number; any documented non-zero one passes unless the bench
    pins the numbers (the report says when they differ)."""
    given = checks.check_capture_refused(
        dev.started_sbi(),
        dev.fixture.purpose,
        code,
        exact=bench.mds.exact_error_codes,
        requirement=dev.requirement,
    )
    if given != code:
        evidence.advisory(f'capture refused with errorCode "{given}" (the emulated MDS: "{code}")')


@then(
    parsers.parse("the biometric device's clock is within {seconds:d} seconds of the server time")
)
def clock_adopted(dev: DeviceScenario, seconds: int) -> None:
    """Seen in the time the device signs (a capture's; waiting the settle time for an MDS still
    syncing it), and in the device itself when the bench owns it."""
    _check_device_clock(dev, dt.timedelta(seconds=seconds), dev.waits.settle)


@then(
    parsers.parse(
        "the biometric device's clock is back within {seconds:d} seconds of the server time"
    )
)
def clock_back(dev: DeviceScenario, seconds: int) -> None:
    """After a power loss: however the MDS restores the time (a fresh snapshot, or the offset
    it kept), the device signs the server's time again, within the longest an MDS is given to
    refresh (`[timeouts] longest_wait_s`)."""
    if not dev.power_cycled:
        raise BenchFault("the scenario looks for the time after a power loss it did not cause")
    _check_device_clock(dev, dt.timedelta(seconds=seconds), dev.waits.longest)


def _check_device_clock(dev: DeviceScenario, tolerance: dt.timedelta, within: float) -> None:
    checks.check_signed_clock(
        dev.started_sbi(),
        dev.fixture.purpose,
        dev.trust,
        dev.mms.clock,
        tolerance,
        waits=dev.waits,
        within=within,
        requirement=dev.requirement,
    )
    if dev.owns_device:
        device_checks.check_clock(
            dev.device, dev.mms.clock.now(), tolerance, requirement=dev.requirement
        )


@then("a later snapshot request carries an empty deviceCodeUUID")
def asked_without_code(dev: DeviceScenario) -> None:
    checks.check_reasked_without_code(dev.mms, waits=dev.waits, requirement=dev.requirement)


@then("the device still holds its original certificate")
def original_certificate(dev: DeviceScenario) -> None:
    checks.check_received(
        dev.mms, protocol.KEY_ROTATION, waits=dev.waits, requirement=dev.requirement
    )
    original = dev.original_certificate
    if original is None:
        raise BenchFault("the device's original certificate was never seen")
    checks.check_device_info_signed_by(
        dev.started_sbi(), dev.trust, original, waits=dev.waits, requirement=dev.requirement
    )
    if dev.owns_device:
        device_checks.check_certificate(
            dev.device, original, "its original certificate", requirement=dev.requirement
        )


@then("the device's USB serial-number string equals the serialNumber in the MDS's requests")
def usb_serial(dev: DeviceScenario) -> None:
    link = dev.bench_device.usb_link if dev.bench_device else None
    if link is None:
        pytest.skip("needs a device the bench reaches on USB")
    checks.check_serial_number_sent(dev.mms, link.usb_serial_number, requirement=dev.requirement)
