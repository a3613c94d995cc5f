"""Benchmark the JOSE core, the reference servers and the whole suite; write reports/perf.json
(`make perf`).

Measures only; nothing here asserts a speed. Load stays on loopback, bounded in count and time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.jose.jws import Signer, sign, verify
from harness.mms.requests import MdsInfo, base_payload
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms, reference_service

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "perf.json"
LOAD_CLIENT = Path(__file__).resolve().parent / "load_client.py"
CLIENTS = 16
SUITE_TIMEOUT_S = 900  # one whole-suite run, one worker
THROUGHPUT_REQUESTS, THROUGHPUT_MAX_S = 3000, 20.0
# RSS phase: WARMUP requests, then the rest up to RSS_TOTAL, all within RSS_MAX_S, a mix of valid
# snapshot requests (60%) and junk the server records: 60 KB tokens, kept whole (35%), and ~1 MB
# bodies, the token clipped to 64 KiB (5%); about a minute on 2 cores.
WARMUP, RSS_TOTAL, RSS_MAX_S = 500, 10_000, 65.0
RSS_MIX = ",".join(["valid"] * 12 + ["junk60k"] * 7 + ["junk1m"])
START_TIMEOUT, STOP_TIMEOUT = 30.0, 10.0


def rate(action, seconds: float = 1.0, limit: int = 100_000) -> float:
    """Calls of `action` per second over about `seconds`."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and count < limit:
        action()
        count += 1
    return count / (time.perf_counter() - start)


def rsa2048_sign_seconds(count: int = 1000) -> float:
    """Seconds for `count` RSA-2048 PKCS#1 v1.5 SHA-256 signs with `cryptography` (the floor
    unit: the MMS signs every answer)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = b"x" * 512
    start = time.perf_counter()
    for _ in range(count):
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return time.perf_counter() - start


class ServedProcess:
    """A reference server as a lab starts it, `bioharness serve mms|fido --port 0`, in a child
    process; its console (one line per request) is drained by a thread so it never blocks on a
    full pipe."""

    def __init__(self, what: str = "mms") -> None:
        self.announcement = f"reference {what.upper()} at "
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "serve", what, "--port", "0"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.started = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            self.url = self._wait_for_url()
        except BaseException:
            self.stop()
            raise

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not self.started.is_set():
                self.lines.put(line)
        self.lines.put(None)

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        seen = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if line.startswith(self.announcement):
                self.started.set()  # from now on the drain only discards
                return line.removeprefix(self.announcement).strip()
        raise RuntimeError(f"the server did not say where it serves: {''.join(seen)[-2000:]!r}")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(STOP_TIMEOUT)


def load(url: str, requests: int, max_seconds: float, mix: str = "valid") -> dict:
    """Run the load client in its own process: `requests` POSTs from CLIENTS threads."""
    argv = [sys.executable, str(LOAD_CLIENT), url, "--clients", str(CLIENTS)]
    argv += ["--requests", str(requests), "--max-seconds", str(max_seconds), "--mix", mix]
    done = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=max_seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"load client failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def clients_figures(what: str, mix: str) -> dict[str, float | int | str | bool | None]:
    """16 clients in another process against a `serve what` child: throughput and latency."""
    server = ServedProcess(what)
    try:
        run = load(server.url, THROUGHPUT_REQUESTS, THROUGHPUT_MAX_S, mix)
    finally:
        server.stop()
    figures: dict[str, float | int | str | bool | None] = {
        f"{what}_16_clients_requests": run["count"],
        f"{what}_16_clients_errors": run["errors"],
        f"{what}_16_clients_elapsed_s": run["elapsed_s"],
        f"{what}_16_clients_per_s": run["per_s"],
        f"{what}_16_clients_p50_ms": run["p50_ms"],
        f"{what}_16_clients_p99_ms": run["p99_ms"],
    }
    if run["errors"]:
        figures[f"{what}_16_clients_statuses"] = json.dumps(run["statuses"])
    return figures


def served_figures() -> dict[str, float | int | str | bool | None]:
    """16 clients in another process against the MMS child (snapshot requests) and the Device
    Service child (GETs of credentials); then, in a fresh MMS child, its RSS after a warm-up
    and after RSS_TOTAL requests (valid and recorded junk)."""
    figures = clients_figures("mms", "valid")
    figures.update(clients_figures("fido", "fido"))

    mms = ServedProcess("mms")
    try:
        deadline = time.monotonic() + RSS_MAX_S
        warm = load(mms.url, WARMUP, RSS_MAX_S, RSS_MIX)
        before = mms.rss_mib()
        left = max(1.0, deadline - time.monotonic())
        rest = load(mms.url, RSS_TOTAL - WARMUP, left, RSS_MIX)
        after = mms.rss_mib()
    finally:
        mms.stop()
    statuses = dict(warm["statuses"])
    for status, n in rest["statuses"].items():
        statuses[status] = statuses.get(status, 0) + n
    figures.update(
        mms_rss_mix="valid 60%, junk 60 KB token 35%, junk 1 MB body 5%",
        mms_rss_requests=warm["count"] + rest["count"],
        mms_rss_time_capped=warm["count"] + rest["count"] < RSS_TOTAL,
        mms_rss_errors=warm["errors"] + rest["errors"],
        mms_rss_elapsed_s=warm["elapsed_s"] + rest["elapsed_s"],
        mms_rss_mib_before=before,
        mms_rss_mib_after_10000=after,
        mms_rss_growth_mib=after - before,
    )
    if warm["errors"] or rest["errors"]:
        figures["mms_rss_statuses"] = json.dumps(statuses)
    return figures


def suite_figures(floor_s: float) -> dict[str, float | int]:
    """The whole suite on the embedded default (`bioharness run`, no HTML) with one worker and
    with two: wall and CPU time of the child processes, scenario runs, the speed-up of two
    workers, and the wall times in floor units (the time of 1,000 RSA-2048 signs here)."""
    figures: dict[str, float | int] = {}
    for workers, name in ((1, "suite_1_worker"), (2, "suite_2_workers")):
        with tempfile.TemporaryDirectory(prefix="bioharness-bench-") as reports:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            command = [sys.executable, "-m", "harness.cli", "run", "--no-html", "-q"]
            subprocess.run(
                [*command, "-n", str(workers), "--reports", reports],
                cwd=ROOT,
                capture_output=True,
                timeout=SUITE_TIMEOUT_S,
                check=False,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            junit = ET.parse(Path(reports) / "latest" / "junit.xml")
            runs = len(junit.getroot().findall(".//testcase"))
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        figures.update(
            {
                f"{name}_wall_s": wall,
                f"{name}_cpu_s": cpu,
                f"{name}_floor_units": wall / floor_s,
                f"{name}_scenarios_per_s": runs / wall,
            }
        )
        figures["suite_scenario_runs"] = runs
    figures["suite_speedup_2_workers"] = (
        figures["suite_1_worker_wall_s"] / figures["suite_2_workers_wall_s"]
    )
    return figures


def main() -> None:
    pki = fixture_pki()
    signer = Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),))
    trust = TrustStore([pki.cert("vendor-root-ca")])
    device = EmulatedDevice(fixture_devices()["finger-auth"])
    payload = base_payload(device, MdsInfo(), device.fixture.device_code)
    token = sign(payload, signer)
    now = dt.datetime.now(dt.UTC)
    results: dict[str, float | int | str | bool | None] = {
        "jws_sign_per_s": rate(lambda: sign(payload, signer)),
        "jws_verify_per_s": rate(lambda: verify(token, trust, now)),
        "rsa2048_sign_1000_s": rsa2048_sign_seconds(),
    }

    threads, per_thread = 4, 250
    with embedded_mms(reference_service()) as server:
        body = json.dumps({"msbDeviceSnapshot": token})

        def worker(_: int) -> list[float]:
            latencies = []
            with httpx.Client(timeout=10) as client:
                for _ in range(per_thread):
                    start = time.perf_counter()
                    client.post(server.url, content=body).raise_for_status()
                    latencies.append(time.perf_counter() - start)
            return latencies

        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            latencies = sorted(x for part in pool.map(worker, range(threads)) for x in part)
        elapsed = time.perf_counter() - start
    results.update(
        mms_snapshot_requests=len(latencies),
        mms_snapshot_per_s=len(latencies) / elapsed,
        mms_snapshot_p50_ms=statistics.median(latencies) * 1000,
        mms_snapshot_p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    results.update(served_figures())
    results.update(suite_figures(float(results["rsa2048_sign_1000_s"] or 1.0)))
    results["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
