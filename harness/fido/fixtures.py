"""Fixture state of a Device Service (`fixtures/fido.json`) with the dispatch targets' keys."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from harness.jose.jws import Signer
from harness.pki import certs
from harness.pki.material import DEFAULT_FIXTURES, fixture_pki


@dataclass(frozen=True)
class DispatchTarget:
    """A dispatch target: its id, name, optional FCM target and its two key pairs."""

    id: str
    name: str
    target: str | None
    pki: str

    def signer(self) -> Signer:
        """Signs Device-Signature JWS: the signature key, no x5c, no typ (as the spec shows)."""
        return Signer(fixture_pki().key(f"{self.pki}-signature"), (), typ=None)

    def encryption_key(self) -> certs.RsaKey:
        return fixture_pki().key(f"{self.pki}-encryption")


@dataclass(frozen=True)
class FidoDevice:
    """A mobile device with FIDO UAF credentials, dispatch targets and OOB operations."""

    name: str
    device_id: str
    user: str
    credentials: tuple[dict[str, str], ...]
    targets: tuple[DispatchTarget, ...]
    oob_operations: tuple[dict[str, Any], ...] = field(repr=False)

    def target(self, index: int = 0) -> DispatchTarget:
        return self.targets[index]


def load_fido_devices(path: Path = DEFAULT_FIXTURES / "fido.json") -> dict[str, FidoDevice]:
    """All fixture Device Service devices by name."""
    data = json.loads(path.read_text())["devices"]
    return {
        name: FidoDevice(
            name=name,
            device_id=d["deviceId"],
            user=d["user"],
            credentials=tuple(d["credentials"]),
            targets=tuple(
                DispatchTarget(t["id"], t["name"], t["target"], t["pki"])
                for t in d["dispatchTargets"]
            ),
            oob_operations=tuple(d["oobOperations"]),
        )
        for name, d in data.items()
    }


@cache
def fido_devices() -> dict[str, FidoDevice]:
    """The committed fixture devices, loaded once."""
    return load_fido_devices()
