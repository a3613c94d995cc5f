"""The servers under test: an external URL with its lab hooks, or an embedded reference server
the suite starts (which offers every hook over HTTP, as `bioharness serve --test-hooks` does)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.bench import Bench
from harness.hooks import LabHooks
from harness.pki.trust import TrustStore
from harness.servers.fido.embedded import embedded_fido
from harness.servers.fido.service import FidoService
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.service import MmsService
from harness.servers.runner import EmbeddedServer

# The fixture identity an emulated bench device takes in the FIDO scenarios (a real device
# reports its own; the dispatch targets it holds are what matter there).
FIDO_BENCH_DEVICE = "finger-auth"


@dataclass(frozen=True)
class MmsTarget:
    """The MMS under test: where it is, how its answers are trusted, its lab hooks, and the
    reference service when the suite runs its own (None for an external MMS)."""

    url: str
    hooks: LabHooks
    server_trust: TrustStore
    reference: MmsService | None = None


@dataclass(frozen=True)
class FidoTarget:
    """The Device Service under test: its base URL, its lab hooks, and the reference service
    when the suite runs its own (None for an external Device Service)."""

    url: str
    hooks: LabHooks
    reference: FidoService | None = None


@contextlib.contextmanager
def mms_target(bench: Bench, state_dir: Path) -> Iterator[MmsTarget]:
    """The MMS of the bench: the external one, or the bench's embedded MMS service factory
    served on loopback (its SQLite state in `state_dir`) for as long as the context lasts."""
    if not bench.mms.embedded:
        yield MmsTarget(bench.mms.url or "", bench.mms_hooks(), bench.mms.server_trust())
        return
    service = bench.mms.service()(db_path=state_dir / "registry.sqlite3", bench=bench)
    with embedded_mms(service, with_test_hooks=True) as server:
        hooks = _test_hooks(server, bench)
        yield MmsTarget(server.url, hooks, bench.mms.server_trust(), server.service)


@contextlib.contextmanager
def fido_target(bench: Bench, state_dir: Path) -> Iterator[FidoTarget]:
    """The Device Service of the bench: the external one, or the bench's embedded service
    factory served on loopback (state in `state_dir`) for as long as the context lasts."""
    if not bench.fido.embedded:
        yield FidoTarget(bench.fido.url or "", bench.fido_hooks())
        return
    service = bench.fido.service()(db_path=state_dir / "device-service.sqlite3", bench=bench)
    with embedded_fido(service, with_test_hooks=True) as server:
        yield FidoTarget(server.url, _test_hooks(server, bench), server.service)


def _test_hooks(server: EmbeddedServer, bench: Bench) -> LabHooks:
    origin = "/".join(server.url.split("/", 3)[:3])
    return LabHooks.test_hooks_of(origin, bench.timeouts.hook)
