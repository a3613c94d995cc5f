"""Driver side: a Device reached over a byte Link (serial or USB) with the framed protocol
(docs/device-protocol.md)."""

from __future__ import annotations

import base64
import datetime as dt
import threading
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.device import framing
from harness.device.interface import (
    KNOWN_CAPABILITIES,
    Device,
    DeviceDisconnected,
    DeviceInfo,
    DeviceRefused,
    DeviceTimeout,
    DispatchTargetKeys,
    FidoCallResult,
)
from harness.device.link import Link
from harness.evidence import Evidence
from harness.pki import certs

COMMAND_TIMEOUT = 5.0  # seconds a device gets to answer one command, unless the bench says
BOOT_TIMEOUT = 10.0  # seconds a device gets to answer after a (re)boot, unless the bench says
# FIDO_CALL makes HTTP requests: it gets this much longer than other commands (unless a
# FramedDevice is given its own `fido_timeout`).
FIDO_CALL_MARGIN = 30.0


class FramedDevice(Device):
    """Implements Device by sending protocol frames over a Link, each with a timeout.

    One command is in flight at a time (calls from several threads queue on a lock). A lost
    link is reopened once per call; a device that stays silent gives DeviceTimeout. Every frame
    in both directions is kept in `transcript`, and each command's frames go to `evidence`.
    """

    def __init__(
        self,
        link: Link,
        timeout: float = COMMAND_TIMEOUT,
        evidence: Evidence | None = None,
        boot_timeout: float = BOOT_TIMEOUT,
        fido_timeout: float | None = None,
    ) -> None:
        self.link = link
        self.timeout = timeout
        self.boot_timeout = boot_timeout
        self.fido_timeout = fido_timeout  # None: `timeout` + FIDO_CALL_MARGIN
        self.evidence = evidence or Evidence()
        self.transcript: list[str] = []
        self._seq = 0
        self._buffer = framing.LineBuffer()
        self._one_at_a_time = threading.Lock()
        self._identity: DeviceInfo | None = None  # asked once per connection and boot
        self._capabilities: frozenset[str] | None = None

    def call(
        self, command: str, args: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """Send one command and return its result, within `timeout` seconds (plus as long again
        waiting for a command from another thread to finish)."""
        timeout = timeout or self.timeout
        if not self._one_at_a_time.acquire(timeout=timeout):
            raise DeviceTimeout(f"{command}: device busy with another command for {timeout:.1f}s")
        first = len(self.transcript)
        try:
            return self._call(command, args or {}, timeout)
        except DeviceDisconnected:
            self._log("!", f"link lost ({self.link!r}): reconnecting".encode())
            self._identity = None  # another device may have been plugged in
            self.link.reconnect()
            return self._call(command, args or {}, timeout)
        finally:
            # one evidence item per command: its frames both ways, in order
            self.evidence.add(f"device {command}", "\n".join(self.transcript[first:])[:8000])
            self._one_at_a_time.release()

    def _call(self, command: str, args: dict[str, Any], timeout: float) -> Any:
        self._seq += 1
        frame = framing.encode({"seq": self._seq, "cmd": command, "args": args})
        self._log(">", frame)
        self.link.write(frame, timeout)
        deadline = time.monotonic() + timeout
        damaged: list[str] = []
        while (left := deadline - time.monotonic()) > 0:
            for line in self._buffer.feed(self.link.read(min(left, 0.2))):
                self._log("<", line)
                try:
                    answer = framing.decode(line)
                except framing.FrameError as exc:
                    damaged.append(str(exc))
                    continue
                if answer.get("seq") != self._seq:
                    continue  # a late answer to an earlier, timed-out command
                if not answer.get("ok"):
                    raise DeviceRefused(f"{command}: {answer.get('error')}")
                return answer.get("result")
        if damaged:
            raise DeviceTimeout(
                f"{command}: no valid answer within {timeout:.1f}s; "
                f"{len(damaged)} damaged frame(s), the last: {damaged[-1]}"
            )
        raise DeviceTimeout(f"{command}: no answer within {timeout:.1f}s")

    def _log(self, direction: str, frame: bytes) -> None:
        self.transcript.append(f"{direction} {frame.decode('utf-8', 'replace').rstrip()}")

    @property
    def capabilities(self) -> frozenset[str]:  # type: ignore[override]
        """What the device lets the bench do (CAPS), asked once; unknown names are ignored."""
        if self._capabilities is None:
            said = self.call("CAPS")
            if not isinstance(said, list):
                raise DeviceRefused(f"CAPS: expected a list, got {said!r}")
            self._capabilities = frozenset(said) & KNOWN_CAPABILITIES
        return self._capabilities

    @property
    def identity(self) -> DeviceInfo:
        """What the device says about itself (asked again after a reboot or a reconnect)."""
        if self._identity is None:
            self._identity = DeviceInfo(**self.call("INFO"))
        return self._identity

    def sign_bytes(self, data: bytes) -> bytes:
        return base64.b64decode(self.call("SIGN", {"data": base64.b64encode(data).decode()}))

    def certificate_chain(self) -> list[x509.Certificate]:
        return [certs.load_certificate(c)[0] for c in self.call("CHAIN")]

    def create_csr(self, bits: int = 2048) -> x509.CertificateSigningRequest:
        return certs.load_csr(self.call("CSR", {"bits": bits}))[0]

    def install_certificate(self, cert: x509.Certificate) -> None:
        self.call("INSTALL", {"certificate": certs.cert_to_b64der(cert)})

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.call("CLOCK"))

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        self.call("SET_CLOCK_OFFSET", {"seconds": offset.total_seconds()})

    def capture(self) -> dict[str, Any]:
        return self.call("CAPTURE")

    def reboot(self) -> None:
        """Reboot, then wait (up to `boot_timeout`) until the device answers again."""
        self._identity = None
        self.call("REBOOT")
        self._wait_for_boot("a reboot")

    def wait_until_booted(self) -> None:
        """Wait (up to `boot_timeout`) until the device answers again after a power cycle."""
        self._identity = None
        self._wait_for_boot("its power came back")

    def _wait_for_boot(self, after: str) -> None:
        deadline = time.monotonic() + self.boot_timeout
        while True:
            try:
                self.call("INFO", timeout=0.5)
                return
            except DeviceTimeout:
                pass
            except DeviceDisconnected:
                time.sleep(0.2)  # not back yet (a USB device off its bus while it boots)
            if time.monotonic() > deadline:
                raise DeviceTimeout(f"device silent {self.boot_timeout}s after {after}")

    def dispatch_targets(self) -> list[DispatchTargetKeys]:
        said = self.call("TARGETS")
        if not isinstance(said, list) or not all(isinstance(t, dict) for t in said):
            raise DeviceRefused(f"TARGETS: expected a list of objects, got {said!r}"[:300])
        try:
            return [
                DispatchTargetKeys(
                    id=str(t["id"]),
                    signature_key=_public_key(t["signature_key"]),
                    encryption_key=_public_key(t["encryption_key"]),
                )
                for t in said
            ]
        except (KeyError, ValueError, TypeError) as exc:
            raise DeviceRefused(f"TARGETS: malformed target: {exc}") from exc

    def sign_as_target(self, target_id: str, data: bytes) -> bytes:
        args = {"target": target_id, "data": base64.b64encode(data).decode()}
        return base64.b64decode(self.call("TARGET_SIGN", args))

    def open_jwe(self, target_id: str, token: str) -> bytes:
        return base64.b64decode(self.call("TARGET_OPEN", {"target": target_id, "jwe": token}))

    def fido_call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        """FIDO_CALL, waiting `fido_timeout` seconds (default: `timeout` + FIDO_CALL_MARGIN)."""
        args = {
            "operation": operation,
            "service_url": service_url,
            "device_id": device_id,
            "target": target_id,
            "fields": fields,
        }
        said = self.call("FIDO_CALL", args, self.fido_timeout or self.timeout + FIDO_CALL_MARGIN)
        try:
            return FidoCallResult(
                status=said["status"],
                requests=said["requests"],
                view=said["view"],
                problem=said["problem"],
            )
        except (KeyError, TypeError) as exc:
            raise DeviceRefused(f"FIDO_CALL: malformed answer {said!r}"[:300]) from exc

    def close(self) -> None:
        self.link.close()

    def __repr__(self) -> str:
        return f"FramedDevice({self.link!r})"


def _public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from base64 DER SubjectPublicKeyInfo; ValueError otherwise."""
    key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"not an RSA key: {type(key).__name__}")
    return key
