"""Verdicts on the device an MDS drives: the certificate it holds and its clock. Each check
raises Nonconformance with the requirement the caller names, what it expected and what it saw;
a device the bench cannot read raises its transport's DeviceError (a bench fault)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509

from harness.device.interface import Device
from harness.verdict import Nonconformance


def describe(cert: x509.Certificate) -> str:
    """A certificate as a verdict names it: subject and serial number."""
    return f"{cert.subject.rfc4514_string()} (serial {cert.serial_number:x})"


def check_certificate(
    device: Device, expected: x509.Certificate, what: str, *, requirement: str | None = None
) -> None:
    """The device holds `expected`, which `what` names (e.g. "the certificate the MMS issued")."""
    held = device.certificate
    if held != expected:
        raise Nonconformance(
            f"the device does not hold {what}",
            requirement=requirement,
            expected=describe(expected),
            seen=describe(held),
        )


def check_clock(
    device: Device,
    reference: dt.datetime,
    tolerance: dt.timedelta,
    *,
    requirement: str | None = None,
) -> None:
    """The device clock is within `tolerance` of `reference` (the server's time)."""
    device_time = device.now()
    drift = abs(device_time - reference)
    if drift > tolerance:
        raise Nonconformance(
            f"device clock is {drift} off the server's",
            requirement=requirement,
            expected=f"within {tolerance} of {reference.isoformat()}",
            seen=device_time.isoformat(),
        )
