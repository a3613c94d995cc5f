"""Steps more than one step module takes: the set-up of a device scenario (the bench device,
the reference MMS playing the server, the MDS under test) for the device and the SBI features,
and the checks after a hostile case for both hostile features."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from pytest_bdd import given, parsers, then, when

from harness.bench import Bench
from harness.device.identity import fixture_devices
from harness.evidence import Evidence
from harness.hostile.case import HostileCase
from harness.mds.scenario import DeviceScenario, device_scenario
from harness.mms.protocol import ResponseCode
from harness.report.records import ENVIRONMENT
from harness.servers.mms.service import MmsService
from harness.targets import MmsTarget


@given(parsers.parse("the MMS grants snapshots valid for {seconds:d} seconds"))
def snapshot_validity(scripted_mms: MmsService, seconds: int) -> None:
    scripted_mms.policy.snapshot_validity = dt.timedelta(seconds=seconds)


@given(parsers.parse("the MMS answers the next {api} with {code:d}"))
def scripted_code(scripted_mms: MmsService, api: str, code: int) -> None:
    scripted_mms.script.forced_codes[api] = ResponseCode(code)


@given(parsers.parse("the bench device is a {purpose} device"))
def bench_purpose(dev: DeviceScenario, purpose: str) -> None:
    """A scenario about one purpose skips on a device of another: one the bench owns at once,
    one a vendor MDS owns once its SBI says which it is (when the MDS starts)."""
    dev.required_purpose = purpose
    if dev.owns_device:
        _skip_unless_purpose(dev, dev.device.identity.purpose)


def _skip_unless_purpose(dev: DeviceScenario, actual: str) -> None:
    wanted = dev.required_purpose
    if wanted and actual.casefold() != wanted.casefold():
        pytest.skip(f"needs a {wanted} device; the bench device's purpose is {actual}")


@given(parsers.parse('the bench device as "{name}"'), target_fixture="dev")
def bench_device(
    name: str,
    device_transport: str,
    bench: Bench,
    mms_target: MmsTarget,
    scripted_mms: MmsService,
    evidence: Evidence,
    request: pytest.FixtureRequest,
) -> DeviceScenario:
    """Open the bench device and prepare (not start) the MDS under test against the reference
    MMS, which `scripted_mms` has set back to its seeded state first."""
    req = request.node.get_closest_marker("req")
    scenario = contextlib.ExitStack()
    request.addfinalizer(scenario.close)
    dev = scenario.enter_context(
        device_scenario(
            bench,
            device_transport,
            fixture_devices()[name],
            mms_target,
            evidence,
            requirement=req.args[0] if req else None,
        )
    )
    if dev.owns_device:
        info = dev.device.identity
        request.node.user_properties.append(
            (
                ENVIRONMENT,
                f"device.{device_transport}.{info.serial_number}="
                f"{info.make} {info.model_id}, firmware {info.firmware}",
            )
        )
    return dev


@when("the MDS starts")
def mds_starts(dev: DeviceScenario, request: pytest.FixtureRequest) -> None:
    if dev.mds.vendor and not dev.mds.launch:
        pytest.skip("the bench cannot start the vendor MDS: give --mds-launch")
    sbi = dev.start_mds()
    discovered = sbi.discover()[0]
    request.node.user_properties.append(
        (ENVIRONMENT, f"mds.version={discovered.get('serviceVersion', '?')}")
    )
    if not dev.owns_device:
        _skip_unless_purpose(dev, str(discovered.get("purpose", "?")))


# --- the hostile features' shared checks (each module's Given makes the `attempt`) -------------


@then("the server still answers and holds the same state for the device")
def same_state(attempt: HostileCase, evidence: Evidence) -> None:
    attempt.check_state_after(evidence)


@then("nothing fetched the canary")
def canary_untouched(attempt: HostileCase) -> None:
    attempt.check_canary()
