"""Verdicts on an MDS's answers to the MOSIP SBI 0.9.5 (discovery, device info, capture and
registration capture), read only through the SBI: they hold for the emulated MDS and a vendor's
alike. Each raises Nonconformance naming the caller's requirement; every reading the SBI text
allows is accepted (clauses cited from MOSIP's "MDS Specification", SBI 0.9.5)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from cryptography import x509

from harness.clock import parse_iso
from harness.device.checks import describe
from harness.jose.jws import (
    InvalidJws,
    VerifiedJws,
    json_payload,
    peek,
    verify_with_key,
    x5c_chain,
)
from harness.mds.checks import _member, _quietly, _sbi, _signed_by, _verified, sbi_signer
from harness.mds.sbi_client import SbiClient, new_transaction_id
from harness.mds.waits import MdsWaits
from harness.pki.trust import TrustStore
from harness.verdict import Nonconformance

# "Accepted Values for Device Discovery Response" / "Allowed values for Device Info Response"
STATUSES = ("Ready", "Busy", "Not Ready", "Not Registered")
CERTIFICATIONS = ("L0", "L1")
PURPOSES = ("Auth", "Registration")
ENVS = ("Staging", "Developer", "Pre-Production", "Production")
BIO_TYPES = ("Finger", "Iris", "Face")
# "Accepted Values for Digital ID": deviceSubType per type
SUB_TYPES = {
    "Finger": ("Slap", "Single", "Touchless"),
    "Iris": ("Single", "Double"),
    "Face": ("Full face",),
}
DISCOVERY_FIELDS = (
    "deviceId",
    "deviceStatus",
    "certification",
    "serviceVersion",
    "deviceSubId",
    "callbackId",
    "digitalId",
    "deviceCode",
    "specVersion",
    "purpose",
    "error",
)
DEVICE_INFO_FIELDS = (
    "deviceStatus",
    "deviceId",
    "firmware",
    "certification",
    "serviceVersion",
    "deviceSubId",
    "callbackId",
    "digitalId",
    "deviceCode",
    "env",
    "purpose",
    "specVersion",
)
DIGITAL_ID_FIELDS = (
    "serialNo",
    "make",
    "model",
    "type",
    "deviceSubType",
    "deviceProvider",
    "deviceProviderId",
    "dateTime",
)
CAPTURE_ENTRY_FIELDS = ("specVersion", "data", "hash", "error")
CAPTURE_DATA_FIELDS = (
    "digitalId",
    "deviceCode",
    "deviceServiceVersion",
    "bioType",
    "purpose",
    "env",
    "bioValue",
    "transactionId",
    "timestamp",
    "requestedScore",
    "qualityScore",
)
# "Error Codes": 100 to 112, and 5xx chosen by the device provider
DOCUMENTED_ERRORS = {str(c) for c in range(100, 113)} | {str(c) for c in range(500, 600)}
# "previousHash: For the first capture ... the SHA256 hash of an empty UTF-8 string"
FIRST_PREVIOUS_HASH = hashlib.sha256(b"").hexdigest().upper()


# --- discovery -------------------------------------------------------------------------------


def discovered(sbi: SbiClient, *, requirement: str | None = None) -> dict[str, Any]:
    """The first device entry of the MDS's discovery answer."""
    answer = _sbi(sbi.discover, "discovery", requirement)
    return _object(_member(answer, (0,), requirement), "discovery entry", requirement)


def discovered_purpose(sbi: SbiClient, *, requirement: str | None = None) -> str:
    """The purpose the MDS's discovery gives its device ("Auth" or "Registration")."""
    return str(_member(discovered(sbi, requirement=requirement), ("purpose",), requirement))


def check_discovery(
    sbi: SbiClient, device_codes: Sequence[str] = (), *, requirement: str | None = None
) -> dict[str, Any]:
    """MOSIPDISC lists the device with every field of "Device Discovery Response", each in its
    allowed values, and an unsigned digitalId with every Digital ID field; `deviceCode` is the
    digitalId's serialNo, or (0.9.5 before its 04-Apr-2022 revision) one of `device_codes`, the
    codes the management server assigned. The discovered entry."""
    entry = discovered(sbi, requirement=requirement)
    _fields(entry, DISCOVERY_FIELDS, "discovery", requirement)
    problems = _enumerated(entry, requirement, purpose_may_be_empty=True)
    digital = unsigned_digital_id(entry["digitalId"], requirement=requirement)
    codes = {digital.get("serialNo"), *device_codes}
    if entry["deviceCode"] not in codes:
        problems.append(
            f"deviceCode {entry['deviceCode']!r} is neither the digitalId's serialNo "
            f"nor a code the management server assigned"
        )
    _report(problems, "discovery", requirement)
    return entry


def unsigned_digital_id(value: Any, *, requirement: str | None = None) -> dict[str, Any]:
    """The digitalId of a discovery answer: "Digital ID as per the Digital ID definition but it
    will not be signed", i.e. base64url(payload) (padded or not; plain base64 tolerated), with
    every Digital ID field."""
    if not isinstance(value, str) or not value or value.count(".") == 2:
        raise Nonconformance(
            "the discovered digitalId is not an unsigned base64url payload",
            requirement=requirement,
            expected="base64urlencoded(digital id JSON), not signed",
            seen=value,
        )
    text = value.replace("-", "+").replace("_", "/")
    try:
        payload = json.loads(base64.b64decode(text + "=" * (-len(text) % 4), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise Nonconformance(
            f"the discovered digitalId does not decode to JSON: {exc}",
            requirement=requirement,
            expected="base64urlencoded(digital id JSON)",
            seen=value,
        ) from None
    check_digital_id_fields(payload, "discovered digitalId", requirement=requirement)
    return payload


def check_digital_id_fields(
    payload: Any, what: str, *, requirement: str | None = None
) -> dict[str, Any]:
    """Every field of "Digital ID", type and deviceSubType in "Accepted Values for Digital ID",
    dateTime ISO 8601 with a zone."""
    digital = _object(payload, what, requirement)
    _fields(digital, DIGITAL_ID_FIELDS, what, requirement)
    problems = []
    kind = digital["type"]
    if kind not in BIO_TYPES:
        problems.append(f"type {kind!r} not in {BIO_TYPES}")
    allowed = [s.casefold() for s in SUB_TYPES.get(kind, ())]
    if kind in SUB_TYPES and str(digital["deviceSubType"]).casefold() not in allowed:
        problems.append(f"deviceSubType {digital['deviceSubType']!r} not in {SUB_TYPES[kind]}")
    problems += _iso_problems(digital, "dateTime")
    _report(problems, what, requirement)
    return digital


# --- device info -----------------------------------------------------------------------------


def check_device_info(
    sbi: SbiClient, trust: TrustStore, *, requirement: str | None = None
) -> VerifiedJws:
    """MOSIPDINFO answers a deviceInfo JWS "signed using the device key" (x5c chained to the
    device trust), with errorCode "0", every field of "Device Info Response" in its allowed
    values, and a signed digitalId with every field; an L0 device's digitalId is signed with
    the device key itself ("For L0 devices which are registered"), an L1 device's with its FTM
    key, which is read, not chain-checked (docs/errata.md). The verified deviceInfo."""
    answer = _sbi(sbi.device_info, "device info", requirement)
    entry = _object(_member(answer, (0,), requirement), "device info entry", requirement)
    _fields(entry, ("deviceInfo", "error"), "device info entry", requirement)
    info = _verified(entry["deviceInfo"], trust, "deviceInfo", requirement)
    payload = _object(info.payload, "deviceInfo payload", requirement)
    _fields(payload, DEVICE_INFO_FIELDS, "deviceInfo", requirement)
    problems = _enumerated(payload, requirement, purpose_may_be_empty=False)
    if payload["env"] not in (*ENVS, "None"):
        problems.append(f"env {payload['env']!r} not in {ENVS}")
    if _member(entry, ("error", "errorCode"), requirement) != "0":
        problems.append(f"a signed deviceInfo with error {entry['error']}")
    _report(problems, "deviceInfo", requirement)
    signer = _digital_id_signer(payload["digitalId"], "deviceInfo digitalId", requirement)
    if payload["certification"] == "L0" and signer != info.signer:
        raise Nonconformance(
            "an L0 device's digitalId is not signed with its device key",
            requirement=requirement,
            expected=describe(info.signer),
            seen=describe(signer),
        )
    return info


def check_rotated(
    sbi: SbiClient,
    trust: TrustStore,
    before: x509.Certificate,
    seconds: float,
    *,
    waits: MdsWaits,
    requirement: str | None = None,
) -> None:
    """Within `seconds`, device info is signed with another certificate than `before` ("This
    key is rotated frequently"), not one older than the certificate it replaced."""

    def signer() -> x509.Certificate:
        return sbi_signer(sbi, trust, requirement=requirement)

    waits.until(lambda: _quietly(signer) not in (None, before), seconds)
    after = signer()
    if after == before:
        raise Nonconformance(
            "device info is still signed with the certificate from before the rotation",
            requirement=requirement,
            expected="a new device certificate",
            seen=describe(after),
        )
    if after.not_valid_before_utc < before.not_valid_before_utc:
        raise Nonconformance(
            "the certificate signing device info after the rotation is older than the one before",
            requirement=requirement,
            expected=f"notBefore at or after {before.not_valid_before_utc.isoformat()}",
            seen=after.not_valid_before_utc.isoformat(),
        )


# --- capture ---------------------------------------------------------------------------------


def capture_entries(
    sbi: SbiClient,
    purpose: str,
    *,
    transaction_id: str | None = None,
    previous_hash: str | None = None,
    requirement: str | None = None,
) -> list[dict[str, Any]]:
    """One CAPTURE (RCAPTURE for a Registration device): its biometric entries, at least one."""
    answer = _sbi(
        lambda: sbi.capture(
            purpose == "Registration", transaction_id=transaction_id, previous_hash=previous_hash
        ),
        "capture",
        requirement,
    )
    _member(answer, ("biometrics", 0), requirement)
    return [_object(e, "biometric", requirement) for e in answer["biometrics"]]


def capture_entry(
    sbi: SbiClient,
    purpose: str,
    *,
    transaction_id: str | None = None,
    previous_hash: str | None = None,
    requirement: str | None = None,
) -> dict[str, Any]:
    """One CAPTURE (RCAPTURE for a Registration device): its first biometric entry."""
    return capture_entries(
        sbi,
        purpose,
        transaction_id=transaction_id,
        previous_hash=previous_hash,
        requirement=requirement,
    )[0]


def check_capture(
    sbi: SbiClient,
    purpose: str,
    trust: TrustStore,
    device_certificate: x509.Certificate,
    now: Callable[[], dt.datetime],
    tolerance: dt.timedelta,
    *,
    requirement: str | None = None,
) -> dict[str, Any]:
    """A capture answers every field of "Capture Response" ("Registration Capture Response"),
    errorCode "0", a `hash` of 64 hex digits, and `data` "signed using the device key" with
    every data field in its allowed values, the transactionId of the request, a timestamp
    ("Time as per the biometric device", synced from the management server) within
    `tolerance` of the server's `now()` and a digitalId with every field. The data payload."""
    transaction_id = new_transaction_id()
    entry = capture_entry(sbi, purpose, transaction_id=transaction_id, requirement=requirement)
    _fields(entry, CAPTURE_ENTRY_FIELDS, "biometric entry", requirement)
    problems = []
    if _member(entry, ("error", "errorCode"), requirement) != "0":
        problems.append(f"error {entry['error']}")
    if not _is_sha256_hex(entry["hash"]):
        problems.append(f"hash {entry['hash']!r} is not SHA-256 in hex")
    if not isinstance(entry["specVersion"], str) or not entry["specVersion"]:
        problems.append(f"specVersion {entry['specVersion']!r}")
    _report(problems, "capture", requirement)
    data = _verified(entry["data"], trust, "capture data", requirement)
    _signed_by(data, device_certificate, "capture data", requirement)
    payload = _object(data.payload, "capture data payload", requirement)
    needed = CAPTURE_DATA_FIELDS + (() if payload.get("bioType") == "Face" else ("bioSubType",))
    _fields(payload, needed, "capture data", requirement)
    if payload["bioType"] not in BIO_TYPES:
        problems.append(f"bioType {payload['bioType']!r} not in {BIO_TYPES}")
    if payload["purpose"] not in PURPOSES:
        problems.append(f"purpose {payload['purpose']!r} not in {PURPOSES}")
    if payload["env"] not in ENVS:
        problems.append(f"env {payload['env']!r} not in {ENVS}")
    if payload["transactionId"] != transaction_id:
        problems.append(f"transactionId {payload['transactionId']!r}, asked {transaction_id!r}")
    problems += _iso_problems(payload, "timestamp")
    _report(problems, "capture data", requirement)
    _digital_id_signer(payload["digitalId"], "capture digitalId", requirement)
    check_timestamp(payload["timestamp"], now(), tolerance, requirement=requirement)
    return payload


def check_timestamp(
    stamped: str, now: dt.datetime, tolerance: dt.timedelta, *, requirement: str | None = None
) -> None:
    """The capture's timestamp is within `tolerance` of the server's time `now`."""
    moment = parse_iso(stamped)
    if abs(moment - now) > tolerance:
        raise Nonconformance(
            f"the capture is stamped {stamped}, {abs(moment - now)} from the server's time",
            requirement=requirement,
            expected=f"within {tolerance} of {now.isoformat()}",
            seen=stamped,
        )


def check_transaction_ids_echoed(
    sbi: SbiClient, purpose: str, captures: int = 2, *, requirement: str | None = None
) -> None:
    """Each capture's data carries the transactionId of its own request ("Same transactionId
    shared in the request should be used"), for `captures` captures with different ids."""
    for _ in range(captures):
        asked = new_transaction_id()
        entry = capture_entry(sbi, purpose, transaction_id=asked, requirement=requirement)
        data = _object(
            _unverified(entry.get("data"), "capture data", requirement),
            "capture data payload",
            requirement,
        )
        if data.get("transactionId") != asked:
            raise Nonconformance(
                "the capture does not echo its request's transactionId",
                requirement=requirement,
                expected=asked,
                seen=data.get("transactionId"),
            )


def expected_hashes(previous_hash: str, biometric: bytes) -> set[str]:
    """The `hash` values MOSIP's "previous hash + sha256 hash of the current biometric ISO
    data" allows, upper case: SHA-256 over the two hashes' bytes (MOSIP's reference MDS), or
    over their hex text."""
    current = hashlib.sha256(biometric)
    as_bytes = bytes.fromhex(previous_hash) + current.digest()
    readings = {hashlib.sha256(as_bytes).hexdigest()}
    for prev, cur in (
        (previous_hash.upper(), current.hexdigest().upper()),
        (previous_hash.lower(), current.hexdigest()),
    ):
        readings.add(hashlib.sha256((prev + cur).encode()).hexdigest())
    return {r.upper() for r in readings}


def check_hash_chain(
    sbi: SbiClient, purpose: str, captures: int = 2, *, requirement: str | None = None
) -> None:
    """Registration captures chain: the first with previousHash the SHA-256 of "" and each next
    with the previous capture's `hash`; each `hash` is SHA-256 of the previous hash and the
    SHA-256 of the biometric (bioValue, "base64urlencoded biometrics (ISO format)"), hex in
    upper case (any case accepted); the entries of one answer chain in order ("used to chain
    all the captures across modalities"). An Auth capture's bioValue is encrypted: only its
    form is checked (by `check_capture`)."""
    previous = FIRST_PREVIOUS_HASH
    for number in range(1, captures + 1):
        entries = capture_entries(sbi, purpose, previous_hash=previous, requirement=requirement)
        previous = _chain(entries, previous, number, requirement)


def _chain(
    entries: list[dict[str, Any]], previous: str, number: int, requirement: str | None
) -> str:
    """Check one answer's entries chain from `previous`; the last entry's hash."""
    for entry in entries:
        data = _object(
            _unverified(entry.get("data"), "capture data", requirement),
            "capture data payload",
            requirement,
        )
        biometric = _b64_any(data.get("bioValue"), requirement)
        got = entry.get("hash")
        allowed = expected_hashes(previous, biometric)
        if not isinstance(got, str) or got.upper() not in allowed:
            raise Nonconformance(
                f"capture {number}: a hash does not chain to previousHash {previous}",
                requirement=requirement,
                expected=f"SHA-256(previous hash + SHA-256(bioValue)): one of {sorted(allowed)}",
                seen=got,
            )
        previous = got.upper()
    return previous


def check_refused(sbi: SbiClient, purpose: str, *, requirement: str | None = None) -> str:
    """A capture the MDS may not make is refused with no data (absent or "") and an errorCode
    from "Error Codes" (100 to 112, or a 5xx of the provider's); the code given."""
    entry = capture_entry(sbi, purpose, requirement=requirement)
    if entry.get("data") not in (None, ""):
        raise Nonconformance(
            "the MDS captured anyway",
            requirement=requirement,
            expected="a refusal without data",
            seen=entry.get("error"),
        )
    code = str(_member(entry, ("error", "errorCode"), requirement))
    if code not in DOCUMENTED_ERRORS:
        raise Nonconformance(
            f"capture refused with errorCode {code!r}, not a documented error",
            requirement=requirement,
            expected="100 to 112, or 5xx",
            seen=entry.get("error"),
        )
    return code


# --- helpers ---------------------------------------------------------------------------------


def _enumerated(
    entry: dict[str, Any], requirement: str | None, *, purpose_may_be_empty: bool
) -> list[str]:
    """What is wrong with the fields discovery and device info share."""
    problems = []
    if entry["deviceStatus"] not in STATUSES:
        problems.append(f"deviceStatus {entry['deviceStatus']!r} not in {STATUSES}")
    if entry["certification"] not in CERTIFICATIONS:
        problems.append(f"certification {entry['certification']!r} not in {CERTIFICATIONS}")
    purposes = (*PURPOSES, "") if purpose_may_be_empty else PURPOSES
    if entry["purpose"] not in purposes:
        problems.append(f"purpose {entry['purpose']!r} not in {purposes}")
    versions = entry["specVersion"]
    if (
        not isinstance(versions, list)
        or not versions
        or not all(isinstance(v, str) and v for v in versions)
    ):
        problems.append(f"specVersion {versions!r} is not a list of versions")
    sub_ids = entry["deviceSubId"]
    if (
        not isinstance(sub_ids, list)
        or not sub_ids
        or not all(str(s) in ("0", "1", "2", "3") for s in sub_ids)
    ):
        problems.append(f"deviceSubId {sub_ids!r} is not a list of 0, 1, 2 or 3")
    for name in ("deviceId", "serviceVersion", "callbackId"):
        if not isinstance(entry[name], str) or not entry[name]:
            problems.append(f"{name} {entry[name]!r} is not a non-empty string")
    error = entry.get("error", {})
    if "error" in entry and not (isinstance(error, dict) and "errorCode" in error):
        problems.append(f"error {error!r} has no errorCode")
    return problems


def _digital_id_signer(token: Any, what: str, requirement: str | None) -> x509.Certificate:
    """A signed digitalId's fields, read and its signature checked against its own x5c (not
    chain-checked: an L1 device's is signed with its FTM key, docs/errata.md); its signer."""
    try:
        header, raw, _ = peek(token)
        signer = x5c_chain(header)[0]
        verify_with_key(token, signer.public_key())  # type: ignore[arg-type]
        payload = json_payload(raw)
    except InvalidJws as exc:
        raise Nonconformance(
            f"{what} is not a JWS signed by its x5c certificate: {exc}",
            requirement=requirement,
            expected="base64url(header).base64url(payload).base64url(signature), RS256 with x5c",
            seen=exc.reason,
        ) from None
    check_digital_id_fields(payload, what, requirement=requirement)
    return signer


def _unverified(token: Any, what: str, requirement: str | None) -> Any:
    """The JSON payload of a compact JWS, read without verifying it."""
    try:
        return json_payload(peek(token)[1])
    except InvalidJws as exc:
        raise Nonconformance(
            f"{what} is not a compact JWS: {exc}",
            requirement=requirement,
            expected="a compact JWS",
            seen=exc.reason,
        ) from None


def _object(value: Any, what: str, requirement: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Nonconformance(
            f"the {what} is not a JSON object",
            requirement=requirement,
            expected="an object",
            seen=value,
        )
    return value


def _fields(
    value: dict[str, Any], names: Sequence[str], what: str, requirement: str | None
) -> None:
    missing = [n for n in names if n not in value]
    if missing:
        raise Nonconformance(
            f"{what} lacks {missing}",
            requirement=requirement,
            expected=list(names),
            seen=sorted(value),
        )


def _iso_problems(value: dict[str, Any], name: str) -> list[str]:
    try:
        parse_iso(value[name])
    except ValueError as exc:
        return [f"{name} {value[name]!r} is not ISO 8601 with a zone: {exc}"]
    return []


def _is_sha256_hex(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _b64_any(value: Any, requirement: str | None) -> bytes:
    """bioValue decoded: base64url as MOSIP says (plain base64, padded or not, tolerated)."""
    if isinstance(value, str):
        text = value.replace("-", "+").replace("_", "/")
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except binascii.Error:
            pass
    raise Nonconformance(
        "the registration capture's bioValue is not base64url",
        requirement=requirement,
        expected="base64urlencoded biometrics (ISO format)",
        seen=value,
    )


def _report(problems: list[str], what: str, requirement: str | None) -> None:
    if problems:
        raise Nonconformance(
            f"{what}: " + "; ".join(problems),
            requirement=requirement,
            expected="every field in the values MOSIP SBI 0.9.5 allows",
            seen=problems,
        )
