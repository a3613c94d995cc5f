"""Bench profiles: a TOML file that says what is under test, turned into suite options.

Every key is checked on load; an error names the file, the key and the fix. Paths are relative
to the profile's folder. See profiles/*.toml for examples and README "Bench profiles".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from harness.bench import UNSPECIFIED_CASES
from harness.device.connect import TransportSpecError, check_transport
from harness.device.identity import fixture_devices
from harness.hooks import HOOK_NAMES
from harness.mms.protocol import ResponseCode

DEFAULT_PROFILE = "bioharness.toml"


class ProfileError(ValueError):
    """A profile that cannot be used; `problems` lists every bad key with its fix."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"{path}: " + "\n  ".join(["bad bench profile:", *problems]))


Check = Callable[[Any, Path], str | None]  # returns the problem and its fix, or None


def _string(value: Any, base: Path) -> str | None:
    return None if isinstance(value, str) and value else "expected a non-empty string"


def _url(value: Any, base: Path) -> str | None:
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f'{value!r} is not an http(s) URL: give e.g. "https://server.lab.example/path"'
    return None


def _file(value: Any, base: Path) -> str | None:
    if not isinstance(value, str) or not value:
        return "expected the path of a PEM file"
    if not (base / value).is_file():
        return f"no file {value!r} (relative to {base}): give the path of an existing PEM file"
    return None


def _seconds(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return None if ok else f"{value!r} is not a positive number of seconds"


def _flag(value: Any, base: Path) -> str | None:
    return None if isinstance(value, bool) else f"{value!r} is not true or false"


def _count(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else f"{value!r} is not a whole number of at least 1"


def _strings(value: Any, base: Path) -> str | None:
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    return None if ok else 'expected a list of strings, e.g. ["sha256"]'


def _transports(value: Any, base: Path) -> str | None:
    if _strings(value, base):
        return 'expected a list of transports, e.g. ["serial:/dev/ttyUSB0"]'
    for spec in value:
        try:
            check_transport(spec)
        except TransportSpecError as exc:
            return str(exc).replace("--device ", "")
    return None


def _fixture_device(value: Any, base: Path) -> str | None:
    names = sorted(fixture_devices())
    return None if value in names else f"{value!r} is no fixture device: use one of {names}"


def _status(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int) and 400 <= value <= 499
    return None if ok else f"{value!r} is not a 4xx HTTP status"


def _code(value: Any, base: Path) -> str | None:
    codes = sorted(int(c) for c in ResponseCode if c != ResponseCode.SUCCESS)
    return None if value in codes else f"{value!r} is not an MMS error code: use one of {codes}"


SCHEMA: dict[str, dict[str, Check]] = {
    "bench": {"name": _string, "description": _string},
    "mms": {"url": _url, "server_ca": _file, "device_ca": _file, "time_tolerance_s": _seconds,
            "thumbprint_hashes": _strings, "allow_two_part_rotation": _flag},
    "mms.expect": dict.fromkeys(UNSPECIFIED_CASES, _code),
    "mms.hooks": dict.fromkeys(HOOK_NAMES, _string),
    "fido": {"url": _url, "tolerance_s": _seconds, "skew_margin_s": _seconds,
             "unknown_device_status": _status},
    "fido.hooks": dict.fromkeys(HOOK_NAMES, _string),
    "device": {"transports": _transports, "trust": _file, "timeout_s": _seconds,
               "emulate_on_port": _fixture_device},
    "mds": {"sbi_url": _url, "launch": _string},
    "run": {"tags": _string, "requirements": _strings, "workers": _count},
}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """A checked bench profile: its tables, with paths made absolute."""

    path: Path
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.get("bench", "name") or self.path.stem

    def get(self, table: str, key: str, default: Any = None) -> Any:
        return self.data.get(table, {}).get(key, default)

    def emulated_serial_port(self) -> tuple[str, str] | None:
        """(fixture device, port) when the profile serves the emulated device on its serial
        port (a bench without hardware); None on a real bench."""
        device = self.get("device", "emulate_on_port")
        ports = [t.partition(":")[2] for t in self.get("device", "transports", [])
                 if t.startswith("serial:")]  # fmt: skip
        return (device, ports[0]) if device and ports else None

    def suite_options(self) -> list[str]:
        """The conformance-suite (pytest) options this profile stands for."""
        args = ["--bench-name", self.name]
        for option, table, key in (
            ("--mms-url", "mms", "url"), ("--mms-server-ca", "mms", "server_ca"),
            ("--mms-device-ca", "mms", "device_ca"),
            ("--time-tolerance", "mms", "time_tolerance_s"),
            ("--fido-url", "fido", "url"), ("--fido-tolerance", "fido", "tolerance_s"),
            ("--fido-skew-margin", "fido", "skew_margin_s"),
            ("--fido-unknown-device-status", "fido", "unknown_device_status"),
            ("--device-trust", "device", "trust"), ("--device-timeout", "device", "timeout_s"),
            ("--mds-sbi-url", "mds", "sbi_url"), ("--mds-launch", "mds", "launch"),
        ):  # fmt: skip
            value = self.get(table, key)
            if value is not None:
                args += [option, str(value)]
        if self.get("mms", "allow_two_part_rotation"):
            args.append("--mms-allow-two-part-rotation")
        for name in self.get("mms", "thumbprint_hashes", []):
            args += ["--thumbprint-hash", name]
        for spec in ("mms", "fido"):
            for hook, action in self.data.get(f"{spec}.hooks", {}).items():
                args += [f"--{spec}-{hook}-hook", action]
        for case, code in self.data.get("mms.expect", {}).items():
            args += ["--mms-expect", f"{case}={code}"]
        for transport in self.get("device", "transports", []):
            args += ["--device", transport]
        return args


def load(path: Path) -> Profile:
    """Read and check a profile; ProfileError lists every problem."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ProfileError(
            path, ["no such file: give --profile the path of a TOML profile"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from exc
    base = path.resolve().parent
    tables = _flatten(raw)
    problems = []
    for table, values in tables.items():
        schema = SCHEMA.get(table)
        if schema is None:
            problems.append(f"[{table}]: unknown table{_did_you_mean(table, SCHEMA)}")
            continue
        if not isinstance(values, dict):
            problems.append(f"{table}: expected a table [{table}]")
            continue
        for key, value in values.items():
            check = schema.get(key)
            if check is None:
                problems.append(f"[{table}] {key}: unknown key{_did_you_mean(key, schema)}")
            elif problem := check(value, base):
                problems.append(f"[{table}] {key}: {problem}")
    device = tables.get("device", {})
    if (
        isinstance(device, dict)
        and "emulate_on_port" in device
        and not any(str(t).startswith("serial:") for t in device.get("transports", []))
    ):
        problems.append(
            "[device] emulate_on_port: the emulated device is served on a serial port: "
            'add one to transports, e.g. transports = ["serial:/tmp/bioharness/ttyBH0"]'
        )
    if problems:
        raise ProfileError(path, problems)
    for table, key in (("mms", "server_ca"), ("mms", "device_ca"), ("device", "trust")):
        if key in tables.get(table, {}):
            tables[table][key] = str(base / tables[table][key])
    return Profile(path, tables)


def _flatten(raw: dict[str, Any]) -> dict[str, Any]:
    """Top-level tables, with `[mms.expect]` as its own table."""
    tables: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, dict):
            inner = {k: v for k, v in value.items() if not isinstance(v, dict)}
            tables[name] = inner
            for sub, sub_value in value.items():
                if isinstance(sub_value, dict):
                    tables[f"{name}.{sub}"] = sub_value
        else:
            tables[name] = value
    return tables


def _did_you_mean(word: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f": did you mean {close[0]!r}?" if close else f": known are {sorted(known)}"
