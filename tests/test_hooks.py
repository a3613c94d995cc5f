"""Lab hooks: HTTP and shell actions, their failures, and the test hooks the reference servers
offer (reset, clock, fault), driven over real HTTP on loopback as a lab's bench drives them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.session import FidoSession
from harness.hooks import TEST_HOOKS_PATH, Hook, LabHooks
from harness.mms.client import MmsClient
from harness.mms.requests import MdsInfo
from harness.mms.session import MmsSession
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.fido.embedded import embedded_fido
from harness.servers.fido.embedded import reference_service as reference_fido
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.embedded import reference_service as reference_mms
from harness.servers.runner import EmbeddedServer
from harness.verdict import BenchFault


def _origin(server: EmbeddedServer) -> str:
    return "/".join(server.url.split("/", 3)[:3])


@pytest.fixture
def fido() -> Iterator[EmbeddedServer]:
    with embedded_fido(reference_fido(), with_test_hooks=True) as server:
        yield server


def _session(server: EmbeddedServer, name: str = "erin-phone") -> FidoSession:
    device = fido_devices()[name]
    return FidoSession(FidoClient(server.url), device, device.target())


@pytest.mark.parametrize(
    ("action", "request_"),
    [
        ("POST https://lab/reset", ("POST", "https://lab/reset")),
        ("put http://lab:8/x?a=1", ("PUT", "http://lab:8/x?a=1")),
        ("http://lab/reset", ("POST", "http://lab/reset")),
        ("./reset-fixtures.sh --all", None),
        ("curl http://lab/reset", None),
    ],
)
def test_a_hook_is_an_http_request_or_else_a_shell_command(action: str, request_) -> None:
    assert Hook("reset", action).request == request_


def test_a_shell_hook_gets_its_placeholders_and_returns_its_output() -> None:
    assert Hook("clock", "echo offset {offset_ms}").run(offset_ms=-1500) == "offset -1500\n"


@pytest.mark.parametrize(
    ("hook", "said"),
    [
        (Hook("reset", "echo broken >&2; exit 3"), "exited 3: broken"),
        (Hook("reset", "sleep 5", timeout=0.2), "timed out after 0.2s"),
        (Hook("clock", "echo {offset}"), "bad placeholder"),
        (Hook("fault", "POST http://127.0.0.1:9/fault", timeout=2), "fault hook POST"),
    ],
)
def test_a_failing_hook_is_a_bench_fault_that_says_why(hook: Hook, said: str) -> None:
    with pytest.raises(BenchFault, match=said.replace("?", r"\?")):
        hook.run(offset_ms=0)


def test_a_bench_without_a_hook_says_so() -> None:
    hooks = LabHooks.from_actions(reset="true", clock="", fault=None)
    assert hooks.names() == ["reset"]
    with pytest.raises(BenchFault, match="no clock hook"):
        hooks.run("clock", offset_ms=0)
    with pytest.raises(ValueError, match="unknown hook"):
        Hook("reboot", "true")


def test_the_reset_hook_brings_back_a_deleted_device(fido: EmbeddedServer) -> None:
    session = _session(fido)
    assert session.delete().status == 204
    assert session.get_credentials().status != 200
    LabHooks.test_hooks_of(_origin(fido)).run("reset")
    assert session.get_credentials().status == 200


def test_the_fault_hook_fails_the_next_request_only(fido: EmbeddedServer) -> None:
    session = _session(fido, "alice-phone")
    LabHooks.test_hooks_of(_origin(fido)).run("fault")
    assert session.get_credentials().status == 500
    assert session.get_credentials().status == 200


def test_the_clock_hook_moves_the_server_clock_and_refuses_nonsense(fido: EmbeddedServer) -> None:
    hooks = LabHooks.test_hooks_of(_origin(fido))
    before = fido.service.clock.now()
    hooks.run("clock", offset_ms=3_600_000)
    assert fido.service.clock.now() - before >= dt.timedelta(hours=1)
    session = _session(fido, "alice-phone")  # its device clock is now an hour behind the server
    assert session.get_credentials().status == 401
    hooks.run("clock", offset_ms=0)
    assert session.get_credentials().status == 200
    bad = httpx.post(f"{_origin(fido)}{TEST_HOOKS_PATH}/clock?offset_ms=soon", timeout=5)
    assert bad.status_code == 400


def test_the_test_hooks_are_off_unless_asked_for() -> None:
    with embedded_fido(reference_fido()) as server, pytest.raises(BenchFault, match="HTTP 404"):
        LabHooks.test_hooks_of(_origin(server)).run("reset")


def test_the_mms_fault_hook_gives_minus_1001_once() -> None:
    pki = fixture_pki()
    with embedded_mms(reference_mms(), with_test_hooks=True) as server:
        trust = TrustStore([pki.cert("server-root-ca")])
        with MmsClient(server.url, trust) as client:
            session = MmsSession.of_fixture("finger-auth", client, MdsInfo())
            LabHooks.test_hooks_of(_origin(server)).run("fault")
            assert session.snapshot().answer["responseCode"] == "-1001"
            assert session.snapshot().answer["responseCode"] == "0"
