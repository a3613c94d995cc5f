"""A mobile device's conversation with a Device Service, signed by one of its dispatch targets."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from harness.fido import protocol
from harness.fido.client import FidoClient, FidoExchange
from harness.fido.fixtures import DispatchTarget, FidoDevice
from harness.fido.keys import HarnessHeldKeys, TargetKeys
from harness.jose.jws import sign
from harness.jose.mutations import mutate


class FidoSession:
    """Builds Device-Signature headers and PATCH bodies from the device clock and a target's keys
    (`keys`: on the bench device, or held by the harness), and opens the JWE answers with them.

    Knobs for negative tests: `device_id` (the device addressed), `accept` and `content_type`
    (None leaves the header out), `signature_header` (False leaves Device-Signature out),
    `mutation` (a named JWS mutation), `overrides` (payload fields replaced or removed with
    the value `REMOVE`), `reforms` (payload fields replaced by a function of their good value)
    and `reform_payload` (the whole payload replaced by a function of it).
    """

    REMOVE = object()

    def __init__(
        self,
        client: FidoClient,
        device: FidoDevice,
        target: DispatchTarget,
        keys: TargetKeys | None = None,
    ) -> None:
        self.client = client
        self.device = device
        self.target = target
        self.keys: TargetKeys = keys or HarnessHeldKeys()
        self.device_id = device.device_id
        self.accept: str | None = protocol.JOSE
        self.content_type: str | None = protocol.JOSE
        self.signature_header = True
        self.mutation: str | None = None
        self.overrides: dict[str, Any] = {}
        self.reforms: dict[str, Callable[[Any], Any]] = {}
        self.reform_payload: Callable[[dict[str, Any]], Any] | None = None
        self.exchanges: list[FidoExchange] = []

    def signed(self, payload: dict[str, Any]) -> str:
        """The compact JWS of `payload` (overrides applied) by the current dispatch target."""
        payload = {**payload, **self.overrides}
        payload = {k: v for k, v in payload.items() if v is not self.REMOVE}
        payload.update({k: reform(payload[k]) for k, reform in self.reforms.items()})
        signer = self.keys.signer(self.target)
        if self.reform_payload is not None:
            body = json.dumps(self.reform_payload(payload)).encode()
            return sign(body, signer, kid=self.target.id)
        if self.mutation:
            return mutate(self.mutation, payload, signer)
        return sign(payload, signer, kid=self.target.id)

    def _stamp(self) -> dict[str, Any]:
        return {
            "requestId": str(uuid.uuid4()),
            "creationTimeInEpochMillis": protocol.epoch_millis(self.keys.now()),
        }

    def device_signature(self) -> str:
        return self.signed({"dispatchTargetId": self.target.id, **self._stamp()})

    def _headers(self, accept: bool) -> dict[str, str]:
        headers = {}
        if self.signature_header:
            headers["Device-Signature"] = self.device_signature()
        if accept and self.accept is not None:
            headers["Accept"] = self.accept
        return headers

    def _send(
        self, method: str, path: str, headers: dict[str, str], body: str | None = None
    ) -> FidoExchange:
        target = self.target
        opener = (lambda token: self.keys.open(target, token)) if method == "GET" else None
        exchange = self.client.request(method, path, headers, body, open_jwe=opener)
        self.exchanges.append(exchange)
        return exchange

    def get_credentials(self) -> FidoExchange:
        path = protocol.CREDENTIALS_PATH.format(device_id=self.device_id)
        return self._send("GET", path, self._headers(accept=True))

    def get_oob_operations(self) -> FidoExchange:
        path = protocol.OOB_PATH.format(device_id=self.device_id)
        return self._send("GET", path, self._headers(accept=True))

    def delete(self) -> FidoExchange:
        path = protocol.CREDENTIALS_PATH.format(device_id=self.device_id)
        return self._send("DELETE", path, self._headers(accept=False))

    def modify(self, operation: str, **fields: Any) -> FidoExchange:
        """PATCH with a body JWS: `operation` plus its fields (name/target or keyIds/...)."""
        payload = {
            "signingDispatchTargetId": self.target.id,
            **self._stamp(),
            "operation": operation,
            **fields,
        }
        headers = {} if self.content_type is None else {"Content-Type": self.content_type}
        path = protocol.CREDENTIALS_PATH.format(device_id=self.device_id)
        return self._send("PATCH", path, headers, self.signed(payload))

    def fixture_target_values(self) -> tuple[str, str | None]:
        """The name and target all the device's dispatch targets share in the fixture (what a
        DispatchTargetUpdate can set again); ValueError when they differ."""
        values = {(t.name, t.target) for t in self.device.targets}
        if len(values) != 1:
            raise ValueError(
                f"{self.device.name}: its targets differ, one update cannot keep {values}"
            )
        return next(iter(values))

    def set_targets_back(self) -> FidoExchange:
        """PATCH the device's dispatch targets back to the fixture's name and target, from a
        clean session."""
        name, target = self.fixture_target_values()
        return self.clean().modify(protocol.UPDATE, name=name, target=target)

    def clean(self) -> FidoSession:
        """A session of the same device, target and keys with no knobs and the clock set
        right."""
        if self.keys.clock_offset:
            self.keys.set_clock_offset(dt.timedelta())
        return FidoSession(self.client, self.device, self.target, self.keys)

    @property
    def last(self) -> FidoExchange:
        if not self.exchanges:
            raise RuntimeError("no request has been sent yet")
        return self.exchanges[-1]

    def __repr__(self) -> str:
        return f"FidoSession({self.device.name}, target {self.target.id})"
