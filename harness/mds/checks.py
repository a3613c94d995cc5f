"""Verdicts on what an MDS does: the requests the reference MMS recorded from it, and what its
SBI answers. Each check raises Nonconformance with the requirement the caller names, what it
expected and what it saw; a malformed answer is one, and so is an MDS that does not act within
the time it is allowed. A bench that cannot reach the MDS at all is not (that stays a bench fault).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.clock import Clock, parse_iso
from harness.device.checks import describe
from harness.jose.jws import InvalidJws, VerifiedJws, verify
from harness.mds.sbi_client import SbiClient
from harness.mds.waits import DEFAULT_WAITS, MdsWaits
from harness.mms import protocol
from harness.mms.protocol import CERTIFICATION_LEVELS, ResponseCode
from harness.mms.requests import read_registration_request
from harness.pki import certs
from harness.pki.trust import TrustStore
from harness.servers.mms.service import MmsService, RecordedRequest
from harness.verdict import BenchFault, Nonconformance

BIO_TYPES = ("Finger", "Iris", "Face")
PURPOSES = ("Auth", "Registration")
T = TypeVar("T")


# --- what the MMS received -------------------------------------------------------------------


def requests_of(mms: MmsService, api: str | None = None) -> list[RecordedRequest]:
    """The requests the reference MMS recorded so far, of one API or all."""
    return [r for r in mms.recorded if api is None or r.api == api]


def wait_for_snapshots(
    mms: MmsService,
    times: int,
    seconds: float | None = None,
    *,
    waits: MdsWaits = DEFAULT_WAITS,
    requirement: str | None = None,
) -> None:
    """The MDS asks for `times` more snapshots within its refresh allowance."""
    target = len(requests_of(mms, protocol.SNAPSHOT)) + times
    limit = waits.refresh_allowance(mms.policy.snapshot_validity, times, seconds)
    if not waits.until(lambda: len(requests_of(mms, protocol.SNAPSHOT)) >= target, limit):
        raise Nonconformance(
            f"{times} more snapshot requests: not within {limit:.0f}s",
            requirement=requirement,
            expected=f"{target} {protocol.SNAPSHOT} requests within {limit:.0f}s",
            seen=len(requests_of(mms, protocol.SNAPSHOT)),
        )


def check_received(
    mms: MmsService, api: str, *, waits: MdsWaits = DEFAULT_WAITS, requirement: str | None = None
) -> None:
    """The MMS receives an `api` request within the settle time."""
    if not waits.until(lambda: bool(requests_of(mms, api))):
        raise Nonconformance(
            f"the MMS received no {api} request",
            requirement=requirement,
            expected=f"a {api} request within {waits.settle:g}s",
            seen=[r.api for r in requests_of(mms)],
        )


def check_received_count(
    mms: MmsService,
    api: str,
    count: int,
    *,
    waits: MdsWaits = DEFAULT_WAITS,
    requirement: str | None = None,
) -> None:
    """The MMS has received exactly `count` `api` requests (waiting the settle time for more)."""
    waits.until(lambda: len(requests_of(mms, api)) >= count)
    got = len(requests_of(mms, api))
    if got != count:
        raise Nonconformance(
            f"the MMS received {got} {api} requests, expected {count}",
            requirement=requirement,
            expected=count,
            seen=got,
        )


def check_signed(records: Sequence[RecordedRequest], *, requirement: str | None = None) -> None:
    """Every request verified at the MMS: RS256, x5c chained to the vendor root."""
    bad = [(r.api, r.problem) for r in records if r.problem or r.payload is None]
    if bad:
        raise Nonconformance(
            f"requests the MMS could not verify: {bad}",
            requirement=requirement,
            expected="RS256 JWS with an x5c chained to the vendor root",
            seen=bad,
        )
    algs = [(r.api, (r.header or {}).get("alg")) for r in records]
    wrong = [(api, alg) for api, alg in algs if alg != "RS256"]
    if wrong:
        raise Nonconformance(
            f"requests not signed with RS256: {wrong}",
            requirement=requirement,
            expected="alg RS256",
            seen=wrong,
        )


def check_fields(records: Sequence[RecordedRequest], *, requirement: str | None = None) -> None:
    """Every request carries all its API's fields as strings, the enumerated ones in range."""
    problems = []
    for r in records:
        payload = r.payload or {}
        fields = protocol.REQUEST_FIELDS[r.api]
        missing = [f for f in fields if f not in payload]
        untyped = [f for f in fields if not isinstance(payload.get(f), str)]
        if missing or untyped:
            problems.append(f"{r.api}: missing {missing}, not strings {untyped}")
        for name, allowed in (
            ("certificationLevel", CERTIFICATION_LEVELS),
            ("bioType", BIO_TYPES),
            ("devicePurpose", PURPOSES),
        ):
            if payload.get(name) not in allowed:
                problems.append(f"{r.api}: {name} {payload.get(name)!r} not in {allowed}")
    if problems:
        raise Nonconformance(
            "; ".join(problems),
            requirement=requirement,
            expected="every field of the API's request, typed",
            seen=problems,
        )


def check_timestamps(records: Sequence[RecordedRequest], *, requirement: str | None = None) -> None:
    """Every request's timeStamp is ISO 8601 with a time zone."""
    problems = []
    for r in records:
        try:
            parse_iso((r.payload or {}).get("timeStamp"))
        except ValueError as exc:
            problems.append(f"{r.api}: timeStamp {exc}")
    if problems:
        raise Nonconformance(
            "; ".join(problems),
            requirement=requirement,
            expected="ISO 8601 timestamps with a zone",
            seen=problems,
        )


def check_unique_transaction_ids(
    records: Sequence[RecordedRequest], *, requirement: str | None = None
) -> None:
    """No two requests share a uniqueTransactionId."""
    ids = [(r.payload or {}).get("uniqueTransactionId") for r in records]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise Nonconformance(
            f"transaction ids used more than once: {repeated}",
            requirement=requirement,
            expected="a uniqueTransactionId per request",
            seen=sorted(map(str, repeated)),
        )


def check_refreshed_in_time(mms: MmsService, *, requirement: str | None = None) -> None:
    """At least three snapshots were answered, each asked for before the previous expired."""
    snapshots = [r for r in requests_of(mms, protocol.SNAPSHOT) if r.response_code == 0]
    if len(snapshots) < 3:
        raise Nonconformance(
            f"only {len(snapshots)} snapshots were answered",
            requirement=requirement,
            expected="at least 3 answered snapshot requests",
            seen=len(snapshots),
        )
    for earlier, later in itertools.pairwise(snapshots):
        validity = parse_iso(earlier.answer["snapshotValidity"])  # the reference MMS's own
        if later.received_at >= validity:
            raise Nonconformance(
                f"snapshot asked for at {later.received_at}, the previous expired at {validity}",
                requirement=requirement,
                expected=f"a snapshot request before {validity}",
                seen=later.received_at,
            )


def check_rotation_csr(
    mms: MmsService, original: x509.Certificate, *, requirement: str | None = None
) -> None:
    """The first key rotation request carries a CSR, validly signed, for a new RSA-2048 key."""
    (record, *_) = requests_of(mms, protocol.KEY_ROTATION) or [None]
    if record is None or not record.payload:
        raise Nonconformance(
            "the MMS received no verifiable key rotation request",
            requirement=requirement,
            expected=f"a {protocol.KEY_ROTATION} request",
            seen=record.problem if record else [r.api for r in requests_of(mms)],
        )
    try:
        csr, _ = certs.load_csr(record.payload.get("csrData"))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise Nonconformance(
            f"csrData is not a CSR: {exc}",
            requirement=requirement,
            expected="a PEM or base64 DER CSR",
            seen=record.payload.get("csrData"),
        ) from None
    key = csr.public_key()
    if not csr.is_signature_valid:
        raise Nonconformance(
            "the CSR's signature does not verify",
            requirement=requirement,
            expected="a self-signed CSR",
            seen="bad signature",
        )
    bits = getattr(key, "key_size", None)
    if not isinstance(key, rsa.RSAPublicKey) or bits != 2048:
        raise Nonconformance(
            f"CSR key is {type(key).__name__} with {bits} bits",
            requirement=requirement,
            expected="an RSA-2048 key",
            seen=f"{type(key).__name__}, {bits} bits",
        )
    if certs.same_public_key(key, original.public_key()):  # type: ignore[arg-type]
        raise Nonconformance(
            "the CSR is for the device's current key, not a new one",
            requirement=requirement,
            expected="a new key",
            seen="the key of the device's current certificate",
        )


def issued_certificate(
    mms: MmsService,
    serial_number: str,
    *,
    waits: MdsWaits = DEFAULT_WAITS,
    requirement: str | None = None,
) -> x509.Certificate:
    """The last certificate the MMS issued to the device (a rotation the MDS completed, waited
    for the settle time)."""
    waits.until(lambda: bool(mms.registry.certificates(serial_number)))
    issued = mms.registry.certificates(serial_number)
    if not issued:
        raise Nonconformance(
            "the MMS issued no certificate",
            requirement=requirement,
            expected=f"a certificate issued to {serial_number}",
            seen=None,
        )
    return issued[-1]


def check_registration_signed(
    mms: MmsService,
    trust: TrustStore,
    device_certificate: x509.Certificate,
    *,
    requirement: str | None = None,
) -> None:
    """The first registration request (any form docs/errata.md accept) verifies: its deviceInfo,
    the digitalId inside it, and deviceData when it came signed, were signed with the device's
    certificate."""
    records = [r for r in requests_of(mms, protocol.REGISTRATION) if r.payload]
    if not records:
        raise Nonconformance(
            "the MMS received no registration request",
            requirement=requirement,
            expected=f"a verifiable {protocol.REGISTRATION} request",
            seen=[r.api for r in requests_of(mms)],
        )
    raw = records[0].payload.get("deviceRegistrationRequest")  # type: ignore[union-attr]
    try:
        read = read_registration_request(raw)
    except ValueError as exc:
        raise Nonconformance(
            str(exc),
            requirement=requirement,
            expected="a MOSIP registration request",
            seen=raw,
        ) from None
    if read.device_data_token is not None:
        data = _verified(read.device_data_token, trust, "deviceData", requirement)
        _signed_by(data, device_certificate, "deviceData", requirement)
    info_token = _member(read.device_data, ("deviceInfo",), requirement)
    info = _verified(info_token, trust, "deviceInfo", requirement)
    digital_token = _member(info.payload, ("digitalId",), requirement)
    digital = _verified(digital_token, trust, "digitalId", requirement)
    _signed_by(info, device_certificate, "deviceInfo", requirement)
    _signed_by(digital, device_certificate, "digitalId", requirement)


def check_later_snapshots_carry_code(
    mms: MmsService,
    serial_number: str,
    *,
    waits: MdsWaits = DEFAULT_WAITS,
    requirement: str | None = None,
) -> None:
    """The snapshot requests after the first registration carry the device code the MMS
    assigned (waiting the settle time for one)."""
    record = mms.registry.get(serial_number)
    if not record or not record.device_code:
        raise Nonconformance(
            "the MMS holds no device code for the device",
            requirement=requirement,
            expected=f"a device code assigned to {serial_number}",
            seen=None,
        )
    registrations = requests_of(mms, protocol.REGISTRATION)
    if not registrations:
        raise Nonconformance(
            "the MMS received no registration request",
            requirement=requirement,
            expected=f"a {protocol.REGISTRATION} request",
            seen=[r.api for r in requests_of(mms)],
        )
    registered_at = registrations[0].received_at

    def later() -> list[RecordedRequest]:
        return [r for r in requests_of(mms, protocol.SNAPSHOT) if r.received_at > registered_at]

    if not waits.until(lambda: bool(later())):
        raise Nonconformance(
            "no snapshot request after the registration",
            requirement=requirement,
            expected=f"a snapshot request within {waits.settle:g}s of the registration",
            seen=None,
        )
    codes = {(r.payload or {}).get("deviceCodeUUID") for r in later()}
    if codes != {record.device_code}:
        raise Nonconformance(
            f"later snapshots carried {codes}",
            requirement=requirement,
            expected=record.device_code,
            seen=sorted(map(str, codes)),
        )


def check_reasked_without_code(
    mms: MmsService, *, waits: MdsWaits = DEFAULT_WAITS, requirement: str | None = None
) -> None:
    """The first snapshot was answered -101 (as the scenario scripted), and a later snapshot
    request carries an empty deviceCodeUUID (waiting the settle time for it)."""

    def asked_again() -> bool:
        _, *later = requests_of(mms, protocol.SNAPSHOT) or [None]
        return any((r.payload or {}).get("deviceCodeUUID") == "" for r in later)

    settled = waits.until(asked_again)
    first = next(iter(requests_of(mms, protocol.SNAPSHOT)), None)
    if first is None or first.problem:
        raise Nonconformance(
            "the MDS sent no verifiable first snapshot request",
            requirement=requirement,
            expected=f"a verifiable {protocol.SNAPSHOT} request",
            seen=first.problem if first else None,
        )
    if first.response_code != ResponseCode.INVALID_DEVICE_CODE:
        raise BenchFault(
            f"the reference MMS answered the first snapshot {first.response_code}, not -101"
        )
    if not settled:
        sent = [
            (r.payload or {}).get("deviceCodeUUID") for r in requests_of(mms, protocol.SNAPSHOT)
        ]
        raise Nonconformance(
            "no later snapshot request with an empty deviceCodeUUID",
            requirement=requirement,
            expected='deviceCodeUUID "" after -101',
            seen=sent,
        )


def check_serial_number_sent(
    mms: MmsService, serial_number: str, *, requirement: str | None = None
) -> None:
    """Every request the MDS sent names the device by `serial_number` (e.g. its USB string)."""
    sent = {(r.payload or {}).get("serialNumber") for r in requests_of(mms)}
    if sent != {serial_number}:
        raise Nonconformance(
            f"the device says {serial_number!r}, the MDS sent {sent}",
            requirement=requirement,
            expected=serial_number,
            seen=sorted(map(str, sent)),
        )


# --- what the SBI answers --------------------------------------------------------------------


def discovered_serial(sbi: SbiClient, *, requirement: str | None = None) -> str:
    """The serial number of the device the MDS's discovery lists first (its `deviceId`)."""
    answer = _sbi(sbi.discover, "discovery", requirement)
    return str(_member(answer, (0, "deviceId"), requirement))


def device_status(sbi: SbiClient, *, requirement: str | None = None) -> Any:
    """The deviceStatus the MDS's discovery answers for its first device."""
    answer = _sbi(sbi.discover, "discovery", requirement)
    return _member(answer, (0, "deviceStatus"), requirement)


def check_device_status(
    sbi: SbiClient, status: str, *, waits: MdsWaits = DEFAULT_WAITS, requirement: str | None = None
) -> None:
    """The SBI reports `status` (within the settle time). Each look is one discovery: with a
    silent device, each takes the device's timeout."""
    seen: list[Any] = []

    def reports_it() -> bool:
        seen.append(device_status(sbi, requirement=requirement))
        return seen[-1] == status

    waits.until(reports_it)  # looks at least once
    got = seen[-1]
    if got != status:
        raise Nonconformance(
            f"SBI deviceStatus is {got!r}, expected {status!r}",
            requirement=requirement,
            expected=status,
            seen=got,
        )


def sbi_signer(
    sbi: SbiClient,
    trust: TrustStore,
    *,
    waits: MdsWaits | None = None,
    requirement: str | None = None,
) -> x509.Certificate:
    """The certificate the device signs its SBI device info with now (the info verified);
    with `waits`, after waiting the settle time for a signed device info (an unregistered
    device's is unsigned: docs/errata.md)."""
    if waits is not None:
        waits.until(lambda: _quietly(lambda: sbi_signer(sbi, trust, requirement=requirement)))
    answer = _sbi(sbi.device_info, "device info", requirement)
    token = _member(answer, (0, "deviceInfo"), requirement)
    return _verified(token, trust, "deviceInfo", requirement).signer


def check_signed_clock(
    sbi: SbiClient,
    purpose: str,
    trust: TrustStore,
    server: Clock,
    tolerance: dt.timedelta,
    *,
    waits: MdsWaits | None = None,
    within: float | None = None,
    requirement: str | None = None,
) -> None:
    """The time the device stamps a capture with ("Time as per the biometric device", signed
    with its key) is within `tolerance` of the server's time (`server`): the device adopted it;
    with `waits`, after waiting up to `within` seconds (default: the settle time) for such a
    capture (an MDS still syncing its device). (Not the digitalId's dateTime: an L1 device's is
    signed with a key outside the device CA, and it is the time the identity was issued:
    docs/errata.md.)"""
    if waits is not None:
        waits.until(
            lambda: _passes(
                lambda: check_signed_clock(
                    sbi, purpose, trust, server, tolerance, requirement=requirement
                )
            ),
            within,
        )
    entry = capture(sbi, purpose, requirement=requirement)
    data = _verified(_member(entry, ("data",), requirement), trust, "capture data", requirement)
    stamped = _member(data.payload, ("timestamp",), requirement)
    try:
        moment = parse_iso(stamped)
    except ValueError as exc:
        raise Nonconformance(
            f"the capture's timestamp is not ISO 8601 with a zone: {exc}",
            requirement=requirement,
            expected="ISO 8601 with a zone",
            seen=stamped,
        ) from None
    now = server.now()
    if abs(moment - now) > tolerance:
        raise Nonconformance(
            f"the device stamps its capture {stamped}, {abs(moment - now)} from the server's time",
            requirement=requirement,
            expected=f"within {tolerance} of {now.isoformat()}",
            seen=stamped,
        )


def check_device_info_signed_by(
    sbi: SbiClient,
    trust: TrustStore,
    signer: x509.Certificate,
    *,
    waits: MdsWaits = DEFAULT_WAITS,
    requirement: str | None = None,
) -> None:
    """The SBI's device info is a JWS that verifies and was signed with `signer` (waiting the
    settle time for an MDS that is still installing it)."""

    waits.until(lambda: _quietly(lambda: sbi_signer(sbi, trust)) == signer)
    answer = _sbi(sbi.device_info, "device info", requirement)
    verified = _verified(
        _member(answer, (0, "deviceInfo"), requirement), trust, "deviceInfo", requirement
    )
    _signed_by(verified, signer, "device info", requirement)


def capture(sbi: SbiClient, purpose: str, *, requirement: str | None = None) -> dict[str, Any]:
    """One capture through the SBI (RCAPTURE for a Registration device): its first biometric."""
    answer = _sbi(
        lambda: sbi.capture(registration=purpose == "Registration"), "capture", requirement
    )
    entry = _member(answer, ("biometrics", 0), requirement)
    if not isinstance(entry, dict):
        raise Nonconformance(
            "the capture's biometric entry is not an object",
            requirement=requirement,
            expected="an object",
            seen=entry,
        )
    return entry


def check_capture_signed(
    sbi: SbiClient,
    purpose: str,
    trust: TrustStore,
    device_certificate: x509.Certificate,
    *,
    requirement: str | None = None,
) -> None:
    """A capture succeeds (errorCode "0") and its data was signed with the device's certificate."""
    entry = capture(sbi, purpose, requirement=requirement)
    error = entry.get("error")
    if _member(entry, ("error", "errorCode"), requirement) != "0":
        raise Nonconformance(
            f"capture refused: {error}",
            requirement=requirement,
            expected='errorCode "0"',
            seen=error,
        )
    verified = _verified(entry.get("data"), trust, "capture data", requirement)
    _signed_by(verified, device_certificate, "capture data", requirement)


def check_capture_refused(
    sbi: SbiClient,
    purpose: str,
    code: str,
    *,
    exact: bool = False,
    requirement: str | None = None,
) -> str:
    """A capture is refused: no data (absent or "", as MOSIP's own example sends) and a
    non-zero errorCode, `code` itself when `exact` (a bench that pins the numbers); the
    errorCode it gave."""
    entry = capture(sbi, purpose, requirement=requirement)
    if entry.get("data") not in (None, ""):
        raise Nonconformance(
            "the MDS captured anyway",
            requirement=requirement,
            expected=f'refused with errorCode "{code}"' if exact else "a refusal",
            seen=entry.get("error"),
        )
    given = str(_member(entry, ("error", "errorCode"), requirement))
    if given == "0" or (exact and given != code):
        raise Nonconformance(
            f"capture answered {entry['error']}",
            requirement=requirement,
            expected=f'errorCode "{code}"' if exact else "a non-zero errorCode",
            seen=entry["error"],
        )
    return given


# --- helpers ---------------------------------------------------------------------------------


def _passes(check: Callable[[], None]) -> bool:
    """Whether `check` passes now (a wait's probe)."""
    try:
        check()
    except Nonconformance:
        return False
    return True


def _quietly(read: Callable[[], T]) -> T | None:
    """What `read` gives, or None while the MDS does not conform yet (a wait's probe)."""
    try:
        return read()
    except Nonconformance:
        return None


def _sbi(call: Callable[[], T], what: str, requirement: str | None) -> T:
    """An SBI call whose error answer, unparseable body or silence is a nonconformance (a
    connection the bench cannot make stays a bench fault)."""
    try:
        return call()
    except httpx.HTTPStatusError as exc:
        raise Nonconformance(
            f"SBI {what}: HTTP {exc.response.status_code}",
            requirement=requirement,
            expected="HTTP 200",
            seen=exc.response.status_code,
        ) from None
    except httpx.TimeoutException as exc:
        raise Nonconformance(
            f"SBI {what}: no answer in time ({type(exc).__name__})",
            requirement=requirement,
            expected="an answer",
            seen=type(exc).__name__,
        ) from None
    except ValueError as exc:
        raise Nonconformance(
            f"SBI {what}: the answer is not JSON: {exc}",
            requirement=requirement,
            expected="a JSON answer",
            seen=str(exc),
        ) from None


def _member(value: Any, path: tuple[str | int, ...], requirement: str | None) -> Any:
    """`value[path[0]][path[1]]...`, or a Nonconformance naming the part that is missing."""
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise Nonconformance(
                f"the answer has no {'.'.join(map(str, path))}",
                requirement=requirement,
                expected=".".join(map(str, path)),
                seen=value,
            ) from None
    return value


def _verified(token: Any, trust: TrustStore, what: str, requirement: str | None) -> VerifiedJws:
    try:
        return verify(token, trust, dt.datetime.now(dt.UTC))
    except InvalidJws as exc:
        raise Nonconformance(
            f"{what} does not verify: {exc}",
            requirement=requirement,
            expected="an RS256 JWS with an x5c chained to the device CA",
            seen=exc.reason,
        ) from None


def _signed_by(
    verified: VerifiedJws, signer: x509.Certificate, what: str, requirement: str | None
) -> None:
    if verified.signer != signer:
        raise Nonconformance(
            f"{what} is not signed by the expected certificate",
            requirement=requirement,
            expected=describe(signer),
            seen=describe(verified.signer),
        )
