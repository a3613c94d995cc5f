"""One FIDO client scenario's bench: the bench device opened on its transport with the FIDO client
under test, the embedded reference Device Service playing the server (recording every request,
scripted by the scenario), and the FIDO device (a fixture of `fixtures/fido.json`) whose
dispatch target the client signs with."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.bench import Bench
from harness.device.connect import BenchDevice, connect
from harness.device.identity import fixture_devices
from harness.device.interface import (
    CLOCK_CONTROL,
    FIDO_CLIENT,
    FIDO_TARGETS,
    JWE_PLAINTEXT,
    Device,
    FidoCallResult,
)
from harness.evidence import Evidence
from harness.fido.fixtures import DispatchTarget, FidoDevice
from harness.mds.scenario import VENDOR_MDS
from harness.servers.fido.service import FidoService, RecordedRequest
from harness.servers.fido.store import TargetRecord
from harness.targets import FIDO_BENCH_DEVICE, FidoTarget
from harness.verdict import BenchFault


@dataclass(frozen=True)
class FidoCall:
    """One call the bench made of the device's FIDO client: what the client reported, the
    device's clock just before and just after it, and the requests the Device Service received
    meanwhile."""

    operation: str
    result: FidoCallResult
    device_clock: tuple[dt.datetime, dt.datetime]
    requests: list[RecordedRequest]


@dataclass
class FidoClientScenario:
    """The bench device and its FIDO client, the reference Device Service, the FIDO device the
    client acts for and its dispatch target, and the requirement the scenario checks (its @req
    tag), which its verdicts name.

    `targets`: the FIDO device's dispatch targets as the service held them when the scenario
    began (their public keys verify what the client signed, even after a DELETE);
    `local_at_start`: what the client believed of the FIDO device then (None when its client
    does not show it)."""

    bench_device: BenchDevice
    service: FidoService
    service_url: str
    fido_device: FidoDevice
    target: DispatchTarget
    targets: dict[str, TargetRecord]
    evidence: Evidence
    requirement: str | None
    local_at_start: dict[str, Any] | None = None
    calls: list[FidoCall] = field(default_factory=list)

    @property
    def device(self) -> Device:
        return self.bench_device.device

    @property
    def device_id(self) -> str:
        return self.fido_device.device_id

    def call(self, operation: str, **fields: Any) -> FidoCall:
        """Have the client run `operation` (get_credentials, get_oob_operations, update_targets,
        delete_credentials) for the FIDO device, signing as its target; evidence of each
        request the Device Service received and of what the client reported."""
        seen = max((r.number for r in self.service.recorded), default=0)
        before = self.device.now()
        result = self.device.fido_call(
            operation, self.service_url, self.device_id, self.target.id, **fields
        )
        after = self.device.now()
        requests = [r for r in self.service.recorded if r.number > seen]
        for r in requests:
            self.evidence.add(
                f"{r.request.method} {r.request.path} -> {r.status}",
                {"headers": r.request.headers, "body": r.request.body, "answer": r.reply.headers},
            )
            self.evidence.add_jws(f"{r.request.method} request", r.jws)
        self.evidence.add(f"the FIDO client's report of {operation}", dataclasses.asdict(result))
        done = FidoCall(operation, result, (before, after), requests)
        self.calls.append(done)
        return done

    @property
    def last(self) -> FidoCall:
        """The last call (a scenario that checks one before any is a bench fault)."""
        if not self.calls:
            raise BenchFault("the scenario checks a FIDO call before making one")
        return self.calls[-1]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the client sent in this scenario, in order."""
        return [r for c in self.calls for r in c.requests]

    def set_clock_ahead(self, offset: dt.timedelta) -> None:
        """Run the bench device's own clock `offset` ahead (set right again after the scenario);
        skipped when the bench cannot set it."""
        if CLOCK_CONTROL not in self.device.capabilities:
            pytest.skip("this bench device has no clock control")
        self.device.set_clock_offset(offset)

    def view(self, call: FidoCall) -> Any:
        """The answer the client read in `call`; skipped on a sealed device, which never shows
        a plaintext."""
        if JWE_PLAINTEXT not in self.device.capabilities:
            pytest.skip("the bench device is sealed: it opens the answer but never shows it")
        return call.result.view

    def served_credentials(self) -> dict[str, Any]:
        """What Get Device Credentials answers for the FIDO device now (the service's store)."""
        return self.service.store.device_view(self.device_id)

    def served_operations(self) -> dict[str, Any]:
        """What Get Out-of-Band Operations answers for the FIDO device now."""
        return {
            "deviceId": self.device_id,
            "operations": self.service.live_operations(self.device_id),
        }

    def local_state(self) -> dict[str, Any]:
        """What the client believes of the FIDO device now; skipped when its client does not
        show it (the emulated client does)."""
        state = client_state(self.bench_device, self.device_id)
        if state is None:
            pytest.skip("the bench device's FIDO client does not show what it believes")
        return state


def client_state(bench_device: BenchDevice, device_id: str) -> dict[str, Any] | None:
    """The emulated FIDO client's local state of `device_id` ({"targets", "credentials"}), or
    None when the bench device's client does not show one."""
    client = getattr(bench_device.emulated, "fido_client", None)
    local_state = getattr(client, "local_state", None)
    return None if local_state is None else local_state().get(device_id, {})


@contextlib.contextmanager
def fido_client_scenario(
    bench: Bench,
    transport: str,
    fido: FidoTarget,
    fido_device: FidoDevice,
    target: DispatchTarget,
    evidence: Evidence,
    requirement: str | None = None,
) -> Iterator[FidoClientScenario]:
    """Open the bench device on `transport` with the bench's FIDO client and let it act for
    `fido_device`, signing as `target`, against the reference Device Service (already set back
    to its seeded state by the caller). Skipped when the device has no FIDO client or does not
    hold `target`. Afterwards the device clock is set right (the scenario or the client's own
    re-sync may have moved it), the device closed, and the service set back to its seeded
    state for the scenarios that follow."""
    if fido.reference is None:
        raise BenchFault("FIDO client scenarios need the embedded reference Device Service")
    if transport == VENDOR_MDS:
        pytest.skip("a vendor MDS owns the bench device: the bench cannot drive its FIDO client")
    service = fido.reference
    opened = connect(
        transport,
        fixture_devices()[FIDO_BENCH_DEVICE],
        evidence,
        timeout=bench.timeouts.device_command,
        boot_timeout=bench.timeouts.device_boot,
        fido_client_factory=functools.partial(
            bench.device.fido_client(), timeout=bench.timeouts.http
        ),
    )
    try:
        _require_client(opened.device, target)
        records = {t.id: service.store.target(t.id) for t in fido_device.targets}
        held = {k: v for k, v in records.items() if v is not None}
        if held.keys() != records.keys():
            raise BenchFault(f"the reference Device Service lacks targets of {fido_device.name}")
        yield FidoClientScenario(
            bench_device=opened,
            service=service,
            service_url=fido.url,
            fido_device=fido_device,
            target=target,
            targets=held,
            evidence=evidence,
            requirement=requirement,
            local_at_start=client_state(opened, fido_device.device_id),
        )
    finally:
        try:
            if CLOCK_CONTROL in opened.device.capabilities:
                opened.device.set_clock_offset(dt.timedelta())
        finally:
            opened.close()
            service.reset()


def _require_client(device: Device, target: DispatchTarget) -> None:
    """Skip, saying why, when the device has no FIDO client or does not hold `target`."""
    if FIDO_CLIENT not in device.capabilities:
        pytest.skip("the bench device has no FIDO client (its CAPS leave out fido_client)")
    if FIDO_TARGETS in device.capabilities and target.id not in {
        t.id for t in device.dispatch_targets()
    }:
        pytest.skip(f"the bench device does not hold the dispatch target {target.id}")
