"""Benchmark the JOSE core and the reference MMS; write reports/perf.json (`make perf`).

Measures only; nothing here asserts a speed. Load stays on loopback, bounded in count and time.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.jose.jws import Signer, sign, verify
from harness.mms.requests import MdsInfo, base_payload
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.embedded import embedded_mms, reference_service

OUT = Path(__file__).resolve().parents[1] / "reports" / "perf.json"


def rate(action, seconds: float = 1.0, limit: int = 100_000) -> float:
    """Calls of `action` per second over about `seconds`."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and count < limit:
        action()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    pki = fixture_pki()
    signer = Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),))
    trust = TrustStore([pki.cert("vendor-root-ca")])
    device = EmulatedDevice(fixture_devices()["finger-auth"])
    payload = base_payload(device, MdsInfo(), device.fixture.device_code)
    token = sign(payload, signer)
    now = dt.datetime.now(dt.UTC)
    results: dict[str, float | int | str] = {
        "jws_sign_per_s": rate(lambda: sign(payload, signer)),
        "jws_verify_per_s": rate(lambda: verify(token, trust, now)),
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
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
