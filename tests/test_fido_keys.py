"""The device in the loop of the Device Service features: the bench device signs, opens the
answers and stamps requests with its own clock (over a real pty and the emulated USB bus, against
the reference Device Service on loopback); a sealed device withholds plaintexts; the harness keeps
the keys only as the fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.device.connect import connect
from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.device.interface import CLOCK_CONTROL
from harness.evidence import Evidence
from harness.fido import checks, protocol
from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.keys import DeviceHeldKeys, HarnessHeldKeys
from harness.fido.session import FidoSession
from harness.servers.fido.embedded import embedded_fido, reference_service
from tests.served import served
from tests.suite_runner import run_suite

ALICE = fido_devices()["alice-phone"]
FINGER = fixture_devices()["finger-auth"]


@pytest.fixture(scope="module")
def service_url() -> Iterator[str]:
    with embedded_fido(reference_service()) as server:
        yield server.url


def _session(url: str, keys, evidence: Evidence) -> FidoSession:
    return FidoSession(FidoClient(url, evidence), ALICE, ALICE.target(), keys)


@pytest.mark.parametrize("transport", ["pty", "usb"])
def test_the_device_signs_opens_and_stamps(service_url: str, transport: str) -> None:
    evidence = Evidence()
    bench = connect(transport, FINGER, evidence)
    try:
        keys = DeviceHeldKeys(bench.device)
        fido = _session(service_url, keys, evidence)
        exchange = fido.get_credentials()
        assert exchange.status == 200, exchange.body
        payload = checks.check_jose_answer(exchange)
        checks.check_matches_fixture(payload, ALICE, "FIDO-GET-200")
        frames = "\n".join(item.body for item in evidence.items if item.name.startswith("device"))
        assert '"cmd":"TARGET_SIGN"' in frames and '"cmd":"TARGET_OPEN"' in frames
        # the device's own clock makes the skew: 10 minutes ahead is refused as expired
        keys.set_clock_offset(dt.timedelta(minutes=10))
        assert bench.device.now() - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=9)
        expired = fido.get_credentials()
        checks.check_signature_expired(expired)
        keys.restore()
        assert abs(bench.device.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
        assert fido.get_credentials().status == 200
    finally:
        bench.close()


def test_a_sealed_device_withholds_the_plaintext_and_the_check_skips(service_url: str) -> None:
    bench = connect("pty", FINGER, Evidence(), sealed=True)
    try:
        exchange = _session(service_url, DeviceHeldKeys(bench.device), Evidence()).get_credentials()
        assert exchange.status == 200 and exchange.withheld and exchange.payload is None
        with pytest.raises(pytest.skip.Exception, match="sealed"):
            checks.check_jose_answer(exchange)
    finally:
        bench.close()


def test_harness_held_keys_are_the_fallback(service_url: str) -> None:
    keys = HarnessHeldKeys()
    fido = _session(service_url, keys, Evidence())
    checks.check_matches_fixture(
        checks.check_jose_answer(fido.get_credentials()), ALICE, "FIDO-GET-200"
    )
    keys.set_clock_offset(protocol.DEFAULT_TOLERANCE + dt.timedelta(seconds=5))
    checks.check_signature_expired(fido.get_credentials())


def test_the_features_pass_with_harness_held_keys_against_an_external_service(
    tmp_path: Path,
) -> None:
    with served("fido") as server:
        run = run_suite(
            tmp_path,
            "steps/test_fido.py",
            f"--fido-url={server.url}",
            "--fido-keys=harness",
            "-m",
            "not consumes_state",
        )
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed, sorted(run.failed)
    assert not any("[pty" in name or "[usb" in name for name in run.passed)


class _ClocklessDevice(EmulatedDevice):
    """An emulated device whose CAPS leave out clock control."""

    @property
    def capabilities(self) -> frozenset[str]:  # type: ignore[override]
        return super().capabilities - {CLOCK_CONTROL}


def test_without_clock_control_the_skew_is_added_to_the_time_the_device_reports(
    service_url: str,
) -> None:
    device = _ClocklessDevice(FINGER)
    keys = DeviceHeldKeys(device)
    fido = _session(service_url, keys, Evidence())
    keys.set_clock_offset(protocol.DEFAULT_TOLERANCE + dt.timedelta(seconds=5))
    assert abs(device.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
    checks.check_signature_expired(fido.get_credentials())
    keys.restore()
    assert fido.get_credentials().status == 200
