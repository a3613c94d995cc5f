"""labgrid's client API, driven for a run: one `ClientSession` with the coordinator on an event
loop in a thread of its own (its message pump keeps the places and resources current), every
call bounded by a timeout; a place reserved, acquired and released; what its resources offer.

labgrid's `ClientSession` is the library under `labgrid-client`. It is driven here, not the
command: one session holds the place for the whole run, refusals come back as exceptions, and
each call has a timeout of ours (a command per step would start a client each time and report
through its exit status and text). Only the power port is switched through `labgrid-client
power` (harness/device/labgrid_place.py): choosing a driver for a power resource is that
command's own logic.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from labgrid.remote.client import ClientSession
from labgrid.remote.client import Error as LabgridError
from labgrid.remote.common import Place, Reservation, ReservationState
from labgrid.remote.generated import labgrid_coordinator_pb2 as coordinator_pb2
from labgrid.util.proxy import proxymanager

from harness.device.labgrid_place import NetworkSerialPort
from harness.verdict import BenchFault

T = TypeVar("T")
DEFAULT_PORT = 20408  # labgrid's coordinator port
# The resources `labgrid-client power` switches (labgrid 26.0.1, remote/client.py: power).
POWER_RESOURCES = frozenset(
    {
        "NetworkPowerPort",
        "NetworkUSBPowerPort",
        "NetworkSiSPMPowerPort",
        "PDUDaemonPort",
        "TasmotaPowerPort",
        "NetworkYKUSHPowerPort",
    }
)


@dataclass(frozen=True)
class HeldResources:
    """What an acquired place offers the bench: its serial port, and whether it has a power
    port `labgrid-client power` switches."""

    serial: NetworkSerialPort
    has_power: bool


class CoordinatorSession:
    """labgrid's ClientSession with the coordinator at `address` (HOST[:PORT]), each call
    bounded by `timeout` seconds; a coordinator that does not answer, or refuses, is a
    BenchFault."""

    def __init__(self, address: str, timeout: float) -> None:
        self.address, self.timeout = address, timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="labgrid-client", daemon=True
        )
        self._thread.start()
        self._client: ClientSession | None = None
        try:
            self.run(self._start(), "connecting")
        except BenchFault as exc:
            self.close()
            raise BenchFault(f"{exc}: is it running there? (check [labgrid] coordinator)") from None
        except BaseException:
            self.close()
            raise

    @property
    def client(self) -> ClientSession:
        if self._client is None:
            raise BenchFault(f"no session with the labgrid coordinator at {self.address}")
        return self._client

    @property
    def me(self) -> str:
        """Who this session acquires as: labgrid's HOST/USER (LG_HOSTNAME, LG_USERNAME)."""
        return f"{self.client.gethostname()}/{self.client.getuser()}"

    async def _start(self) -> None:
        address = proxymanager.get_grpc_address(self.address, default_port=DEFAULT_PORT)
        self._client = ClientSession(
            address,
            asyncio.get_running_loop(),
            args=argparse.Namespace(place=None, allow_unmatched=False, kick=False),
        )
        await self._client.start()

    def run(self, coroutine: Coroutine[Any, Any, T], what: str, timeout: float | None = None) -> T:
        """Run `coroutine` on the session's loop within `timeout` (default: the session's)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        limit = self.timeout if timeout is None else timeout
        try:
            return future.result(limit)
        except TimeoutError:
            future.cancel()
            raise BenchFault(
                f"the labgrid coordinator at {self.address} did not answer ({what}) within "
                f"{limit:g}s"
            ) from None
        except LabgridError as exc:
            raise BenchFault(
                f"labgrid coordinator at {self.address}, {what}: {' '.join(exc.args)}"
            ) from None
        except grpc.aio.AioRpcError as exc:
            raise BenchFault(
                f"labgrid coordinator at {self.address}, {what}: {exc.details()}"
            ) from None

    def close(self) -> None:
        """Close the session and stop its loop (bounded by the timeout)."""
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(BenchFault):
                self.run(_closed(client), "closing the session")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        if not self._thread.is_alive():
            self._loop.close()


async def _closed(client: ClientSession) -> None:
    await client.stop()
    await client.close()


# --- a place held for a run -------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceReservation:
    """The reservation a run holds a place under: `made_here` by the run (cancelled when it
    ends), or the user's own, made before (a lab's `labgrid-client reserve`; left as it is)."""

    token: str
    made_here: bool


@contextlib.contextmanager
def holding(address: str, name: str, timeout: float) -> Iterator[HeldResources]:
    """Reserve and acquire the labgrid place `name` through the coordinator at `address`, yield
    what it offers, and release it (and cancel the reservation made for it) on leaving, however
    that happens; a watchdog process does it if this process dies first."""
    session = CoordinatorSession(address, timeout)
    try:
        with release_watchdog(address, name) as watchdog:
            reservation = session.run(_reservation(session, name), f"reserving place {name}")
            watchdog.watch(reservation)
            try:
                session.run(_acquire(session, name), f"acquiring place {name}")
                yield session.run(
                    _resources(session, name),
                    f"reading the resources of place {name}",
                    timeout=2 * timeout,
                )
            finally:
                session.run(_release(session, name, reservation), f"releasing place {name}")
                watchdog.dismiss()
    finally:
        session.close()


def release_left(address: str, name: str, reservation: PlaceReservation, timeout: float) -> bool:
    """Release the place `name` if this labgrid user (HOST/USER) holds it under `reservation`,
    and cancel the reservation if it was made for the run; whether the place was held."""
    session = CoordinatorSession(address, timeout)
    try:
        return session.run(_release(session, name, reservation), f"releasing place {name}")
    finally:
        session.close()


class ReleaseWatchdog:
    """A child process (harness/device/labgrid_watchdog.py) told, through its standard input,
    the reservation the run holds the place under; unless dismissed before this process ends,
    however it ends (killed; or, on Ctrl-C, killed by `bioharness run` before its clean-up), it
    releases the place the run holds under that reservation."""

    def __init__(self, address: str, name: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness.device.labgrid_watchdog", address, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the run only
        )
        self.dismissed = False

    def _say(self, line: str) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.write(f"{line}\n".encode())
            self.process.stdin.flush()

    def watch(self, reservation: PlaceReservation) -> None:
        """The reservation the place is (about to be) acquired under."""
        self._say(f"watch {reservation.token} {'made-here' if reservation.made_here else 'kept'}")

    def dismiss(self) -> None:
        """The run released the place itself."""
        self._say("released")
        self.dismissed = True

    def close(self) -> None:
        """End its input; a dismissed watchdog then ends, another goes on alone to release."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if self.dismissed:
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextlib.contextmanager
def release_watchdog(address: str, name: str) -> Iterator[ReleaseWatchdog]:
    """A ReleaseWatchdog for the place, closed on leaving."""
    watchdog = ReleaseWatchdog(address, name)
    try:
        yield watchdog
    finally:
        watchdog.close()


async def _reservation(session: CoordinatorSession, name: str) -> PlaceReservation:
    """The reservation to acquire the place under: the user's own when it has one, else one
    made here (allocated at once: the place is free). A BenchFault naming whoever holds the
    place, or has it reserved."""
    client = session.client
    await client.sync_with_coordinator()
    place = _place(session, name)
    _refuse_taken(session, place)
    if place.reservation is None:
        return PlaceReservation(await _reserve(session, name), made_here=True)
    owner = await _reservation_owner(client, place.reservation)
    if owner != session.me:
        raise BenchFault(
            f"labgrid place {name} is reserved for {owner} (reservation "
            f"{place.reservation}): wait for it to end, or use another place"
        )
    return PlaceReservation(place.reservation, made_here=False)


async def _acquire(session: CoordinatorSession, name: str) -> None:
    """Acquire the place (labgrid's own acquire: it checks the place's matches first)."""
    client = session.client
    client.args.place = name
    try:
        await client.acquire()
    except LabgridError:
        await client.sync_with_coordinator()
        _refuse_taken(session, _place(session, name))  # another client was quicker: name it
        raise


async def _reserve(session: CoordinatorSession, name: str) -> str:
    """A reservation of the place by name, allocated at once (it is free), or a BenchFault."""
    client = session.client
    request = coordinator_pb2.CreateReservationRequest(
        filters={"main": coordinator_pb2.Reservation.Filter(filter={"name": name})}, prio=0.0
    )
    response = await client.stub.CreateReservation(request)
    reservation = Reservation.from_pb2(response.reservation)
    if reservation.state is not ReservationState.allocated:
        await _cancel(client, reservation.token)
        raise BenchFault(
            f"labgrid place {name} cannot be reserved now (the reservation was "
            f"{reservation.state.name}): see labgrid-client reservations"
        )
    return reservation.token


async def _reservation_owner(client: ClientSession, token: str) -> str:
    response = await client.stub.GetReservations(coordinator_pb2.GetReservationsRequest())
    for found in response.reservations:
        if found.token == token:
            return Reservation.from_pb2(found).owner
    return "nobody (an expired reservation)"


async def _cancel(client: ClientSession, token: str) -> None:
    with contextlib.suppress(grpc.aio.AioRpcError):  # gone already: it expired
        await client.stub.CancelReservation(coordinator_pb2.CancelReservationRequest(token=token))


async def _release(session: CoordinatorSession, name: str, reservation: PlaceReservation) -> bool:
    """Release the place if we hold it under `reservation`, then cancel a reservation made for
    the run; whether it was held."""
    client = session.client
    await client.sync_with_coordinator()
    place = client.places.get(name)
    held = (
        place is not None
        and place.acquired == session.me
        and place.reservation == reservation.token
    )
    if held:
        client.args.place = name
        await client.release()
    if reservation.made_here:
        await _cancel(client, reservation.token)
    return held


async def _resources(session: CoordinatorSession, name: str) -> HeldResources:
    """The place's serial port, once its exporter serves it (it starts ser2net when the place
    is acquired), and whether it has a power port."""
    client, loop = session.client, asyncio.get_running_loop()
    deadline = loop.time() + session.timeout
    while True:
        entries = client.get_target_resources(_place(session, name))
        serial = sorted(
            (item for item in entries.items() if item[0][1] == "NetworkSerialPort"),
            key=lambda item: item[0],
        )
        if len(serial) != 1:
            found = ", ".join(f"{n} ({cls})" for n, cls in sorted(entries)) or "none"
            raise BenchFault(
                f"labgrid place {name} has {len(serial)} serial ports (NetworkSerialPort), "
                f"not one: give it the device's port as its only one (resources: {found})"
            )
        (port_name, _), entry = serial[0]
        if entry.extra.get("proxy_required"):
            raise BenchFault(
                f"labgrid place {name}: its serial port {port_name} is reachable only through "
                "an SSH proxy, which the bench does not use: export it where the bench reaches it"
            )
        if entry.avail and entry.args.get("port"):
            return HeldResources(
                serial=NetworkSerialPort(
                    host=entry.args["host"],
                    port=int(entry.args["port"]),
                    protocol=entry.args.get("protocol", "rfc2217"),
                ),
                has_power=any(cls in POWER_RESOURCES for _, cls in entries),
            )
        if loop.time() > deadline:
            raise BenchFault(
                f"labgrid place {name}: its serial port {port_name} is not served "
                f"{session.timeout:g}s after acquiring (available: {entry.avail}): is its "
                "exporter running, with ser2net installed?"
            )
        await asyncio.sleep(0.1)


def _place(session: CoordinatorSession, name: str) -> Place:
    place = session.client.places.get(name)
    if place is None:
        known = ", ".join(sorted(session.client.places)) or "none"
        raise BenchFault(
            f"labgrid place {name} does not exist on the coordinator at {session.address} "
            f"(places: {known}): create it (labgrid-client -p {name} create, add-match)"
        )
    return place


def _refuse_taken(session: CoordinatorSession, place: Place) -> None:
    """A BenchFault naming who holds the place, when anyone does."""
    if place.acquired is None:
        return
    host, _, user = place.acquired.partition("/")
    since = dt.datetime.fromtimestamp(place.changed, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if place.acquired == session.me:
        raise BenchFault(
            f"labgrid place {place.name} is acquired by you ({place.acquired}) since {since}: "
            f"another run of yours holds it; release it with labgrid-client -p {place.name} "
            "release"
        )
    raise BenchFault(
        f"labgrid place {place.name} is acquired by {user} on {host} ({place.acquired}) since "
        f"{since}: ask them to release it (labgrid-client -p {place.name} release), or use "
        "another place"
    )
