"""Load generator for the reference servers, run as its own process by benchmarks/throughput.py.

`load_client.py URL --clients 16 --requests 3000 --max-seconds 20 --mix valid,junk60k,junk1m`
sends `--requests` requests (fewer if `--max-seconds` passes first) from `--clients` threads,
each with its own httpx.Client, cycling through the `--mix` kinds by request number:

- valid: a snapshot request POSTed to the MMS at URL, signed by the fixture MDS key;
- junk60k: `{"msbDeviceSnapshot": "<60 KB of base64url junk>.x.y"}`, kept whole by the server;
- junk1m: the same with ~1 MB of junk (just under the 1 MiB body limit), clipped when recorded;
- fido: a GET of a fixture device's credentials from the Device Service at URL (its base URL),
  with a Device-Signature by one of its dispatch targets, made once (valid for the 5 minutes
  of clock divergence the service accepts; it is not refused as a replay, nor need it be).

Prints one JSON object: count, errors (transport failures and statuses other than 200), statuses,
elapsed, per_s, p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import statistics
import threading
import time
from collections import Counter
from typing import NamedTuple

import httpx

JUNK_SIZES = {"junk60k": 60_000, "junk1m": 1_000_000}


class Request(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


def valid_body() -> bytes:
    from harness.device.emulator.device import EmulatedDevice
    from harness.device.identity import fixture_devices
    from harness.jose.jws import Signer, sign
    from harness.mms.requests import MdsInfo, base_payload
    from harness.pki.material import fixture_pki

    pki = fixture_pki()
    signer = Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),))
    device = EmulatedDevice(fixture_devices()["finger-auth"])
    payload = base_payload(device, MdsInfo(), device.fixture.device_code)
    return json.dumps({"msbDeviceSnapshot": sign(payload, signer)}).encode()


def junk_body(size: int) -> bytes:
    junk = base64.urlsafe_b64encode(os.urandom(size * 3 // 4 + 3)).rstrip(b"=")[:size]
    return b'{"msbDeviceSnapshot": "' + junk + b'.x.y"}'


def fido_get(base_url: str) -> Request:
    """GET credentials as the first fixture device, signed by its first dispatch target."""
    from harness.evidence import Evidence
    from harness.fido import protocol
    from harness.fido.client import FidoClient
    from harness.fido.fixtures import fido_devices
    from harness.fido.session import FidoSession

    device = next(iter(fido_devices().values()))
    with FidoClient(base_url, Evidence()) as client:
        signature = FidoSession(client, device, device.targets[0]).device_signature()
    headers = {"Device-Signature": signature, "Accept": protocol.JOSE}
    path = protocol.CREDENTIALS_PATH.format(device_id=device.device_id)
    return Request("GET", base_url.rstrip("/") + path, headers, None)


def request_of(kind: str, url: str) -> Request:
    """The request a `--mix` kind sends to `url`."""
    if kind == "fido":
        return fido_get(url)
    body = valid_body() if kind == "valid" else junk_body(JUNK_SIZES[kind])
    return Request("POST", url, {}, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--max-seconds", type=float, default=20.0)
    parser.add_argument(
        "--mix", default="valid", help="comma-separated: valid, junk60k, junk1m, fido"
    )
    args = parser.parse_args()

    kinds = args.mix.split(",")
    requests = {kind: request_of(kind, args.url) for kind in set(kinds)}
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    def worker() -> None:
        mine: list[float] = []
        seen: Counter[str] = Counter()
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() < deadline:
                with lock:
                    n = next(numbers)
                if n >= args.requests:
                    break
                request = requests[kinds[n % len(kinds)]]
                begin = time.perf_counter()
                try:
                    answer = client.request(
                        request.method, request.url, headers=request.headers, content=request.body
                    )
                    status = str(answer.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                mine.append(time.perf_counter() - begin)
                seen[status] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    start = time.perf_counter()
    deadline = start + args.max_seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    count = len(latencies)
    print(
        json.dumps(
            {
                "count": count,
                "errors": count - statuses["200"],
                "statuses": dict(statuses),
                "elapsed_s": elapsed,
                "per_s": count / elapsed,
                "p50_ms": statistics.median(latencies) * 1000 if count else None,
                "p99_ms": latencies[max(0, -(-count * 99 // 100) - 1)] * 1000 if count else None,
            }
        )
    )


if __name__ == "__main__":
    main()
