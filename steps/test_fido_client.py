"""Steps of the FIDO client features: the harness plays the Device Service and grades what the
bench device's FIDO client does.

The set-up is harness/fido_client/scenario.py, the verdicts harness/fido_client/checks.py; each
verdict names the scenario's requirement.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.evidence import Evidence
from harness.fido.fixtures import fido_devices
from harness.fido_client import checks
from harness.fido_client.scenario import FidoClientScenario, fido_client_scenario
from harness.servers.fido.service import FidoService, Refusal, expired_challenge
from harness.targets import FidoTarget

scenarios("fido_client")


# --- Given -----------------------------------------------------------------------------------


@given(
    parsers.parse(
        'the bench device\'s FIDO client acting for "{name}" with its dispatch target {n:d}'
    ),
    target_fixture="client",
)
def fido_client_acting_for(
    name: str,
    n: int,
    device_transport: str,
    bench: Bench,
    fido_target: FidoTarget,
    scripted_fido: FidoService,
    evidence: Evidence,
    request: pytest.FixtureRequest,
) -> FidoClientScenario:
    """Open the bench device with its FIDO client acting for the FIDO device `name`, against
    the reference Device Service that `scripted_fido` has set back to its seeded state."""
    req = request.node.get_closest_marker("req")
    device = fido_devices()[name]
    scenario = contextlib.ExitStack()
    request.addfinalizer(scenario.close)
    return scenario.enter_context(
        fido_client_scenario(
            bench,
            device_transport,
            fido_target,
            device,
            device.target(n - 1),
            evidence,
            requirement=req.args[0] if req else None,
        )
    )


@given(parsers.re(r"the FIDO device's clock runs (?P<minutes>\d+) minutes? ahead"))
def clock_ahead(client: FidoClientScenario, minutes: str) -> None:
    client.set_clock_ahead(dt.timedelta(minutes=int(minutes)))


@given(parsers.parse("the Device Service answers the next rename with {status:d}"))
def next_rename_refused(client: FidoClientScenario, status: int) -> None:
    client.service.script.answer_next("modify", Refusal(status, "scripted by the scenario").reply)


@given("the Device Service answers every request with the expired challenge")
def every_request_expired(client: FidoClientScenario) -> None:
    client.service.script.every_answer = expired_challenge("scripted by the scenario").reply


# --- When ------------------------------------------------------------------------------------


@when("the client reads its credentials")
def reads_credentials(client: FidoClientScenario) -> None:
    client.call("get_credentials")


@when(
    parsers.parse("the client reads its credentials, told to {on_expired} on an expired signature")
)
def reads_credentials_told(client: FidoClientScenario, on_expired: str) -> None:
    client.call("get_credentials", on_expired=on_expired)


@when("the client fetches its out-of-band operations")
def fetches_operations(client: FidoClientScenario) -> None:
    client.call("get_oob_operations")


@when(parsers.parse('the client renames its dispatch targets to "{name}" with target "{target}"'))
def renames(client: FidoClientScenario, name: str, target: str) -> None:
    client.call("update_targets", name=name, target=target)


@when("the client deletes its credentials")
def deletes(client: FidoClientScenario) -> None:
    client.call("delete_credentials")


# --- Then ------------------------------------------------------------------------------------


@then("every request the Device Service received carries the headers its endpoint requires")
def headers(client: FidoClientScenario) -> None:
    checks.check_headers(client.requests, requirement=client.requirement)


@then("every request is a compact RS256 JWS signed by a dispatch target of the device")
def signed(client: FidoClientScenario) -> None:
    checks.check_signed_by_device(
        client.requests, client.device_id, client.targets, requirement=client.requirement
    )


@then("every requestId is at most 64 characters and none repeats")
def request_ids(client: FidoClientScenario) -> None:
    checks.check_request_ids(client.requests, requirement=client.requirement)


@then("every creationTimeInEpochMillis is the device's time when it sent the request")
def creation_times(client: FidoClientScenario) -> None:
    checks.check_creation_times(client.calls, requirement=client.requirement)


@then(parsers.parse("the client reports status {status:d}"))
def reports_status(client: FidoClientScenario, status: int) -> None:
    checks.check_status(client.last, status, requirement=client.requirement)


@then("the client read the credentials the Device Service sent")
def read_credentials(client: FidoClientScenario) -> None:
    view, sent = client.view(client.last), client.served_credentials()
    checks.check_view(client.last, view, sent, requirement=client.requirement)


@then("the client read the out-of-band operations the Device Service sent")
def read_operations(client: FidoClientScenario) -> None:
    view, sent = client.view(client.last), client.served_operations()
    checks.check_view(client.last, view, sent, requirement=client.requirement)


@then(
    parsers.parse(
        'the Device Service holds the device\'s dispatch targets as "{name}" with target "{target}"'
    )
)
def server_renamed(client: FidoClientScenario, name: str, target: str) -> None:
    checks.check_server_targets(
        client.service, client.device_id, name, target, requirement=client.requirement
    )


@then(parsers.parse('the client believes its dispatch targets are "{name}" with target "{target}"'))
def client_renamed(client: FidoClientScenario, name: str, target: str) -> None:
    checks.check_local_targets(client.local_state(), name, target, requirement=client.requirement)


@then("the Device Service no longer holds the device")
def server_deleted(client: FidoClientScenario) -> None:
    checks.check_device_gone(client.service, client.device_id, requirement=client.requirement)


@then("the client believes it has no credentials left")
def client_deleted(client: FidoClientScenario) -> None:
    checks.check_local_credentials_gone(client.local_state(), requirement=client.requirement)


@then("the client believes what it believed before the refused rename")
def client_unchanged(client: FidoClientScenario) -> None:
    checks.check_local_unchanged(
        client.local_at_start, client.local_state(), requirement=client.requirement
    )


@then(parsers.parse("the client sent at most {most:d} requests for the call"))
def at_most(client: FidoClientScenario, most: int) -> None:
    checks.check_requests_at_most(client.last, most, requirement=client.requirement)


@then("the client reported the clock problem")
def clock_reported(client: FidoClientScenario) -> None:
    checks.check_gave_up_on_clock(client.last, requirement=client.requirement)


@then("the client reported the clock problem, or the answer to its one retry")
def clock_or_retry(client: FidoClientScenario) -> None:
    checks.check_gave_up_or_retried(client.last, requirement=client.requirement)
