"""The reference MMS's SQLite registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harness.device.identity import fixture_devices
from harness.pki import certs
from harness.pki.material import fixture_pki
from harness.servers.mms.registry import DeviceRegistry
from harness.servers.sqlite import StoreUnavailable

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def registry(tmp_path: Path) -> DeviceRegistry:
    store = DeviceRegistry(tmp_path / "registry.sqlite3")
    store.seed(fixture_devices().values(), NOW)
    return store


def test_seed_follows_the_fixture_device_state(registry: DeviceRegistry) -> None:
    devices = fixture_devices()
    finger = registry.get(devices["finger-auth"].serial_number)
    assert finger and finger.device_code == devices["finger-auth"].device_code
    assert finger.key_expiry == NOW + dt.timedelta(days=365)
    iris = registry.get(devices["iris-registration"].serial_number)
    assert iris and iris.device_code is None and iris.is_valid(NOW)
    face = registry.get(devices["face-unlisted"].serial_number)
    assert face and not face.is_valid(NOW)
    lapsed = registry.get(devices["finger-lapsed"].serial_number)
    assert lapsed and lapsed.whitelisted and not lapsed.is_valid(NOW)
    assert registry.get("nobody") is None


def test_registration_persists_across_reopening(registry: DeviceRegistry) -> None:
    serial = fixture_devices()["iris-registration"].serial_number
    registry.register(serial, "code-1", NOW)
    registry.close()
    reopened = DeviceRegistry(registry.path)
    record = reopened.get(serial)
    assert record and record.device_code == "code-1"
    reopened.unregister(serial)
    record = reopened.get(serial)
    assert record and record.device_code is None


def test_recorded_certificate_sets_the_key_expiry(registry: DeviceRegistry) -> None:
    serial = fixture_devices()["finger-auth"].serial_number
    cert = fixture_pki().cert("device-finger-auth")
    registry.record_certificate(serial, cert, NOW)
    record = registry.get(serial)
    assert record and record.key_expiry == cert.not_valid_after_utc
    assert registry.certificates(serial) == [cert]


def test_reseeding_forgets_changes(registry: DeviceRegistry) -> None:
    serial = fixture_devices()["iris-registration"].serial_number
    registry.register(serial, "code-1", NOW)
    registry.record_certificate(serial, fixture_pki().cert("device-iris-registration"), NOW)
    registry.seed(fixture_devices().values(), NOW)
    record = registry.get(serial)
    assert record and record.device_code is None and registry.certificates(serial) == []


def test_an_unavailable_registry_refuses_every_call(registry: DeviceRegistry) -> None:
    registry.available = False
    with pytest.raises(StoreUnavailable):
        registry.get("BH-FP-0001")


def test_certificate_round_trip_through_pem(registry: DeviceRegistry) -> None:
    key = certs.new_rsa_key()
    pki = fixture_pki()
    cert = certs.issue_certificate(
        subject=certs.name("BH-FP-0001"),
        public_key=key.public_key(),
        issuer=pki.cert("device-ca").subject,
        issuer_key=pki.key("device-ca"),
        not_before=NOW,
        not_after=NOW + dt.timedelta(days=1),
        ca=False,
    )
    registry.record_certificate("BH-FP-0001", cert, NOW)
    assert registry.certificates("BH-FP-0001")[-1] == cert
