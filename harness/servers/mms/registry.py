"""The reference MMS's device registry in SQLite: whitelist, registrations, keys, certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from harness.device.identity import DeviceIdentity
from harness.pki import certs
from harness.servers.sqlite import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    serial_number TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    bio_type TEXT NOT NULL,
    purpose TEXT NOT NULL,
    whitelisted INTEGER NOT NULL,
    whitelist_valid_until TEXT,
    device_code TEXT,
    registered_at TEXT,
    key_expiry TEXT
);
CREATE TABLE IF NOT EXISTS certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial_number TEXT NOT NULL REFERENCES devices(serial_number),
    certificate_pem TEXT NOT NULL,
    not_after TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class DeviceRecord:
    serial_number: str
    model_id: str
    provider_id: str
    bio_type: str
    purpose: str
    whitelisted: bool
    whitelist_valid_until: dt.datetime | None
    device_code: str | None
    key_expiry: dt.datetime | None

    def is_valid(self, at: dt.datetime) -> bool:
        """Whitelisted, and the whitelisting has not lapsed."""
        lapsed = self.whitelist_valid_until is not None and self.whitelist_valid_until <= at
        return self.whitelisted and not lapsed


def fixture_record(fixture: DeviceIdentity, now: dt.datetime, **reported: str) -> DeviceRecord:
    """The server state `fixture` describes, at `now`: whitelisting and its validity, device
    code, key expiry. `reported` replaces identity fields (serial_number, model_id, provider_id,
    bio_type, purpose) with what a real device that plays the fixture reports."""
    state = fixture.server

    def days_on(key: str) -> dt.datetime | None:
        days = state.get(key)
        return now + dt.timedelta(days=days) if days is not None else None

    identity = {
        "serial_number": fixture.serial_number,
        "model_id": fixture.model_id,
        "provider_id": fixture.provider_id,
        "bio_type": fixture.bio_type,
        "purpose": fixture.purpose,
        **reported,
    }
    return DeviceRecord(
        **identity,
        whitelisted=bool(state.get("whitelisted")),
        whitelist_valid_until=days_on("whitelistValidDays"),
        device_code=state.get("deviceCodeUUID"),
        key_expiry=days_on("keyExpiresInDays"),
    )


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


class DeviceRegistry(SqliteStore):
    """The MMS's view of devices; `available = False` makes every call fail (fault injection)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        super().__init__(path, SCHEMA)

    def seed(self, devices: Iterable[DeviceIdentity], now: dt.datetime) -> None:
        """Replace all content with the server state the fixture devices describe. One
        transaction: a crash (or an error) midway leaves the content as it was, never half the
        fixtures in a file that a restart would then keep."""
        with self.transaction():
            self._run("DELETE FROM certificates")
            self._run("DELETE FROM devices")
            for d in devices:
                self.enroll(fixture_record(d, now), now)

    def enroll(self, record: DeviceRecord, now: dt.datetime) -> None:
        """Add or replace one device; one with a device code counts as registered at `now`."""
        self._run("DELETE FROM certificates WHERE serial_number = ?", (record.serial_number,))
        self._run("DELETE FROM devices WHERE serial_number = ?", (record.serial_number,))
        self._run(
            "INSERT INTO devices (serial_number, model_id, provider_id, bio_type, purpose,"
            " whitelisted, whitelist_valid_until, device_code, registered_at, key_expiry)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                record.serial_number,
                record.model_id,
                record.provider_id,
                record.bio_type,
                record.purpose,
                int(record.whitelisted),
                _ts(record.whitelist_valid_until),
                record.device_code,
                _ts(now) if record.device_code else None,
                _ts(record.key_expiry),
            ),
        )

    def get(self, serial_number: str) -> DeviceRecord | None:
        rows = self._run(
            "SELECT serial_number, model_id, provider_id, bio_type, purpose, whitelisted,"
            " whitelist_valid_until, device_code, key_expiry FROM devices WHERE serial_number = ?",
            (serial_number,),
        )
        if not rows:
            return None
        r = rows[0]
        return DeviceRecord(
            serial_number=r[0],
            model_id=r[1],
            provider_id=r[2],
            bio_type=r[3],
            purpose=r[4],
            whitelisted=bool(r[5]),
            whitelist_valid_until=_dt(r[6]),
            device_code=r[7] or None,
            key_expiry=_dt(r[8]),
        )

    def register(self, serial_number: str, device_code: str, at: dt.datetime) -> None:
        self._run(
            "UPDATE devices SET device_code = ?, registered_at = ? WHERE serial_number = ?",
            (device_code, _ts(at), serial_number),
        )

    def unregister(self, serial_number: str) -> None:
        self._run(
            "UPDATE devices SET device_code = NULL, registered_at = NULL WHERE serial_number = ?",
            (serial_number,),
        )

    def record_certificate(
        self, serial_number: str, cert: x509.Certificate, at: dt.datetime
    ) -> None:
        """Keep an issued device certificate; its notAfter becomes the device's key expiry."""
        not_after = cert.not_valid_after_utc
        self._run(
            "INSERT INTO certificates (serial_number, certificate_pem, not_after, issued_at)"
            " VALUES (?,?,?,?)",
            (serial_number, certs.cert_to_pem(cert).decode(), _ts(not_after), _ts(at)),
        )
        self._run(
            "UPDATE devices SET key_expiry = ? WHERE serial_number = ?",
            (_ts(not_after), serial_number),
        )

    def certificates(self, serial_number: str) -> list[x509.Certificate]:
        """Certificates issued to a device, oldest first."""
        rows = self._run(
            "SELECT certificate_pem FROM certificates WHERE serial_number = ? ORDER BY id",
            (serial_number,),
        )
        return [certs.load_certificate(r[0])[0] for r in rows]
