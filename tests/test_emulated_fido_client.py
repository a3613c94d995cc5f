"""The emulated device's FIDO client, driven over a real pty with FIDO_CALL against the reference
Device Service served on loopback: what it sends, what it reads, and what it does when its clock
has drifted."""

from __future__ import annotations

import datetime as dt
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from harness.device.connect import BenchDevice, connect
from harness.device.emulator.device import EmulatedDevice
from harness.device.emulator.fido_client import EmulatedFidoClient
from harness.device.identity import fixture_devices
from harness.device.interface import (
    FIDO_CLIENT,
    FIDO_TARGETS,
    JWE_PLAINTEXT,
    DeviceRefused,
    FidoCallResult,
)
from harness.evidence import Evidence
from harness.fido import protocol
from harness.fido.fixtures import FidoDevice, fido_devices
from harness.jose.jws import verify_with_key
from harness.pki.material import fixture_pki
from harness.servers.fido.app import build_app
from harness.servers.fido.embedded import reference_service
from harness.servers.runner import EmbeddedServer

FINGER = fixture_devices()["finger-auth"]
JUDY, KIM, ALICE = (fido_devices()[n] for n in ("judy-phone", "kim-phone", "alice-phone"))
AHEAD = dt.timedelta(minutes=10)  # twice the reference service's tolerance


class Recorder:
    """ASGI middleware that keeps what the service received: method, path, headers, body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests.append(
            {
                "method": scope["method"],
                "path": scope["path"],
                "headers": {k.decode().lower(): v.decode() for k, v in scope["headers"]},
                "body": body.decode(),
            }
        )

        async def replay() -> dict:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[EmbeddedServer, Recorder]]:
    service = reference_service()
    recorder = Recorder(build_app(service))
    with EmbeddedServer(service, recorder, protocol.BASE_PATH) as server:
        yield server, recorder


@pytest.fixture
def server(served: tuple[EmbeddedServer, Recorder]) -> EmbeddedServer:
    """The reference Device Service in its fixture state, nothing received yet."""
    server, recorder = served
    server.service.reset()
    recorder.requests.clear()
    return server


@pytest.fixture
def received(served: tuple[EmbeddedServer, Recorder]) -> list[dict[str, Any]]:
    return served[1].requests


@pytest.fixture
def bench() -> Iterator[BenchDevice]:
    opened = connect("pty", FINGER, Evidence(), timeout=2.0)
    yield opened
    opened.close()


def client(bench: BenchDevice) -> EmulatedFidoClient:
    assert bench.emulated is not None and isinstance(bench.emulated.fido_client, EmulatedFidoClient)
    return bench.emulated.fido_client


def fixture_view(device: FidoDevice) -> dict[str, Any]:
    """What Get Device Credentials answers for a fixture device (targets by id)."""
    return {
        "deviceId": device.device_id,
        "fidoUafCredentials": list(device.credentials),
        "dispatchTargets": [
            {"id": t.id, "name": t.name, **({"target": t.target} if t.target else {})}
            for t in sorted(device.targets, key=lambda t: t.id)
        ],
    }


def signed_payload(token: str, device: FidoDevice) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a JWS that verifies with the device's first target's fixture key."""
    key = fixture_pki().key(f"{device.target().pki}-signature").public_key()
    return verify_with_key(token, key)


# --- each operation ------------------------------------------------------------------------


def test_get_credentials_reads_the_devices_credentials(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    result = bench.device.fido_call("get_credentials", server.url, JUDY.device_id, JUDY.target().id)
    assert (result.status, result.requests, result.problem) == (200, 1, None)
    assert result.view == fixture_view(JUDY)
    (request,) = received
    assert (request["method"], request["path"]) == (
        "GET",
        protocol.BASE_PATH + protocol.CREDENTIALS_PATH.format(device_id=JUDY.device_id),
    )
    assert request["headers"]["accept"] == protocol.JOSE


def test_get_oob_operations_reads_the_live_operations(
    bench: BenchDevice, server: EmbeddedServer
) -> None:
    result = bench.device.fido_call(
        "get_oob_operations", server.url, ALICE.device_id, ALICE.target().id
    )
    assert (result.status, result.requests, result.problem) == (200, 1, None)
    assert result.view["deviceId"] == ALICE.device_id
    payloads = [json.loads(op["outOfBandPayload"]) for op in result.view["operations"]]
    live = {payload["nma_data"]["token"] for payload in payloads}
    assert "0e88d42d-8e2a-498d-8cdc-3caaa274a45f" in live  # op-live-push never times out
    assert "timed-out-token" not in live


def test_update_targets_patches_a_signed_body_and_the_client_follows(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    target = JUDY.target()
    result = bench.device.fido_call(
        "update_targets", server.url, JUDY.device_id, target.id, name="Judy's new phone"
    )
    assert result == FidoCallResult(204, 1, None, None)
    (request,) = received
    assert request["method"] == "PATCH"
    assert request["headers"]["content-type"] == protocol.JOSE
    assert "device-signature" not in request["headers"]  # the body is the signature
    header, payload = signed_payload(request["body"], JUDY)
    assert header == {"alg": "RS256", "kid": target.id}
    assert payload.keys() == {
        "signingDispatchTargetId",
        "requestId",
        "creationTimeInEpochMillis",
        "operation",
        "name",
    }
    assert (payload["signingDispatchTargetId"], payload["operation"]) == (
        target.id,
        protocol.UPDATE,
    )
    assert client(bench).local_state()[JUDY.device_id]["targets"][target.id] == {
        "name": "Judy's new phone",
        "target": target.target,
    }
    read = bench.device.fido_call("get_credentials", server.url, JUDY.device_id, target.id)
    assert read.view["dispatchTargets"][0]["name"] == "Judy's new phone"


def test_update_targets_can_set_the_target_alone(
    bench: BenchDevice, server: EmbeddedServer
) -> None:
    target = KIM.target()
    result = bench.device.fido_call(
        "update_targets", server.url, KIM.device_id, target.id, target="fcm-token-kim-new"
    )
    assert result.status == 204
    assert client(bench).local_state()[KIM.device_id]["targets"][target.id] == {
        "name": target.name,
        "target": "fcm-token-kim-new",
    }


def test_delete_credentials_deletes_and_the_client_knows(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    target = KIM.target()
    result = bench.device.fido_call("delete_credentials", server.url, KIM.device_id, target.id)
    assert result == FidoCallResult(204, 1, None, None)
    assert received[0]["method"] == "DELETE"
    assert received[0]["headers"].get("accept") != protocol.JOSE
    assert client(bench).local_state()[KIM.device_id] == {"targets": {}, "credentials": False}
    gone = bench.device.fido_call("get_credentials", server.url, KIM.device_id, target.id)
    assert gone.status == 401 and gone.view is None  # its dispatch target is gone too


def test_every_request_is_signed_afresh_by_the_device(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    target = JUDY.target().id
    bench.device.set_clock_offset(dt.timedelta(minutes=-2))  # within the tolerance
    for operation in ("get_credentials", "get_credentials", "get_oob_operations"):
        assert bench.device.fido_call(operation, server.url, JUDY.device_id, target).status == 200
    bench.device.fido_call("delete_credentials", server.url, JUDY.device_id, target)
    payloads = []
    for request in received:
        header, payload = signed_payload(request["headers"]["device-signature"], JUDY)
        assert header == {"alg": "RS256", "kid": target}
        assert payload.keys() == {"dispatchTargetId", "requestId", "creationTimeInEpochMillis"}
        assert payload["dispatchTargetId"] == target
        payloads.append(payload)
    request_ids = [p["requestId"] for p in payloads]
    assert len(set(request_ids)) == 4
    assert all(uuid.UUID(r).version == 4 and len(r) <= protocol.MAX_REQUEST_ID for r in request_ids)
    device_ms = protocol.epoch_millis(bench.device.now())
    assert all(0 <= device_ms - p["creationTimeInEpochMillis"] < 10_000 for p in payloads)


# --- refusals leave the client as it was ---------------------------------------------------


def test_a_refused_update_leaves_the_local_state(
    bench: BenchDevice, server: EmbeddedServer
) -> None:
    before = client(bench).local_state()
    foreign = bench.device.fido_call(
        "update_targets", server.url, JUDY.device_id, KIM.target().id, name="Kim's?"
    )
    assert (foreign.status, foreign.requests) == (403, 1)
    tablet = fido_devices()["alice-tablet"]
    taken = bench.device.fido_call(
        "update_targets", server.url, tablet.device_id, tablet.target().id, name="Alice phone"
    )
    assert (taken.status, taken.requests) == (422, 1)
    assert client(bench).local_state() == before


def test_the_client_refuses_what_it_cannot_do(bench: BenchDevice, server: EmbeddedServer) -> None:
    call, url, device, target = bench.device.fido_call, server.url, JUDY.device_id, JUDY.target().id
    with pytest.raises(DeviceRefused, match="unknown operation 'reboot'"):
        call("reboot", url, device, target)
    with pytest.raises(DeviceRefused, match="takes no field"):
        call("get_credentials", url, device, target, name="x")
    with pytest.raises(DeviceRefused, match="on_expired"):
        call("get_credentials", url, device, target, on_expired="retry")
    with pytest.raises(DeviceRefused, match="no dispatch target"):
        call("get_credentials", url, device, "no-such-target")


def test_a_service_that_cannot_be_reached_is_a_problem_with_no_status(bench: BenchDevice) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}{protocol.BASE_PATH}"
    result = bench.device.fido_call("get_credentials", url, JUDY.device_id, JUDY.target().id)
    assert (result.status, result.requests, result.view) == (None, 1, None)
    assert result.problem and result.problem.startswith("HTTP ConnectError")


# --- the device clock ----------------------------------------------------------------------


def test_a_clock_ahead_is_reported_after_one_request(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    bench.device.set_clock_offset(AHEAD)
    before = client(bench).local_state()
    for operation, fields in (("get_credentials", {}), ("update_targets", {"name": "Late"})):
        result = bench.device.fido_call(
            operation, server.url, JUDY.device_id, JUDY.target().id, **fields
        )
        assert result == FidoCallResult(401, 1, None, "clock")
    assert len(received) == 2 and client(bench).local_state() == before


def test_resync_sets_the_clock_from_the_date_header_and_retries_once(
    bench: BenchDevice, server: EmbeddedServer, received: list[dict[str, Any]]
) -> None:
    bench.device.set_clock_offset(AHEAD)
    result = bench.device.fido_call(
        "get_credentials", server.url, JUDY.device_id, JUDY.target().id, on_expired="resync"
    )
    assert (result.status, result.requests, result.problem) == (200, 2, None)
    assert result.view == fixture_view(JUDY)
    assert abs(bench.device.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=3)
    first, second = (signed_payload(r["headers"]["device-signature"], JUDY)[1] for r in received)
    assert first["requestId"] != second["requestId"]
    late_by = first["creationTimeInEpochMillis"] - second["creationTimeInEpochMillis"]
    assert late_by > 9 * 60 * 1000


class ClockLocked(EmulatedDevice):
    """An emulated device whose clock the bench may not set (no clock_control)."""

    capabilities = frozenset({FIDO_TARGETS, JWE_PLAINTEXT, FIDO_CLIENT})


def test_resync_without_clock_control_gives_up(server: EmbeddedServer) -> None:
    device = ClockLocked(FINGER)
    device.set_clock_offset(AHEAD)  # drifted on its own
    result = device.fido_call(
        "get_credentials", server.url, JUDY.device_id, JUDY.target().id, on_expired="resync"
    )
    assert result == FidoCallResult(401, 1, None, "clock")


def test_a_sealed_device_keeps_the_answer_to_itself(server: EmbeddedServer) -> None:
    sealed = connect("pty", FINGER, Evidence(), timeout=2.0, sealed=True)
    try:
        result = sealed.device.fido_call(
            "get_credentials", server.url, JUDY.device_id, JUDY.target().id
        )
        assert result == FidoCallResult(200, 1, None, None)
    finally:
        sealed.close()
