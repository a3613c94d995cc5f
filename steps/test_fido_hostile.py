"""Steps of the Device Service hostile-input features: the harness attacks the Device Service
with the fixture keys of a dispatch target, as a mobile device would not."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from harness.evidence import Evidence
from harness.fido import checks, hostile
from harness.fido.client import FidoClient, FidoExchange
from harness.fido.fixtures import fido_devices
from harness.fido.keys import HarnessHeldKeys
from harness.fido.session import FidoSession
from harness.hostile.canary import Canary
from harness.hostile.case import HostileCase, report_replay
from harness.hostile.outcome import HARMLESS, REFUSED, check_no_server_error, check_outcome_name

scenarios("fido_hostile")


class Attempt(HostileCase):
    """One hostile case on an endpoint, as the fixture device with its first dispatch target."""

    def __init__(self, endpoint: str, client: FidoClient, canary: Canary) -> None:
        super().__init__(canary)
        device = fido_devices()[hostile.DEVICE]
        self.endpoint = endpoint
        self.session = FidoSession(client, device, device.target(), HarnessHeldKeys())
        self.exchange: FidoExchange | None = None

    def state(self) -> dict:
        """The device's credentials, which must be answered."""
        exchange = self.session.get_credentials()
        checks.check_status(exchange, 200, self.requirement or None)
        return {"credentials": exchange.payload}


@given(parsers.parse('an attack on "{endpoint}" as its fixture device'), target_fixture="attempt")
def attacked_device(endpoint: str, fido_client: FidoClient, canary: Canary) -> Attempt:
    attempt = Attempt(endpoint, fido_client, canary)
    attempt.state_before = attempt.state()
    return attempt


@when(parsers.parse('the hostile request "{name}" is sent, pinned {outcome}'))
def send_hostile(attempt: Attempt, name: str, outcome: str, fido_client: FidoClient) -> None:
    check_outcome_name(outcome)
    session = attempt.session
    # a PATCH that must be refused renames, so that executing it shows in the state
    changes_state = outcome in (REFUSED, HARMLESS, "4xx")
    legit = hostile.legit_request(
        attempt.endpoint, session.device.device_id, session.target, changes_state
    )
    ctx = hostile.attack_context(session.target, attempt.canary.url, legit.identity_field)
    request = hostile.hostile_request(name, legit, ctx)
    attempt.exchange = fido_client.send_raw(
        request.method, request.path, request.headers, request.body
    )


@when("the same request is sent twice")
def send_twice(attempt: Attempt, fido_client: FidoClient) -> None:
    session = attempt.session
    legit = hostile.legit_request(
        attempt.endpoint, session.device.device_id, session.target, changes_state=False
    )
    ctx = hostile.attack_context(session.target, attempt.canary.url, legit.identity_field)
    request = hostile.carrying(legit, hostile.signed(legit, ctx))
    first = fido_client.send_raw(request.method, request.path, request.headers, request.body)
    checks.check_status(first, 200, "FIDO-HOSTILE-REPLAY")
    attempt.exchange = fido_client.send_raw(
        request.method, request.path, request.headers, request.body
    )


@then(parsers.parse("the answer is {outcome} with requirement {requirement}"))
def answer_is(attempt: Attempt, outcome: str, requirement: str, evidence: Evidence) -> None:
    assert attempt.exchange is not None
    attempt.requirement = requirement
    # served or not, nothing may change: a tolerated PATCH sets what the device already has,
    # and a tolerated request never goes to delete
    checks.check_hostile_status(attempt.exchange, outcome, requirement, evidence)


@then("a second acceptance is reported as an advisory")
def replay_advisory(attempt: Attempt, evidence: Evidence) -> None:
    exchange = attempt.exchange
    assert exchange is not None
    check_no_server_error(exchange.status, exchange.url, "FIDO-HOSTILE-REPLAY")
    report_replay(exchange.status == 200, f"{exchange.url} (HTTP {exchange.status})", evidence)
