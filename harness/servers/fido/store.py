"""The reference Device Service's SQLite store: devices, credentials, targets, OOB operations."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.fido.fixtures import FidoDevice
from harness.fido.protocol import epoch_millis
from harness.servers.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (device_id TEXT PRIMARY KEY, user TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
    key_id TEXT NOT NULL, aaid TEXT NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS dispatch_targets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, target TEXT,
    signature_key TEXT NOT NULL, encryption_key TEXT NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS oob_operations (
    id TEXT PRIMARY KEY, dispatcher TEXT NOT NULL, payload TEXT NOT NULL, additional TEXT,
    created_ms INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, redeemed INTEGER NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE
);
"""


@dataclass(frozen=True)
class TargetRecord:
    id: str
    name: str
    target: str | None
    device_id: str
    user: str
    signature_key: rsa.RSAPublicKey
    encryption_key: rsa.RSAPublicKey


def _pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


class FidoStore(SqliteStore):
    """The Device Service's data; `available = False` makes every call fail (fault injection)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        super().__init__(path, SCHEMA)

    def seed(self, devices: Iterable[FidoDevice], now: dt.datetime) -> None:
        """Replace all content with the fixture devices; OOB times are relative to `now`. One
        transaction: a crash (or an error) midway leaves the content as it was, never half the
        fixtures in a file that a restart would then keep."""
        with self.transaction():
            self._seed(devices, now)

    def _seed(self, devices: Iterable[FidoDevice], now: dt.datetime) -> None:
        self._run("DELETE FROM devices")
        for d in devices:
            self._run("INSERT INTO devices VALUES (?, ?)", (d.device_id, d.user))
            for c in d.credentials:
                self._run(
                    "INSERT INTO credentials VALUES (?,?,?)", (c["keyId"], c["aaid"], d.device_id)
                )
            for t in d.targets:
                signer, enc = t.signer().key.public_key(), t.encryption_key().public_key()
                self._run(
                    "INSERT INTO dispatch_targets VALUES (?,?,?,?,?,?)",
                    (t.id, t.name, t.target, _pem(signer), _pem(enc), d.device_id),
                )
            for op in d.oob_operations:
                created = epoch_millis(now - dt.timedelta(seconds=op["createdSecondsAgo"]))
                extra = op.get("additionalInformation")
                self._run(
                    "INSERT INTO oob_operations VALUES (?,?,?,?,?,?,?,?)",
                    (
                        op["id"],
                        op["dispatcher"],
                        json.dumps(op["outOfBandPayload"]),
                        json.dumps(extra) if extra is not None else None,
                        created,
                        op["timeoutSeconds"] * 1000,
                        int(op["redeemed"]),
                        d.device_id,
                    ),
                )

    def target(self, target_id: str) -> TargetRecord | None:
        rows = self._run(
            "SELECT t.id, t.name, t.target, t.device_id, d.user, t.signature_key,"
            " t.encryption_key FROM dispatch_targets t JOIN devices d USING (device_id)"
            " WHERE t.id = ?",
            (target_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return TargetRecord(r[0], r[1], r[2], r[3], r[4], _key(r[5]), _key(r[6]))

    def has_device(self, device_id: str) -> bool:
        """True when the device exists."""
        return bool(self._run("SELECT 1 FROM devices WHERE device_id = ?", (device_id,)))

    def device_view(self, device_id: str) -> dict:
        """The device as Get Device Credentials returns it."""
        creds = self._run("SELECT key_id, aaid FROM credentials WHERE device_id = ?", (device_id,))
        targets = self._run(
            "SELECT id, name, target FROM dispatch_targets WHERE device_id = ? ORDER BY id",
            (device_id,),
        )
        return {
            "deviceId": device_id,
            "fidoUafCredentials": [{"keyId": k, "aaid": a} for k, a in creds],
            "dispatchTargets": [
                {"id": i, "name": n, **({"target": t} if t is not None else {})}
                for i, n, t in targets
            ],
        }

    def live_operations(self, device_id: str, now_ms: int) -> list[dict]:
        """OOB operations of a device that have not timed out and were not redeemed."""
        rows = self._run(
            "SELECT created_ms, dispatcher, payload, additional FROM oob_operations"
            " WHERE device_id = ? AND redeemed = 0 AND created_ms + timeout_ms > ?"
            " ORDER BY created_ms",
            (device_id, now_ms),
        )
        return [
            {
                "creationTimeInEpochMillis": created,
                "dispatcher": dispatcher,
                "outOfBandPayload": payload,
                **({"additionalInformation": extra} if extra is not None else {}),
            }
            for created, dispatcher, payload, extra in rows
        ]

    def names_of_other_devices(self, user: str, device_id: str) -> set[str]:
        """Dispatch-target names of the user's other devices."""
        rows = self._run(
            "SELECT t.name FROM dispatch_targets t JOIN devices d USING (device_id)"
            " WHERE d.user = ? AND t.device_id != ?",
            (user, device_id),
        )
        return {r[0] for r in rows}

    def update_targets(self, device_id: str, name: str | None, target: str | None) -> None:
        if name is not None:
            self._run("UPDATE dispatch_targets SET name = ? WHERE device_id = ?", (name, device_id))
        if target is not None:
            self._run(
                "UPDATE dispatch_targets SET target = ? WHERE device_id = ?", (target, device_id)
            )

    def delete_items(self, device_id: str, key_ids: list[str], target_ids: list[str]) -> None:
        for key_id in key_ids:
            self._run(
                "DELETE FROM credentials WHERE device_id = ? AND key_id = ?", (device_id, key_id)
            )
        for target_id in target_ids:
            self._run(
                "DELETE FROM dispatch_targets WHERE device_id = ? AND id = ?",
                (device_id, target_id),
            )

    def delete_device(self, device_id: str) -> None:
        self._run("DELETE FROM devices WHERE device_id = ?", (device_id,))
