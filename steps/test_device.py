"""Steps of the device-conformance features: the harness plays the server and watches the MDS."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from dataclasses import dataclass, field

import pytest
from cryptography import x509
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.clock import parse_iso
from harness.device.connect import BenchDevice, connect
from harness.device.identity import DeviceIdentity, fixture_devices
from harness.device.interface import CLOCK_CONTROL
from harness.evidence import Evidence
from harness.jose.jws import Signer, verify
from harness.mds.sbi_client import SbiClient
from harness.mds.service import MdsConfig
from harness.mds.under_test import MdsUnderTest
from harness.mms import protocol
from harness.mms.protocol import CERTIFICATION_LEVELS, ResponseCode
from harness.pki import certs
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.report.records import ENVIRONMENT
from harness.servers.mms.registry import DeviceRecord
from harness.servers.mms.service import MmsService, RecordedRequest

scenarios("device")

BIO_TYPES = ("Finger", "Iris", "Face")
PURPOSES = ("Auth", "Registration")
MAX_WAIT = 60.0  # seconds: the longest any step waits for the MDS to act
SETTLE = 5.0  # seconds an MDS gets to finish acting on an answer before a check reads its state


@dataclass
class DeviceScenario:
    """One device scenario: the bench device, the reference MMS, and the MDS under test."""

    bench_device: BenchDevice
    fixture: DeviceIdentity
    mms: MmsService
    mds: MdsUnderTest
    original_certificate: x509.Certificate
    sbi: SbiClient | None = None
    waits: list[str] = field(default_factory=list)

    def records(self, api: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.mms.recorded if api is None or r.api == api]


def _mms(mms_target) -> MmsService:
    if mms_target.embedded is None:
        pytest.skip("device scenarios need the embedded reference MMS to play the server")
    return mms_target.embedded


def _wait_until(condition, seconds: float, what: str) -> None:
    if not _settles(condition, seconds):
        raise AssertionError(f"{what}: not within {seconds:.0f}s")


def _settles(condition, seconds: float = SETTLE) -> bool:
    """Whether `condition` becomes true within `seconds` (the MDS works in its own threads)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- Given -----------------------------------------------------------------------------------


@given(parsers.parse("the MMS grants snapshots valid for {seconds:d} seconds"))
def snapshot_validity(mms_target, scripted_mms, seconds: int) -> None:
    _mms(mms_target).policy.snapshot_validity = dt.timedelta(seconds=seconds)


@given(parsers.parse('the next snapshot answer says "{name}" is "{value}"'))
def scripted_snapshot(mms_target, scripted_mms, name: str, value: str) -> None:
    script = _mms(mms_target).script
    script.snapshot_overrides[name] = value
    script.snapshot_answers = 1


@given(parsers.parse("the MMS answers the next {api} with {code:d}"))
def scripted_code(mms_target, scripted_mms, api: str, code: int) -> None:
    _mms(mms_target).script.forced_codes[api] = ResponseCode(code)


@given(parsers.parse("the bench device is a {purpose} device"))
def bench_purpose(dev: DeviceScenario, purpose: str) -> None:
    """A scenario about one purpose skips on a real device of another."""
    actual = dev.bench_device.device.identity.purpose
    if actual != purpose:
        pytest.skip(f"needs a {purpose} device; the bench device's purpose is {actual}")


@given(parsers.parse('the bench device as "{name}"'), target_fixture="dev")
def bench_device(
    name: str,
    device_transport: str,
    bench: Bench,
    mms_target,
    scripted_mms,
    evidence: Evidence,
    request: pytest.FixtureRequest,
) -> DeviceScenario:
    mms = _mms(mms_target)
    fixture = fixture_devices()[name]
    opened = connect(device_transport, fixture, evidence, bench.device.timeout)
    request.addfinalizer(opened.close)
    info = opened.device.identity
    if opened.real:
        _enroll(mms, opened, fixture, bench)
    pki = fixture_pki()
    config = MdsConfig(
        mms_url=mms_target.url,
        server_trust=mms_target.server_trust,
        signer=Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),)),
        info=bench.mms.mds,
    )
    mds = MdsUnderTest(
        opened.device, config, evidence, fixture.device_code, bench.device.mds(),
        bench.device.mds_sbi_url, bench.device.mds_launch,
    )  # fmt: skip
    request.addfinalizer(mds.stop)
    request.node.user_properties.append((
        ENVIRONMENT,
        f"device.{device_transport}.{info.serial_number}="
        f"{info.make} {info.model_id}, firmware {info.firmware}",
    ))  # fmt: skip
    return DeviceScenario(opened, fixture, mms, mds, opened.device.certificate)


def _enroll(mms: MmsService, opened: BenchDevice, fixture: DeviceIdentity, bench: Bench) -> None:
    """A real device joins the reference MMS with the server state of the fixture it plays."""
    info, now = opened.device.identity, dt.datetime.now(dt.UTC)
    state = fixture.server
    key_days = state.get("keyExpiresInDays")
    mms.registry.enroll(
        DeviceRecord(
            info.serial_number, info.model_id, info.provider_id, info.bio_type, info.purpose,
            bool(state.get("whitelisted")), None, state.get("deviceCodeUUID"),
            now + dt.timedelta(days=key_days) if key_days is not None else None,
        )
    )  # fmt: skip
    anchors = bench.device.extra_device_anchors()
    if anchors:
        trust = TrustStore([*mms.material.device_trust.anchors, *anchors])
        mms.material = type(mms.material)(**{**mms.material.__dict__, "device_trust": trust})


@given(parsers.re(r"the device clock runs (?P<amount>\d+) (?P<unit>hours|minutes) "
                  r"(?P<direction>ahead|behind)"))  # fmt: skip
def device_clock(dev: DeviceScenario, amount: str, unit: str, direction: str) -> None:
    if CLOCK_CONTROL not in dev.bench_device.device.capabilities:
        pytest.skip("this bench device has no clock control")
    offset = dt.timedelta(**{unit: int(amount)})
    dev.bench_device.device.set_clock_offset(offset if direction == "ahead" else -offset)


# --- When ------------------------------------------------------------------------------------


@when("the MDS starts")
def mds_starts(dev: DeviceScenario, request: pytest.FixtureRequest) -> None:
    if dev.mds.vendor and not dev.mds.launch:
        pytest.skip("the bench cannot start the vendor MDS: give --mds-launch")
    dev.sbi = dev.mds.start()
    service_version = dev.sbi.discover()[0].get("serviceVersion", "?")
    request.node.user_properties.append((ENVIRONMENT, f"mds.version={service_version}"))


@when(
    parsers.re(
        r"the MDS has refreshed its snapshot (?P<times>\d+) times?"
        r"(?: within (?P<seconds>\d+) seconds)?$"
    )
)
def refreshed(dev: DeviceScenario, times: str, seconds: str | None) -> None:
    """Wait for more snapshot requests: within `seconds`, else within the validity they renew
    (never longer than MAX_WAIT, so a server policy of hours cannot hang the run)."""
    target = len(dev.records(protocol.SNAPSHOT)) + int(times)
    validity = dev.mms.policy.snapshot_validity.total_seconds()
    limit = float(seconds) if seconds else min(validity * int(times) + 5, MAX_WAIT)
    _wait_until(
        lambda: len(dev.records(protocol.SNAPSHOT)) >= target,
        limit,
        f"{times} more snapshot requests",
    )


@when("the encryption certificate changes on the MMS")
def cert_changes(dev: DeviceScenario) -> None:
    dev.mms.change_encryption_cert(fixture_pki().cert("mosip-encryption-next"))


@when("the device is unplugged")
def unplug(dev: DeviceScenario) -> None:
    if dev.bench_device.cable is None:
        pytest.skip("this bench cannot unplug its device")
    dev.bench_device.cable.unplug()


@when("the device is plugged in again")
def plug_in(dev: DeviceScenario) -> None:
    assert dev.bench_device.cable is not None
    dev.bench_device.cable.plug_in()


@when("the MMS stops answering")
def mms_down(dev: DeviceScenario) -> None:
    dev.mms.registry.available = False


@when(parsers.parse("{seconds:d} seconds pass"))
def seconds_pass(seconds: int) -> None:
    time.sleep(seconds)


# --- Then ------------------------------------------------------------------------------------


@then(parsers.re(r"the MMS received an? (?P<api>msb\w+) request$"))
def received(dev: DeviceScenario, api: str) -> None:
    assert _settles(lambda: bool(dev.records(api))), f"the MMS received no {api} request"


@then(parsers.re(r"the MMS received (?P<count>\d+) (?P<api>msb\w+) requests?$"))
def received_count(dev: DeviceScenario, count: str, api: str) -> None:
    _settles(lambda: len(dev.records(api)) >= int(count))
    got = len(dev.records(api))
    assert got == int(count), f"the MMS received {got} {api} requests, expected {count}"


@then("every request the MMS received verifies with RS256 and an x5c chained to the vendor root")
def requests_signed(dev: DeviceScenario) -> None:
    bad = [(r.api, r.problem) for r in dev.records() if r.problem or r.payload is None]
    assert not bad, f"requests the MMS could not verify: {bad}"
    assert all(r.header and r.header.get("alg") == "RS256" for r in dev.records())


@then("every request the MMS received carries all its fields with their types")
def requests_complete(dev: DeviceScenario) -> None:
    problems = []
    for r in dev.records():
        payload = r.payload or {}
        missing = [f for f in protocol.REQUEST_FIELDS[r.api] if f not in payload]
        untyped = [f for f in protocol.REQUEST_FIELDS[r.api] if not isinstance(payload.get(f), str)]
        if missing or untyped:
            problems.append(f"{r.api}: missing {missing}, not strings {untyped}")
        for name, allowed in (("certificationLevel", CERTIFICATION_LEVELS),
                              ("bioType", BIO_TYPES), ("devicePurpose", PURPOSES)):  # fmt: skip
            if payload.get(name) not in allowed:
                problems.append(f"{r.api}: {name} {payload.get(name)!r} not in {allowed}")
    assert not problems, "; ".join(problems)


@then("every timestamp in the requests is ISO 8601 with a zone")
def requests_timestamps(dev: DeviceScenario) -> None:
    for r in dev.records():
        parse_iso((r.payload or {}).get("timeStamp"))


@then("no two requests share a uniqueTransactionId")
def unique_ids(dev: DeviceScenario) -> None:
    ids = [(r.payload or {}).get("uniqueTransactionId") for r in dev.records()]
    repeated = {i for i in ids if ids.count(i) > 1}
    assert not repeated, f"transaction ids used more than once: {repeated}"


@then("each snapshot was asked for again before the previous one expired")
def refreshed_in_time(dev: DeviceScenario) -> None:
    snapshots = [r for r in dev.records(protocol.SNAPSHOT) if r.response_code == 0]
    assert len(snapshots) >= 3, f"only {len(snapshots)} snapshots were answered"
    for earlier, later in itertools.pairwise(snapshots):
        validity = parse_iso(earlier.answer["snapshotValidity"])
        assert later.received_at < validity, (
            f"snapshot asked for at {later.received_at}, the previous expired at {validity}"
        )


@then("the MMS received a msbKeyRotation request with a CSR for an RSA-2048 key")
def rotation_request(dev: DeviceScenario) -> None:
    (record, *_) = dev.records(protocol.KEY_ROTATION) or [None]
    assert record is not None and record.payload, "the MMS received no key rotation request"
    csr, _ = certs.load_csr(record.payload["csrData"])
    assert csr.is_signature_valid, "the CSR's signature does not verify"
    assert csr.public_key().key_size == 2048, f"CSR key has {csr.public_key().key_size} bits"
    assert not certs.same_public_key(csr.public_key(), dev.original_certificate.public_key())


def _issued(dev: DeviceScenario) -> x509.Certificate:
    issued = dev.mms.registry.certificates(dev.bench_device.device.identity.serial_number)
    assert issued, "the MMS issued no certificate"
    return issued[-1]


@then("the device's certificate is the one the MMS issued")
def device_has_issued(dev: DeviceScenario) -> None:
    assert dev.bench_device.device.certificate == _issued(dev)


@then("device info from the SBI is signed with the issued certificate")
def sbi_signed_by_new_key(dev: DeviceScenario) -> None:
    assert dev.sbi is not None
    token = dev.sbi.device_info()[0]["deviceInfo"]
    verified = verify(token, dev.mms.material.device_trust, dt.datetime.now(dt.UTC))
    assert verified.signer == _issued(dev), "device info is not signed by the issued certificate"


@then(
    "the MMS received a msbDeviceRegistration request whose deviceInfo and digitalId "
    "the device signed"
)
def registration_signed(dev: DeviceScenario) -> None:
    records = [r for r in dev.records(protocol.REGISTRATION) if r.payload]
    assert records, "the MMS received no registration request"
    request = json.loads(records[0].payload["deviceRegistrationRequest"])
    trust, now = dev.mms.material.device_trust, dt.datetime.now(dt.UTC)
    info = verify(request["deviceData"]["deviceInfo"], trust, now)
    digital = verify(info.payload["digitalId"], trust, now)
    device_cert = dev.bench_device.device.certificate
    assert info.signer == device_cert and digital.signer == device_cert


@then("the MDS's later snapshot requests carry the device code the MMS assigned")
def later_snapshot_code(dev: DeviceScenario) -> None:
    record = dev.mms.registry.get(dev.bench_device.device.identity.serial_number)
    assert record and record.device_code, "the MMS holds no device code for the device"
    registered_at = dev.records(protocol.REGISTRATION)[0].received_at
    later = [r for r in dev.records(protocol.SNAPSHOT) if r.received_at > registered_at]
    assert later, "no snapshot request after the registration"
    codes = {(r.payload or {}).get("deviceCodeUUID") for r in later}
    assert codes == {record.device_code}, f"later snapshots carried {codes}"


@then(parsers.parse('the SBI reports the device "{status}"'))
def sbi_status(dev: DeviceScenario, status: str) -> None:
    sbi = dev.sbi
    assert sbi is not None
    _settles(lambda: sbi.discover()[0]["deviceStatus"] == status)
    got = sbi.discover()[0]["deviceStatus"]
    assert got == status, f"SBI deviceStatus is {got!r}, expected {status!r}"


@then("a capture through the SBI succeeds and the device signed it")
def capture_ok(dev: DeviceScenario) -> None:
    assert dev.sbi is not None
    entry = dev.sbi.capture(registration=dev.fixture.purpose == "Registration")["biometrics"][0]
    assert entry["error"]["errorCode"] == "0", f"capture refused: {entry['error']}"
    verified = verify(entry["data"], dev.mms.material.device_trust, dt.datetime.now(dt.UTC))
    assert verified.signer == dev.bench_device.device.certificate


@then(parsers.parse('a capture through the SBI is refused with error "{code}"'))
def capture_refused(dev: DeviceScenario, code: str) -> None:
    assert dev.sbi is not None
    entry = dev.sbi.capture(registration=dev.fixture.purpose == "Registration")["biometrics"][0]
    assert "data" not in entry, "the MDS captured anyway"
    assert entry["error"]["errorCode"] == code, f"capture answered {entry['error']}"


@then(parsers.parse("the device clock is within {seconds:d} seconds of the server time"))
def clock_adopted(dev: DeviceScenario, seconds: int) -> None:
    drift = abs(dev.bench_device.device.now() - dt.datetime.now(dt.UTC))
    assert drift <= dt.timedelta(seconds=seconds), f"device clock is {drift} off the server's"


@then("a later snapshot request carries an empty deviceCodeUUID")
def asked_without_code(dev: DeviceScenario) -> None:
    first, *later = dev.records(protocol.SNAPSHOT)
    assert first.response_code == ResponseCode.INVALID_DEVICE_CODE
    assert any((r.payload or {}).get("deviceCodeUUID") == "" for r in later)


@then("the device still holds its original certificate")
def original_certificate(dev: DeviceScenario) -> None:
    assert dev.records(protocol.KEY_ROTATION), "the MDS did not ask for a rotation"
    assert dev.bench_device.device.certificate == dev.original_certificate


@then("the device's USB serial-number string equals the serialNumber in the MDS's requests")
def usb_serial(dev: DeviceScenario) -> None:
    link = dev.bench_device.usb_link
    assert link is not None, "the bench device is not on USB"
    sent = {(r.payload or {}).get("serialNumber") for r in dev.records()}
    assert sent == {link.usb_serial_number}, f"USB says {link.usb_serial_number!r}, MDS sent {sent}"
