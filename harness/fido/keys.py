"""Where a FIDO device's dispatch targets live: on the bench device (it signs with their keys,
opens the JWE answers and stamps requests with its own clock), or, when no bench device holds
them, with the harness (the fixture keys and a clock offset of its own), so a lab can still test
a Device Service alone."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from jwcrypto import jwe
from jwcrypto.common import JWException

from harness.clock import OffsetClock
from harness.device.interface import CLOCK_CONTROL, FIDO_TARGETS, JWE_PLAINTEXT, Device
from harness.fido.fixtures import DispatchTarget
from harness.jose.jwe import InvalidJwe, decrypt
from harness.jose.jws import Signer


class PlaintextWithheld(Exception):
    """The bench device is sealed: it opens a JWE but never gives the plaintext back."""


class TargetKeys(Protocol):
    """A FIDO device's dispatch-target keys and clock, wherever they are."""

    def signer(self, target: DispatchTarget) -> Signer: ...

    def open(self, target: DispatchTarget, token: str) -> tuple[dict[str, Any], Any]:
        """The protected header and JSON payload of a JWE answer for `target`."""
        ...

    def now(self) -> dt.datetime: ...

    @property
    def clock_offset(self) -> dt.timedelta: ...

    def set_clock_offset(self, offset: dt.timedelta) -> None: ...


class HarnessHeldKeys:
    """The fixture keys, held by the harness, and a clock offset of the harness's own."""

    def __init__(self) -> None:
        self._clock = OffsetClock()

    def signer(self, target: DispatchTarget) -> Signer:
        return target.signer()

    def open(self, target: DispatchTarget, token: str) -> tuple[dict[str, Any], Any]:
        return decrypt(token, target.encryption_key())

    def now(self) -> dt.datetime:
        return self._clock.now()

    @property
    def clock_offset(self) -> dt.timedelta:
        return self._clock.offset

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        self._clock.offset = offset

    def __repr__(self) -> str:
        return "HarnessHeldKeys()"


class DeviceHeldKeys:
    """The bench device's dispatch targets: every signature made on the device, every JWE
    opened there, every creationTimeInEpochMillis from its clock. A skew moves the device's own
    clock; on a device without clock control, the harness adds it to the device's time (the
    device still signs the stamp). `restore()` sets the clock back where the scenario found
    it."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self._offset = dt.timedelta()
        self._added = dt.timedelta()  # the skew added to a device clock the bench cannot set

    @staticmethod
    def holds_targets(device: Device) -> bool:
        """Whether `device` holds dispatch targets (its CAPS say so)."""
        return FIDO_TARGETS in device.capabilities

    def signer(self, target: DispatchTarget) -> Signer:
        return Signer.on_device(lambda data: self.device.sign_as_target(target.id, data))

    def open(self, target: DispatchTarget, token: str) -> tuple[dict[str, Any], Any]:
        if JWE_PLAINTEXT not in self.device.capabilities:
            raise PlaintextWithheld("the bench device is sealed: it never releases a plaintext")
        header = protected_header(token)
        plaintext = self.device.open_jwe(target.id, token)
        try:
            return header, json.loads(plaintext)
        except ValueError as exc:
            raise InvalidJwe(f"the plaintext the device opened is not JSON: {exc}") from exc

    def now(self) -> dt.datetime:
        return self.device.now() + self._added

    @property
    def clock_offset(self) -> dt.timedelta:
        return self._offset

    def set_clock_offset(self, offset: dt.timedelta) -> None:
        """Move the device's own clock (a real skew), or, without clock control, add the
        offset to the time the device reports."""
        if CLOCK_CONTROL in self.device.capabilities:
            self.device.set_clock_offset(offset)
        else:
            self._added = offset
        self._offset = offset

    def restore(self) -> None:
        if self._offset:
            self.set_clock_offset(dt.timedelta())

    def __repr__(self) -> str:
        return f"DeviceHeldKeys({self.device!r})"


def protected_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWE, read without opening it (the key is elsewhere)."""
    parsed = jwe.JWE()
    try:
        parsed.deserialize(token.strip())
    except (JWException, ValueError, TypeError, RecursionError) as exc:
        raise InvalidJwe(f"not a compact JWE: {exc}") from exc
    header = parsed.jose_header
    return header if isinstance(header, dict) else {}
