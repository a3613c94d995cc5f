"""Emulator side: the emulated device's FIDO client, the app that speaks to a nevisFIDO Device
Service with the dispatch targets its device holds: every signature made by the device, every
creationTimeInEpochMillis from the device clock, every JWE answer opened on the device."""

from __future__ import annotations

import copy
import datetime as dt
import email.utils
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from harness.device.interface import (
    CLOCK_CONTROL,
    JWE_PLAINTEXT,
    Device,
    DeviceRefused,
    FidoCallResult,
)
from harness.fido import protocol
from harness.fido.fixtures import fido_devices
from harness.http_client import HTTP_TIMEOUT, tls_context
from harness.jose.jws import ALG, sign_with

CLOCK = "clock"  # the problem of a call that gave up on a device_signature_expired 401
ON_EXPIRED = ("report", "resync")
UPDATE_FIELDS = frozenset({"name", "target"})


class DeviceFidoClient(Protocol):
    """What an emulated device delegates `fido_call` to."""

    def call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult: ...


FidoClientFactory = Callable[[Device], DeviceFidoClient]


@dataclass(frozen=True)
class _Operation:
    method: str
    path: str
    fields: frozenset[str] = frozenset()  # what **fields may carry besides on_expired


OPERATIONS = {
    "get_credentials": _Operation("GET", protocol.CREDENTIALS_PATH),
    "get_oob_operations": _Operation("GET", protocol.OOB_PATH),
    "update_targets": _Operation("PATCH", protocol.CREDENTIALS_PATH, UPDATE_FIELDS),
    "delete_credentials": _Operation("DELETE", protocol.CREDENTIALS_PATH),
}


class EmulatedFidoClient:
    """A conformant Device Service client on `device`, `timeout` seconds for each HTTP request.

    GETs carry Device-Signature and the JOSE Accept and open the 200 answer on the device;
    DELETE carries Device-Signature; PATCH sends a JWS body with the JOSE Content-Type (as the
    spec's examples and the harness's own sessions). On a device_signature_expired 401 it
    reports ("report", problem "clock") or, with on_expired="resync", sets the device clock
    from the answer's Date (when the device has clock control) and retries once; nothing else
    is retried. Its local state (`local_state()`) changes only on a 204.
    """

    def __init__(self, device: Device, timeout: float = HTTP_TIMEOUT) -> None:
        self.device = device
        self.timeout = timeout
        self._state = {
            d.device_id: {
                "targets": {t.id: {"name": t.name, "target": t.target} for t in d.targets},
                "credentials": True,
            }
            for d in fido_devices().values()
        }

    def local_state(self) -> dict[str, dict[str, Any]]:
        """What the app believes, by device id: {"targets": {id: {"name", "target"}},
        "credentials": whether it still has credentials} (a copy)."""
        return copy.deepcopy(self._state)

    def call(
        self, operation: str, service_url: str, device_id: str, target_id: str, **fields: Any
    ) -> FidoCallResult:
        """Run `operation` for `device_id` signing as `target_id`; DeviceRefused for an unknown
        operation or field, or a target the device does not hold."""
        on_expired = fields.pop("on_expired", "report")
        if on_expired not in ON_EXPIRED:
            raise DeviceRefused(f"on_expired must be one of {ON_EXPIRED}, not {on_expired!r}")
        if operation not in OPERATIONS:
            raise DeviceRefused(f"unknown operation {operation!r}; known: {sorted(OPERATIONS)}")
        op = OPERATIONS[operation]
        if unknown := set(fields) - op.fields:
            raise DeviceRefused(f"{operation} takes no field {sorted(unknown)}")
        url = service_url.rstrip("/") + op.path.format(device_id=device_id)
        sent, response = 0, None
        try:
            with httpx.Client(timeout=self.timeout, verify=tls_context()) as http:
                for _ in ("the request", "once more after a resync"):
                    sent += 1
                    response = self._send(http, op.method, url, target_id, fields)
                    resync = sent == 1 and on_expired == "resync" and _expired(response)
                    if not (resync and self._resync(response)):
                        break
        except httpx.InvalidURL as exc:
            raise DeviceRefused(f"service_url {service_url!r}: {exc}") from exc
        except httpx.HTTPError as exc:
            status = response.status_code if response is not None else None
            return FidoCallResult(status, sent, None, f"HTTP {type(exc).__name__}: {exc}")
        if _expired(response):
            return FidoCallResult(response.status_code, sent, None, CLOCK)
        if response.status_code == 204:
            self._changed(operation, device_id, fields)
        view, problem = (
            self._read(response, target_id) if response.status_code == 200 else (None, None)
        )
        return FidoCallResult(response.status_code, sent, view, problem)

    def _send(
        self, http: httpx.Client, method: str, url: str, target_id: str, fields: dict[str, Any]
    ) -> httpx.Response:
        """One request, freshly stamped and signed on the device."""
        if method == "PATCH":
            payload = {
                "signingDispatchTargetId": target_id,
                **self._stamp(),
                "operation": protocol.UPDATE,
                **fields,
            }
            body = self._signed(payload, target_id)
            return http.request(method, url, headers={"Content-Type": protocol.JOSE}, content=body)
        headers = {
            "Device-Signature": self._signed(
                {"dispatchTargetId": target_id, **self._stamp()}, target_id
            )
        }
        if method == "GET":
            headers["Accept"] = protocol.JOSE
        return http.request(method, url, headers=headers)

    def _stamp(self) -> dict[str, Any]:
        return {
            "requestId": str(uuid.uuid4()),
            "creationTimeInEpochMillis": protocol.epoch_millis(self.device.now()),
        }

    def _signed(self, payload: dict[str, Any], target_id: str) -> str:
        header = {"alg": ALG, "kid": target_id}  # as the harness's own sessions sign
        return sign_with(payload, header, lambda data: self.device.sign_as_target(target_id, data))

    def _resync(self, response: httpx.Response) -> bool:
        """Set the device clock to the answer's Date; False when it cannot."""
        if CLOCK_CONTROL not in self.device.capabilities:
            return False
        try:
            date = email.utils.parsedate_to_datetime(response.headers.get("date", ""))
        except (TypeError, ValueError):
            return False
        if date.tzinfo is None:  # "-0000": UTC, source unknown (RFC 5322)
            date = date.replace(tzinfo=dt.UTC)
        # the emulated device's clock runs `offset` from this host's clock
        self.device.set_clock_offset(date - dt.datetime.now(dt.UTC))
        return True

    def _read(self, response: httpx.Response, target_id: str) -> tuple[Any, str | None]:
        """The JSON answer opened on the device (view, problem); a sealed device keeps it."""
        if JWE_PLAINTEXT not in self.device.capabilities:
            return None, None
        try:
            return json.loads(self.device.open_jwe(target_id, response.text)), None
        except DeviceRefused as exc:
            return None, f"the answer is not a JWE for this target: {exc}"
        except ValueError as exc:
            return None, f"the answer's plaintext is not JSON: {exc}"

    def _changed(self, operation: str, device_id: str, fields: dict[str, Any]) -> None:
        """What a 204 tells the app: its targets renamed or retargeted, or its credentials gone."""
        state = self._state.setdefault(device_id, {"targets": {}, "credentials": True})
        if operation == "update_targets":
            for target in state["targets"].values():
                target.update({k: v for k, v in fields.items() if v is not None})
        elif operation == "delete_credentials":
            state.update(targets={}, credentials=False)

    def __repr__(self) -> str:
        return f"EmulatedFidoClient({self.device!r})"


def _expired(response: httpx.Response) -> bool:
    """A 401 whose WWW-Authenticate is the device_signature_expired challenge."""
    challenge = response.headers.get("www-authenticate", "")
    return response.status_code == 401 and 'error="device_signature_expired"' in challenge
