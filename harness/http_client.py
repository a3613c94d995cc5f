"""The one HTTP client factory: every exchange is recorded as evidence, exactly as sent."""

from __future__ import annotations

import ssl
from functools import cache

import httpx

from harness.evidence import Evidence

BODY_LIMIT = 64_000  # characters of a body kept as evidence


HTTP_TIMEOUT = 10.0  # seconds for one exchange (connect, read, write, pool), unless the bench says


# What httpx raises when a server drops a request half sent or half answered (a refusal of a
# hostile request by closing the connection; a server that is not there is a ConnectError).
CLOSED_ON_US = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


def recording_client(evidence: Evidence, timeout: float) -> httpx.Client:
    """An httpx client (with `timeout` on connect, read, write and pool) that adds one evidence
    item per exchange: method, URL, headers and body of the request and of the response."""

    def record(response: httpx.Response) -> None:
        response.read()
        request = response.request
        evidence.add(
            f"HTTP {request.method} {request.url.path}",
            {
                "request": {
                    "method": request.method,
                    "url": str(request.url),
                    "headers": dict(request.headers),
                    "body": _text(request.content),
                },
                "response": {
                    "status": response.status_code,
                    "headers": dict(response.headers),
                    "body": _text(response.content),
                },
            },
        )

    return httpx.Client(timeout=timeout, verify=tls_context(), event_hooks={"response": [record]})


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: loading the CA bundle costs ~50 ms a client."""
    return httpx.create_ssl_context()


def _text(content: bytes) -> str:
    return content.decode("utf-8", "replace")[:BODY_LIMIT]
