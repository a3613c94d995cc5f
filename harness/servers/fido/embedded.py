"""The reference Device Service assembled from the fixtures and served on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from harness.clock import Clock
from harness.fido import protocol
from harness.fido.fixtures import fido_devices
from harness.servers.fido.app import build_app
from harness.servers.fido.service import FidoService
from harness.servers.fido.store import FidoStore
from harness.servers.runner import EmbeddedServer

if TYPE_CHECKING:
    from harness.bench import Bench


def reference_service(
    db_path: str | Path = ":memory:",
    clock: Clock | None = None,
    cls: type = FidoService,
    bench: Bench | None = None,
    reseed: bool = False,
) -> FidoService:
    """A reference Device Service (or a subclass) seeded with the fixture devices, accepting
    the clock divergence of the `bench` (default: the spec's 5 minutes). A store file that
    holds devices keeps them unless `reseed`."""
    return cls(
        store=FidoStore(db_path),
        devices=list(fido_devices().values()),
        clock=clock,
        tolerance=bench.fido.tolerance if bench else protocol.DEFAULT_TOLERANCE,
        reseed=reseed,
    )


def embedded_fido(
    service: FidoService,
    base_path: str = protocol.BASE_PATH,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
    with_test_hooks: bool = False,
) -> EmbeddedServer:
    """`service` served under `base_path` on `host:port` (HTTPS when `tls` gives a certificate
    and key), with the test hooks when `with_test_hooks`; the server's url is the base URL."""
    app = build_app(service, base_path, with_test_hooks)
    return EmbeddedServer(service, app, base_path, host, port, tls)
