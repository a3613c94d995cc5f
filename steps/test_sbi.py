"""Steps of the MOSIP SBI features: the harness plays the server and grades the MDS's SBI.

The verdicts are in harness/mds/sbi_checks.py; each names the scenario's requirement. The
scenario's set-up is harness/mds/scenario.py's, as for the device features.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from pytest_bdd import parsers, scenarios, then, when

from harness.bench import Bench
from harness.mds import checks, sbi_checks
from harness.mds.scenario import DeviceScenario

scenarios("sbi")


# --- Given -----------------------------------------------------------------------------------


# --- When ------------------------------------------------------------------------------------


@when("the device info's signing certificate is noted", target_fixture="noted")
def noted_signer(dev: DeviceScenario) -> x509.Certificate:
    return _signer(dev)


@when("the MMS demands a key rotation in its next snapshot answer")
def demand_rotation(dev: DeviceScenario) -> None:
    script = dev.mms.script
    script.snapshot_overrides["mandatoryKeyRotation"] = "true"
    script.snapshot_answers = 1


# --- Then ------------------------------------------------------------------------------------


def _signer(dev: DeviceScenario) -> x509.Certificate:
    """The certificate device info is signed with now (waiting, bounded, for a signed one)."""
    return checks.sbi_signer(
        dev.started_sbi(), dev.trust, waits=dev.waits, requirement=dev.requirement
    )


def _purpose(dev: DeviceScenario) -> str:
    """The device's purpose as its discovery says (a vendor MDS's device may differ)."""
    return sbi_checks.discovered_purpose(dev.started_sbi(), requirement=dev.requirement)


def _device_codes(dev: DeviceScenario) -> list[str]:
    record = dev.mms.registry.get(dev.serial_number)
    return [record.device_code] if record and record.device_code else []


@then("discovery lists the device with every field MOSIP defines, in its allowed values")
def discovery_fields(dev: DeviceScenario) -> None:
    sbi_checks.check_discovery(dev.started_sbi(), _device_codes(dev), requirement=dev.requirement)


@then("the discovered digitalId is unsigned and carries every Digital ID field")
def discovery_digital_id(dev: DeviceScenario) -> None:
    entry = sbi_checks.discovered(dev.started_sbi(), requirement=dev.requirement)
    sbi_checks.unsigned_digital_id(entry.get("digitalId"), requirement=dev.requirement)


@then("device info is a JWS signed with the device key, chained to the device trust")
def device_info_signed(dev: DeviceScenario) -> None:
    _signer(dev)


@then("device info carries every field MOSIP defines, with a signed digitalId")
def device_info_fields(dev: DeviceScenario) -> None:
    _signer(dev)
    sbi_checks.check_device_info(dev.started_sbi(), dev.trust, requirement=dev.requirement)


@then(
    "a capture answers every field, its data signed with the device key and stamped with "
    "the server's time"
)
def capture_fields(dev: DeviceScenario, bench: Bench) -> None:
    sbi_checks.check_capture(
        dev.started_sbi(),
        _purpose(dev),
        dev.trust,
        _signer(dev),
        dev.mms.clock.now,
        bench.mms.time_tolerance,
        requirement=dev.requirement,
    )


@then("each capture echoes the transactionId of its request")
def capture_echoes(dev: DeviceScenario) -> None:
    sbi_checks.check_transaction_ids_echoed(
        dev.started_sbi(), _purpose(dev), requirement=dev.requirement
    )


@then(
    parsers.parse(
        "{count:d} registration captures chain their hash from the SHA-256 of an empty string"
    )
)
def hash_chain(dev: DeviceScenario, count: int) -> None:
    purpose = _purpose(dev)
    if purpose != "Registration":
        pytest.skip(f"needs a Registration device (its bioValue is not encrypted): {purpose}")
    sbi_checks.check_hash_chain(dev.started_sbi(), purpose, count, requirement=dev.requirement)


@then("a capture is refused without data and with a documented non-zero error code")
def capture_refused(dev: DeviceScenario) -> None:
    sbi_checks.check_refused(dev.started_sbi(), dev.fixture.purpose, requirement=dev.requirement)


@then("device info is signed with another certificate, not older than the one before")
def rotated(dev: DeviceScenario, noted: x509.Certificate) -> None:
    """Within the allowance of two snapshot refreshes (the rotation is asked in the next)."""
    sbi_checks.check_rotated(
        dev.started_sbi(),
        dev.trust,
        noted,
        dev.waits.refresh_allowance(dev.mms.policy.snapshot_validity, 2),
        waits=dev.waits,
        requirement=dev.requirement,
    )
