"""Steps of the MMS hostile-input features: the harness attacks the MMS as a device would not."""

from __future__ import annotations

import json

from cryptography import x509
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.evidence import Evidence
from harness.hostile.canary import Canary
from harness.hostile.outcome import (
    check_canary_untouched,
    check_no_server_error,
    check_outcome_name,
    check_same_state,
)
from harness.mms import checks, hostile, protocol
from harness.mms.client import MmsClient, MmsExchange
from harness.mms.session import MmsSession

scenarios("mms_hostile")

# One CSR per rotating device and worker: a hostile rotation is refused for its attack, not its
# key, and a new RSA key per case would cost more than the rest of the case.
_CSRS: dict[str, x509.CertificateSigningRequest] = {}


class Attempt:
    """One hostile case: the session of the attacked device, what the server held for it
    before, the canary's hits before, and the exchanges of the case."""

    def __init__(self, session: MmsSession, api: str, canary: Canary) -> None:
        self.session = session
        self.api = api
        self.canary = canary
        self.canary_hits = len(canary.hits)
        self.state_before: dict = {}
        self.exchange: MmsExchange | None = None
        self.served = False  # the hostile request got responseCode 0
        self.requirement = ""  # the clause the case checks

    def state(self, evidence: Evidence) -> dict:
        """What the server holds for the device: its snapshot, which must be answered."""
        snapshot = self.session.snapshot()
        checks.check_envelope(snapshot)
        return hostile.device_state(snapshot.answer)


@given(parsers.parse("an attack on {api} as its fixture device"), target_fixture="attempt")
def attacked_device(
    api: str, mms_client: MmsClient, bench: Bench, canary: Canary, evidence: Evidence
) -> Attempt:
    session = MmsSession.of_fixture(hostile.DEVICE_OF_API[api], mms_client, bench.mms.mds)
    attempt = Attempt(session, api, canary)
    attempt.state_before = attempt.state(evidence)
    return attempt


@when(parsers.parse('the hostile request "{name}" is sent'))
def send_hostile(attempt: Attempt, name: str, mms_client: MmsClient) -> None:
    ctx = hostile.attack_context(attempt.session, attempt.canary.url)
    session = attempt.session
    if attempt.api == protocol.KEY_ROTATION and session.fixture_name not in _CSRS:
        _CSRS[session.fixture_name] = session.device.create_csr(session.csr_bits)
    payload = session.payload_of(attempt.api, _CSRS.get(session.fixture_name))
    request = hostile.hostile_request(name, attempt.api, payload, ctx)
    attempt.exchange = mms_client.send_raw(
        attempt.api, request.body, method=request.method, path=request.path, payload=payload
    )


@when("the same request is sent twice")
def send_twice(attempt: Attempt, mms_client: MmsClient) -> None:
    first = attempt.session.send(attempt.api)
    checks.check_envelope(first)
    attempt.exchange = mms_client.send_raw(attempt.api, json.dumps(first.body).encode())


@then(parsers.parse("the answer is {outcome} with requirement {requirement}"))
def answer_is(attempt: Attempt, outcome: str, requirement: str, evidence: Evidence) -> None:
    check_outcome_name(outcome)
    assert attempt.exchange is not None
    attempt.requirement = requirement
    attempt.served = checks.check_hostile_answer(attempt.exchange, outcome, requirement, evidence)


@then("the server still answers and holds the same state for the device")
def same_state(attempt: Attempt, evidence: Evidence) -> None:
    after = attempt.state(evidence)
    if attempt.served:  # a tolerated request, served as the legitimate one would be
        evidence.add("state after the served request (it may change it)", after)
        return
    check_same_state(
        attempt.state_before, after, "the hostile request", attempt.requirement, evidence
    )


@then("nothing fetched the canary")
def canary_untouched(attempt: Attempt) -> None:
    check_canary_untouched(attempt.canary.hits[attempt.canary_hits :], attempt.requirement)


@then("a second acceptance is reported as an advisory")
def replay_advisory(attempt: Attempt, evidence: Evidence) -> None:
    exchange = attempt.exchange
    assert exchange is not None
    check_no_server_error(exchange.status, exchange.api, "MMS-HOSTILE-REPLAY")
    if exchange.status != 200:
        evidence.add("replay refused over HTTP", str(exchange.status))
        return
    checks.check_envelope(exchange)
    code = checks.response_code(exchange.answer, evidence)
    if code == 0:
        evidence.advisory(
            f"{exchange.api}: a replayed request was served again (neither spec forbids it)"
        )
    else:
        evidence.add("replay refused with code", str(code))
