"""The reference servers' SQLite state survives what a lab does to them: `bioharness serve mms|fido
--db FILE` run as child processes, driven over real HTTP on loopback, SIGKILLed in the middle of
a burst of changes and restarted on the same file; stopped cleanly and restarted; restarted with
--reseed. Every acknowledged change must be there afterwards, none half-applied, none twice."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509

from harness.clock import iso
from harness.device.identity import fixture_devices
from harness.fido import protocol as fido_protocol
from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.keys import HarnessHeldKeys
from harness.fido.session import FidoSession
from harness.mms import protocol as mms_protocol
from harness.mms.client import MmsClient
from harness.mms.requests import MdsInfo, rotation_fields
from harness.mms.session import MmsSession
from harness.pki import certs
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.report.catalogue import ROOT
from harness.servers.fido.embedded import reference_service as reference_fido
from harness.servers.fido.store import FidoStore
from harness.servers.mms.embedded import reference_service as reference_mms
from harness.servers.mms.registry import DeviceRegistry

CLI = [sys.executable, "-m", "harness.cli"]
START_TIMEOUT = 20.0  # seconds for a child to print where it serves
STOP_TIMEOUT = 10.0
BURST_LIMIT = 10.0  # a burst the kill never interrupted is a broken test
SERVER_TRUST = TrustStore([fixture_pki().cert("server-root-ca")])

FIDO_DEVICE = "dave-phone"  # two credentials, two dispatch targets, the only device of its user
REGISTERED = "iris-enrol"  # whitelisted, starts unregistered
ROTATOR = "finger-rotator"


# --- child processes ---------------------------------------------------------------------------


class Server:
    """`bioharness serve KIND --db DB --port 0` as a lab runs it, restartable on the same file;
    `url` is read from the `reference KIND at <url>` line it prints."""

    def __init__(self, kind: str, db: Path) -> None:
        self.kind, self.db = kind, db
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log = db
        self.starts = 0

    def start(self, *extra: str) -> Server:
        assert self.process is None or self.process.poll() is not None, "still running"
        self.starts += 1
        self.log = self.db.with_name(f"{self.db.name}.{self.kind}.{self.starts}.log")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*CLI, "serve", self.kind, "--db", str(self.db), "--port", "0", *extra],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.url = self._announced_url()
        return self

    def _announced_url(self) -> str:
        assert self.process is not None
        marker = f"reference {self.kind.upper()} at "
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if line.startswith(marker):
                    return line[len(marker) :].split()[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"serve {self.kind} never said where it serves:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: signal.Signals) -> int:
        """Send `sig` and wait for the process to exit; its exit code."""
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(STOP_TIMEOUT)

    def close(self) -> None:
        """Kill the process if it still runs (a fixture's teardown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    """A factory of Servers on files in tmp_path; every one is killed at teardown."""
    made: list[Server] = []

    def make(kind: str) -> Server:
        made.append(Server(kind, tmp_path / f"{kind}.sqlite3"))
        return made[-1]

    try:
        yield make
    finally:
        for server in made:
            server.close()


@dataclass
class Burst:
    """What one client's sequential burst saw: the requests acknowledged, in order, and the one
    in flight when the server died (None when it died between two requests)."""

    acked: list[Any] = field(default_factory=list)
    in_flight: Any = None
    kill_after: float = 0.0


def burst_until_killed(
    server: Server, requests: Iterator[Any], send: Callable[[Any], bool], seed: int
) -> Burst:
    """Send `requests` one after the other with `send` (True: acknowledged) until the server is
    SIGKILLed, a random 0.2-0.8 s into the burst."""
    process = server.process
    assert process is not None
    burst = Burst(kill_after=random.Random(seed).uniform(0.2, 0.8))
    killer = threading.Timer(burst.kill_after, process.kill)
    started = time.monotonic()
    killer.start()
    try:
        for request in requests:
            assert time.monotonic() - started < BURST_LIMIT, "the server was never killed"
            burst.in_flight = request
            try:
                acknowledged = send(request)
            except httpx.HTTPError:
                break  # the server died with this request in flight
            assert acknowledged, f"{request!r} refused before the kill:\n{server.output()}"
            burst.acked.append(request)
            burst.in_flight = None
            if process.poll() is not None:
                break  # it died between two requests
    finally:
        killer.cancel()
        killer.join(STOP_TIMEOUT)
        if process.poll() is None:
            process.kill()
        process.wait(STOP_TIMEOUT)
    assert process.returncode == -signal.SIGKILL, (process.returncode, server.output())
    return burst


# --- Device Service ----------------------------------------------------------------------------


@contextmanager
def fido_session(server: Server) -> Iterator[FidoSession]:
    device = fido_devices()[FIDO_DEVICE]
    with FidoClient(server.url) as client:
        yield FidoSession(client, device, device.target(), HarnessHeldKeys())


def fido_view(server: Server) -> dict[str, Any]:
    """The device's credentials and dispatch targets, from a signed GET whose JWE answer is
    opened with the signing dispatch target's encryption key."""
    with fido_session(server) as session:
        got = session.get_credentials()
    assert got.status == 200 and got.problem is None and isinstance(got.payload, dict), got
    return got.payload


def fido_pairs(view: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(t["name"], t.get("target")) for t in view["dispatchTargets"]}


def fido_counter(view: dict[str, Any]) -> int:
    """The counter every dispatch target's name and target carry; fails when a name and its
    target disagree (a half-applied update) or two targets do."""
    counters = set()
    for name, target in fido_pairs(view):
        assert name.startswith("phone-"), f"an update was lost: name {name!r}"
        counter = int(name.removeprefix("phone-"))
        assert target == f"target-{counter}", f"half-applied update: {name!r} with {target!r}"
        counters.add(counter)
    assert len(counters) == 1, f"the dispatch targets disagree: {fido_pairs(view)}"
    return counters.pop()


def fido_rename(session: FidoSession, counter: int) -> bool:
    """PATCH update of name and target together, both carrying `counter`; True on 204."""
    answer = session.modify(
        fido_protocol.UPDATE, name=f"phone-{counter}", target=f"target-{counter}"
    )
    return answer.status == 204


def test_device_service_patch_bursts_survive_sigkill(
    servers: Callable[[str], Server], tmp_path: Path
) -> None:
    fido = servers("fido").start()
    device = fido_devices()[FIDO_DEVICE]
    keys = [c["keyId"] for c in device.credentials]
    # one delete per cycle, early in its burst: a credential, the other one, a dispatch target
    deletes = [("keyIds", keys[0]), ("keyIds", keys[1]), ("dispatchTargetIds", device.target(1).id)]
    present = {"keyIds": set(keys), "dispatchTargetIds": {t.id for t in device.targets}}
    acked_counter = 0  # the last update acknowledged (0: none yet)

    for cycle in range(3):
        first = 1000 * (cycle + 1)

        def requests(first: int = first, delete: tuple[str, str] = deletes[cycle]) -> Iterator:
            for n in range(first, first + 100_000):
                yield ("update", n)
                if n == first + 1:
                    yield ("delete", delete)

        with fido_session(fido) as session:

            def send(request: tuple[str, Any], session: FidoSession = session) -> bool:
                kind, value = request
                if kind == "update":
                    return fido_rename(session, value)
                field_name, item = value
                return session.modify(fido_protocol.DELETE, **{field_name: [item]}).status == 204

            burst = burst_until_killed(fido, requests(), send, seed=cycle)
        acked_updates = [v for k, v in burst.acked if k == "update"]
        assert acked_updates, f"cycle {cycle}: nothing acknowledged in {burst.kill_after:.2f} s"
        acked_counter = acked_updates[-1]

        fido.start()  # the same file, no --reseed
        view = fido_view(fido)
        allowed = {acked_counter}
        if burst.in_flight is not None and burst.in_flight[0] == "update":
            allowed.add(burst.in_flight[1])
        held = fido_counter(view)
        assert held in allowed, (
            f"cycle {cycle}: the server holds {held}, acknowledged up to {acked_counter}, "
            f"in flight {burst.in_flight}"
        )
        acked_counter = held

        got = {
            "keyIds": [c["keyId"] for c in view["fidoUafCredentials"]],
            "dispatchTargetIds": [t["id"] for t in view["dispatchTargets"]],
        }
        uncertain = set()
        if burst.in_flight is not None and burst.in_flight[0] == "delete":
            uncertain.add(burst.in_flight[1][1])
        for field_name, items in got.items():
            assert len(items) == len(set(items)), f"cycle {cycle}: duplicated {field_name} {items}"
            for kind, value in burst.acked:
                if kind == "delete" and value[0] == field_name:
                    assert value[1] not in items, f"cycle {cycle}: acknowledged delete lost {value}"
                    present[field_name].discard(value[1])
            expected = present[field_name]
            assert expected - uncertain <= set(items) <= expected, (
                f"cycle {cycle}: {field_name} {items}, expected {expected} (in flight {uncertain})"
            )
            present[field_name] = set(items)

    # what the file holds, the server stopped: one row each, nothing duplicated
    fido.close()
    with sqlite3.connect(tmp_path / "fido.sqlite3") as raw:
        creds = raw.execute(
            "SELECT key_id FROM credentials WHERE device_id = ?", (device.device_id,)
        ).fetchall()
        targets = raw.execute(
            "SELECT id, name, target FROM dispatch_targets WHERE device_id = ?",
            (device.device_id,),
        ).fetchall()
    assert sorted(k for (k,) in creds) == sorted(present["keyIds"])
    assert sorted(t[0] for t in targets) == sorted(present["dispatchTargetIds"])
    name = f"phone-{acked_counter}"
    assert {(n, t) for _, n, t in targets} == {(name, f"target-{acked_counter}")}


# --- MMS ---------------------------------------------------------------------------------------


@contextmanager
def mms_session(server: Server, name: str) -> Iterator[MmsSession]:
    with MmsClient(server.url, SERVER_TRUST) as client:
        yield MmsSession.of_fixture(name, client, MdsInfo())


def snapshot(server: Server, name: str) -> dict[str, Any]:
    with mms_session(server, name) as session:
        answer = session.snapshot().answer
    assert answer["responseCode"] == "0", answer
    return answer


def register(server: Server, name: str) -> str:
    """Register fixture device `name`; the device code its answer assigns."""
    with mms_session(server, name) as session:
        answer = session.register().answer
        assert answer["responseCode"] == "0", answer
        assert session.device_code
        return session.device_code


def certificate_rows(db: Path, serial: str) -> list[x509.Certificate]:
    """The certificates the registry file holds for `serial`, oldest first."""
    with sqlite3.connect(db) as raw:
        rows = raw.execute(
            "SELECT certificate_pem FROM certificates WHERE serial_number = ? ORDER BY id",
            (serial,),
        ).fetchall()
    return [x509.load_pem_x509_certificate(pem.encode()) for (pem,) in rows]


def key_expiry_in_file(db: Path, serial: str) -> str:
    with sqlite3.connect(db) as raw:
        ((expiry,),) = raw.execute(
            "SELECT key_expiry FROM devices WHERE serial_number = ?", (serial,)
        ).fetchall()
    return expiry


def test_mms_registration_and_rotation_bursts_survive_sigkill(
    servers: Callable[[str], Server], tmp_path: Path
) -> None:
    mms = servers("mms").start()
    db = tmp_path / "mms.sqlite3"
    rotator = fixture_devices()[ROTATOR].serial_number
    # one CSR for every rotation (the server certifies it anew each time): no key generation
    # in the burst, so the kill lands in the server's work rather than the client's
    fields = rotation_fields(certs.build_csr(certs.new_rsa_key(2048), rotator))
    assert snapshot(mms, REGISTERED)["isDeviceRegistered"] == "false"
    code = register(mms, REGISTERED)
    issued: list[x509.Certificate] = []  # every certificate acknowledged (or found committed)

    for cycle in range(2):
        answers: list[dict[str, Any]] = []
        with mms_session(mms, ROTATOR) as session:

            def send(
                n: int, session: MmsSession = session, answers: list[dict[str, Any]] = answers
            ) -> bool:
                answer = session.request(mms_protocol.KEY_ROTATION, fields).answer
                answers.append(answer)
                return answer["responseCode"] == "0" and "signedDeviceCertificate" in answer

            burst = burst_until_killed(mms, iter(range(100_000)), send, seed=10 + cycle)
        assert burst.acked, f"cycle {cycle}: no rotation acknowledged in {burst.kill_after:.2f} s"
        acked = answers[: len(burst.acked)]
        issued += [
            x509.load_der_x509_certificate(base64.b64decode(a["signedDeviceCertificate"]))
            for a in acked
        ]

        # the registry file, the server dead: every acknowledged certificate once and in order,
        # at most the one in flight besides; the device's key expiry is the last one's notAfter
        held = certificate_rows(db, rotator)
        assert held[: len(issued)] == issued, f"cycle {cycle}: acknowledged certificates lost"
        extra = len(held) - len(issued)
        assert extra in ((0, 1) if burst.in_flight is not None else (0,)), (
            f"cycle {cycle}: {len(held)} certificates held, {len(issued)} acknowledged, "
            f"in flight {burst.in_flight}"
        )
        assert len({c.serial_number for c in held}) == len(held), "a certificate twice"
        last = held[-1].not_valid_after_utc
        assert key_expiry_in_file(db, rotator) == last.isoformat()
        issued = held  # an in-flight rotation that was committed counts from now on

        mms.start()  # the same file, no --reseed
        registered = snapshot(mms, REGISTERED)
        assert (registered["isDeviceRegistered"], registered["deviceCodeUUID"]) == ("true", code)
        reported = snapshot(mms, ROTATOR)["keyExpiryTimeStamp"]
        assert reported == iso(last)
        if not extra:
            assert reported == acked[-1]["keyExpiryTimeStamp"]


# --- clean restarts and --reseed ---------------------------------------------------------------


def stopped_cleanly(server: Server, sig: signal.Signals) -> None:
    """Stop `server` with SIGINT (Ctrl-C) or SIGTERM: either closes it and exits 0."""
    code = server.stop(sig)
    assert code == 0, (code, server.output())


def test_device_service_keeps_a_rename_across_clean_restarts_and_reseed_restores(
    servers: Callable[[str], Server],
) -> None:
    fido = servers("fido").start()
    fixture = fido_pairs(fido_view(fido))
    assert len(fixture) == 2
    with fido_session(fido) as session:
        assert fido_rename(session, 7)
    stopped_cleanly(fido, signal.SIGINT)
    fido.start()
    assert fido_counter(fido_view(fido)) == 7
    stopped_cleanly(fido, signal.SIGTERM)
    fido.start()
    assert fido_counter(fido_view(fido)) == 7
    stopped_cleanly(fido, signal.SIGINT)
    fido.start("--reseed")
    assert fido_pairs(fido_view(fido)) == fixture


def test_mms_keeps_a_registration_across_clean_restarts_and_reseed_restores(
    servers: Callable[[str], Server],
) -> None:
    mms = servers("mms").start()
    assert snapshot(mms, REGISTERED)["isDeviceRegistered"] == "false"
    code = register(mms, REGISTERED)
    stopped_cleanly(mms, signal.SIGTERM)
    mms.start()
    after = snapshot(mms, REGISTERED)
    assert (after["isDeviceRegistered"], after["deviceCodeUUID"]) == ("true", code)
    stopped_cleanly(mms, signal.SIGINT)
    mms.start()
    after = snapshot(mms, REGISTERED)
    assert (after["isDeviceRegistered"], after["deviceCodeUUID"]) == ("true", code)
    stopped_cleanly(mms, signal.SIGTERM)
    mms.start("--reseed")
    again = snapshot(mms, REGISTERED)
    assert (again["isDeviceRegistered"], again["deviceCodeUUID"]) == ("false", "")


# --- seeding is one transaction ----------------------------------------------------------------


def _broken_fido_devices() -> list[Any]:
    """The fixture devices with the fourth one broken: seeding fails midway through."""
    devices = list(fido_devices().values())
    devices[3] = dataclasses.replace(devices[3], credentials=({"keyId": "no-aaid"},))
    return devices


def _broken_mms_devices() -> list[Any]:
    devices = list(fixture_devices().values())
    devices[3] = dataclasses.replace(devices[3], server={"whitelistValidDays": "not a number"})
    return devices


@pytest.mark.parametrize("reseed", [False, True], ids=["first-start", "reseed"])
@pytest.mark.parametrize("kind", ["fido", "mms"])
def test_a_seeding_that_fails_midway_leaves_the_file_as_it_was(
    tmp_path: Path, kind: str, reseed: bool
) -> None:
    """A start that dies while it seeds (first start on an empty file, or --reseed) must not
    leave part of the fixtures in the file: the next start would keep that part as a lab's
    state. Seeding is one transaction, so the file holds what it held before."""
    db = tmp_path / f"{kind}.sqlite3"
    now = dt.datetime.now(dt.UTC)
    if kind == "fido":
        store, broken, count = FidoStore, _broken_fido_devices(), len(fido_devices())
        start, table = reference_fido, "devices"
    else:
        store, broken, count = DeviceRegistry, _broken_mms_devices(), len(fixture_devices())
        start, table = reference_mms, "devices"
    if reseed:
        start(db_path=db).close()  # a file that holds the fixture state
        with sqlite3.connect(db) as raw:
            raw.execute(f"DELETE FROM {table} WHERE rowid = (SELECT max(rowid) FROM {table})")
        count -= 1  # a lab's change: one device fewer
    dying = store(db)
    with pytest.raises((KeyError, TypeError)):
        dying.seed(broken, now)
    dying.close()
    service = start(db_path=db)  # the restart, without --reseed
    try:
        with sqlite3.connect(db) as raw:
            ((held,),) = raw.execute(f"SELECT count(*) FROM {table}").fetchall()
    finally:
        service.close()
    assert held == count
