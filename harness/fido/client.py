"""HTTP to a Device Service, with every exchange recorded and JWE answers decrypted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.device.interface import DeviceRefused
from harness.evidence import Evidence
from harness.fido.keys import PlaintextWithheld
from harness.fido.protocol import is_jose
from harness.http_client import CLOSED_ON_US, HTTP_TIMEOUT, recording_client
from harness.jose.jwe import InvalidJwe


@dataclass
class FidoExchange:
    """One request and its answer; `payload` is the decrypted JWE body when there was one."""

    method: str
    url: str
    status: int
    headers: httpx.Headers = field(repr=False)
    body: str = field(repr=False)
    payload: Any = field(default=None, repr=False)
    jwe_header: dict[str, Any] | None = field(default=None, repr=False)
    problem: str | None = None
    withheld: bool = False  # a sealed bench device opened the JWE and kept the plaintext


class FidoClient:
    """Sends Device Service requests to `base_url` (e.g. https://host/nevisfido)."""

    def __init__(
        self, base_url: str, evidence: Evidence | None = None, timeout: float = HTTP_TIMEOUT
    ):
        self.base_url = base_url.rstrip("/")
        self.evidence = evidence or Evidence()
        self._http = recording_client(self.evidence, timeout)

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: str | None = None,
        open_jwe: Callable[[str], tuple[dict[str, Any], Any]] | None = None,
    ) -> FidoExchange:
        """Send one request; open a 200 answer's JWE with `open_jwe` (header, payload) when
        given."""
        url = self.base_url + path
        if "Device-Signature" in headers:
            self.evidence.add_jws("Device-Signature", headers["Device-Signature"])
        if body is not None:
            self.evidence.add_jws(f"{method} body", body)
        response = self._http.request(method, url, headers=headers, content=body)
        exchange = FidoExchange(method, url, response.status_code, response.headers, response.text)
        if open_jwe is not None and response.status_code == 200:
            self._open(exchange, open_jwe)
        return exchange

    def send_raw(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes | None = None
    ) -> FidoExchange:
        """Send a request exactly as given (a hostile one: repeated headers, any bytes); its
        answer is not opened. A server that closes the connection on it gives status 0."""
        url = self.base_url + path
        try:
            response = self._http.request(method, url, headers=headers, content=body)
        except CLOSED_ON_US as exc:
            closed = f"the server closed the connection: {exc!r}"
            self.evidence.add(f"{method} {path}", closed)
            return FidoExchange(method, url, 0, httpx.Headers(), "", problem=closed)
        return FidoExchange(method, url, response.status_code, response.headers, response.text)

    def _open(
        self, exchange: FidoExchange, open_jwe: Callable[[str], tuple[dict[str, Any], Any]]
    ) -> None:
        if not is_jose(exchange.headers.get("content-type")):
            exchange.problem = f"Content-Type is {exchange.headers.get('content-type')!r}"
        try:
            exchange.jwe_header, exchange.payload = open_jwe(exchange.body)
        except PlaintextWithheld:
            exchange.withheld = True
            return
        except (InvalidJwe, DeviceRefused) as exc:
            exchange.problem = f"{exchange.problem or 'body'}; not a JWE for this target: {exc}"
            return
        self.evidence.add(
            "decrypted JWE", {"header": exchange.jwe_header, "payload": exchange.payload}
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FidoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FidoClient({self.base_url})"
