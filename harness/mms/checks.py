"""Verdicts on MMS answers. Each check raises Nonconformance saying what was expected and seen.

Deviations the docs/errata.md call advisory (a JSON boolean or number where the spec shows a
string, a device code that is not a UUID) are recorded as evidence advisories and do not fail.
An answer the harness cannot parse (a time without a zone, a certificate that is not one) is
the server's nonconformance, never a fault of the bench.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from harness.clock import parse_iso
from harness.evidence import Evidence
from harness.hostile.outcome import REFUSED, check_no_server_error
from harness.mms import protocol
from harness.mms.answers import (
    certificate_field,
    document_device_code,
    registered_device_code,
    registration_document,
)
from harness.mms.client import MmsExchange
from harness.pki import certs
from harness.pki.trust import TrustStore, UntrustedChain
from harness.verdict import Nonconformance

FIELD_KINDS = (
    "a boolean string",
    "a timestamp with zone",
    "a response code",
    "a string",
    "a non-empty string",
    "a certificate",
    "a registration document",
    "a thumbprint",
    "a certification level",
)
# Hex, base64url or base64 (docs/errata.md on encryptionCertThumbprint).
_THUMBPRINT = re.compile(r"[0-9A-Za-z_\-+/]+={0,2}")


def response_code(answer: dict[str, Any], evidence: Evidence) -> int:
    """The answer's responseCode as an int (a JSON number is accepted with an advisory)."""
    value = answer.get("responseCode")
    if isinstance(value, int) and not isinstance(value, bool):
        evidence.advisory(f"responseCode is the JSON number {value}, the spec shows a string")
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    raise Nonconformance(
        "responseCode is not a number", expected='a code such as "0" or "-102"', seen=value
    )


def check_code(
    exchange: MmsExchange, expected: int, evidence: Evidence, requirement: str | None = None
) -> None:
    """The answer carries `expected` as its response code."""
    got = response_code(exchange.answer, evidence)
    if got != expected:
        description = exchange.answer.get("description")
        raise Nonconformance(
            f"{exchange.api}: expected responseCode {expected}, got {got} ({description!r})",
            requirement=requirement,
            expected=expected,
            seen=got,
        )


def check_rejected(exchange: MmsExchange, evidence: Evidence, pinned: int | None) -> int:
    """A request the spec gives no code for: non-zero (or the pinned code), no device data."""
    got = response_code(exchange.answer, evidence)
    if pinned is not None and got != pinned:
        raise Nonconformance(
            f"{exchange.api}: expected the bench's pinned code {pinned}, got {got}",
            expected=pinned,
            seen=got,
        )
    if got == 0:
        raise Nonconformance(
            f"{exchange.api}: the server accepted the request (responseCode 0)",
            expected="a non-zero responseCode",
            seen=got,
        )
    check_no_device_data(exchange, evidence, flags_may_say=_UNAUTHENTICATED_FLAGS)
    return got


def refused_over_http(exchange: MmsExchange, case: str, evidence: Evidence) -> bool:
    """True when a body under an API name the spec does not define was refused with an HTTP
    4xx: the spec gives that case no answer, and without a known name there is no envelope to
    answer under (the other unspecified cases are answered in an envelope: docs/errata.md)."""
    if case != "unknown_api" or not 400 <= exchange.status < 500:
        return False
    evidence.add("unknown API name refused over HTTP", str(exchange.status))
    return True


def check_refused(exchange: MmsExchange, evidence: Evidence) -> int:
    """A correctly signed request the server cannot serve (a required field missing or of the
    wrong JSON type): a non-zero code and no device data beyond what a -102 answer may carry."""
    got = response_code(exchange.answer, evidence)
    if got == 0:
        raise Nonconformance(
            f"{exchange.api}: the server accepted the request (responseCode 0)",
            expected="a non-zero responseCode",
            seen=got,
        )
    flags = _AUTHENTIC_FLAGS if got == protocol.ResponseCode.INVALID_DEVICE else {}
    check_no_device_data(exchange, evidence, flags_may_say=flags)
    return got


def check_invalid_device(exchange: MmsExchange, evidence: Evidence) -> None:
    """docs/errata.md, -102 to an authentic request: code -102; the answer may carry
    isWhiteListed / isDeviceValid agreeing with it (the device is not valid), the echo and the
    server fields; never the device code, registration state, key expiry or thumbprint."""
    check_code(exchange, protocol.ResponseCode.INVALID_DEVICE, evidence, "MMS-CODE-102")
    check_no_device_data(exchange, evidence, flags_may_say=_AUTHENTIC_FLAGS)


# The whitelist flags a refusal may carry, and whether the device was authenticated: to the
# device itself a -102 may say it is whitelisted when its validity lapsed (at least one flag
# must say "false"); to an unauthenticated sender the flags may only say "false".
_AUTHENTIC_FLAGS = {"isWhiteListed": ("true", "false"), "isDeviceValid": ("true", "false")}
_UNAUTHENTICATED_FLAGS = {"isWhiteListed": ("false",), "isDeviceValid": ("false",)}


def _said(value: Any) -> bool:
    """Whether an answer field says anything: null and "" (a fixed answer object's unused
    fields, as Jackson writes them) tell nothing about the device."""
    return value not in (None, "")


def check_no_device_data(
    exchange: MmsExchange,
    evidence: Evidence,
    *,
    flags_may_say: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """The answer to a refused request tells nothing about the device (fields present but null
    or empty say nothing); `flags_may_say` lets whitelist flags through with the values given,
    as long as together they explain the refusal (one of them says "false")."""
    answer, allowed = exchange.answer, flags_may_say or {}
    leaked = [
        f
        for f in protocol.ANY_DEVICE_DATA
        if _said(answer.get(f)) and f not in allowed and not _refusal_document(answer, f)
    ]
    said_flags = {}
    for flag in allowed:
        if _said(answer.get(flag)):
            said_flags[flag] = boolean_field(answer, flag, evidence)
    wrong_flags = {f: v for f, v in said_flags.items() if v not in allowed[f]}
    if said_flags and "false" not in said_flags.values():
        wrong_flags.update(said_flags)
    request = exchange.payload if isinstance(exchange.payload, dict) else {}
    code = answer.get("deviceCodeUUID")
    if _said(code) and code != request.get("deviceCodeUUID"):
        leaked.append("deviceCodeUUID (not the request's own)")
    if leaked or wrong_flags:
        raise Nonconformance(
            f"{exchange.api}: an answer refusing the request tells about the device: "
            f"{leaked or ''}{' flags that do not agree with the refusal: ' if wrong_flags else ''}"
            f"{wrong_flags or ''}",
            expected="no device data (docs/errata.md)",
            seen={f: answer.get(f.split(" ")[0]) for f in [*leaked, *wrong_flags]},
        )


def _refusal_document(answer: dict[str, Any], field: str) -> bool:
    """A deviceRegistrationResponse that only relays MOSIP's refusal (no device code in it):
    the server passes on what it received, which is no device data."""
    if field != "deviceRegistrationResponse":
        return False
    try:
        return document_device_code(answer) is None
    except Nonconformance:
        return True  # not even a document: nothing about the device either


def two_part_rotation_taken(exchange: MmsExchange, evidence: Evidence) -> bool:
    """True when the server took msbKeyRotation in the two-part form signed as docs/errata.md
    say (the bench allows it): reported as an advisory instead of a refusal."""
    if exchange.api != protocol.KEY_ROTATION or exchange.mutation != "two-part form":
        return False
    if response_code(exchange.answer, evidence) != protocol.ResponseCode.SUCCESS:
        return False  # refused: the usual check follows
    evidence.advisory(
        "msbKeyRotation was accepted in the two-part payload.signature form its section shows "
        "(allowed by this bench; docs/errata.md expect three parts)"
    )
    return True


def check_envelope(exchange: MmsExchange) -> dict[str, Any]:
    """HTTP 200, body `{"<api>": "<JWS>"}`, JWS RS256 with x5c verified; return the header."""
    if exchange.status != 200:
        raise Nonconformance(
            f"{exchange.api}: HTTP {exchange.status}",
            requirement="MMS-ENV-FORMAT",
            expected=200,
            seen=exchange.status,
        )
    if exchange.verified is None:
        raise Nonconformance(f"{exchange.api}: {exchange.problem}", requirement="MMS-ENV-SIGNATURE")
    header = exchange.verified.header
    if str(header.get("typ", "")).lower() != "jwt":
        raise Nonconformance(
            f"{exchange.api}: answer header typ is {header.get('typ')!r}",
            requirement="MMS-ENV-SIGNATURE",
            expected="jwt (any case)",
            seen=header.get("typ"),
        )
    return header


def check_echo(exchange: MmsExchange) -> None:
    """Every request field the answer repeats has the value the request sent. `timeStamp` is a
    moment, compared as one (a server may write it back in another form); only the snapshot,
    which has its own serverTimeStamp, must repeat it: the other answers may stamp their own."""
    fields = protocol.ECHOED_FIELDS[exchange.api]
    missing = [f for f in fields if f not in exchange.answer]
    differ = {
        f: (exchange.payload.get(f), exchange.answer[f])
        for f in fields
        if f in exchange.answer and not _echoes(exchange, f)
    }
    if missing or differ:
        raise Nonconformance(
            f"{exchange.api}: not echoed: missing {missing}, differing {differ}",
            expected="the request's values",
            seen=differ,
        )


def _echoes(exchange: MmsExchange, field: str) -> bool:
    sent, got = exchange.payload.get(field), exchange.answer[field]
    if field != "timeStamp":
        return got == sent
    try:
        moment = parse_iso(got)
    except ValueError:
        return False
    return exchange.api != protocol.SNAPSHOT or moment == parse_iso(sent)


def check_field(answer: dict[str, Any], field: str, kind: str, evidence: Evidence) -> None:
    """`answer[field]` is present and of the given kind (one of FIELD_KINDS)."""
    if kind not in FIELD_KINDS:
        raise ValueError(f"unknown field kind {kind!r}; known: {FIELD_KINDS}")
    if field not in answer:
        raise Nonconformance(f"field {field} is missing from the answer", expected=kind)
    value = answer[field]
    if kind == "a boolean string":
        boolean_field(answer, field, evidence)
    elif kind == "a timestamp with zone":
        _time(answer, field)
    elif kind == "a response code":
        response_code(answer, evidence)
    elif kind in ("a string", "a non-empty string"):
        if not isinstance(value, str) or (kind == "a non-empty string" and not value):
            raise Nonconformance(
                f"{field} is {value!r}, expected {kind}", expected=kind, seen=value
            )
    elif kind == "a certificate":
        _, form = certificate_field(answer, field)
        evidence.add(f"{field} form", form)
    elif kind == "a registration document":
        _, form = registration_document(answer)
        evidence.add(f"{field} form", form)
    elif kind == "a thumbprint":
        if not isinstance(value, str) or not _THUMBPRINT.fullmatch(value):
            raise Nonconformance(
                f"{field} is {value!r}, expected a digest in hex, base64url or base64",
                expected=kind,
                seen=value,
            )
    elif value not in protocol.CERTIFICATION_LEVELS:  # a certification level
        raise Nonconformance(
            f"{field} is {value!r}, expected one of {protocol.CERTIFICATION_LEVELS}",
            expected=protocol.CERTIFICATION_LEVELS,
            seen=value,
        )


def boolean_field(answer: dict[str, Any], field: str, evidence: Evidence) -> str:
    """A boolean field as "true"/"false"; a JSON boolean is an advisory, anything else fails."""
    if field not in answer:
        raise Nonconformance(f"field {field} is missing from the answer", expected="a boolean")
    value = answer[field]
    if isinstance(value, bool):
        evidence.advisory(f"{field} is the JSON boolean {value}, the spec shows a string")
        return "true" if value else "false"
    if value not in ("true", "false"):
        raise Nonconformance(
            f'{field} is {value!r}, expected "true" or "false"',
            expected='"true" or "false"',
            seen=value,
        )
    return value


def _time(answer: dict[str, Any], field: str, requirement: str | None = None) -> dt.datetime:
    """An ISO 8601 time with a zone from the answer."""
    try:
        return parse_iso(answer.get(field))
    except ValueError as exc:
        raise Nonconformance(
            f"{field}: {exc}",
            requirement=requirement,
            expected="ISO 8601 with a time zone",
            seen=answer.get(field),
        ) from None


def check_server_time(answer: dict[str, Any], now: dt.datetime, tolerance: dt.timedelta) -> None:
    """serverTimeStamp lies within `tolerance` of the harness clock."""
    server = _time(answer, "serverTimeStamp", "MMS-SNAP-TIME")
    drift = abs(server - now)
    if drift > tolerance:
        raise Nonconformance(
            f"serverTimeStamp {server} is {drift} from the harness clock {now}",
            requirement="MMS-SNAP-TIME",
            expected=f"within {tolerance} of {now}",
            seen=server,
        )


def check_snapshot_validity(answer: dict[str, Any], now: dt.datetime) -> None:
    """snapshotValidity is in the future and later than the answer's own serverTimeStamp."""
    validity = _time(answer, "snapshotValidity", "MMS-SNAP-VALIDITY")
    server = _time(answer, "serverTimeStamp", "MMS-SNAP-VALIDITY")
    if validity <= now:
        raise Nonconformance(
            f"snapshotValidity {validity} is not in the future (now {now})",
            requirement="MMS-SNAP-VALIDITY",
            seen=validity,
        )
    if validity <= server:
        raise Nonconformance(
            f"snapshotValidity {validity} is not after serverTimeStamp {server}",
            requirement="MMS-SNAP-VALIDITY",
            seen=validity,
        )


def check_thumbprint(answer: dict[str, Any], cert: x509.Certificate, algorithms: list[str]) -> str:
    """encryptionCertThumbprint is the certificate's digest under one of `algorithms`, as hex
    (any case), base64url without padding or base64; return which hash and encoding matched."""
    value = answer.get("encryptionCertThumbprint")
    tried: dict[str, dict[str, str]] = {}
    for algorithm in algorithms:
        forms = tried[algorithm] = certs.thumbprint_forms(cert, algorithm)
        if not isinstance(value, str):
            continue
        if value.lower() == forms["lower-case hex"]:
            case = "upper" if value.isupper() else "lower" if value.islower() else "mixed"
            return f"{algorithm} over DER as {case}-case hex"
        for encoding in ("base64url without padding", "base64"):
            if value.rstrip("=") == forms[encoding].rstrip("="):
                return f"{algorithm} over DER as {encoding}"
    raise Nonconformance(
        "encryptionCertThumbprint is not the thumbprint of the certificate msbEncryptionCert "
        "returns",
        requirement="MMS-SNAP-THUMBPRINT",
        expected=tried,
        seen=value,
    )


def check_rotated_certificate(
    answer: dict[str, Any],
    csr: x509.CertificateSigningRequest,
    device_ca_chain: list[x509.Certificate],
    now: dt.datetime,
) -> x509.Certificate:
    """signedDeviceCertificate carries the CSR's public key and chains through
    `device_ca_chain` (device CA first, trust anchor last)."""
    cert, _ = certificate_field(answer, "signedDeviceCertificate")
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise Nonconformance(
            f"signedDeviceCertificate carries a key that cannot be read: {exc}",
            requirement="MMS-ROT-CERT",
        ) from exc
    if not certs.same_public_key(key, csr.public_key()):
        raise Nonconformance(
            "signedDeviceCertificate does not carry the CSR's public key",
            requirement="MMS-ROT-CERT",
        )
    anchor, intermediates = device_ca_chain[-1], device_ca_chain[:-1]
    try:
        TrustStore([anchor]).verify([cert, *intermediates], now)
    except UntrustedChain as exc:
        raise Nonconformance(
            f"signedDeviceCertificate does not chain to the device CA: {exc}",
            requirement="MMS-ROT-CERT",
        ) from None
    return cert


def check_expiry_matches(answer: dict[str, Any], cert: x509.Certificate) -> None:
    """The answer's keyExpiryTimeStamp is the certificate's notAfter (to the second)."""
    expiry = _time(answer, "keyExpiryTimeStamp", "MMS-ROT-CERT")
    if abs(expiry - cert.not_valid_after_utc) >= dt.timedelta(seconds=1):
        raise Nonconformance(
            f"keyExpiryTimeStamp {expiry} differs from the certificate's notAfter "
            f"{cert.not_valid_after_utc}",
            requirement="MMS-ROT-CERT",
            expected=cert.not_valid_after_utc,
            seen=expiry,
        )


def check_flag(answer: dict[str, Any], field: str, expected: str, evidence: Evidence) -> None:
    """A boolean field says `expected` ("true"/"false"); a JSON boolean is advisory."""
    if field not in answer:
        raise Nonconformance(f"field {field} is missing from the answer", expected=expected)
    said = boolean_field(answer, field, evidence)
    if said != expected:
        raise Nonconformance(
            f"{field} is {answer[field]!r}, expected {expected!r}", expected=expected, seen=said
        )


def check_assigned_code(answer: dict[str, Any], evidence: Evidence) -> str:
    """The device code a registration answer assigns (docs/errata.md on where it is); one that is
    not a UUID is an advisory."""
    code, where = registered_device_code(answer)
    evidence.add("device code found at", where)
    try:
        uuid.UUID(code)
    except ValueError:
        evidence.advisory(f"device code {code!r} is not a UUID (the field is deviceCodeUUID)")
    return code


def check_same_code(answer: dict[str, Any], field: str, assigned: str) -> None:
    """`answer[field]` is the device code the registration assigned."""
    got = answer.get(field)
    if got != assigned:
        raise Nonconformance(
            f"{field} is {got!r}, the registration assigned {assigned!r}",
            requirement="MMS-REG-EFFECT",
            expected=assigned,
            seen=got,
        )


def check_codes_differ(assigned: str, other: str, other_device: str) -> None:
    """The code assigned to one device is not the code another device holds."""
    if assigned == other:
        raise Nonconformance(
            f"the registration assigned {assigned!r}, the device code {other_device} holds",
            requirement="MMS-REG-EFFECT",
            expected=f"a code other than {other_device}'s",
            seen=assigned,
        )


def check_hostile_answer(
    exchange: MmsExchange, outcome: str, requirement: str, evidence: Evidence
) -> bool:
    """A hostile request's answer: never a server error; `refused`: an HTTP 4xx, a redirect, a
    connection the server closed, or a signed answer with any non-zero code that tells nothing
    of the device (whitelist flags only as they may on a -102: one says "false"); `tolerated`:
    any of those or any signed answer (the report says which). True when the request was
    served (code 0)."""
    check_no_server_error(exchange.status, exchange.api, requirement)
    if exchange.status == 0 or 300 <= exchange.status < 500:
        evidence.add("refused over HTTP", exchange.problem or str(exchange.status))
        return False
    check_envelope(exchange)
    code = response_code(exchange.answer, evidence)
    if outcome == REFUSED:
        if code == 0:
            raise Nonconformance(
                f"{exchange.api}: the server accepted a hostile request (responseCode 0)",
                requirement=requirement,
                expected="a refusal",
                seen=code,
            )
        check_no_device_data(exchange, evidence, flags_may_say=_AUTHENTIC_FLAGS)
    evidence.add("response code", str(code))
    return code == 0
