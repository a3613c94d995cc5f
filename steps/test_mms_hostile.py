"""Steps of the MMS hostile-input features: the harness attacks the MMS as a device would not."""

from __future__ import annotations

import json

from cryptography import x509
from pytest_bdd import given, parsers, scenarios, then, when

from harness.bench import Bench
from harness.evidence import Evidence
from harness.hostile.canary import Canary
from harness.hostile.case import HostileCase, report_replay
from harness.hostile.outcome import check_no_server_error, check_outcome_name
from harness.mms import checks, hostile, protocol
from harness.mms.client import MmsClient, MmsExchange
from harness.mms.session import MmsSession

scenarios("mms_hostile")

# One CSR per rotating device and worker: a hostile rotation is refused for its attack, not its
# key, and a new RSA key per case would cost more than the rest of the case.
_CSRS: dict[str, x509.CertificateSigningRequest] = {}


class Attempt(HostileCase):
    """One hostile case on an API, as the API's fixture device."""

    def __init__(self, session: MmsSession, api: str, canary: Canary) -> None:
        super().__init__(canary)
        self.session = session
        self.api = api
        self.exchange: MmsExchange | None = None

    def state(self) -> dict:
        """The device's snapshot, which must be answered."""
        snapshot = self.session.snapshot()
        checks.check_envelope(snapshot)
        return hostile.device_state(snapshot.answer)


@given(parsers.parse("an attack on {api} as its fixture device"), target_fixture="attempt")
def attacked_device(
    api: str, mms_client: MmsClient, bench: Bench, canary: Canary, evidence: Evidence
) -> Attempt:
    session = MmsSession.of_fixture(hostile.DEVICE_OF_API[api], mms_client, bench.mms.mds)
    attempt = Attempt(session, api, canary)
    attempt.state_before = attempt.state()
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
    served = checks.check_hostile_answer(attempt.exchange, outcome, requirement, evidence)
    # a served request may change the state only where the legitimate one would
    attempt.served = served and attempt.api in hostile.CHANGES_STATE


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
    report_replay(code == 0, f"{exchange.api} (responseCode {code})", evidence)
