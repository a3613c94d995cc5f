"""`bioharness serve`: a reference server (or the emulated device) for real equipment to use."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from cryptography import x509

from harness.bench import Bench, FidoBench
from harness.cli.options import EXIT_BAD_PROFILE, chosen_profile
from harness.device.connect import emulated_on_pty
from harness.device.identity import DeviceIdentity, fixture_devices
from harness.hooks import TEST_HOOKS_PATH
from harness.mds.standalone import serving_emulated_mds
from harness.pki.material import DEFAULT_FIXTURES
from harness.pki.tls import serving_certificate
from harness.servers.fido.embedded import embedded_fido
from harness.servers.fido.embedded import reference_service as reference_fido
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.embedded import reference_service as reference_mms
from harness.servers.mms.lab_files import LabFileError, load_device_trust, load_whitelist
from harness.servers.mms.service import MmsService, RecordedRequest

MMS_ONLY = ("device_trust", "whitelist", "profile")


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "serve",
        help="serve a reference server (or the emulated device or MDS) until Ctrl-C",
        description="Serve the reference MMS or Device Service, seeded with the fixtures, for a "
        "real device, MDS or client to talk to; serve the emulated device on a pty, for a "
        "serial bench profile without hardware; or run the emulated MDS with a device of its own "
        "and its SBI on --port, for a suite to grade as a vendor's MDS (--mds-launch). MMS "
        "requests are printed as they arrive.",
    )
    p.add_argument("what", choices=["mms", "fido", "device", "mds"])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    p.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate issued by the fixture server-root-ca",
    )
    p.add_argument(
        "--tls-name",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or IP the certificate names (repeatable; it always names "
        "--host, this machine's host name, localhost and 127.0.0.1)",
    )
    p.add_argument(
        "--db",
        type=Path,
        help="mms, fido: SQLite file for the server's state, kept across restarts; a new or "
        "empty file is seeded with the fixtures (default: in memory)",
    )
    p.add_argument(
        "--reseed",
        action="store_true",
        help="mms, fido: replace what --db holds with the fixture state at start",
    )
    p.add_argument(
        "--test-hooks",
        action="store_true",
        help="mms, fido: also serve the lab hooks a test run may use, POST "
        "/bioharness/test-hooks/reset (fixture state back), /clock?offset_ms=N (move the server "
        "clock), /fault (the next request hits an internal fault). Anyone who reaches the port "
        "can then wipe the server: never on a shared network",
    )
    p.add_argument(
        "--device-trust",
        action="append",
        default=[],
        type=Path,
        metavar="PEM",
        help="mms: also trust device certificates (registration signatures) chained to the CA "
        "certificate(s) in this PEM file (repeatable; a file may be a bundle)",
    )
    p.add_argument(
        "--whitelist",
        type=Path,
        metavar="FILE",
        help="mms: also whitelist the devices of this JSON or TOML file, in the format of "
        "fixtures/devices.json (serialNumber, modelID, deviceProviderId, bioType, devicePurpose, "
        "server: whitelisted, whitelistValidDays, ...); one replaces a fixture device of its "
        "serial number",
    )
    p.add_argument(
        "--profile",
        type=Path,
        help="mms: a bench profile whose [device] trust is trusted and whose [device] whitelist "
        "is whitelisted too (default: ./bioharness.toml if present)",
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=300.0,
        help="fido: the clock divergence in seconds the Device Service accepts (default 300)",
    )
    p.add_argument(
        "--link",
        type=Path,
        default=Path("/tmp/bioharness/ttyBH0"),
        help="device: the path the pty is linked at (default /tmp/bioharness/ttyBH0)",
    )
    p.add_argument(
        "--as",
        dest="fixture",
        default="finger-auth",
        choices=sorted(fixture_devices()),
        help="device, mds: which fixture device to play (default finger-auth)",
    )
    p.add_argument(
        "--mms-url",
        help="mds: the MSBDeviceRequest URL of the MMS the emulated MDS keeps its device in sync "
        "with (its answers must chain to the fixture server-root-ca)",
    )
    p.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    stop = threading.Event()
    # SIGTERM (a service manager, `kill`) stops as Ctrl-C does: servers and stores closed
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.what != "mms" and any(getattr(args, o) for o in MMS_ONLY):
        print(
            "bioharness serve: --device-trust, --whitelist and --profile are for `serve mms`",
            file=sys.stderr,
        )
        return EXIT_BAD_PROFILE
    try:
        lab_devices, anchors = _lab(args) if args.what == "mms" else ([], [])
    except LabFileError as exc:
        print(f"bioharness serve: {exc}", file=sys.stderr)
        return EXIT_BAD_PROFILE
    if args.what == "mds":
        if not args.mms_url:
            print("bioharness serve mds: give --mms-url, the MMS to sync with", file=sys.stderr)
            return EXIT_BAD_PROFILE
        fixture = fixture_devices()[args.fixture]
        with serving_emulated_mds(fixture, args.mms_url, args.host, args.port) as server:
            print(f"emulated MDS of {args.fixture} with its SBI at {server.url}", flush=True)
            _wait(stop, args.seconds)
        return 0
    if args.what == "device":
        with emulated_on_pty(args.fixture, args.link) as host:
            print(f"emulated {args.fixture} on {host.port} (serial:{host.port})", flush=True)
            _wait(stop, args.seconds)
        return 0
    with tempfile.TemporaryDirectory(prefix="bioharness-tls-") as tmp:
        hosts = [
            args.host,
            *args.tls_name,
            socket.gethostname(),
            socket.getfqdn(),
            "localhost",
            "127.0.0.1",
        ]
        tls = serving_certificate(list(dict.fromkeys(hosts)), Path(tmp)) if args.tls else None
        db = str(args.db) if args.db else ":memory:"
        if args.what == "mms":
            server = embedded_mms(
                reference_mms(
                    db_path=db, lab_devices=lab_devices, device_anchors=anchors, reseed=args.reseed
                ),
                host=args.host,
                port=args.port,
                tls=tls,
                with_test_hooks=args.test_hooks,
            )
        else:
            tolerance = dt.timedelta(seconds=args.tolerance)
            bench = Bench(fido=FidoBench(tolerance=tolerance))
            service = reference_fido(db_path=db, bench=bench, reseed=args.reseed)
            server = embedded_fido(
                service,
                host=args.host,
                port=args.port,
                tls=tls,
                with_test_hooks=args.test_hooks,
            )
        with server:
            print(f"reference {args.what.upper()} at {server.url}", flush=True)
            if args.test_hooks:
                origin = "/".join(server.url.split("/", 3)[:3])
                print(f"test hooks at {origin}{TEST_HOOKS_PATH}/{{reset,clock,fault}}", flush=True)
            if tls:
                names = ", ".join(dict.fromkeys(hosts))
                print(
                    f"TLS for {names}: trust {DEFAULT_FIXTURES / 'pki' / 'server-root-ca.cert.pem'}"
                )
            for anchor in anchors:
                subject = anchor.subject.rfc4514_string()
                print(f"trusts device certificates under {subject}", flush=True)
            for d in lab_devices:
                line = f"whitelists {d.name}: {d.serial_number} ({d.model_id}, {d.purpose})"
                print(line, flush=True)
            if args.what == "mms":
                printer = threading.Thread(
                    target=_print_requests, args=(server.service, stop), daemon=True
                )
                printer.start()
            _wait(stop, args.seconds)
    return 0


def _lab(args: argparse.Namespace) -> tuple[list[DeviceIdentity], list[x509.Certificate]]:
    """A lab's real devices for the MMS: whitelisted devices and device trust anchors, from
    --whitelist, --device-trust and the profile's [device] whitelist and trust. LabFileError
    when one is bad; a bad profile exits with its problems."""
    profile = chosen_profile(args)
    trust = [*args.device_trust]
    if profile and profile.get("device", "trust"):
        trust.append(Path(profile.get("device", "trust")))
    anchors = load_device_trust(trust, dt.datetime.now(dt.UTC))
    whitelists = [args.whitelist] if args.whitelist else []
    if profile and profile.get("device", "whitelist"):
        whitelists.append(Path(profile.get("device", "whitelist")))
    return [d for path in whitelists for d in load_whitelist(path)], anchors


def _wait(stop: threading.Event, seconds: float | None) -> None:
    try:
        stop.wait(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()


def _print_requests(service: MmsService, stop: threading.Event) -> None:
    """Print each request the MMS receives: API, device, verdict (what a client sent, escaped:
    one request is one line, whatever its bytes)."""
    seen = 0
    while not stop.wait(0.2):
        for record in service.recorded_after(seen):
            if record.number > seen + 1:  # more came in 0.2 s than the server keeps
                print(f"({record.number - seen - 1} requests not shown)", flush=True)
            print(console_line(record), flush=True)
            seen = record.number


def console_line(record: RecordedRequest) -> str:
    """The console line for one MMS request; what the client chose is escaped as printable
    ASCII (no forged line, no terminal escape, no unencodable text)."""
    serial = (record.payload or {}).get("serialNumber", "?")
    verdict = record.problem or f"responseCode {record.response_code}"
    told = " ".join(_printable(str(v)) for v in (record.api, serial))
    return f"{record.received_at:%H:%M:%S} {told}: {_printable(verdict)}"


def _printable(text: str, limit: int = 200) -> str:
    escaped = text.encode("ascii", "backslashreplace").decode("ascii")
    escaped = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in escaped)
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."
