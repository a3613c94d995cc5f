"""The reference MMS assembled from the fixtures and served on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.clock import Clock
from harness.device.identity import fixture_devices
from harness.servers.mms.app import PATH, build_app
from harness.servers.mms.material import ServerMaterial
from harness.servers.mms.registry import DeviceRegistry
from harness.servers.mms.service import MmsService
from harness.servers.runner import ServerThread

ServiceFactory = Callable[..., MmsService]


def reference_service(
    db_path: str | Path = ":memory:", clock: Clock | None = None, cls: type = MmsService
) -> MmsService:
    """A reference MMS (or a subclass) seeded with the fixture devices."""
    return cls(
        material=ServerMaterial.from_fixtures(),
        registry=DeviceRegistry(db_path),
        devices=list(fixture_devices().values()),
        clock=clock,
    )


class EmbeddedMms:
    """A service served on a free loopback port; `url` is its MSBDeviceRequest endpoint."""

    def __init__(self, service: MmsService, host: str = "127.0.0.1", port: int = 0) -> None:
        self.service = service
        self._server = ServerThread(build_app(service), host, port)
        self.url = self._server.base_url + PATH

    def start(self) -> EmbeddedMms:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.service.registry.close()

    def __enter__(self) -> EmbeddedMms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedMms({self.url})"
