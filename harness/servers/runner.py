"""Serve an ASGI app with uvicorn on a loopback port from a background thread, bounded: every
request must arrive within `REQUEST_TIMEOUT`, an idle connection is closed after
`IDLE_TIMEOUT`, and past `MAX_CONNECTIONS` new requests are answered 503 (uvicorn's own limit)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT = 10.0  # seconds a client has to send a whole request (headers and body)
IDLE_TIMEOUT = 5  # seconds a kept-alive connection may wait for its next request
MAX_CONNECTIONS = 500


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on receiving each request: it closes a connection
    that sends nothing, or sends headers or a body slowly (uvicorn alone only times out a
    kept-alive connection that sends nothing at all)."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(REQUEST_TIMEOUT, self._deadline_passed)

    def _deadline_passed(self) -> None:
        cycle = self.cycle
        waiting = cycle is None or cycle.response_complete or cycle.more_body
        if waiting and not self.transport.is_closing():
            self.transport.close()


class ServerThread:
    """One uvicorn server on `host:port` (port 0: a free one), started and stopped with timeouts;
    `tls` = (certificate PEM, key PEM) serves HTTPS."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and without it
        # Nagle plus delayed ACK add ~40 ms to every answer.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self.scheme = "https" if tls else "http"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=DeadlineH11Protocol,
            timeout_keep_alive=IDLE_TIMEOUT,
            limit_concurrency=MAX_CONNECTIONS,
            ssl_certfile=str(tls[0]) if tls else None,
            ssl_keyfile=str(tls[1]) if tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving; RuntimeError if uvicorn is not up within `timeout` seconds."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.base_url} did not start within {timeout}s")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for it; forcibly close connections past `timeout`."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServerThread({self.base_url})"


class EmbeddedServer:
    """A reference service and its ASGI app on a loopback port; `url` is its endpoint."""

    def __init__(
        self,
        service: Any,
        app: Any,
        path: str,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.service = service
        self._server = ServerThread(app, host, port, tls)
        self.url = self._server.base_url + path

    def start(self) -> EmbeddedServer:
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the service's store."""
        self._server.stop()
        self.service.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedServer({self.url})"
