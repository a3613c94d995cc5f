"""One Device interface, three transports: the emulated device in memory, its firmware on a real
pty through pyserial, and on the emulated USB bus through the real pyusb core; the emulated
device's power switch and a lab's power hook; the labgrid transport's spec and its port URL."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import usb.core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from harness.device import framing
from harness.device.connect import (
    EMULATED_PID,
    EMULATED_VID,
    BenchDevice,
    Transport,
    TransportSpecError,
    check_transport,
    connect,
)
from harness.device.emulator.device import POWER_ON_TIME, EmulatedDevice
from harness.device.emulator.firmware import Firmware, FirmwareSession
from harness.device.emulator.pty_host import PtyHost
from harness.device.emulator.usb_backend import EmulatedGadget, EmulatedUsbBackend
from harness.device.framed import FramedDevice
from harness.device.identity import fixture_devices
from harness.device.interface import (
    CLOCK_CONTROL,
    FIDO_CLIENT,
    FIDO_TARGETS,
    JWE_PLAINTEXT,
    Device,
    DeviceDisconnected,
    DeviceRefused,
    DeviceTimeout,
    FidoCallResult,
)
from harness.device.labgrid_place import NetworkSerialPort, held_place
from harness.device.power import PowerHook
from harness.device.serial_link import SerialLink
from harness.device.usb_link import UsbLink
from harness.evidence import Evidence
from harness.fido.fixtures import fido_devices
from harness.hooks import Hook
from harness.jose.jwe import encrypt
from harness.pki import certs
from harness.pki.material import fixture_pki
from harness.verdict import BenchFault

FINGER = fixture_devices()["finger-auth"]
FIXTURE_TARGETS = [t for d in fido_devices().values() for t in d.targets]
ALICE = FIXTURE_TARGETS[0]


@pytest.fixture(params=["memory", "pty", "usb"])
def bench(request: pytest.FixtureRequest) -> Iterator[BenchDevice]:
    opened = connect(request.param, FINGER, Evidence(), timeout=2.0)
    yield opened
    opened.close()


@pytest.fixture(params=["memory", "pty", "usb"])
def sealed(request: pytest.FixtureRequest) -> Iterator[BenchDevice]:
    """A sealed emulated device: it never gives a JWE plaintext back."""
    opened = connect(request.param, FINGER, Evidence(), timeout=2.0, sealed=True)
    yield opened
    opened.close()


@pytest.fixture(params=["pty", "usb"])
def wired(request: pytest.FixtureRequest) -> Iterator[BenchDevice]:
    """An emulated device behind a transport, with the firmware and cable reachable."""
    opened = connect(request.param, FINGER, Evidence(), timeout=0.5)
    assert isinstance(opened.device, FramedDevice)
    opened.device.boot_timeout = 3.0
    yield opened
    opened.close()


def _issue(csr: x509.CertificateSigningRequest) -> x509.Certificate:
    """A certificate for the CSR's key from the fixture device CA (as an MMS would issue)."""
    pki, now = fixture_pki(), dt.datetime.now(dt.UTC)
    ca = pki.cert("device-ca")
    return certs.issue_certificate(
        subject=csr.subject,
        public_key=csr.public_key(),
        issuer=ca.subject,
        issuer_key=pki.key("device-ca"),
        not_before=now,
        not_after=now + dt.timedelta(days=30),
        ca=False,
    )


# --- same behaviour on every transport ------------------------------------------------------


def test_identity_is_the_fixture_devices(bench: BenchDevice) -> None:
    info = bench.device.identity
    assert info.serial_number == FINGER.serial_number
    assert (info.make, info.model_id, info.bio_type) == (FINGER.make, FINGER.model_id, "Finger")
    assert info.firmware == FINGER.firmware


def test_signature_verifies_with_the_device_certificate(bench: BenchDevice) -> None:
    data = b"bioharness sign test"
    signature = bench.device.sign_bytes(data)
    public = bench.device.certificate.public_key()
    public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    chain = bench.device.certificate_chain()
    assert chain[1] == fixture_pki().cert("device-ca")


def test_csr_then_install_switches_to_the_new_key(bench: BenchDevice) -> None:
    original = bench.device.certificate
    csr = bench.device.create_csr()
    assert csr.is_signature_valid and csr.public_key().key_size == 2048
    issued = _issue(csr)
    bench.device.install_certificate(issued)
    assert bench.device.certificate == issued != original
    signature = bench.device.sign_bytes(b"x")
    issued.public_key().verify(signature, b"x", padding.PKCS1v15(), hashes.SHA256())


def test_installing_a_certificate_for_another_key_is_refused(bench: BenchDevice) -> None:
    bench.device.create_csr()
    foreign = fixture_pki().cert("device-iris-registration")
    with pytest.raises(DeviceRefused, match="pending key"):
        bench.device.install_certificate(foreign)


def test_a_refused_command_is_device_refused_on_every_transport(bench: BenchDevice) -> None:
    """Code driving a Device sees the same exception, emulated in memory or over a link."""
    with pytest.raises(DeviceRefused, match="no key is pending"):
        bench.device.install_certificate(bench.device.certificate)
    with pytest.raises(DeviceRefused, match="at least 1024"):
        bench.device.create_csr(bits=512)


def test_clock_offset_moves_the_device_clock(bench: BenchDevice) -> None:
    bench.device.set_clock_offset(dt.timedelta(hours=-2))
    drift = bench.device.now() - dt.datetime.now(dt.UTC)
    assert abs(drift + dt.timedelta(hours=2)) < dt.timedelta(seconds=5)


def test_capture_returns_a_sample_and_its_hash(bench: BenchDevice) -> None:
    sample = bench.device.capture()
    assert sample["bioType"] == "Finger"
    assert hashlib.sha256(base64.b64decode(sample["data"])).hexdigest() == sample["hash"]


def test_reboot_returns_and_loses_the_pending_key(bench: BenchDevice) -> None:
    csr = bench.device.create_csr()
    bench.device.reboot()
    assert bench.device.identity.serial_number == FINGER.serial_number
    with pytest.raises(DeviceRefused, match="no key is pending"):
        bench.device.install_certificate(_issue(csr))


# --- FIDO dispatch targets on every transport -----------------------------------------------


def test_the_device_holds_the_fixture_dispatch_targets(bench: BenchDevice) -> None:
    held = bench.device.dispatch_targets()
    assert [t.id for t in held] == [t.id for t in FIXTURE_TARGETS]
    pki = fixture_pki()
    for keys, fixture in zip(held, FIXTURE_TARGETS, strict=True):
        signature, encryption = (
            pki.key(f"{fixture.pki}-{use}") for use in ("signature", "encryption")
        )
        assert certs.same_public_key(keys.signature_key, signature.public_key())
        assert certs.same_public_key(keys.encryption_key, encryption.public_key())


def test_a_target_signature_verifies_with_the_fixture_key(bench: BenchDevice) -> None:
    data = b"bioharness target sign test"
    signature = bench.device.sign_as_target(ALICE.id, data)
    public = fixture_pki().key(f"{ALICE.pki}-signature").public_key()
    public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def test_a_jwe_for_a_target_opens_on_the_device(bench: BenchDevice) -> None:
    (keys,) = [t for t in bench.device.dispatch_targets() if t.id == ALICE.id]
    token = encrypt({"deviceId": "d", "fidoUafCredentials": []}, keys.encryption_key)
    assert bench.device.open_jwe(ALICE.id, token) == b'{"deviceId": "d", "fidoUafCredentials": []}'


def test_what_the_device_cannot_do_for_a_target_is_refused(bench: BenchDevice) -> None:
    other = FIXTURE_TARGETS[1]
    token = encrypt({"a": 1}, fixture_pki().key(f"{ALICE.pki}-encryption").public_key())
    with pytest.raises(DeviceRefused, match="no dispatch target 'no-such-target'"):
        bench.device.sign_as_target("no-such-target", b"x")
    with pytest.raises(DeviceRefused, match="no dispatch target 'no-such-target'"):
        bench.device.open_jwe("no-such-target", token)
    with pytest.raises(DeviceRefused, match="cannot decrypt"):
        bench.device.open_jwe(other.id, token)  # addressed to another target's key
    with pytest.raises(DeviceRefused, match="cannot decrypt"):
        bench.device.open_jwe(ALICE.id, "not.a.jwe")


def test_a_sealed_device_never_gives_a_plaintext_back(sealed: BenchDevice) -> None:
    assert sealed.device.capabilities == {CLOCK_CONTROL, FIDO_TARGETS, FIDO_CLIENT}
    token = encrypt({"a": 1}, fixture_pki().key(f"{ALICE.pki}-encryption").public_key())
    with pytest.raises(DeviceRefused, match="sealed"):
        sealed.device.open_jwe(ALICE.id, token)
    data = b"still signs"
    fixture_pki().key(f"{ALICE.pki}-signature").public_key().verify(
        sealed.device.sign_as_target(ALICE.id, data), data, padding.PKCS1v15(), hashes.SHA256()
    )


class PlainDevice(EmulatedDevice):
    """A device with neither dispatch targets nor a FIDO client: the interface's defaults."""

    capabilities = frozenset({CLOCK_CONTROL})
    dispatch_targets = Device.dispatch_targets
    sign_as_target = Device.sign_as_target
    open_jwe = Device.open_jwe
    fido_call = Device.fido_call


def test_a_device_without_targets_or_client_refuses_them() -> None:
    with PtyHost(Firmware(PlainDevice(FINGER))) as host:
        device = FramedDevice(SerialLink(host.port), 2.0)
        try:
            with pytest.raises(DeviceRefused, match="holds no dispatch targets"):
                device.dispatch_targets()
            with pytest.raises(DeviceRefused, match="holds no dispatch targets"):
                device.sign_as_target(ALICE.id, b"x")
            with pytest.raises(DeviceRefused, match="has no FIDO client"):
                device.fido_call("get_credentials", "http://127.0.0.1:9", "d", ALICE.id)
        finally:
            device.close()


class SlowClient:
    """A FIDO client that takes a second, as one waiting on a slow Device Service would."""

    def __init__(self, device: Device) -> None:
        self.device = device

    def call(self, operation: str, *args: str, **fields: Any) -> FidoCallResult:
        time.sleep(1.0)
        return FidoCallResult(204, 1, None, None)


def test_fido_call_gets_longer_than_other_commands_and_stays_bounded() -> None:
    opened = connect("pty", FINGER, Evidence(), timeout=0.5, fido_client_factory=SlowClient)
    device = opened.device
    assert isinstance(device, FramedDevice)
    try:
        result = device.fido_call("update_targets", "http://x", "d", ALICE.id, name="n")
        assert result == FidoCallResult(204, 1, None, None)
        device.fido_timeout = 0.3
        with pytest.raises(DeviceTimeout, match=r"FIDO_CALL: no answer within 0\.3s"):
            device.fido_call("update_targets", "http://x", "d", ALICE.id, name="n")
    finally:
        opened.close()


# --- faults on the wire ---------------------------------------------------------------------


def test_a_hung_device_times_out(wired: BenchDevice) -> None:
    assert wired.firmware is not None
    wired.firmware.hung = True
    with pytest.raises(DeviceTimeout, match=r"INFO: no answer within 0\.5s"):
        wired.device.identity  # noqa: B018 - the call is the test
    wired.firmware.hung = False
    assert wired.device.identity.serial_number == FINGER.serial_number


def test_a_device_that_never_comes_back_from_reboot_times_out(wired: BenchDevice) -> None:
    assert wired.firmware is not None and isinstance(wired.device, FramedDevice)
    wired.firmware.boot_seconds = 60
    wired.device.boot_timeout = 1.0
    with pytest.raises(DeviceTimeout, match="after a reboot"):
        wired.device.reboot()


def test_unplug_is_a_clear_error_and_replug_reconnects(wired: BenchDevice) -> None:
    assert wired.cable is not None
    wired.cable.unplug()
    with pytest.raises(DeviceDisconnected):
        wired.device.capture()
    wired.cable.plug_in()
    assert wired.device.identity.serial_number == FINGER.serial_number


def test_every_frame_is_in_the_transcript(wired: BenchDevice) -> None:
    assert isinstance(wired.device, FramedDevice)
    wired.device.capture()
    sent, answered = wired.device.transcript[-2:]
    assert sent.startswith('> {"seq"') and '"cmd":"CAPTURE"' in sent
    assert answered.startswith('< {"seq"') and '"ok":true' in answered
    evidence = wired.device.evidence.items[-1]
    assert evidence.name == "device CAPTURE" and evidence.body == f"{sent}\n{answered}"


def test_identity_is_asked_once_per_boot(wired: BenchDevice) -> None:
    device = wired.device
    assert isinstance(device, FramedDevice)

    def asked() -> int:
        return sum('"cmd":"INFO"' in line for line in device.transcript)

    for _ in range(3):
        device.identity  # noqa: B018 - the call is the test
    assert asked() == 1
    device.reboot()  # waits with INFO until the device answers
    after_boot = asked()
    device.identity  # noqa: B018
    assert asked() == after_boot + 1


def test_calls_from_two_threads_each_get_their_own_answer(wired: BenchDevice) -> None:
    errors: list[BaseException] = []

    def hammer(command) -> None:
        try:
            for _ in range(15):
                command()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=hammer, args=(lambda: wired.device.now().tzinfo,)),
        threading.Thread(target=hammer, args=(lambda: wired.device.capture()["hash"],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_damaged_answers_are_named_in_the_timeout(wired: BenchDevice) -> None:
    assert wired.firmware is not None
    handle = wired.firmware.handle
    wired.firmware.handle = lambda line: (handle(line) or b"")[:-3] + b"00\n"  # type: ignore[method-assign]
    with pytest.raises(DeviceTimeout, match="damaged frame"):
        wired.device.capture()


class TerseDevice(EmulatedDevice):
    """A device that lets the bench do nothing it knows, naming a capability it does not know."""

    capabilities = frozenset({"reboot"})


def test_a_device_says_what_the_bench_may_do_with_it(wired: BenchDevice) -> None:
    assert wired.device.capabilities == {CLOCK_CONTROL, FIDO_TARGETS, JWE_PLAINTEXT, FIDO_CLIENT}
    with PtyHost(Firmware(TerseDevice(FINGER))) as host:
        device = FramedDevice(SerialLink(host.port), 2.0)
        try:
            assert device.capabilities == frozenset()
        finally:
            device.close()


# --- power ------------------------------------------------------------------------------------


def test_a_powered_off_device_is_silent_until_its_power_comes_back(wired: BenchDevice) -> None:
    assert wired.power is wired.firmware is not None
    wired.power.power_off()
    with pytest.raises(DeviceTimeout, match=r"CLOCK: no answer within 0\.5s"):
        wired.device.now()
    wired.power.power_on()
    wired.device.wait_until_booted()
    assert wired.device.identity.serial_number == FINGER.serial_number


def test_a_power_cycle_clears_a_hang_and_what_ram_held_not_what_the_device_stores(
    wired: BenchDevice,
) -> None:
    assert wired.power is not None and wired.firmware is not None
    certificate = wired.device.certificate
    wired.device.set_clock_offset(dt.timedelta(hours=-3))  # the time an MDS gave it
    wired.device.create_csr()  # a key pending in RAM
    wired.firmware.hung = True
    with pytest.raises(DeviceTimeout):
        wired.device.capture()
    wired.power.power_cycle()
    wired.device.wait_until_booted()
    assert wired.device.certificate == certificate  # stored: kept
    assert abs(wired.device.now() - POWER_ON_TIME) < dt.timedelta(seconds=5)  # time: lost
    with pytest.raises(DeviceRefused, match="no key is pending"):  # pending key: lost
        wired.device.install_certificate(certificate)


def test_a_device_that_never_boots_after_a_power_cycle_times_out(wired: BenchDevice) -> None:
    assert wired.power is not None and wired.firmware is not None
    assert isinstance(wired.device, FramedDevice)
    wired.firmware.boot_seconds = 60
    wired.device.boot_timeout = 1.0
    wired.power.power_cycle()
    with pytest.raises(DeviceTimeout, match="after its power came back"):
        wired.device.wait_until_booted()


def test_a_labs_power_hook_runs_its_command_with_each_action(tmp_path: Path) -> None:
    said = tmp_path / "power.log"
    switch = PowerHook(Hook("power", f"echo {{action}} >> {said}", timeout=5))
    switch.power_off()
    switch.power_on()
    switch.power_cycle()
    assert said.read_text().split() == ["off", "on", "cycle"]
    broken = PowerHook(Hook("power", "echo relay busy >&2; exit 3", timeout=5))
    with pytest.raises(BenchFault, match=r"power hook .* exited 3: relay busy"):
        broken.power_cycle()


# --- the firmware session both hosts run ----------------------------------------------------


def test_a_firmware_session_answers_frames_split_and_joined() -> None:
    firmware = Firmware(EmulatedDevice(FINGER))
    session = FirmwareSession(firmware)
    info = framing.encode({"seq": 1, "cmd": "INFO"})
    clock = framing.encode({"seq": 2, "cmd": "CLOCK"})
    assert session.feed(info[:7]) == b""
    answers = [framing.decode(line) for line in session.feed(info[7:] + clock).splitlines()]
    assert [(a["seq"], a["ok"]) for a in answers] == [(1, True), (2, True)]
    assert answers[0]["result"]["serial_number"] == FINGER.serial_number
    assert session.feed(b"x" * (1 << 20) + b"x") == b""  # no terminator in sight: dropped
    assert framing.decode(session.feed(clock))["ok"]
    firmware.hung = True
    assert session.feed(info) == b""


def test_a_refused_command_is_an_error_frame_on_the_wire() -> None:
    session = FirmwareSession(Firmware(EmulatedDevice(FINGER)))
    held = certs.cert_to_b64der(fixture_pki().cert(FINGER.pki))
    request = framing.encode({"seq": 3, "cmd": "INSTALL", "args": {"certificate": held}})
    assert framing.decode(session.feed(request)) == {
        "seq": 3,
        "ok": False,
        "error": "INSTALL: no key is pending: create a CSR first",
    }


# --- USB specifics --------------------------------------------------------------------------


def test_usb_device_is_found_by_serial_number_string() -> None:
    iris = fixture_devices()["iris-registration"]
    gadgets = [
        EmulatedGadget(Firmware(EmulatedDevice(d)), EMULATED_VID, EMULATED_PID, d.serial_number)
        for d in (FINGER, iris)
    ]
    bus = EmulatedUsbBackend(gadgets)
    link = UsbLink(EMULATED_VID, EMULATED_PID, iris.serial_number, bus)
    assert link.usb_serial_number == iris.serial_number
    assert FramedDevice(link, 2.0).identity.serial_number == iris.serial_number
    with pytest.raises(DeviceDisconnected, match="no such device"):
        UsbLink(EMULATED_VID, EMULATED_PID, "no-such-serial", bus)


def test_emulated_bus_serves_string_descriptors_to_pyusb() -> None:
    gadget = EmulatedGadget(
        Firmware(EmulatedDevice(FINGER)), EMULATED_VID, EMULATED_PID, FINGER.serial_number
    )
    dev = usb.core.find(idVendor=EMULATED_VID, backend=EmulatedUsbBackend([gadget]))
    assert dev is not None
    assert (dev.manufacturer, dev.serial_number) == ("Bioharness", FINGER.serial_number)
    gadget.unplug()
    with pytest.raises(usb.core.USBError):
        dev.write(0x01, b"x", 100)


# --- transport specs and frames -------------------------------------------------------------


@pytest.mark.parametrize("spec", ["bluetooth", "serial:", "usb:", "usb:xyz:1"])
def test_a_bad_transport_spec_says_what_is_accepted(spec: str) -> None:
    with pytest.raises(TransportSpecError, match="--device"):
        connect(spec, FINGER, Evidence())


def test_a_labgrid_spec_names_a_place() -> None:
    assert check_transport("labgrid:bench-3") == Transport("labgrid", port="bench-3")
    with pytest.raises(TransportSpecError, match="labgrid:<place>"):
        check_transport("labgrid:")


def test_a_labgrid_place_the_run_does_not_hold_is_a_bench_fault() -> None:
    with pytest.raises(BenchFault, match="labgrid place bench-3 is not held by this run"):
        connect("labgrid:bench-3", FINGER, Evidence())
    with pytest.raises(BenchFault, match="bench-3"):
        held_place("bench-3")


@pytest.mark.parametrize(
    ("port", "url"),
    [
        (NetworkSerialPort("10.0.0.7", 4001), "rfc2217://10.0.0.7:4001?ign_set_control"),
        (NetworkSerialPort("::1", 4001, "rfc2217"), "rfc2217://[::1]:4001?ign_set_control"),
        (NetworkSerialPort("exporter.lab", 4001, "raw"), "socket://exporter.lab:4001"),
    ],
)
def test_a_labgrid_serial_port_is_opened_by_its_pyserial_url(
    port: NetworkSerialPort, url: str
) -> None:
    assert port.url == url


def test_a_missing_serial_port_is_a_disconnect() -> None:
    with pytest.raises(DeviceDisconnected, match="cannot open"):
        connect("serial:/dev/bioharness-no-such-port", FINGER, Evidence())


def test_frames_round_trip_and_carry_a_crc() -> None:
    frame = framing.encode({"seq": 1, "cmd": "INFO"})
    assert frame.endswith(b"\n") and frame[-10:-9] == b"*"
    assert framing.decode(frame) == {"seq": 1, "cmd": "INFO"}
    damaged = frame.replace(b"INFO", b"INF0")
    with pytest.raises(framing.FrameError, match="CRC mismatch"):
        framing.decode(damaged)
    with pytest.raises(framing.FrameError, match="no CRC"):
        framing.decode(b'{"seq":1}\n')


def test_line_buffer_splits_and_joins_frames() -> None:
    a, b = framing.encode({"n": 1}), framing.encode({"n": 2})
    buffer = framing.LineBuffer(limit=64)
    assert buffer.feed((a + b)[:5]) == []
    assert buffer.feed((a + b)[5:]) == [a, b]
    with pytest.raises(framing.FrameError, match="no frame terminator"):
        buffer.feed(b"x" * 65)
