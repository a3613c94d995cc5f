"""The reference MMS assembled from the fixtures and served on loopback."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from harness.clock import Clock
from harness.device.identity import DeviceIdentity, fixture_devices
from harness.pki.material import fixture_pki
from harness.servers.mms.app import PATH, build_app
from harness.servers.mms.lab_files import load_whitelist
from harness.servers.mms.material import ServerMaterial
from harness.servers.mms.registry import DeviceRegistry
from harness.servers.mms.service import MmsService
from harness.servers.runner import EmbeddedServer

if TYPE_CHECKING:
    from harness.bench import Bench


def reference_service(
    db_path: str | Path = ":memory:",
    clock: Clock | None = None,
    cls: type = MmsService,
    bench: Bench | None = None,
    lab_devices: Sequence[DeviceIdentity] = (),
    device_anchors: Sequence[x509.Certificate] = (),
    reseed: bool = False,
) -> MmsService:
    """A reference MMS (or a subclass) seeded with the fixture devices and knowing the
    certificate each was provisioned with, and with a lab's whitelisted `lab_devices` (one
    replaces a fixture device of its serial number); besides the fixture device CA it trusts
    the `bench`'s real device anchors and `device_anchors`, and a vendor MDS's root. A
    registry file that holds devices keeps them unless `reseed`."""
    if bench and bench.device.whitelist:
        lab_devices = [*lab_devices, *load_whitelist(bench.device.whitelist)]
    listed = {d.serial_number for d in lab_devices}
    fixtures = [d for d in fixture_devices().values() if d.serial_number not in listed]
    pki = fixture_pki()
    anchors = [*(bench.device.extra_anchors() if bench else []), *device_anchors]
    return cls(
        material=ServerMaterial.from_fixtures(
            pki,
            extra_device_anchors=anchors,
            extra_vendor_anchors=bench.mds.vendor_anchors() if bench else [],
        ),
        registry=DeviceRegistry(db_path),
        devices=[*fixtures, *lab_devices],
        clock=clock,
        device_certificates={d.serial_number: [pki.cert(d.pki)] for d in fixtures},
        reseed=reseed,
    )


def embedded_mms(
    service: MmsService,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
    with_test_hooks: bool = False,
) -> EmbeddedServer:
    """`service` served at /mms/MSBDeviceRequest/ on `host:port` (0: a free port), over HTTPS
    when `tls` gives a certificate and key, with the test hooks when `with_test_hooks`."""
    app = build_app(service, with_test_hooks=with_test_hooks)
    return EmbeddedServer(service, app, PATH, host, port, tls)
