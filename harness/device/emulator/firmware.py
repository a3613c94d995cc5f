"""Emulator side: the emulated device's firmware, which answers protocol frames from a Device
(with fault knobs), and the session that turns a connection's bytes into answer bytes.

It is what a pty or an emulated USB gadget serves, so the serial and USB transports are tested
end to end against the same behaviour a real device's firmware must have.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.device import framing
from harness.device.emulator.device import EmulatedDevice
from harness.device.interface import DeviceError
from harness.pki import certs


class Firmware:
    """Turns request frames into response frames for `device`.

    Fault knobs: `hung` (swallow requests until a power cycle), `boot_seconds` (how long a
    reboot or a power-on keeps the device silent). It is the emulated device's power switch
    too (a PowerSwitch): powered off, it answers nothing.
    """

    def __init__(self, device: EmulatedDevice, boot_seconds: float = 0.3) -> None:
        self.device = device
        self.hung = False
        self.powered = True
        self.boot_seconds = boot_seconds
        self._booting_until = 0.0
        self._lock = threading.Lock()
        self._commands: dict[str, Callable[[dict[str, Any]], Any]] = {
            "INFO": lambda a: self.device.identity.to_dict(),
            "CAPS": lambda a: sorted(self.device.capabilities),
            "SIGN": lambda a: _b64(self.device.sign_bytes(base64.b64decode(a["data"]))),
            "CHAIN": lambda a: [certs.cert_to_b64der(c) for c in self.device.certificate_chain()],
            "CSR": lambda a: certs.csr_to_b64der(self.device.create_csr(int(a.get("bits", 2048)))),
            "INSTALL": self._install,
            "CLOCK": lambda a: self.device.now().isoformat(),
            "SET_CLOCK_OFFSET": self._set_offset,
            "CAPTURE": lambda a: self.device.capture(),
            "REBOOT": self._reboot,
            "TARGETS": self._targets,
            "TARGET_SIGN": lambda a: _b64(
                self.device.sign_as_target(_text(a, "target"), base64.b64decode(_text(a, "data")))
            ),
            "TARGET_OPEN": lambda a: _b64(
                self.device.open_jwe(_text(a, "target"), _text(a, "jwe"))
            ),
            "FIDO_CALL": self._fido_call,
        }

    def handle(self, line: bytes) -> bytes | None:
        """The response frame for one request line, or None when the device stays silent."""
        if not self.powered or self.hung or time.monotonic() < self._booting_until:
            return None
        try:
            request = framing.decode(line)
        except framing.FrameError as exc:
            return framing.encode({"seq": None, "ok": False, "error": str(exc)})
        seq, command = request.get("seq"), request.get("cmd")
        if command not in self._commands:
            return framing.encode(
                {"seq": seq, "ok": False, "error": f"unknown command {command!r}"}
            )
        try:
            with self._lock:
                result = self._commands[command](request.get("args") or {})
        except (DeviceError, KeyError, ValueError, TypeError) as exc:  # refused, or bad args
            return framing.encode({"seq": seq, "ok": False, "error": f"{command}: {exc}"})
        return framing.encode({"seq": seq, "ok": True, "result": result})

    def power_off(self) -> None:
        """Cut the power: nothing is answered until `power_on`."""
        self.powered = False

    def power_on(self) -> None:
        """Give the power back: the device boots (silent for `boot_seconds`) with what it stores
        and without what it held in RAM (a hang, a pending key, the time it was given)."""
        with self._lock:
            self.hung = False
            self.device.lose_power()
            self._booting_until = time.monotonic() + self.boot_seconds
            self.powered = True

    def power_cycle(self) -> None:
        """Cut the power and give it back."""
        self.power_off()
        self.power_on()

    def _install(self, args: dict[str, Any]) -> None:
        self.device.install_certificate(certs.load_certificate(args["certificate"])[0])

    def _set_offset(self, args: dict[str, Any]) -> None:
        self.device.set_clock_offset(dt.timedelta(seconds=float(args["seconds"])))

    def _reboot(self, args: dict[str, Any]) -> None:
        self.device.reboot()
        self._booting_until = time.monotonic() + self.boot_seconds

    def _targets(self, args: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {
                "id": t.id,
                "signature_key": _spki(t.signature_key),
                "encryption_key": _spki(t.encryption_key),
            }
            for t in self.device.dispatch_targets()
        ]

    def _fido_call(self, args: dict[str, Any]) -> dict[str, Any]:
        fields = args.get("fields") or {}
        if not isinstance(fields, dict):
            raise TypeError(f"fields must be an object, not {fields!r}")
        names = ("operation", "service_url", "device_id", "target")
        result = self.device.fido_call(*(_text(args, name) for name in names), **fields)
        return dataclasses.asdict(result)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _text(args: dict[str, Any], name: str) -> str:
    """The string argument `name`; KeyError when missing, TypeError when not a string."""
    if not isinstance(args[name], str):
        raise TypeError(f"{name} must be a string, not {args[name]!r}")
    return args[name]


def _spki(key: rsa.RSAPublicKey) -> str:
    """A public key as base64 DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _b64(der)


class FirmwareSession:
    """One connection to `firmware`: the bytes a host receives in, the answer bytes out.

    Requests may arrive split across chunks or several in one; bytes that run past the
    LineBuffer limit without a frame terminator are dropped unanswered.
    """

    def __init__(self, firmware: Firmware) -> None:
        self._firmware = firmware
        self._lines = framing.LineBuffer()

    def feed(self, chunk: bytes) -> bytes:
        """The answers to the requests that `chunk` completes (b"" when there are none)."""
        try:
            lines = self._lines.feed(chunk)
        except framing.FrameError:
            return b""
        answers = (self._firmware.handle(line) for line in lines)
        return b"".join(answer for answer in answers if answer is not None)
