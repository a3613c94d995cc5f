"""A labgrid place the bench holds for a run: its serial port is the bench device's transport
(`labgrid:PLACE`), its power port (where it has one) the device's power switch.

labgrid is the engine: its coordinator, exporters, places, reservations and locks, and its
client (harness/device/labgrid_session.py drives its API). The suite acquires the place once per
session (`acquired`, from a session fixture) and releases it at the end; each scenario's
`connect("labgrid:PLACE")` opens the serial port of the place held (`held_place`).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.device.power import PowerHook
from harness.hooks import Hook
from harness.verdict import BenchFault


@dataclass(frozen=True)
class NetworkSerialPort:
    """A labgrid NetworkSerialPort: a serial port served on the network (ser2net, on the
    exporter's host), over RFC 2217 or as raw TCP."""

    host: str
    port: int
    protocol: str = "rfc2217"

    @property
    def url(self) -> str:
        """The pyserial URL of the port. RFC 2217 without modem-line control: a port behind
        ser2net may not answer it (labgrid's own driver leaves it out too)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.protocol == "raw":
            return f"socket://{host}:{self.port}"
        return f"rfc2217://{host}:{self.port}?ign_set_control"


@dataclass(frozen=True)
class LabgridPlace:
    """A place this process holds: its name, its serial port, and its power switch (None when
    it has no power port)."""

    name: str
    serial: NetworkSerialPort
    power: PowerHook | None


_HELD: dict[str, LabgridPlace] = {}


def held_place(name: str) -> LabgridPlace:
    """The place `name` this process holds; a BenchFault when it holds none of that name."""
    try:
        return _HELD[name]
    except KeyError:
        raise BenchFault(
            f"labgrid place {name} is not held by this run: the suite acquires the bench's place "
            "once per session ([labgrid] place or a labgrid:PLACE transport)"
        ) from None


def labgrid_power(
    coordinator: str, name: str, timeout: float, env: Path | None = None
) -> PowerHook:
    """The power switch of a place: labgrid's `labgrid-client power on|off|cycle` on it (with
    the labgrid environment `env`, whose drivers it then uses), bounded by `timeout` seconds."""
    command = [sys.executable, "-m", "labgrid.remote.client", "-x", coordinator, "-p", name]
    command += ["-c", str(env)] if env else []
    escaped = shlex.join(command).replace("{", "{{").replace("}", "}}")
    return PowerHook(Hook("power", f"{escaped} power {{action}}", timeout))


@contextlib.contextmanager
def acquired(
    coordinator: str,
    name: str,
    *,
    timeout: float,
    power_timeout: float,
    env: Path | None = None,
) -> Iterator[LabgridPlace]:
    """Reserve and acquire the place `name` through the labgrid coordinator at `coordinator`
    (HOST[:PORT]), each coordinator call bounded by `timeout` seconds, and hold it until the
    block ends, however it ends; a place someone else holds is a BenchFault naming them. Its
    power port is switched through `labgrid-client`, each switch bounded by `power_timeout`."""
    # labgrid and gRPC take a second to import: only a bench with a labgrid place pays it.
    from harness.device.labgrid_session import holding

    with holding(coordinator, name, timeout) as resources:
        power = (
            labgrid_power(coordinator, name, power_timeout, env) if resources.has_power else None
        )
        _HELD[name] = LabgridPlace(name, resources.serial, power)
        try:
            yield _HELD[name]
        finally:
            del _HELD[name]
