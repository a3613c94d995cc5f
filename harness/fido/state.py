"""What a Device Service holds of a fixture device now: the preconditions of scenarios that
consume state (harness.fixture_state decides what a precondition that does not hold means)."""

from __future__ import annotations

from typing import Any

from harness.evidence import Evidence
from harness.fido import checks
from harness.fido.session import FidoSession


def device_as_provisioned(session: FidoSession, evidence: Evidence) -> bool:
    """GET the device with a clean session (right clock, no knobs): True when it shows exactly
    the fixture's credentials and dispatch targets; False when it shows other state or the
    device or target is refused (4xx). Nonconformance for a 5xx or a malformed answer."""
    exchange = session.clean().get_credentials()
    if 400 <= exchange.status < 500:
        return False
    checks.check_status(exchange, 200, "FIDO-GET-200")
    payload = checks.check_jose_answer(exchange, evidence)
    checks.check_device_payload(payload, session.device.device_id)
    return checks.as_provisioned(payload, session.device)


def listed_operations(session: FidoSession, evidence: Evidence) -> list[dict[str, Any]]:
    """The out-of-band operations the server lists now for the device (a clean session); the
    answer checked against the spec (Nonconformance when it is not 200 or malformed)."""
    exchange = session.clean().get_oob_operations()
    checks.check_status(exchange, 200, "FIDO-OOB-200")
    payload = checks.check_jose_answer(exchange, evidence)
    return checks.check_oob_payload(payload, session.device.device_id, evidence)
