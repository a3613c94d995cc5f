"""Bench profiles: a TOML file that says what is under test, turned into suite options.

Every key is checked on load; an error names the file, the key and the fix. Paths are relative
to the profile's folder. See profiles/*.toml for examples and README "Bench profiles".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import settings
from harness.bench import SETTING_GROUPS

DEFAULT_PROFILE = "bioharness.toml"
# Every table and key a profile may have, with the check its value must pass (harness/bench.py).
SCHEMA: dict[str, dict[str, settings.Check]] = settings.profile_schema(SETTING_GROUPS)


class ProfileError(ValueError):
    """A profile that cannot be used; `problems` lists every bad key with its fix."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"{path}: " + "\n  ".join(["bad bench profile:", *problems]))


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
        transports = self.get("device", "transports", [])
        ports = [t.partition(":")[2] for t in transports if t.startswith("serial:")]
        return (device, ports[0]) if device and ports else None

    def suite_options(self, given: Collection[str] = ()) -> list[str]:
        """The conformance-suite (pytest) options this profile stands for, leaving out the
        options in `given` (the command line gives them instead)."""
        args = settings.profile_option_args(SETTING_GROUPS, self.data, given)
        return args if self.get("bench", "name") else ["--bench-name", self.name, *args]


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
    for table, keys in SCHEMA.items():
        for key, check in keys.items():
            if check in (settings.pem_file, settings.data_file) and key in tables.get(table, {}):
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
