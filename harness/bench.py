"""The bench: what is under test and how to reach it, with the tolerances and timeouts the
verdicts use. Every setting is declared here once (harness/settings.py says how); the suite's
options, the profile schema and the README's settings table are derived from these classes."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509

from harness import settings
from harness.device.connect import DEFAULT_TRANSPORTS, TransportSpecError, check_transport
from harness.device.framed import BOOT_TIMEOUT, COMMAND_TIMEOUT
from harness.device.identity import fixture_devices
from harness.device.power import PowerHook
from harness.hooks import HOOK_NAMES, HOOK_TIMEOUT, Hook, LabHooks
from harness.http_client import HTTP_TIMEOUT
from harness.mds.under_test import START_TIMEOUT
from harness.mms.protocol import ResponseCode
from harness.mms.requests import MdsInfo
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.settings import as_seconds, setting

# Requests the MMS spec gives no response code for (docs/errata.md).
UNSPECIFIED_CASES = ("bad_signature", "untrusted_chain", "malformed", "unknown_api")
REFERENCE_MMS = "harness.servers.mms.embedded:reference_service"
REFERENCE_FIDO = "harness.servers.fido.embedded:reference_service"
REFERENCE_MDS = "harness.mds.service:EmulatedMds"
REFERENCE_FIDO_CLIENT = "harness.device.emulator.fido_client:EmulatedFidoClient"
KEY_HOLDERS = ("device", "harness")  # where a FIDO device's dispatch-target keys are
TIME_MODES = ("virtual", "real")  # how device scenarios on an all-emulated bench keep time


class BenchError(ValueError):
    """A bench setting that cannot work; the message names the setting and the fix."""


# --- checks of profile values only this schema needs --------------------------------------------


def _transports(value: Any, base: Path) -> str | None:
    if settings.strings(value, base):
        return 'expected a list of transports, e.g. ["serial:/dev/ttyUSB0"]'
    for spec in value:
        try:
            check_transport(spec)
        except TransportSpecError as exc:
            return str(exc).replace("--device ", "")
    return None


def _host_port(value: Any, base: Path) -> str | None:
    host, _, port = value.rpartition(":") if isinstance(value, str) else ("", "", "")
    ok = bool(host) and port.isdigit() and 0 < int(port) < 65536
    return None if ok else f'{value!r} is not HOST:PORT, e.g. "labgrid.lab.example:20408"'


def _status(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 499
    return None if ok else f"{value!r} is not a 4xx HTTP status"


def _error_codes() -> list[int]:
    return sorted(int(c) for c in ResponseCode if c != ResponseCode.SUCCESS)


def parse_pinned_codes(items: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Parse `case=code` pins (e.g. bad_signature=-102) for the spec's unspecified cases."""
    pinned: dict[str, int] = {}
    for item in items:
        case, sep, code = item.partition("=")
        if not sep or case not in UNSPECIFIED_CASES:
            raise BenchError(
                f"--mms-expect {item!r}: write CASE=CODE with CASE one of {UNSPECIFIED_CASES}"
            )
        try:
            pinned[case] = int(code)
        except ValueError:
            raise BenchError(f"--mms-expect {item!r}: {code!r} is not an integer code") from None
    return pinned


def _hook(spec: str, server: str, name: str) -> Any:
    placeholder = " ({offset_ms}: the offset to set, in ms)" if name == "clock" else ""
    return setting(
        None,
        f"the {name} lab hook of an external {server}: 'POST <url>' or a shell command"
        + placeholder,
        option=f"--{spec}-{name}-hook",
        key=name,
        table=f"{spec}.hooks",
        check=settings.text,
        metavar="ACTION",
    )


class _WithHooks:
    """A server bench group with a reset, clock and fault hook setting."""

    def hooks(self, timeout: float) -> LabHooks:
        """The lab hooks configured for this server, each bounded by `timeout` seconds."""
        actions = {name: getattr(self, f"{name}_hook") for name in HOOK_NAMES}
        return LabHooks.from_actions(timeout, **actions)


# --- the groups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchInfo:
    """What the bench is called in the reports."""

    TABLE: ClassVar[str] = "bench"

    name: str = setting(
        "embedded default",
        "the bench's name in the reports",
        option="--bench-name",
        key="name",
        check=settings.text,
    )
    description: str | None = setting(
        None,
        "a line about the bench, for the reader of the profile",
        key="description",
        check=settings.text,
    )


@dataclass(frozen=True)
class MmsBench(_WithHooks):
    """Where the MMS under test is and what the suite expects of it."""

    TABLE: ClassVar[str] = "mms"

    url: str | None = setting(
        None,
        "MSBDeviceRequest URL of an external MMS; none: start the embedded reference MMS",
        option="--mms-url",
        key="url",
        check=settings.http_url,
        env="BIOHARNESS_MMS_URL",
    )
    server_ca: Path | None = setting(
        None,
        "PEM trust anchor(s) for the MMS's answer signatures (none: the fixture root)",
        option="--mms-server-ca",
        key="server_ca",
        check=settings.pem_file,
        option_type=Path,
        convert=Path,
    )
    device_ca: Path | None = setting(
        None,
        "PEM chain (device CA first) that rotated device certificates must chain to "
        "(none: the fixture device CA)",
        option="--mms-device-ca",
        key="device_ca",
        check=settings.pem_file,
        option_type=Path,
        convert=Path,
    )
    service_factory: str = setting(
        REFERENCE_MMS,
        "module:callable building the embedded MMS (the broken-variant tests use others)",
        option="--mms-service",
    )
    time_tolerance: dt.timedelta = setting(
        dt.timedelta(seconds=30),
        "seconds serverTimeStamp may differ from the harness clock",
        option="--time-tolerance",
        key="time_tolerance_s",
        check=settings.seconds,
        option_type=float,
        convert=as_seconds,
    )
    thumbprint_hashes: tuple[str, ...] = setting(
        ("sha256",),
        "hash(es) accepted for encryptionCertThumbprint (repeatable)",
        option="--thumbprint-hash",
        key="thumbprint_hashes",
        check=settings.strings,
        kind="list",
    )
    pinned_codes: dict[str, int] = setting(
        {},
        "the code the MMS gives for a case the spec names none for (default: any non-zero code, "
        "with no device data)",
        option="--mms-expect",
        table="mms.expect",
        check=settings.one_of(_error_codes, "an MMS error code"),
        kind="pins",
        convert=parse_pinned_codes,
        metavar="CASE=CODE",
        keys=UNSPECIFIED_CASES,
    )
    # docs/errata.md: the msbKeyRotation section shows a two-part `payload.signature` request; a
    # bench may let the server accept that form (reported as an advisory) instead of refusing it.
    two_part_rotation: bool = setting(
        False,
        "let the MMS accept msbKeyRotation in the two-part form its section shows (an "
        "advisory) instead of requiring it to be refused",
        option="--mms-allow-two-part-rotation",
        key="allow_two_part_rotation",
        check=settings.flag,
        kind="flag",
    )
    reset_hook: str | None = _hook("mms", "MMS", "reset")
    clock_hook: str | None = _hook("mms", "MMS", "clock")
    fault_hook: str | None = _hook("mms", "MMS", "fault")
    mds: MdsInfo = field(default_factory=MdsInfo)  # what the harness's MDS says of itself

    @property
    def embedded(self) -> bool:
        """True when the suite starts its own reference MMS."""
        return self.url is None

    def server_trust(self) -> TrustStore:
        """Anchors for the server's answer signatures: the given CA, else the fixture root."""
        if self.server_ca:
            return TrustStore(_load_pems(self.server_ca, "--mms-server-ca"))
        return TrustStore([fixture_pki().cert("server-root-ca")])

    def device_ca_chain(self) -> list[x509.Certificate]:
        """The device CA (and any issuers after it) that rotated certificates must chain to."""
        if self.device_ca:
            return _load_pems(self.device_ca, "--mms-device-ca")
        pki = fixture_pki()
        return [pki.cert("device-ca"), pki.cert("server-root-ca")]

    def service(self) -> Callable[..., Any]:
        """The embedded server factory named by `service_factory`."""
        return load_factory(self.service_factory, "--mms-service")


@dataclass(frozen=True)
class FidoBench(_WithHooks):
    """Where the Device Service under test is and what the suite expects of it."""

    TABLE: ClassVar[str] = "fido"

    url: str | None = setting(
        None,
        "base URL of an external Device Service, e.g. https://host/nevisfido (the suite adds "
        "/devices/credentials/{id} and /devices/oobOperations/{id}); none: start the embedded "
        "reference Device Service",
        option="--fido-url",
        key="url",
        check=settings.http_url,
        env="BIOHARNESS_FIDO_URL",
    )
    service_factory: str = setting(
        REFERENCE_FIDO,
        "module:callable building the embedded Device Service (the broken-variant tests use "
        "others)",
        option="--fido-service",
    )
    tolerance: dt.timedelta = setting(
        dt.timedelta(minutes=5),
        "the clock divergence the Device Service accepts (its fido-uaf.timeout.device-request; "
        "the embedded one is started with it)",
        option="--fido-tolerance",
        key="tolerance_s",
        check=settings.seconds,
        option_type=float,
        convert=as_seconds,
    )
    skew_margin: dt.timedelta = setting(
        dt.timedelta(seconds=3),
        "how far inside and outside the tolerance the clock-skew scenarios go",
        option="--fido-skew-margin",
        key="skew_margin_s",
        check=settings.seconds,
        option_type=float,
        convert=as_seconds,
    )
    unknown_device_status: int | None = setting(
        None,
        "the status for an unknown deviceId (default: any of 401, 403, 404)",
        option="--fido-unknown-device-status",
        key="unknown_device_status",
        check=_status,
        option_type=int,
    )
    keys: str = setting(
        "device",
        "where the FIDO devices' dispatch targets are: device (on the bench device, which signs, "
        "opens the answers and keeps the clock; each scenario runs once per device transport; "
        "the harness holds them when the device does not) or harness",
        option="--fido-keys",
        key="keys",
        check=settings.one_of(lambda: KEY_HOLDERS, "a key holder"),
        option_type=str,
    )
    reset_hook: str | None = _hook("fido", "Device Service", "reset")
    clock_hook: str | None = _hook("fido", "Device Service", "clock")
    fault_hook: str | None = _hook("fido", "Device Service", "fault")

    @property
    def embedded(self) -> bool:
        """True when the suite starts its own reference Device Service."""
        return self.url is None

    def __post_init__(self) -> None:
        if self.keys not in KEY_HOLDERS:
            raise BenchError(f"--fido-keys {self.keys!r}: use one of {', '.join(KEY_HOLDERS)}")

    @property
    def device_in_the_loop(self) -> bool:
        """True when the bench device holds the dispatch targets (where it can)."""
        return self.keys == "device"

    def service(self) -> Callable[..., Any]:
        """The embedded server factory named by `service_factory`."""
        return load_factory(self.service_factory, "--fido-service")


@dataclass(frozen=True)
class DeviceBench:
    """The devices the device-conformance scenarios drive."""

    TABLE: ClassVar[str] = "device"

    transports: tuple[str, ...] = setting(
        DEFAULT_TRANSPORTS,
        "device under test, repeatable: pty, usb (the emulated device over a real pty or the "
        "emulated USB bus), memory, serial:<port or pyserial URL>, usb:<vid>:<pid>[:<serial>] "
        "(hex ids), labgrid:<place> (the serial port of a labgrid place: [labgrid])",
        option="--device",
        key="transports",
        check=_transports,
        kind="list",
        metavar="TRANSPORT",
    )
    trust: Path | None = setting(
        None,
        "PEM anchor(s) of a real device's certificates (the embedded MMS trusts them too)",
        option="--device-trust",
        key="trust",
        check=settings.pem_file,
        option_type=Path,
        convert=Path,
    )
    whitelist: Path | None = setting(
        None,
        "real devices the embedded MMS whitelists: a JSON or TOML file in the format of "
        "fixtures/devices.json (bioharness serve mms --whitelist takes the same file)",
        option="--device-whitelist",
        key="whitelist",
        check=settings.data_file,
        option_type=Path,
        convert=Path,
    )
    fido_client_factory: str = setting(
        REFERENCE_FIDO_CLIENT,
        "module:callable building the emulated device's FIDO client (the broken-client tests "
        "use others)",
        option="--fido-client-factory",
    )
    emulate_on_port: str | None = setting(
        None,
        "`bioharness run` serves this fixture device's emulated firmware on the profile's "
        "serial port (a bench without hardware)",
        key="emulate_on_port",
        check=settings.one_of(lambda: sorted(fixture_devices()), "a fixture device"),
    )
    power: str | None = setting(
        None,
        "the power hook of a real bench device: 'POST <url>' or a shell command, {action} "
        "becomes on, off or cycle (none: a labgrid place's power port, or the emulated "
        "device's own; without either, the power-cycle scenarios are skipped)",
        option="--device-power",
        key="power",
        check=settings.text,
        metavar="ACTION",
    )
    time: str = setting(
        "virtual",
        "how device scenarios keep time when the device, the MDS and the MMS are all the "
        "harness's own (emulated device in this process, emulated MDS, embedded MMS): virtual "
        "(one shared clock; a wait skips to the next thing due) or real (they sleep). A physical "
        "device, a served port or a vendor MDS always runs in real time",
        option="--device-time",
        key="time",
        check=settings.one_of(lambda: TIME_MODES, "a time mode"),
        option_type=str,
    )

    def __post_init__(self) -> None:
        if self.time not in TIME_MODES:
            raise BenchError(f"--device-time {self.time!r}: use one of {', '.join(TIME_MODES)}")

    def fido_client(self) -> Callable[..., Any]:
        """The emulated FIDO client factory named by `fido_client_factory`."""
        return load_factory(self.fido_client_factory, "--fido-client-factory")

    def extra_anchors(self) -> list[x509.Certificate]:
        """Trust anchors of a real device's certificates, for the embedded MMS."""
        return _load_pems(self.trust, "--device-trust") if self.trust else []


@dataclass(frozen=True)
class LabgridBench:
    """A labgrid place the bench device sits at (its serial port, its power port), which the
    suite reserves and acquires for the run through the labgrid coordinator."""

    TABLE: ClassVar[str] = "labgrid"

    coordinator: str | None = setting(
        None,
        "HOST:PORT of the labgrid coordinator (port 20408 by default in labgrid)",
        option="--labgrid-coordinator",
        key="coordinator",
        check=_host_port,
        env="LG_COORDINATOR",
    )
    place: str | None = setting(
        None,
        "the labgrid place the suite holds for the run (none: the place a labgrid:<place> "
        "transport names); its NetworkSerialPort is that transport, its power port the "
        "device's power switch",
        option="--labgrid-place",
        key="place",
        check=settings.text,
    )
    env: Path | None = setting(
        None,
        "a labgrid environment (YAML) whose drivers switch the place's power (e.g. the "
        "off time of a power cycle)",
        option="--labgrid-env",
        key="env",
        check=settings.data_file,
        option_type=Path,
        convert=Path,
    )


@dataclass(frozen=True)
class MdsBench:
    """The MDS the device scenarios watch: the emulated one, or a vendor's."""

    TABLE: ClassVar[str] = "mds"

    sbi_url: str | None = setting(
        None,
        "SBI base URL of a vendor MDS (none: the emulated MDS)",
        option="--mds-sbi-url",
        key="sbi_url",
        check=settings.http_url,
    )
    launch: str | None = setting(
        None,
        "command that starts the vendor MDS; {mms_url} becomes the embedded MMS URL, "
        "{sbi_port} the port of the SBI URL, {device} the fixture identity its device plays "
        "(none: the scenarios that start a vendor MDS are skipped, saying so)",
        option="--mds-launch",
        key="launch",
        check=settings.text,
    )
    vendor_root: Path | None = setting(
        None,
        "PEM anchor(s) of a vendor MDS's signing certificates: the embedded MMS trusts its "
        "envelopes too (besides the fixture vendor root)",
        option="--mds-vendor-root",
        key="vendor_root",
        check=settings.pem_file,
        option_type=Path,
        convert=Path,
    )
    exact_error_codes: bool = setting(
        False,
        "require the SBI error numbers the scenarios name (the emulated MDS's) where a capture "
        "is refused; default: any non-zero errorCode, the report says which",
        option="--mds-exact-error-codes",
        key="exact_error_codes",
        check=settings.flag,
        kind="flag",
    )
    factory: str = setting(
        REFERENCE_MDS,
        "module:callable building the emulated MDS (the broken-variant tests use others)",
        option="--mds-factory",
    )

    def vendor_anchors(self) -> list[x509.Certificate]:
        """Trust anchors of a vendor MDS's envelopes, for the embedded MMS."""
        return _load_pems(self.vendor_root, "--mds-vendor-root") if self.vendor_root else []

    def emulated(self) -> Callable[..., Any]:
        """The emulated MDS factory named by `factory`."""
        return load_factory(self.factory, "--mds-factory")


def _timeout(default: float, help: str, option: str, key: str) -> Any:
    return setting(default, help, option=option, key=key, check=settings.seconds, option_type=float)


@dataclass(frozen=True)
class Timeouts:
    """Every wait the suite bounds, in seconds."""

    TABLE: ClassVar[str] = "timeouts"

    device_command: float = _timeout(
        COMMAND_TIMEOUT, "a device's answer to one command", "--device-timeout", "device_command_s"
    )
    device_boot: float = _timeout(
        BOOT_TIMEOUT,
        "a device's first answer after it (re)boots or is plugged in",
        "--device-boot-timeout",
        "device_boot_s",
    )
    mds_start: float = _timeout(
        START_TIMEOUT,
        "a vendor MDS's SBI to answer discovery after its launch",
        "--mds-start-timeout",
        "mds_start_s",
    )
    http: float = _timeout(
        HTTP_TIMEOUT,
        "one HTTP exchange with a server or an SBI (connect, read, write)",
        "--http-timeout",
        "http_s",
    )
    hook: float = _timeout(
        HOOK_TIMEOUT, "one lab hook (and one power switch)", "--hook-timeout", "hook_s"
    )
    labgrid: float = _timeout(
        10.0,
        "the labgrid coordinator's answer to one call (connect, reserve, acquire, release)",
        "--labgrid-timeout",
        "labgrid_s",
    )
    settle: float = _timeout(
        5.0,
        "an MDS to act on an answer before a check reads what it did",
        "--settle-timeout",
        "settle_s",
    )
    longest_wait: float = _timeout(
        60.0,
        "the longest a check waits for an MDS to refresh its snapshot",
        "--longest-wait",
        "longest_wait_s",
    )


@dataclass(frozen=True)
class RunPlan:
    """Which scenarios a run takes, in which order, on how many workers."""

    TABLE: ClassVar[str] = "run"

    tags: str | None = setting(
        None,
        "feature tags to run, as a pytest -m expression (`bioharness run --tags`)",
        key="tags",
        check=settings.text,
    )
    requirements: tuple[str, ...] = setting(
        (),
        "only scenarios checking these requirement ids (wildcards: 'DEV-*')",
        option="--req",
        key="requirements",
        check=settings.strings,
        kind="list",
        metavar="ID",
    )
    workers: int = setting(
        1,
        "parallel workers (`bioharness run -n`)",
        key="workers",
        check=settings.count,
    )
    shuffle: int | None = setting(
        None,
        "run the scenarios in an order shuffled by this seed (proves order independence)",
        option="--shuffle",
        key="shuffle",
        check=settings.whole,
        option_type=int,
        metavar="SEED",
    )
    deviations: Path | None = setting(
        None,
        "expected deviations: a TOML file of accepted failures and skips, each with its "
        'justification, who accepted it and its expiry (README "Expected deviations")',
        option="--deviations",
        key="deviations",
        check=settings.data_file,
        option_type=Path,
        convert=Path,
        metavar="FILE",
    )


@dataclass(frozen=True)
class Bench:
    """Everything under test in one run, and the timeouts the run keeps."""

    info: BenchInfo = field(default_factory=BenchInfo)
    mms: MmsBench = field(default_factory=MmsBench)
    fido: FidoBench = field(default_factory=FidoBench)
    device: DeviceBench = field(default_factory=DeviceBench)
    labgrid: LabgridBench = field(default_factory=LabgridBench)
    mds: MdsBench = field(default_factory=MdsBench)
    timeouts: Timeouts = field(default_factory=Timeouts)

    def __post_init__(self) -> None:
        place = self.labgrid_place()
        if place is not None and self.labgrid.coordinator is None:
            raise BenchError(
                f"labgrid place {place}: give the coordinator, [labgrid] coordinator "
                "(--labgrid-coordinator, or LG_COORDINATOR)"
            )

    @classmethod
    def from_options(cls, getoption: Callable[[str], Any]) -> Bench:
        """The bench the suite's options describe (each setting its default when not given)."""
        return cls(
            **{
                name: settings.group_from_options(group, getoption)
                for name, group in BENCH_GROUPS.items()
            }
        )

    def mms_hooks(self) -> LabHooks:
        """The lab hooks of an external MMS."""
        return self.mms.hooks(self.timeouts.hook)

    def fido_hooks(self) -> LabHooks:
        """The lab hooks of an external Device Service."""
        return self.fido.hooks(self.timeouts.hook)

    def labgrid_place(self) -> str | None:
        """The labgrid place the suite holds for the run: the one a labgrid:<place> transport
        names, else [labgrid] place; None without either. BenchError when they disagree."""
        named = {
            check_transport(spec).port
            for spec in self.device.transports
            if spec.startswith("labgrid:")
        }
        if self.labgrid.place is not None:
            named.add(self.labgrid.place)
        if len(named) > 1:
            raise BenchError(
                f"labgrid places {', '.join(sorted(named))}: a run holds one place; make "
                "[labgrid] place and the labgrid:<place> transport name the same"
            )
        return next(iter(named), None)

    def device_power(self) -> PowerHook | None:
        """The power switch of a real bench device that [device] power names, or None."""
        if self.device.power is None:
            return None
        return PowerHook(Hook("power", self.device.power, self.timeouts.hook))


BENCH_GROUPS: dict[str, type] = {
    "info": BenchInfo,
    "mms": MmsBench,
    "fido": FidoBench,
    "device": DeviceBench,
    "labgrid": LabgridBench,
    "mds": MdsBench,
    "timeouts": Timeouts,
}
# Every group of settings, in the order the README's table lists them.
SETTING_GROUPS: tuple[type, ...] = (*BENCH_GROUPS.values(), RunPlan)


def load_factory(spec: str, setting_name: str) -> Callable[..., Any]:
    """The callable named by `spec` ("module:callable")."""
    module_name, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise BenchError(
            f"{setting_name} {spec!r} cannot be loaded ({exc}); give it as module:callable"
        ) from exc


def _load_pems(path: Path, setting_name: str) -> list[x509.Certificate]:
    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BenchError(
            f"{setting_name} {path}: not a readable PEM certificate file ({exc})"
        ) from exc
    return found
