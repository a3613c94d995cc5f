"""How a bench setting is declared once and used three ways.

Each field of a bench group (harness/bench.py) is declared with `setting(...)`: its default, its
help text, its key in a profile table, its suite (pytest) option, and the check a profile value
must pass. From those declarations come the suite's options (`add_options`), the values of a run
(`group_from_options`), the profile schema and a profile's suite options (harness/profile.py), and
the README's settings table (`markdown_table`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

Check = Callable[[Any, Path], str | None]  # (profile value, profile folder) -> problem or None
# value: one value; flag: on/off; list: repeatable; pins: a table of CASE = CODE
Kind = Literal["value", "flag", "list", "pins"]


@dataclass(frozen=True)
class Setting:
    """What one field of a bench group is called where, and how it is given and checked."""

    help: str
    option: str | None  # the suite (pytest) option; None: a profile key only
    key: str | None  # the key in its profile table; None: an option only
    table: str | None  # the profile table when not the group's own (e.g. "mms.hooks")
    check: Check | None  # what a profile value must pass
    kind: Kind
    option_type: Callable[[str], Any] | None  # how the option's text is read
    convert: Callable[[Any], Any] | None  # option or profile value -> field value
    env: str | None  # environment variable that gives the option's default
    metavar: str | None
    keys: tuple[str, ...] = ()  # pins: the keys of the table


def setting(
    default: Any,
    help: str,
    *,
    option: str | None = None,
    key: str | None = None,
    table: str | None = None,
    check: Check | None = None,
    kind: Kind = "value",
    option_type: Callable[[str], Any] | None = None,
    convert: Callable[[Any], Any] | None = None,
    env: str | None = None,
    metavar: str | None = None,
    keys: Sequence[str] = (),
) -> Any:
    """A dataclass field declared as a bench setting (see the module docstring)."""
    declared = Setting(
        help=help,
        option=option,
        key=key,
        table=table,
        check=check,
        kind=kind,
        option_type=option_type,
        convert=convert,
        env=env,
        metavar=metavar,
        keys=tuple(keys),
    )
    metadata = {"setting": declared}
    if isinstance(default, dict | list):
        return dataclasses.field(default_factory=lambda: copy.copy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def declared(group: type) -> Iterator[tuple[dataclasses.Field, Setting]]:
    """The fields of a bench group that are settings, in declaration order."""
    for f in dataclasses.fields(group):
        if "setting" in f.metadata:
            yield f, f.metadata["setting"]


def table_of(group: type, s: Setting) -> str:
    """The profile table a setting sits in."""
    return s.table or group.TABLE


def default_of(f: dataclasses.Field) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


# --- the suite's options ----------------------------------------------------------------------


def add_options(add: Callable[..., None], groups: Sequence[type]) -> None:
    """Declare every setting that has an option, through `add` (a pytest option group's
    `addoption`)."""
    for group in groups:
        for f, s in declared(group):
            if s.option is None:
                continue
            text = s.help + _default_text(f, s)
            if s.kind == "flag":
                add(s.option, action="store_true", help=text)
            elif s.kind in ("list", "pins"):
                add(s.option, action="append", default=[], metavar=s.metavar, help=text)
            else:
                default = os.environ.get(s.env) if s.env else None
                add(
                    s.option,
                    default=default,
                    type=s.option_type,
                    metavar=s.metavar,
                    help=text + (f" (env {s.env})" if s.env else ""),
                )


def group_from_options(group: type, getoption: Callable[[str], Any]) -> Any:
    """A bench group (a dataclass with a `TABLE`) with each setting that has an option taken
    from `getoption`; a setting not given (None, empty) keeps its declared default."""
    values = {}
    for f, s in declared(group):
        if s.option is None:
            continue
        raw = getoption(s.option)
        if raw is None or (isinstance(raw, str | list | tuple) and not raw):
            continue
        value = tuple(raw) if s.kind == "list" else raw
        values[f.name] = s.convert(value) if s.convert else value
    return group(**values)


def _default_text(f: dataclasses.Field, s: Setting) -> str:
    shown = describe_default(f, s)
    return f" (default: {shown})" if shown != "—" else ""


def describe_default(f: dataclasses.Field, s: Setting) -> str:
    """The default as a reader would write it."""
    value = default_of(f)
    if s.kind == "flag":
        return "off" if not value else "on"
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():g} s"
    if isinstance(value, float) and s.key and s.key.endswith("_s"):
        return f"{value:g} s"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) if value else "—"
    if value in (None, {}, ""):
        return "—"
    return str(value)


# --- a profile's suite options -----------------------------------------------------------------


def profile_option_args(
    groups: Sequence[type], tables: dict[str, dict[str, Any]], given: Collection[str] = ()
) -> list[str]:
    """The suite options that the profile `tables` stand for (settings with key and option),
    but for the options in `given`."""
    args: list[str] = []
    for group in groups:
        for _, s in declared(group):
            if s.option is None or s.option in given:
                continue
            table = tables.get(table_of(group, s), {})
            if s.kind == "pins":
                args += [a for k, v in table.items() for a in (s.option, f"{k}={v}")]
                continue
            value = table.get(s.key) if s.key else None
            if value is None:
                continue
            if s.kind == "flag":
                args += [s.option] if value else []
            elif s.kind == "list":
                args += [a for item in value for a in (s.option, str(item))]
            else:
                args += [s.option, str(value)]
    return args


def profile_schema(groups: Sequence[type]) -> dict[str, dict[str, Check]]:
    """Every profile table and key, with the check its value must pass."""
    schema: dict[str, dict[str, Check]] = {}
    for group in groups:
        schema.setdefault(group.TABLE, {})
        for _, s in declared(group):
            if s.check is None:
                continue
            table = schema.setdefault(table_of(group, s), {})
            if s.kind == "pins":
                table.update(dict.fromkeys(s.keys, s.check))
            elif s.key:
                table[s.key] = s.check
    return schema


# --- the README's table ------------------------------------------------------------------------


def markdown_table(groups: Sequence[type]) -> str:
    """The settings as a Markdown table: profile key, suite option, default, meaning."""
    rows = ["| Profile key | Suite option | Default | What it sets |", "|---|---|---|---|"]
    for group in groups:
        for f, s in declared(group):
            table = table_of(group, s)
            if s.kind == "pins":
                key = f"`[{table}]` {' / '.join(f'`{k}`' for k in s.keys)}"
            else:
                key = f"`[{table}]` `{s.key}`" if s.key else "—"
            option = f"`{s.option}`" if s.option else "—"
            if s.option and s.kind == "pins":
                option = f"`{s.option} CASE=CODE`"
            if s.env:
                option += f" (env `{s.env}`)"
            meaning = re.sub(r"([|<>])", r"\\\1", s.help)
            rows.append(f"| {key} | {option} | {describe_default(f, s)} | {meaning} |")
    return "\n".join(rows) + "\n"


# --- checks of profile values ----------------------------------------------------------------


def text(value: Any, base: Path) -> str | None:
    return None if isinstance(value, str) and value else "expected a non-empty string"


def http_url(value: Any, base: Path) -> str | None:
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f'{value!r} is not an http(s) URL: give e.g. "https://server.lab.example/path"'
    return None


def pem_file(value: Any, base: Path) -> str | None:
    if not isinstance(value, str) or not value:
        return "expected the path of a PEM file"
    if not (base / value).is_file():
        return f"no file {value!r} (relative to {base}): give the path of an existing PEM file"
    return None


def data_file(value: Any, base: Path) -> str | None:
    if not isinstance(value, str) or not value:
        return "expected the path of a file"
    if not (base / value).is_file():
        return f"no file {value!r} (relative to {base}): give the path of an existing file"
    return None


def seconds(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return None if ok else f"{value!r} is not a positive number of seconds"


def flag(value: Any, base: Path) -> str | None:
    return None if isinstance(value, bool) else f"{value!r} is not true or false"


def count(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else f"{value!r} is not a whole number of at least 1"


def whole(value: Any, base: Path) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else f"{value!r} is not a whole number"


def strings(value: Any, base: Path) -> str | None:
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    return None if ok else 'expected a list of strings, e.g. ["sha256"]'


def one_of(choices: Callable[[], Sequence[Any]], what: str) -> Check:
    """A check that the value is one of `choices()` (read when a profile is checked)."""

    def check(value: Any, base: Path) -> str | None:
        known = list(choices())
        return None if value in known else f"{value!r} is not {what}: use one of {known}"

    return check


def as_seconds(value: float) -> dt.timedelta:
    """A number of seconds as a duration."""
    return dt.timedelta(seconds=float(value))
