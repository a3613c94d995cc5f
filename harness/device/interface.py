"""The one interface every device implements (emulated in memory, or driven over serial or USB),
and the DeviceError family every implementation raises."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.jose.jws import sign_with
from harness.pki import certs

# What a bench may lack; scenarios that need one are skipped, saying why.
CLOCK_CONTROL = "clock_control"  # the bench may set the device clock
FIDO_TARGETS = "fido_targets"  # holds FIDO dispatch targets: TARGETS, TARGET_SIGN, TARGET_OPEN
JWE_PLAINTEXT = "jwe_plaintext"  # TARGET_OPEN gives the plaintext back (a sealed device: never)
FIDO_CLIENT = "fido_client"  # has a FIDO client the bench can drive with FIDO_CALL
KNOWN_CAPABILITIES = frozenset({CLOCK_CONTROL, FIDO_TARGETS, JWE_PLAINTEXT, FIDO_CLIENT})


class DeviceError(Exception):
    """A device failed to do what it was asked."""


class DeviceTimeout(DeviceError):
    """The device did not answer in time (hung, busy or rebooting)."""


class DeviceDisconnected(DeviceError):
    """The device is gone (unplugged) and could not be reached again."""


class DeviceRefused(DeviceError):
    """The device refused the command (over a link: it answered with an error)."""


@dataclass(frozen=True)
class DeviceInfo:
    """What a device says about itself."""

    serial_number: str
    make: str
    model_id: str
    provider_id: str
    bio_type: str
    device_sub_type: str
    purpose: str
    certification_level: str
    firmware: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DispatchTargetKeys:
    """A dispatch target the device holds: its id and the public halves of its two keys."""

    id: str
    signature_key: rsa.RSAPublicKey
    encryption_key: rsa.RSAPublicKey


@dataclass(frozen=True)
class FidoCallResult:
    """What the device's FIDO client did for one FIDO_CALL.

    `status`: the last HTTP status it got (None if it sent nothing); `requests`: how many HTTP
    requests it sent; `view`: the decrypted JSON answer it read, or None; `problem`: None,
    "clock" when it gave up on a device_signature_expired 401, or a short text.
    """

    status: int | None
    requests: int
    view: Any
    problem: str | None


class Device(ABC):
    """A biometric device: identity, key store (sign, CSR, install), clock, capture, reboot.

    Whatever the implementation, a command the device refuses raises DeviceRefused; over a link,
    a silent device raises DeviceTimeout and a lost one DeviceDisconnected.
    """

    capabilities: frozenset[str] = frozenset()  # what the bench may do (of KNOWN_CAPABILITIES)

    @property
    @abstractmethod
    def identity(self) -> DeviceInfo: ...

    @abstractmethod
    def sign_bytes(self, data: bytes) -> bytes:
        """RS256 (RSA PKCS#1 v1.5 over SHA-256) of `data` with the current device key."""

    @abstractmethod
    def certificate_chain(self) -> list[x509.Certificate]:
        """The device certificate first, then its issuers (as sent in x5c)."""

    @abstractmethod
    def create_csr(self, bits: int = 2048) -> x509.CertificateSigningRequest:
        """Make a fresh key, kept pending, and return its CSR; DeviceRefused for a bad size."""

    @abstractmethod
    def install_certificate(self, cert: x509.Certificate) -> None:
        """Switch to the pending key, which `cert` must certify (else DeviceRefused)."""

    @abstractmethod
    def now(self) -> dt.datetime:
        """The device clock."""

    @abstractmethod
    def set_clock_offset(self, offset: dt.timedelta) -> None:
        """Run the device clock `offset` away from true time."""

    @abstractmethod
    def capture(self) -> dict[str, Any]:
        """One biometric sample: {"bioType", "data" (base64), "hash" (SHA-256 hex)}."""

    @abstractmethod
    def reboot(self) -> None:
        """Restart the device (a pending key is lost); returns once it answers again."""

    def wait_until_booted(self) -> None:  # noqa: B027 - a device in memory never boots
        """Return once the device answers again after its power came back."""

    def close(self) -> None:  # noqa: B027 - most devices hold nothing to release
        """Release the transport."""

    # --- FIDO dispatch targets and client (capabilities fido_targets, fido_client) ----------

    def dispatch_targets(self) -> list[DispatchTargetKeys]:
        """The FIDO dispatch targets the device holds, with their public keys."""
        raise DeviceRefused("this device holds no dispatch targets")

    def sign_as_target(self, target_id: str, data: bytes) -> bytes:
        """RS256 (RSA PKCS#1 v1.5 over SHA-256) of `data` with that target's signature key."""
        raise DeviceRefused("this device holds no dispatch targets")

    def open_jwe(self, target_id: str, token: str) -> bytes:
        """The plaintext of a compact JWE for that target's encryption key; DeviceRefused when
        the device cannot or will not (unknown target, wrong key, malformed, a sealed device)."""
        raise DeviceRefused("this device holds no dispatch targets")

    def fido_call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        """Have the device's FIDO client run `operation` (get_credentials, get_oob_operations,
        update_targets, delete_credentials) on the Device Service at `service_url` for
        `device_id`, signing as `target_id`; `fields`: name/target for update_targets, and
        on_expired ("report" or "resync")."""
        raise DeviceRefused("this device has no FIDO client")

    @property
    def certificate(self) -> x509.Certificate:
        return self.certificate_chain()[0]

    @property
    def clock(self) -> _DeviceClock:
        """The device clock as a harness Clock."""
        return _DeviceClock(self)

    def sign(self, payload: dict[str, Any]) -> str:
        """A compact RS256 JWS of `payload`, signed inside the device, x5c = its chain."""
        header = {"typ": "JWT", "x5c": [certs.cert_to_b64der(c) for c in self.certificate_chain()]}
        return sign_with(payload, header, self.sign_bytes)


class _DeviceClock:
    def __init__(self, device: Device) -> None:
        self._device = device

    def now(self) -> dt.datetime:
        return self._device.now()
