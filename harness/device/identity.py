"""Fixture device identities (`fixtures/devices.json`) and the server state each one expects:
the identities the emulated device plays and a real bench device stands in for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from harness.pki.material import DEFAULT_FIXTURES


@dataclass(frozen=True)
class DeviceIdentity:
    """Who a biometric device says it is, and what a target server must hold for it."""

    name: str
    pki: str
    serial_number: str
    model_id: str
    provider_id: str
    make: str
    bio_type: str
    device_sub_type: str
    purpose: str
    certification_level: str
    firmware: str
    server: dict[str, Any] = field(repr=False, compare=False)

    @property
    def device_code(self) -> str:
        """The deviceCodeUUID a provisioned server holds for this device ("" if unregistered)."""
        return self.server.get("deviceCodeUUID") or ""


def load_devices(path: Path = DEFAULT_FIXTURES / "devices.json") -> dict[str, DeviceIdentity]:
    """All fixture devices by name."""
    data = json.loads(path.read_text())
    provider = data["provider"]
    return {
        name: DeviceIdentity(
            name=name,
            pki=d["pki"],
            serial_number=d["serialNumber"],
            model_id=d["modelID"],
            provider_id=provider["deviceProviderId"],
            make=provider["make"],
            bio_type=d["bioType"],
            device_sub_type=d["deviceSubType"],
            purpose=d["devicePurpose"],
            certification_level=d["certificationLevel"],
            firmware=d["firmware"],
            server=d["server"],
        )
        for name, d in data["devices"].items()
    }


@cache
def fixture_devices() -> dict[str, DeviceIdentity]:
    """The committed fixture devices, loaded once."""
    return load_devices()
