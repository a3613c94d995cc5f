"""The device-direction checks give a verdict, not a bench fault: what the MDS sends or answers
wrong, or does not do in time, raises Nonconformance naming the requirement it was given."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness.device import checks as device_checks
from harness.mds import checks
from harness.mds.waits import MdsWaits
from harness.mms import protocol
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.service import RecordedRequest
from harness.verdict import Nonconformance

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
REQ = "DEV-TEST"


def _request(api: str = protocol.SNAPSHOT, **fields: Any) -> RecordedRequest:
    payload = {f: "x" for f in protocol.REQUEST_FIELDS[api]}
    payload.update(
        certificationLevel="L1",
        bioType="Finger",
        devicePurpose="Auth",
        timeStamp="2025-01-01T00:00:00Z",
        uniqueTransactionId=str(id(payload)),
    )
    payload.update(fields)
    return RecordedRequest(1, api, NOW, "token", {"alg": "RS256"}, payload, None)


def _verdict(check: Any, *args: Any, **kwargs: Any) -> Nonconformance:
    with pytest.raises(Nonconformance) as caught:
        check(*args, requirement=REQ, **kwargs)
    assert caught.value.requirement == REQ
    return caught.value


def test_well_formed_requests_pass() -> None:
    records = [_request(), _request(protocol.ENCRYPTION_CERT)]
    for check in (
        checks.check_signed,
        checks.check_fields,
        checks.check_timestamps,
        checks.check_unique_transaction_ids,
    ):
        check(records, requirement=REQ)


@pytest.mark.parametrize(
    ("check", "record"),
    [
        (checks.check_timestamps, _request(timeStamp="2025-01-01T00:00:00")),
        (checks.check_timestamps, _request(timeStamp="yesterday")),
        (checks.check_fields, _request(bioType="Palm")),
        (checks.check_fields, _request(serialNumber=7)),
        (checks.check_signed, RecordedRequest(1, protocol.SNAPSHOT, NOW, "t", None, None, "bad")),
        (
            checks.check_signed,
            RecordedRequest(1, protocol.SNAPSHOT, NOW, "t", {"alg": "HS256"}, {}, None),
        ),
    ],
    ids=["no zone", "not a timestamp", "bioType", "not a string", "unverified", "HS256"],
)
def test_malformed_requests_are_nonconformities(check: Any, record: RecordedRequest) -> None:
    _verdict(check, [_request(), record])


def test_a_reused_transaction_id_is_a_nonconformity() -> None:
    seen = _verdict(
        checks.check_unique_transaction_ids,
        [_request(uniqueTransactionId="same"), _request(uniqueTransactionId="same")],
    ).seen
    assert seen == ["same"]


def test_an_mds_that_does_not_refresh_in_time_is_a_nonconformity() -> None:
    mms = SimpleNamespace(recorded=[_request()], policy=SimpleNamespace(snapshot_validity=None))
    verdict = _verdict(checks.wait_for_snapshots, mms, 1, 0.2)
    assert verdict.seen == 1


def test_the_refresh_allowance_is_bounded() -> None:
    waits = MdsWaits(settle=5.0, longest=60.0)
    assert waits.refresh_allowance(dt.timedelta(seconds=2), 2) == 9
    assert waits.refresh_allowance(dt.timedelta(hours=1), 1) == 60.0
    assert waits.refresh_allowance(dt.timedelta(hours=1), 1, 5.0) == 5.0


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"request": {}}', '{"deviceData": {"deviceInfo": "not.a.jws"}}'],
    ids=["not JSON", "no deviceData", "deviceInfo not a JWS"],
)
def test_a_malformed_registration_request_is_a_nonconformity(raw: str) -> None:
    mms = SimpleNamespace(recorded=[_request(protocol.REGISTRATION, deviceRegistrationRequest=raw)])
    cert = fixture_pki().cert("mds-signing")
    _verdict(checks.check_registration_signed, mms, TrustStore([cert]), cert)


class _Sbi:
    """An SBI whose capture answers `answer`, or raises it."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def capture(self, registration: bool = False) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _http_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("CAPTURE", "http://mds/capture")
    return httpx.HTTPStatusError("", request=request, response=httpx.Response(status))


@pytest.mark.parametrize(
    "answer",
    [
        {"biometrics": [{"data": "x", "error": {"errorCode": "0"}}]},
        {"biometrics": [{"error": {"errorCode": "0"}}]},
        {"biometrics": []},
        _http_error(500),
        httpx.ReadTimeout("no answer"),
        ValueError("Expecting value"),
    ],
    ids=["captured anyway", "wrong code", "no entry", "HTTP 500", "silent", "not JSON"],
)
def test_a_capture_not_refused_as_expected_is_a_nonconformity(answer: Any) -> None:
    _verdict(checks.check_capture_refused, _Sbi(answer), "Auth", "104")


def test_an_unreachable_sbi_stays_a_bench_fault() -> None:
    with pytest.raises(httpx.ConnectError):
        checks.check_capture_refused(_Sbi(httpx.ConnectError("refused")), "Auth", "104")


def test_device_checks() -> None:
    pki = fixture_pki()
    held, other = pki.cert("mds-signing"), pki.cert("vendor-root-ca")
    device = SimpleNamespace(certificate=held, now=lambda: NOW + dt.timedelta(seconds=3))
    device_checks.check_certificate(device, held, "its certificate")  # type: ignore[arg-type]
    verdict = _verdict(device_checks.check_certificate, device, other, "the issued one")
    assert verdict.seen == device_checks.describe(held)
    device_checks.check_clock(device, NOW, dt.timedelta(seconds=3))  # type: ignore[arg-type]
    _verdict(device_checks.check_clock, device, NOW, dt.timedelta(seconds=2))


@pytest.mark.parametrize(
    ("entry", "exact", "given"),
    [
        ({"error": {"errorCode": "104"}}, True, "104"),
        ({"data": "", "error": {"errorCode": "104"}}, True, "104"),  # MOSIP's own example
        ({"data": "", "error": {"errorCode": "105"}}, False, "105"),  # another documented number
    ],
    ids=["pinned", "empty data", "another number"],
)
def test_a_refusal_passes_with_no_data_and_a_non_zero_code(
    entry: dict, exact: bool, given: str
) -> None:
    answer = {"biometrics": [entry]}
    assert checks.check_capture_refused(_Sbi(answer), "Auth", "104", exact=exact) == given


def test_a_pinned_number_must_be_the_one_given() -> None:
    answer = {"biometrics": [{"data": "", "error": {"errorCode": "105"}}]}
    with pytest.raises(Nonconformance, match="capture answered"):
        checks.check_capture_refused(_Sbi(answer), "Auth", "104", exact=True)
