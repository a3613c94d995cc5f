"""The reference MMS's SQLite registry, and the whitelist files a lab seeds it with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harness.device.identity import fixture_devices
from harness.pki import certs
from harness.pki.material import DEFAULT_FIXTURES, fixture_pki
from harness.servers.mms.lab_files import LabFileError, load_whitelist
from harness.servers.mms.registry import DeviceRecord, DeviceRegistry, fixture_record
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


# --- a lab's whitelist file (harness/servers/mms/lab_files.py) --------------------------------


def test_the_fixture_devices_file_is_a_whitelist_of_the_same_server_state() -> None:
    listed = load_whitelist(DEFAULT_FIXTURES / "devices.json")
    fixtures = fixture_devices()
    assert [d.name for d in listed] == list(fixtures)
    for device in listed:
        assert fixture_record(device, NOW) == fixture_record(fixtures[device.name], NOW)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "lab.toml",
            '[provider]\ndeviceProviderId = "LAB-DP"\n\n[devices.cam]\nserialNumber = "SN-1"\n'
            'modelID = "CAM-1"\nbioType = "Face"\ndevicePurpose = "Auth"\n'
            "server = { whitelistValidDays = 30 }\n",
        ),
        (
            "lab.json",
            '{"devices": {"cam": {"serialNumber": "SN-1", "modelID": "CAM-1", "bioType": "Face",'
            ' "devicePurpose": "Auth", "deviceProviderId": "LAB-DP", "server": {"whitelisted":'
            ' true, "whitelistValidDays": 30, "deviceCodeUUID": null, "keyExpiresInDays": null}}}}',
        ),
    ],
)
def test_a_whitelisted_device_is_valid_unregistered_and_keyless(
    registry: DeviceRegistry, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    registry.seed(load_whitelist(path), NOW)
    record = registry.get("SN-1")
    assert record == DeviceRecord(
        serial_number="SN-1",
        model_id="CAM-1",
        provider_id="LAB-DP",
        bio_type="Face",
        purpose="Auth",
        whitelisted=True,
        whitelist_valid_until=NOW + dt.timedelta(days=30),
        device_code=None,
        key_expiry=None,
    )
    assert record.is_valid(NOW) and not record.is_valid(NOW + dt.timedelta(days=30))


CAM = 'serialNumber = "SN-1"\nmodelID = "CAM-1"\nbioType = "Face"\ndevicePurpose = "Auth"\n'
LISTED = f'[devices.cam]\n{CAM}deviceProviderId = "X"\n'


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("lab.yaml", "", "unknown format: name the file .json or .toml"),
        ("lab.toml", "[devices.cam\n", "not valid TOML"),
        ("lab.json", "{", "not valid JSON"),
        ("lab.json", "[]", "expected an object with a devices table"),
        ("lab.toml", '[provider]\ndeviceProviderId = "X"\n', "devices: none: add a table"),
        ("lab.toml", f"[devices.cam]\n{CAM}", "[devices.cam] deviceProviderId: missing"),
        (
            "lab.toml",
            f'[devices.cam]\n{CAM}serialNumbr = "SN-1"\n',
            "[devices.cam] serialNumbr: unknown key: did you mean 'serialNumber'?",
        ),
        (
            "lab.toml",
            f'[provider]\ndeviceProviderId = "X"\n[devices.cam]\n{CAM.replace("Auth", "Enrol")}',
            """[devices.cam] devicePurpose: 'Enrol' is not one of the spec's: give "Auth" or""",
        ),
        (
            "lab.toml",
            f'{LISTED}server = {{ whitelisted = "yes" }}\n',
            "[devices.cam] server.whitelisted: 'yes' is not a boolean",
        ),
        (
            "lab.toml",
            f'{LISTED}server = {{ whitelistValidDays = "30" }}\n',
            "[devices.cam] server.whitelistValidDays: '30' is not a number of days",
        ),
        (
            "lab.toml",
            f"{LISTED}server = {{ whitelistValidDays = nan }}\n",
            "[devices.cam] server.whitelistValidDays: nan is not a number of days",
        ),
        (
            "lab.toml",
            f'[provider]\ndeviceProviderId = "X"\n[devices.cam]\n{CAM}[devices.cam2]\n{CAM}',
            "[devices.cam2] serialNumber: 'SN-1' is also [devices.cam]'s: give each device its own",
        ),
    ],
)
def test_every_mistake_of_a_whitelist_is_named_with_its_fix(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LabFileError) as raised:
        load_whitelist(path)
    assert str(raised.value).startswith(f"{path}: bad whitelist:")
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_a_missing_whitelist_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(LabFileError, match="no such file: give --whitelist the path of a JSON"):
        load_whitelist(tmp_path / "absent.toml")


def test_a_purpose_in_any_case_is_read_as_the_specs(tmp_path: Path) -> None:
    """docs/errata.md: a real MDS sends "REGISTRATION"."""
    path = tmp_path / "lab.toml"
    path.write_text(f"{LISTED.replace('Auth', 'REGISTRATION').replace('Face', 'FACE')}")
    (device,) = load_whitelist(path)
    assert (device.purpose, device.bio_type) == ("Registration", "Face")
