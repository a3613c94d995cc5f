"""Verdicts on MMS answers. Each check raises AssertionError with what was expected and seen.

Deviations the DESIGN errata call advisory (a JSON boolean or number where the spec shows a
string) are recorded as evidence advisories and do not fail the check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509

from harness.clock import parse_iso
from harness.evidence import Evidence
from harness.mms import protocol
from harness.mms.answers import certificate_field, registration_document
from harness.mms.client import MmsExchange
from harness.pki import certs
from harness.pki.trust import TrustStore, UntrustedChain

FIELD_KINDS = (
    "a boolean string",
    "a timestamp with zone",
    "a response code",
    "a string",
    "a non-empty string",
    "a certificate",
    "a registration document",
    "a hex thumbprint",
    "a certification level",
)


def response_code(answer: dict[str, Any], evidence: Evidence) -> int:
    """The answer's responseCode as an int (a JSON number is accepted with an advisory)."""
    value = answer.get("responseCode")
    if isinstance(value, int) and not isinstance(value, bool):
        evidence.advisory(f"responseCode is the JSON number {value}, the spec shows a string")
        return value
    try:
        return int(str(value))
    except ValueError:
        raise AssertionError(f"responseCode is not a number: {value!r}") from None


def check_code(exchange: MmsExchange, expected: int, evidence: Evidence) -> None:
    """The answer carries `expected` as its response code."""
    got = response_code(exchange.answer, evidence)
    if got != expected:
        description = exchange.answer.get("description")
        raise AssertionError(
            f"{exchange.api}: expected responseCode {expected}, got {got} ({description!r})"
        )


def check_rejected(exchange: MmsExchange, evidence: Evidence, pinned: int | None) -> int:
    """A request the spec gives no code for: non-zero (or the pinned code), no device data."""
    got = response_code(exchange.answer, evidence)
    if pinned is not None and got != pinned:
        raise AssertionError(
            f"{exchange.api}: expected the bench's pinned code {pinned}, got {got}"
        )
    if got == 0:
        raise AssertionError(f"{exchange.api}: the server accepted the request (responseCode 0)")
    check_no_device_data(exchange)
    return got


def check_envelope(exchange: MmsExchange) -> dict[str, Any]:
    """HTTP 200, body `{"<api>": "<JWS>"}`, JWS RS256 with x5c verified; return the header."""
    if exchange.status != 200:
        raise AssertionError(f"{exchange.api}: HTTP {exchange.status}, expected 200")
    if exchange.verified is None:
        raise AssertionError(f"{exchange.api}: {exchange.problem}")
    header = exchange.verified.header
    if str(header.get("typ", "")).lower() != "jwt":
        raise AssertionError(f"{exchange.api}: answer header typ is {header.get('typ')!r}")
    return header


def check_echo(exchange: MmsExchange) -> None:
    """Every request field the answer repeats has the value the request sent."""
    fields = protocol.ECHOED_FIELDS[exchange.api]
    missing = [f for f in fields if f not in exchange.answer]
    differ = {
        f: (exchange.payload.get(f), exchange.answer[f])
        for f in fields
        if f in exchange.answer and exchange.answer[f] != exchange.payload.get(f)
    }
    if missing or differ:
        raise AssertionError(f"{exchange.api}: not echoed: missing {missing}, differing {differ}")


def check_field(answer: dict[str, Any], field: str, kind: str, evidence: Evidence) -> None:
    """`answer[field]` is present and of the given kind (one of FIELD_KINDS)."""
    if field not in answer:
        raise AssertionError(f"field {field} is missing from the answer")
    value = answer[field]
    if kind == "a boolean string":
        if isinstance(value, bool):
            evidence.advisory(f"{field} is the JSON boolean {value}, the spec shows a string")
        elif value not in ("true", "false"):
            raise AssertionError(f'{field} is {value!r}, expected "true" or "false"')
    elif kind == "a timestamp with zone":
        try:
            parse_iso(value)
        except ValueError as exc:
            raise AssertionError(f"{field}: {exc}") from None
    elif kind == "a response code":
        response_code(answer, evidence)
    elif kind in ("a string", "a non-empty string"):
        if not isinstance(value, str) or (kind == "a non-empty string" and not value):
            raise AssertionError(f"{field} is {value!r}, expected {kind}")
    elif kind == "a certificate":
        _, form = certificate_field(answer, field)
        evidence.add(f"{field} form", form)
    elif kind == "a registration document":
        _, form = registration_document(answer)
        evidence.add(f"{field} form", form)
    elif kind == "a hex thumbprint":
        if (
            not isinstance(value, str)
            or not value
            or any(c not in "0123456789abcdefABCDEF" for c in value)
        ):
            raise AssertionError(f"{field} is {value!r}, expected a hex digest")
    elif kind == "a certification level":
        if value not in protocol.CERTIFICATION_LEVELS:
            raise AssertionError(
                f"{field} is {value!r}, expected one of {protocol.CERTIFICATION_LEVELS}"
            )
    else:
        raise ValueError(f"unknown field kind {kind!r}; known: {FIELD_KINDS}")


def check_server_time(answer: dict[str, Any], now: dt.datetime, tolerance: dt.timedelta) -> None:
    """serverTimeStamp lies within `tolerance` of the harness clock."""
    server = parse_iso(answer.get("serverTimeStamp"))
    drift = abs(server - now)
    if drift > tolerance:
        raise AssertionError(f"serverTimeStamp {server} is {drift} from the harness clock {now}")


def check_snapshot_validity(answer: dict[str, Any], now: dt.datetime) -> None:
    """snapshotValidity is in the future and later than the answer's own serverTimeStamp."""
    validity = parse_iso(answer.get("snapshotValidity"))
    server = parse_iso(answer.get("serverTimeStamp"))
    if validity <= now:
        raise AssertionError(f"snapshotValidity {validity} is not in the future (now {now})")
    if validity <= server:
        raise AssertionError(f"snapshotValidity {validity} is not after serverTimeStamp {server}")


def check_thumbprint(answer: dict[str, Any], cert: x509.Certificate, algorithms: list[str]) -> str:
    """encryptionCertThumbprint equals the certificate's thumbprint under one of `algorithms`
    (compared case-insensitively); return the algorithm that matched."""
    value = str(answer.get("encryptionCertThumbprint", ""))
    forms = {alg: certs.thumbprint(cert, alg) for alg in algorithms}
    for alg, digest in forms.items():
        if value.upper() == digest:
            return alg
    raise AssertionError(f"encryptionCertThumbprint {value!r} matches none of {forms}")


def check_rotated_certificate(
    answer: dict[str, Any],
    csr: x509.CertificateSigningRequest,
    device_ca_chain: list[x509.Certificate],
    now: dt.datetime,
) -> x509.Certificate:
    """signedDeviceCertificate carries the CSR's public key and chains through
    `device_ca_chain` (device CA first, trust anchor last)."""
    cert, _ = certificate_field(answer, "signedDeviceCertificate")
    if not certs.same_public_key(cert.public_key(), csr.public_key()):
        raise AssertionError("signedDeviceCertificate does not carry the CSR's public key")
    anchor, intermediates = device_ca_chain[-1], device_ca_chain[:-1]
    try:
        TrustStore([anchor]).verify([cert, *intermediates], now)
    except UntrustedChain as exc:
        raise AssertionError(
            f"signedDeviceCertificate does not chain to the device CA: {exc}"
        ) from None
    return cert


def check_expiry_matches(answer: dict[str, Any], cert: x509.Certificate) -> None:
    """The answer's keyExpiryTimeStamp is the certificate's notAfter (to the second)."""
    expiry = parse_iso(answer.get("keyExpiryTimeStamp"))
    if abs(expiry - cert.not_valid_after_utc) >= dt.timedelta(seconds=1):
        raise AssertionError(
            f"keyExpiryTimeStamp {expiry} differs from the certificate's notAfter "
            f"{cert.not_valid_after_utc}"
        )


def check_flag(answer: dict[str, Any], field: str, expected: str, evidence: Evidence) -> None:
    """A boolean field says `expected` ("true"/"false"); a JSON boolean is advisory."""
    check_field(answer, field, "a boolean string", evidence)
    said = str(answer[field]).lower()
    if said != expected:
        raise AssertionError(f"{field} is {answer[field]!r}, expected {expected!r}")


def check_no_device_data(exchange: MmsExchange) -> None:
    """The answer holds none of the fields in which the server tells about a device."""
    leaked = [f for f in protocol.DEVICE_DATA_FIELDS.get(exchange.api, ()) if f in exchange.answer]
    if leaked:
        raise AssertionError(
            f"{exchange.api}: an answer with an error code has device data: {leaked}"
        )
