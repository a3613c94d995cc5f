"""The reference Device Service records every request it receives and answers what a scenario
scripts, driven over real HTTP on loopback as a device's FIDO client reaches it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from harness.fido import protocol
from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.keys import HarnessHeldKeys
from harness.fido.session import FidoSession
from harness.jose.jws import json_payload, peek
from harness.servers.fido.embedded import embedded_fido, reference_service
from harness.servers.fido.service import FidoService, Received, Reply, expired_challenge
from harness.servers.recording import MAX_RECORDED
from harness.servers.runner import EmbeddedServer


@pytest.fixture
def server() -> Iterator[EmbeddedServer]:
    with embedded_fido(reference_service()) as served:
        yield served


@pytest.fixture
def service(server: EmbeddedServer) -> FidoService:
    return server.service


def _session(server: EmbeddedServer, name: str = "carol-phone") -> FidoSession:
    device = fido_devices()[name]
    return FidoSession(FidoClient(server.url), device, device.target())


def test_every_request_is_recorded_with_its_headers_body_and_answer(
    server: EmbeddedServer, service: FidoService
) -> None:
    fido = _session(server)
    before = service.clock.now()
    fido.get_credentials()
    fido.accept = "application/json"
    fido.get_oob_operations()
    fido.modify(protocol.UPDATE, name="Carol phone")
    fido.delete()
    got = service.recorded
    assert [(r.endpoint, r.request.method, r.status) for r in got] == [
        ("get_credentials", "GET", 200),
        ("get_oob_operations", "GET", 406),
        ("modify", "PATCH", 204),
        ("delete", "DELETE", 204),
    ]
    device_id = fido.device.device_id
    assert got[0].request.path == f"/nevisfido/devices/credentials/{device_id}"
    assert got[1].request.path == f"/nevisfido/devices/oobOperations/{device_id}"
    assert {r.request.device_id for r in got} == {device_id}
    assert got[0].request.headers["accept"] == protocol.JOSE
    assert got[1].request.headers["accept"] == "application/json"
    assert got[3].jws == got[3].request.headers["device-signature"]
    assert got[2].jws == got[2].request.body
    signature = json_payload(peek(got[3].jws)[1])
    assert signature["dispatchTargetId"] == fido.target.id
    patch = json_payload(peek(got[2].jws)[1])
    assert (patch["operation"], patch["name"]) == (protocol.UPDATE, "Carol phone")
    assert got[0].reply.headers["Content-Type"] == protocol.JOSE
    assert not any(r.scripted for r in got)
    assert all(before <= r.received_at <= service.clock.now() for r in got)


def test_a_refused_body_is_recorded_too(server: EmbeddedServer, service: FidoService) -> None:
    url = server.url + protocol.CREDENTIALS_PATH.format(device_id="nobody")
    answer = httpx.patch(url, content=b"\xff\xfe", headers={"Content-Type": protocol.JOSE})
    assert answer.status_code == 400
    (record,) = service.recorded
    assert (record.endpoint, record.status, record.request.body) == ("modify", 400, "\ufffd\ufffd")


def test_reset_clears_the_recording_and_the_script_but_never_reuses_a_number(
    server: EmbeddedServer, service: FidoService
) -> None:
    _session(server).get_credentials()
    _session(server).get_credentials()
    assert [r.number for r in service.recorded] == [1, 2]
    service.script.answer_next("get_credentials", Reply(500))
    service.reset()
    assert service.recorded == []
    assert _session(server).get_credentials().status == 200
    assert [r.number for r in service.recorded] == [3]


def test_the_recording_keeps_only_the_last_requests(service: FidoService) -> None:
    for n in range(MAX_RECORDED + 5):
        received = Received("GET", f"/{n}", "device", {})
        service.serve("get_credentials", received, lambda: Reply(200))
    got = service.recorded
    assert len(got) == MAX_RECORDED
    assert (got[0].request.path, got[-1].request.path) == ("/5", f"/{MAX_RECORDED + 4}")


@pytest.mark.parametrize("status", [403, 422])
def test_the_next_patch_gets_the_scripted_refusal_and_changes_nothing(
    server: EmbeddedServer, service: FidoService, status: int
) -> None:
    fido = _session(server)
    service.script.answer_next("modify", Reply(status, {}, "scripted"))
    assert fido.modify(protocol.UPDATE, name="Renamed").status == status
    assert service.store.target(fido.target.id).name == "Carol phone"
    assert fido.modify(protocol.UPDATE, name="Renamed").status == 204
    assert service.store.target(fido.target.id).name == "Renamed"
    assert [r.scripted for r in service.recorded] == [True, False]


def test_scripted_answers_are_used_in_order_each_once(
    server: EmbeddedServer, service: FidoService
) -> None:
    fido = _session(server)
    service.script.answer_next("get_oob_operations", Reply(500), times=2)
    service.script.answer_next("get_oob_operations", Reply(403))
    statuses = [fido.get_oob_operations().status for _ in range(4)]
    assert statuses == [500, 500, 403, 200]
    assert fido.get_credentials().status == 200  # another endpoint was never scripted


def test_every_request_can_get_the_expired_challenge(
    server: EmbeddedServer, service: FidoService
) -> None:
    fido = _session(server)
    service.script.every_answer = expired_challenge("scripted").reply
    exchanges = [fido.get_credentials(), fido.modify(protocol.UPDATE, name="X"), fido.delete()]
    for exchange in exchanges:
        assert exchange.status == 401
        assert exchange.headers["www-authenticate"] == protocol.WWW_AUTHENTICATE_EXPIRED
    assert service.store.has_device(fido.device.device_id)
    service.script.every_answer = None
    assert fido.get_credentials().status == 200


def test_the_real_expired_refusal_is_the_same_challenge(
    server: EmbeddedServer, service: FidoService
) -> None:
    fido = _session(server)
    fido.keys.set_clock_offset(dt.timedelta(minutes=10))
    exchange = fido.get_credentials()
    assert (exchange.status, exchange.headers["www-authenticate"]) == (
        401,
        protocol.WWW_AUTHENTICATE_EXPIRED,
    )
    assert service.recorded[-1].reply.headers["WWW-Authenticate"] == (
        protocol.WWW_AUTHENTICATE_EXPIRED
    )


def test_an_unknown_endpoint_cannot_be_scripted(service: FidoService) -> None:
    with pytest.raises(ValueError, match="no endpoint 'patch'"):
        service.script.answer_next("patch", Reply(403))


def test_a_head_is_never_a_patch_and_two_signatures_are_refused() -> None:
    """docs/errata.md: a HEAD with a signed body changes nothing; two Device-Signature headers
    are 400, whichever comes first."""
    service = reference_service()
    device = fido_devices()["judy-phone"]
    session_keys = HarnessHeldKeys()
    with embedded_fido(service) as server, FidoClient(server.url) as client:
        fido = FidoSession(client, device, device.target(), session_keys)
        signature = fido.device_signature()
        path = server.url + protocol.CREDENTIALS_PATH.format(device_id=device.device_id)
        body = fido.signed(
            {
                "signingDispatchTargetId": device.target().id,
                "requestId": "head-as-patch",
                "creationTimeInEpochMillis": protocol.epoch_millis(session_keys.now()),
                "operation": protocol.UPDATE,
                "name": "renamed by a HEAD",
            }
        )
        head = httpx.request("HEAD", path, content=body, headers={"Content-Type": protocol.JOSE})
        assert head.status_code == 405
        assert service.store.target(device.target().id).name == device.target().name
        headers = [("Device-Signature", "garbage"), ("Device-Signature", signature)]
        headers.append(("Accept", protocol.JOSE))
        assert httpx.get(path, headers=headers).status_code == 400
        assert httpx.get(path, headers=headers[1:]).status_code == 200
