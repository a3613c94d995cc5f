"""A labgrid bench end to end, as a lab runs one: labgrid's coordinator and exporter as child
processes on loopback, the exporter serving the emulated device's pty (`bioharness serve
device`) through ser2net as a RawSerialPort, places made with `labgrid-client`; the device
features run through a place, a place someone else holds is a bench fault naming them at once,
a run killed while holding the place leaves it released, and a place's power port (a relay
labgrid switches over HTTP, played by this test) is the device's power switch."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.device.labgrid_place import acquired
from harness.device.power import NO_POWER_SWITCH
from harness.report.catalogue import ROOT
from harness.verdict import BenchFault
from tests.served import CLI

pytestmark = pytest.mark.timeout(300)
BIN = Path(sys.executable).parent  # labgrid's commands, installed beside this interpreter
# Scenarios of each kind the bench device plays through the place: the MDS's requests, a key
# rotation, the clock it adopts, the power-cycle ones (skipped: the place has no power port).
REQUIREMENTS = ("DEV-REQUESTS", "DEV-ROTATION", "DEV-CLOCK", "DEV-POWER")
COLLEAGUE = "lab-colleague"  # the labgrid user (LG_USERNAME) of another client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds}s")
        time.sleep(0.1)


class Relay(http.server.ThreadingHTTPServer):
    """A network relay on loopback, as labgrid's `simplerest` power model switches one: GET
    /relay/{index}/{value}; it keeps the paths it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                relay.asked.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/relay/{{index}}/{{value}}"


@dataclass
class Lab:
    """A coordinator, an exporter and the emulated device behind a place: child processes
    whose output goes to files, shown when a test fails."""

    folder: Path
    coordinator: str
    place: str
    relay: Relay
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def powered_place(self) -> str:
        """A place with the device's serial port and the relay's power port."""
        return f"{self.place}-powered"

    def start(self, name: str, command: list[str], **options: object) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **options)
        self.children[name] = child
        return child

    def client(
        self, *args: str, user: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`labgrid-client` on the lab's coordinator (as `user`, else as this process's)."""
        env = {**os.environ, "LG_COORDINATOR": self.coordinator}
        if user:
            env["LG_USERNAME"] = user
        done = subprocess.run(
            [str(BIN / "labgrid-client"), *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"labgrid-client {' '.join(args)}: {done.stderr}\n{self.logs()}")
        return done

    def holder(self) -> str:
        """Who holds the place, as labgrid shows it (HOST/USER, or None)."""
        shown = self.client("-p", self.place, "show").stdout
        return next(line for line in shown.splitlines() if "acquired:" in line).split()[-1]

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for child in self.children.values():
            child.terminate()
        for child in self.children.values():
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if shutil.which("ser2net") is None and not Path("/usr/sbin/ser2net").exists():
        pytest.skip("ser2net not installed: apt-get install ser2net")
    if not os.access("/dev", os.W_OK):
        pytest.skip("labgrid's RawSerialPort takes a /dev path: run as root to link the pty there")
    folder = tmp_path_factory.mktemp("labgrid")
    relay = Relay()
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    lab = Lab(folder, f"127.0.0.1:{_free_port()}", f"bioharness-{os.getpid()}", relay)
    exporter = f"bioharness-exporter-{os.getpid()}"
    dev_link = Path(f"/dev/bioharness-{os.getpid()}")
    try:
        # the coordinator keeps its places.yaml in its working folder
        lab.start(
            "coordinator", [str(BIN / "labgrid-coordinator"), "-l", lab.coordinator], cwd=folder
        )
        tty = folder / "tty"
        lab.start(
            "device", [*CLI, "serve", "device", "--as", "finger-auth", "--link", str(tty)], cwd=ROOT
        )
        _until(tty.exists, 20, "bioharness serve device")
        dev_link.symlink_to(tty)
        (folder / "exporter.yaml").write_text(
            f"bench:\n  RawSerialPort:\n    port: {dev_link}\n    speed: 115200\n"
            f"power:\n  NetworkPowerPort:\n    model: simplerest\n    host: '{relay.url}'\n"
            "    index: 0\n"
        )
        _until(lambda: _listening(lab.coordinator), 20, "the coordinator")
        lab.start(
            "exporter",
            [
                *(str(BIN / "labgrid-exporter"), "-c", lab.coordinator, "-n", exporter),
                *("--hostname", "127.0.0.1", "exporter.yaml"),
            ],
            cwd=folder,
        )
        _until(lambda: exporter in lab.client("resources").stdout, 20, "the exporter's port")
        lab.client("-p", lab.place, "create")
        lab.client("-p", lab.place, "add-match", f"{exporter}/bench/*")
        lab.client("-p", lab.powered_place, "create")
        lab.client(
            "-p", lab.powered_place, "add-match", f"{exporter}/bench/*", f"{exporter}/power/*"
        )
        yield lab
    except (TimeoutError, AssertionError) as exc:
        raise AssertionError(f"{exc}\n{lab.logs()}") from None
    finally:
        lab.stop()
        relay.shutdown()
        relay.server_close()
        dev_link.unlink(missing_ok=True)


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    folder: Path

    @property
    def scenarios(self) -> list[dict]:
        rows = json.loads((self.folder / "summary.json").read_text())["requirements"]
        return [s for row in rows for s in row["scenarios"]]

    def of(self, requirement: str) -> list[dict]:
        return [s for s in self.scenarios if requirement in s["requirements"]]


def _profile(lab: Lab) -> Path:
    profile = lab.folder / "labgrid-bench.toml"
    profile.write_text(
        f'[bench]\nname = "labgrid bench"\n\n[labgrid]\ncoordinator = "{lab.coordinator}"\n'
        f'place = "{lab.place}"\n\n[device]\ntransports = ["labgrid:{lab.place}"]\n'
    )
    return profile


def _run_command(lab: Lab, reports: Path) -> list[str]:
    requirements = [arg for rid in REQUIREMENTS for arg in ("--req", rid)]
    return [
        *CLI,
        "run",
        "--no-html",
        "-q",
        "--reports",
        str(reports),
        "--profile",
        str(_profile(lab)),
        "--tags",
        "device and not hostile",
        *requirements,
    ]


def _run(lab: Lab, reports: Path) -> Run:
    started = time.monotonic()
    done = subprocess.run(
        _run_command(lab, reports), cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    output = done.stdout + done.stderr
    return Run(done.returncode, output, time.monotonic() - started, reports / "latest")


def test_the_device_features_pass_through_a_labgrid_place(lab: Lab, tmp_path: Path) -> None:
    run = _run(lab, tmp_path)
    assert run.code == 0, f"{run.output[-4000:]}\n{lab.logs()}"
    passed = [s for s in run.scenarios if s["outcome"] == "passed"]
    assert {r for s in passed for r in s["requirements"]} == set(REQUIREMENTS) - {"DEV-POWER"}
    assert all(s["variant"].startswith(f"labgrid:{lab.place}") for s in run.scenarios)
    assert [s["reason"] for s in run.of("DEV-POWER")] == [NO_POWER_SWITCH] * 2
    assert lab.holder() == "None"  # released at the end of the session
    assert "token:" not in lab.client("reservations").stdout  # its reservation cancelled


def test_a_place_someone_else_holds_is_a_bench_fault_naming_them(lab: Lab, tmp_path: Path) -> None:
    lab.client("-p", lab.place, "acquire", user=COLLEAGUE)
    try:
        run = _run(lab, tmp_path)
        assert lab.holder().endswith(f"/{COLLEAGUE}")  # their lock is left as it was
    finally:
        lab.client("-p", lab.place, "release", user=COLLEAGUE)
    assert run.code == 1, run.output[-4000:]
    assert run.scenarios and {s["category"] for s in run.scenarios} == {"bench fault"}
    reasons = {s["reason"] for s in run.scenarios}
    assert len(reasons) == 1 and f"is acquired by {COLLEAGUE} on" in reasons.pop()
    # at once: no scenario waited for a coordinator timeout, nor the run for anything else
    assert max(s["duration"] for s in run.scenarios) < 5, run.scenarios
    assert run.seconds < 60


def test_a_run_killed_holding_the_place_leaves_it_released(lab: Lab, tmp_path: Path) -> None:
    run = subprocess.Popen(
        _run_command(lab, tmp_path),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _until(lambda: lab.holder() != "None", 60, "the run acquiring the place")
        os.killpg(run.pid, signal.SIGTERM)  # the run and its suite die without a clean-up
        run.wait(10)
        _until(lambda: lab.holder() == "None", 20, "the watchdog releasing the place")
        assert "token:" not in lab.client("reservations").stdout
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(10)


def test_a_places_power_port_is_switched_through_labgrid(lab: Lab) -> None:
    with acquired(lab.coordinator, lab.powered_place, timeout=10, power_timeout=60) as place:
        assert place.power is not None and place.serial.port > 0
        place.power.power_cycle()
    assert lab.relay.asked == ["/relay/0/0", "/relay/0/1"]  # off, then on again
    assert lab.client("-p", lab.powered_place, "show").stdout.count("acquired: None") == 1


# --- the coordinator is not there ----------------------------------------------------------


def test_a_coordinator_nobody_runs_is_a_bench_fault_at_once() -> None:
    started = time.monotonic()
    with (
        pytest.raises(BenchFault, match=r"Could not connect.*is it running there"),
        acquired(f"127.0.0.1:{_free_port()}", "bench-3", timeout=5, power_timeout=5),
    ):
        pass
    assert time.monotonic() - started < 5


def test_a_coordinator_that_never_answers_is_a_bench_fault_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with (
            pytest.raises(BenchFault, match=r"did not answer \(connecting\) within 1s"),
            acquired(f"127.0.0.1:{silent.getsockname()[1]}", "bench-3", timeout=1, power_timeout=5),
        ):
            pass
        assert time.monotonic() - started < 4
