"""The bench: what is under test and how to reach it, with the tolerances the verdicts use."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from harness.device.connect import DEFAULT_TRANSPORTS
from harness.hooks import LabHooks
from harness.mms.requests import MdsInfo
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore

# Requests the MMS spec gives no response code for (docs/errata.md).
UNSPECIFIED_CASES = ("bad_signature", "untrusted_chain", "malformed", "unknown_api")
REFERENCE_MMS = "harness.servers.mms.embedded:reference_service"
REFERENCE_FIDO = "harness.servers.fido.embedded:reference_service"


class BenchError(ValueError):
    """A bench setting that cannot work; the message names the setting and the fix."""


@dataclass(frozen=True)
class MmsBench:
    """Where the MMS under test is and what the suite expects of it."""

    url: str | None = None
    server_ca: Path | None = None
    device_ca: Path | None = None
    service_factory: str = REFERENCE_MMS
    time_tolerance: dt.timedelta = dt.timedelta(seconds=30)
    thumbprint_hashes: tuple[str, ...] = ("sha256",)
    pinned_codes: dict[str, int] = field(default_factory=dict)
    # docs/errata.md: the msbKeyRotation section shows a two-part `payload.signature` request; a
    # bench may let the server accept that form (reported as an advisory) instead of refusing it.
    two_part_rotation: bool = False
    http_timeout: float = 10.0
    mds: MdsInfo = field(default_factory=MdsInfo)
    # Lab hooks for an external MMS; the embedded one always offers its test hooks.
    hooks: LabHooks = field(default_factory=LabHooks)

    @property
    def embedded(self) -> bool:
        """True when the suite starts its own reference MMS."""
        return self.url is None

    def server_trust(self) -> TrustStore:
        """Anchors for the server's answer signatures: the given CA, else the fixture root."""
        if self.server_ca:
            return TrustStore(_load_pems(self.server_ca, "--mms-server-ca"))
        return TrustStore([fixture_pki().cert("server-root-ca")])

    def device_ca_chain(self) -> list[x509.Certificate]:
        """The device CA (and any issuers after it) that rotated certificates must chain to."""
        if self.device_ca:
            return _load_pems(self.device_ca, "--mms-device-ca")
        pki = fixture_pki()
        return [pki.cert("device-ca"), pki.cert("server-root-ca")]

    def service(self) -> Callable[..., Any]:
        """The embedded server factory named by `service_factory`."""
        return load_factory(self.service_factory, "--mms-service")


@dataclass(frozen=True)
class FidoBench:
    """Where the Device Service under test is and what the suite expects of it."""

    url: str | None = None
    service_factory: str = REFERENCE_FIDO
    tolerance: dt.timedelta = dt.timedelta(minutes=5)
    skew_margin: dt.timedelta = dt.timedelta(seconds=3)
    unknown_device_status: int | None = None
    http_timeout: float = 10.0
    # Lab hooks for an external Device Service; the embedded one always offers its test hooks.
    hooks: LabHooks = field(default_factory=LabHooks)

    @property
    def embedded(self) -> bool:
        """True when the suite starts its own reference Device Service."""
        return self.url is None

    def service(self) -> Callable[..., Any]:
        """The embedded server factory named by `service_factory`."""
        return load_factory(self.service_factory, "--fido-service")


REFERENCE_MDS = "harness.mds.service:EmulatedMds"


@dataclass(frozen=True)
class DeviceBench:
    """The devices and the MDS the device-conformance scenarios drive."""

    transports: tuple[str, ...] = DEFAULT_TRANSPORTS
    mds_factory: str = REFERENCE_MDS
    mds_sbi_url: str | None = None
    mds_launch: str | None = None
    device_trust: Path | None = None
    timeout: float = 5.0

    def mds(self) -> Callable[..., Any]:
        """The emulated MDS factory named by `mds_factory`."""
        return load_factory(self.mds_factory, "--mds-factory")

    def extra_device_anchors(self) -> list[x509.Certificate]:
        """Trust anchors of a real device's certificates, for the reference MMS."""
        return _load_pems(self.device_trust, "--device-trust") if self.device_trust else []


@dataclass(frozen=True)
class Bench:
    """Everything under test in one run."""

    mms: MmsBench = field(default_factory=MmsBench)
    fido: FidoBench = field(default_factory=FidoBench)
    device: DeviceBench = field(default_factory=DeviceBench)


def load_factory(spec: str, setting: str) -> Callable[..., Any]:
    """The callable named by `spec` ("module:callable")."""
    module_name, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise BenchError(
            f"{setting} {spec!r} cannot be loaded ({exc}); give it as module:callable"
        ) from exc


def parse_pinned_codes(items: list[str]) -> dict[str, int]:
    """Parse `case=code` pins (e.g. bad_signature=-102) for the spec's unspecified cases."""
    pinned: dict[str, int] = {}
    for item in items:
        case, sep, code = item.partition("=")
        if not sep or case not in UNSPECIFIED_CASES:
            raise BenchError(
                f"--mms-expect {item!r}: write CASE=CODE with CASE one of {UNSPECIFIED_CASES}"
            )
        try:
            pinned[case] = int(code)
        except ValueError:
            raise BenchError(f"--mms-expect {item!r}: {code!r} is not an integer code") from None
    return pinned


def _load_pems(path: Path, setting: str) -> list[x509.Certificate]:
    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BenchError(f"{setting} {path}: not a readable PEM certificate file ({exc})") from exc
    return found
