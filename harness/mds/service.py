"""The emulated MDS: what a device service does with the management server, in one place.

On start it asks for a snapshot and acts on it: adopts serverTimeStamp, registers when
isDeviceRegistered is false, rotates the device key when mandatoryKeyRotation is true, fetches
the encryption certificate when its thumbprint changes (never for a Registration device). A
background loop asks again before snapshotValidity passes and, in between, looks at its device:
one that comes back after it was lost, or whose clock no longer keeps the server time it was
given (a power loss), is synced again at once. Captures are refused while the snapshot is
expired, the device is not registered, or the server called it invalid.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509

from harness.clock import Sleeper, SystemClock, Timeline, parse_iso
from harness.device.interface import Device, DeviceError
from harness.evidence import Evidence
from harness.http_client import HTTP_TIMEOUT
from harness.jose.jws import Signer
from harness.mms.answers import certificate_field
from harness.mms.client import MmsClient, MmsExchange
from harness.mms.protocol import ResponseCode
from harness.mms.requests import MdsInfo
from harness.mms.session import MmsSession
from harness.pki import certs
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore

READY, NOT_READY, NOT_REGISTERED = "Ready", "Not Ready", "Not Registered"


@dataclass(frozen=True)
class MdsConfig:
    """Where the MMS is, how to trust it, how to sign envelopes, the refresh timing, how often
    it looks at its device and how far the device clock may move before that counts as the
    server time lost, and the timeline the MDS keeps time and sleeps on (the device's own on an
    all-emulated bench)."""

    mms_url: str
    server_trust: TrustStore
    signer: Signer
    info: MdsInfo = field(default_factory=MdsInfo)
    refresh_margin: dt.timedelta = dt.timedelta(seconds=1)
    retry_after: dt.timedelta = dt.timedelta(seconds=0.5)
    max_sleep: dt.timedelta = dt.timedelta(minutes=5)
    device_check: dt.timedelta = dt.timedelta(seconds=10)
    clock_jump: dt.timedelta = dt.timedelta(seconds=2)
    http_timeout: float = HTTP_TIMEOUT
    clock: Timeline = field(default_factory=SystemClock)

    @classmethod
    def of_fixture_mds(
        cls,
        mms_url: str,
        server_trust: TrustStore | None = None,
        info: MdsInfo | None = None,
        http_timeout: float = HTTP_TIMEOUT,
        clock: Timeline | None = None,
    ) -> MdsConfig:
        """The fixture vendor's MDS (it signs with the fixture `mds-signing` certificate) for the
        MMS at `mms_url`, whose answers chain to `server_trust` (default: the fixture root)."""
        pki = fixture_pki()
        return cls(
            mms_url=mms_url,
            server_trust=server_trust or TrustStore([pki.cert("server-root-ca")]),
            signer=Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),)),
            info=info or MdsInfo(),
            http_timeout=http_timeout,
            clock=clock or SystemClock(),
        )


class EmulatedMds:
    """An MDS for one device: `sync()` runs one cycle; `start()` also refreshes in background."""

    def __init__(
        self,
        device: Device,
        config: MdsConfig,
        evidence: Evidence | None = None,
        device_code: str = "",
    ) -> None:
        self.device = device
        self.config = config
        self.evidence = evidence or Evidence()
        self.client = MmsClient(
            config.mms_url,
            config.server_trust,
            evidence=self.evidence,
            timeout=config.http_timeout,
            clock=config.clock,
        )
        self.session = MmsSession(self.client, device, config.signer, config.info, device_code)
        self.identity = device.identity  # who the device is, read once when the MDS starts
        self.valid_until: dt.datetime | None = None
        self.encryption_cert: x509.Certificate | None = None
        self.status = NOT_READY
        self.invalid = False  # the server answered -102
        self.last_code: int | None = None
        self.problem: str | None = None
        self._device_offset: dt.timedelta | None = None  # device clock - timeline, once synced
        self._device_lost = False
        self._lock = threading.RLock()
        self._sleeper: Sleeper | None = None
        self._thread: threading.Thread | None = None

    # --- the cycle -------------------------------------------------------------------------

    def sync(self) -> None:
        """Ask for a snapshot and do what it says; never raises (problems go to `problem`, and
        the refresh loop goes on: an MMS that cannot be reached now is tried again)."""
        with self._lock:
            try:
                self._sync()
            except (DeviceError, AssertionError, ValueError, OSError, httpx.HTTPError) as exc:
                self.problem = f"{type(exc).__name__}: {exc}"
                self.evidence.add("MDS problem", self.problem)

    def _sync(self) -> None:
        answer = self._answer(self.session.snapshot())
        code = self.last_code = _code(answer)
        if code == ResponseCode.INVALID_DEVICE_CODE:
            self.session.device_code = ""  # a stale code: ask again as an unregistered device
            answer = self._answer(self.session.snapshot())
            code = self.last_code = _code(answer)
        self.invalid = code == ResponseCode.INVALID_DEVICE
        if self.invalid:
            self.status = NOT_READY
            return
        if code != ResponseCode.SUCCESS:
            return  # -1001 and the like: keep what we have, retry soon
        self.adopt_server_time(parse_iso(answer["serverTimeStamp"]))
        self.valid_until = parse_iso(answer["snapshotValidity"])
        self.status = READY
        if _flag(answer.get("isDeviceRegistered")) is False:
            self.register()
        elif answer.get("deviceCodeUUID") and not self.session.device_code:
            self.session.device_code = answer["deviceCodeUUID"]
        if _flag(answer.get("mandatoryKeyRotation")):
            self.rotate_key()
        if self.identity.purpose != "Registration":
            self.refresh_encryption_cert(str(answer.get("encryptionCertThumbprint", "")))

    def adopt_server_time(self, server_time: dt.datetime) -> None:
        """Set the device clock to the server's time (its offset from the timeline), and note
        where it then stands, to see it lost later."""
        self.device.set_clock_offset(server_time - self.config.clock.now())
        self._device_offset = self._offset_of_device()

    def _offset_of_device(self) -> dt.timedelta:
        return self.device.now() - self.config.clock.now()

    def device_needs_sync(self) -> bool:
        """Look at the device: True when it answers again after it was lost, or its clock moved
        away from the server time it was given (it lost power, or rebooted)."""
        try:
            offset = self._offset_of_device()
        except DeviceError:
            self._device_lost = True
            return False
        came_back, self._device_lost = self._device_lost, False
        synced = self._device_offset
        return came_back or (synced is not None and abs(offset - synced) > self.config.clock_jump)

    def register(self) -> None:
        answer = self._answer(self.session.register())
        if _code(answer) != ResponseCode.SUCCESS:
            self.status = NOT_REGISTERED
            return
        snapshot = self._answer(self.session.snapshot())  # confirm, with the new device code
        if _flag(snapshot.get("isDeviceRegistered")) is False:
            self.status = NOT_REGISTERED

    def rotate_key(self) -> None:
        """New key from the device, certified by the MMS; the device keeps its old key on -105."""
        self._answer(self.session.rotate_key())

    def refresh_encryption_cert(self, thumbprint: str) -> None:
        """Fetch the encryption certificate only when the snapshot names another one (the
        thumbprint in any encoding docs/errata.md accept)."""
        if self.encryption_cert is not None and certs.is_thumbprint_of(
            thumbprint, self.encryption_cert
        ):
            return
        answer = self._answer(self.session.encryption_cert())
        if int(answer.get("responseCode", -1)) == ResponseCode.SUCCESS:
            self.encryption_cert, _ = certificate_field(answer, "encryptionCertData")

    def _answer(self, exchange: MmsExchange) -> dict[str, Any]:
        """The verified answer, or an empty one when it could not be verified."""
        if exchange.verified is None or not isinstance(exchange.verified.payload, dict):
            self.problem = exchange.problem
            return {}
        return exchange.verified.payload

    # --- state the SBI reports -------------------------------------------------------------

    def snapshot_valid(self) -> bool:
        """True while the last snapshot's validity has not passed (on the device clock)."""
        return self.valid_until is not None and self.device.now() < self.valid_until

    def capture_refusal(self) -> str | None:
        """Why a capture must be refused now, or None."""
        if self.status == NOT_REGISTERED:
            return "device not registered"
        if self.invalid:
            return "device not valid on the management server"
        if not self.snapshot_valid():
            return "snapshot expired: time sync with the management server required"
        return None

    # --- background refresh ----------------------------------------------------------------

    def start(self) -> EmulatedMds:
        """Sync once, then keep refreshing before snapshotValidity in a background thread."""
        self.sync()
        sleeper = self._sleeper = self.config.clock.sleeper()
        self._thread = threading.Thread(
            target=self._refresh_loop, args=(sleeper,), name="mds-refresh", daemon=True
        )
        self._thread.start()
        return self

    def _refresh_loop(self, sleeper: Sleeper) -> None:
        """Sync when the snapshot is due; between, look at the device every `device_check` (a
        lost one every `retry_after`) and sync at once when it needs it."""
        clock = self.config.clock
        try:
            due = clock.now() + dt.timedelta(seconds=self._seconds_to_next_sync())
            while sleeper.sleep(
                max(min(self._seconds_to_next_check(), (due - clock.now()).total_seconds()), 0.0)
            ):
                if clock.now() >= due or self.device_needs_sync():
                    self.sync()
                    due = clock.now() + dt.timedelta(seconds=self._seconds_to_next_sync())
        finally:
            sleeper.leave()

    def _seconds_to_next_check(self) -> float:
        wait = self.config.retry_after if self._device_lost else self.config.device_check
        return wait.total_seconds()

    def _seconds_to_next_sync(self) -> float:
        config = self.config
        if self.valid_until is None or self.last_code != ResponseCode.SUCCESS:
            return config.retry_after.total_seconds()
        try:
            left = self.valid_until - self.device.now() - config.refresh_margin
        except DeviceError:
            return config.retry_after.total_seconds()
        return min(max(left.total_seconds(), 0.05), config.max_sleep.total_seconds())

    def stop(self) -> None:
        """Stop refreshing and close the connection to the MMS."""
        if self._sleeper is not None:
            self._sleeper.stop()
        if self._thread is not None:
            self._thread.join(5)
        self.client.close()

    close = stop

    def __repr__(self) -> str:
        return f"EmulatedMds({self.identity.serial_number}, {self.status})"


def _code(answer: dict[str, Any]) -> int:
    """The answer's response code; an unverifiable or codeless answer counts as -1001."""
    try:
        return int(answer.get("responseCode", ResponseCode.UNABLE_TO_GENERATE_RESPONSE))
    except (TypeError, ValueError):
        return ResponseCode.UNABLE_TO_GENERATE_RESPONSE


def _flag(value: object) -> bool | None:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    return None
