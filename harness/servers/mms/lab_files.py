"""The files a lab gives the reference MMS about its real devices (`bioharness serve mms`):
the trust anchors of their certificates, and their whitelist entries.

A whitelist file has the format of fixtures/devices.json (JSON, or the same tables in TOML), so
a real device's server state is described the one way the fixture devices' is (`server`, read
by `harness.servers.mms.registry.fixture_record`). Only what the server needs is required:

    [provider]                      # optional: defaults for every device
    deviceProviderId = "Lab-DP"

    [devices.face-camera]
    serialNumber = "9774d56d682e549c"
    modelID = "AndroidFaceCamera"
    bioType = "Face"
    devicePurpose = "Registration"
    server = { whitelisted = true, whitelistValidDays = 365 }

Every problem of a file is reported at once, with the fix (`LabFileError`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from harness.device.identity import DeviceIdentity

PURPOSES = ("Auth", "Registration")
BIO_TYPES = ("Finger", "Iris", "Face")
TOP_KEYS = ("provider", "devices", "_about")
PROVIDER_KEYS = ("deviceProviderId", "make")
REQUIRED_KEYS = ("serialNumber", "modelID", "bioType", "devicePurpose")
# Identity fields the server does not read; fixtures/devices.json has them.
OPTIONAL_KEYS = (
    "deviceProviderId",
    "make",
    "pki",
    "deviceSubType",
    "certificationLevel",
    "firmware",
    "server",
)
SERVER_KEYS = ("whitelisted", "whitelistValidDays", "deviceCodeUUID", "keyExpiresInDays")


class LabFileError(ValueError):
    """A lab file the reference MMS cannot use; `problems` lists each mistake with its fix."""

    def __init__(self, path: Path, what: str, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"{path}: " + "\n  ".join([f"bad {what}:", *problems]))


def load_device_trust(paths: Sequence[Path], at: dt.datetime) -> list[x509.Certificate]:
    """The certificates of PEM files (each may be a bundle): anchors a real device's
    certificates chain to. LabFileError for a file that is missing, holds no PEM certificate,
    or holds one that is not valid at `at`."""
    anchors: list[x509.Certificate] = []
    for path in paths:
        anchors += _pem_certificates(path, at)
    return anchors


def _pem_certificates(path: Path, at: dt.datetime) -> list[x509.Certificate]:
    anchors = "the CA certificate(s) that issued the devices' certificates"
    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except FileNotFoundError:
        problem = f"no such file: give --device-trust {anchors}, as PEM"
        raise LabFileError(path, "device trust", [problem]) from None
    except (OSError, ValueError) as exc:
        problem = f"no PEM certificate in it ({exc}): give {anchors} (-----BEGIN CERTIFICATE-----)"
        raise LabFileError(path, "device trust", [problem]) from None
    lapsed = [
        f"{c.subject.rfc4514_string()} is not valid now (valid {c.not_valid_before_utc:%Y-%m-%d}"
        f" to {c.not_valid_after_utc:%Y-%m-%d}): give a certificate valid today"
        for c in found
        if not c.not_valid_before_utc <= at <= c.not_valid_after_utc
    ]
    if lapsed:
        raise LabFileError(path, "device trust", lapsed)
    return found


def load_whitelist(path: Path) -> list[DeviceIdentity]:
    """The devices of a whitelist file (JSON or TOML, by its suffix), each with the server
    state its `server` table gives (whitelisted unless it says otherwise; no validity end, no
    device code, no key when it leaves them out). LabFileError lists every problem."""
    raw = _read(path)
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise LabFileError(path, "whitelist", ["expected an object with a devices table"])
    problems += _unknown(raw, TOP_KEYS, "")
    provider = raw.get("provider", {})
    if not isinstance(provider, dict):
        problems.append("provider: expected a table of deviceProviderId and make")
        provider = {}
    problems += _unknown(provider, PROVIDER_KEYS, "[provider] ")
    devices = raw.get("devices")
    if not isinstance(devices, dict) or not devices:
        problems.append(
            "devices: none: add a table [devices.<name>] with serialNumber, modelID, bioType, "
            "devicePurpose (and deviceProviderId, here or in [provider])"
        )
        devices = {}
    identities = []
    for name, entry in devices.items():
        found = _device_problems(name, entry, provider)
        problems += found
        if not found:
            identities.append(_identity(name, entry, provider))
    problems += _duplicates(identities, lambda d: d.serial_number, "serialNumber")
    problems += _duplicates(identities, lambda d: d.server.get("deviceCodeUUID"), "deviceCodeUUID")
    if problems:
        raise LabFileError(path, "whitelist", problems)
    return identities


def _read(path: Path) -> Any:
    readers = {".json": ("JSON", json.loads), ".toml": ("TOML", tomllib.loads)}
    if path.suffix.lower() not in readers:
        raise LabFileError(path, "whitelist", ["unknown format: name the file .json or .toml"])
    kind, parse = readers[path.suffix.lower()]
    try:
        return parse(path.read_text())
    except FileNotFoundError:
        problem = "no such file: give --whitelist the path of a JSON or TOML file of devices"
        raise LabFileError(path, "whitelist", [problem]) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise LabFileError(path, "whitelist", [f"not valid {kind}: {exc}"]) from None


def _device_problems(name: str, entry: Any, provider: dict[str, Any]) -> list[str]:
    where = f"[devices.{name}]"
    if not isinstance(entry, dict):
        return [f"{where}: expected a table of serialNumber, modelID, bioType, devicePurpose"]
    problems = _unknown(entry, (*REQUIRED_KEYS, *OPTIONAL_KEYS), f"{where} ")
    fields = {**{k: provider[k] for k in PROVIDER_KEYS if k in provider}, **entry}
    for key in (*REQUIRED_KEYS, "deviceProviderId"):
        if key not in fields:
            problems.append(f"{where} {key}: missing: give the value the device sends")
        elif not isinstance(fields[key], str) or not fields[key]:
            problems.append(f"{where} {key}: {fields[key]!r} is not a non-empty string")
    for key in ("make", "pki", "deviceSubType", "certificationLevel", "firmware"):
        if key in fields and not isinstance(fields[key], str):
            problems.append(f"{where} {key}: {fields[key]!r} is not a string")
    for key, allowed in (("devicePurpose", PURPOSES), ("bioType", BIO_TYPES)):
        value = fields.get(key)
        if isinstance(value, str) and value and _canonical(value, allowed) is None:
            choices = " or ".join(f'"{a}"' for a in allowed)
            problems.append(f"{where} {key}: {value!r} is not one of the spec's: give {choices}")
    server = entry.get("server", {})
    if not isinstance(server, dict):
        return [*problems, f"{where} server: expected a table of {', '.join(SERVER_KEYS)}"]
    problems += _unknown(server, SERVER_KEYS, f"{where} server.")
    if not isinstance(server.get("whitelisted", True), bool):
        problems.append(f"{where} server.whitelisted: {server['whitelisted']!r} is not a boolean")
    for key in ("whitelistValidDays", "keyExpiresInDays"):
        days = server.get(key)
        number = isinstance(days, int | float) and not isinstance(days, bool)
        if days is not None and not (number and math.isfinite(days)):
            problems.append(f"{where} server.{key}: {days!r} is not a number of days")
    code = server.get("deviceCodeUUID")
    if code is not None and (not isinstance(code, str) or not code):
        problems.append(
            f"{where} server.deviceCodeUUID: {code!r} is not a device code: give the code the "
            "device was registered with, or leave it out for an unregistered device"
        )
    return problems


def _canonical(value: str, allowed: tuple[str, ...]) -> str | None:
    """The spec's spelling of `value`, compared without case (a real MDS sends "REGISTRATION":
    docs/errata.md), or None when it is none of `allowed`."""
    return next((a for a in allowed if a.casefold() == value.casefold()), None)


def _identity(name: str, entry: dict[str, Any], provider: dict[str, Any]) -> DeviceIdentity:
    fields = {**provider, **entry}
    return DeviceIdentity(
        name=name,
        pki=fields.get("pki", ""),
        serial_number=fields["serialNumber"],
        model_id=fields["modelID"],
        provider_id=fields["deviceProviderId"],
        make=fields.get("make", ""),
        bio_type=_canonical(fields["bioType"], BIO_TYPES) or fields["bioType"],
        device_sub_type=fields.get("deviceSubType", ""),
        purpose=_canonical(fields["devicePurpose"], PURPOSES) or fields["devicePurpose"],
        certification_level=fields.get("certificationLevel", ""),
        firmware=fields.get("firmware", ""),
        server={"whitelisted": True, **entry.get("server", {})},
    )


def _unknown(table: dict[str, Any], known: Sequence[str], where: str) -> list[str]:
    problems = []
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known are {', '.join(known)}"
            problems.append(f"{where}{key}: unknown key: {hint}")
    return problems


def _duplicates(
    devices: list[DeviceIdentity], value: Callable[[DeviceIdentity], Any], key: str
) -> list[str]:
    seen: dict[Any, str] = {}
    problems = []
    for device in devices:
        v = value(device)
        if v is None:
            continue
        if v in seen:
            problems.append(
                f"[devices.{device.name}] {key}: {v!r} is also [devices.{seen[v]}]'s: give each "
                "device its own"
            )
        seen.setdefault(v, device.name)
    return problems
