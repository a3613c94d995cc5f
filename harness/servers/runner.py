"""Serve an ASGI app with uvicorn on a loopback port from a background thread, bounded: every
request must arrive within `REQUEST_TIMEOUT`, an idle connection is closed after
`IDLE_TIMEOUT`, and past `MAX_CONNECTIONS` new requests are answered 503 (uvicorn's own limit).
A server stops as soon as it is asked (`PromptServer`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
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


class PromptServer(uvicorn.Server):
    """uvicorn's server without its fixed pauses on the way out: its main loop looks for an exit
    request every 0.1 s and its shutdown sleeps 0.1 s after asking connections to close, which
    made every stop take about 0.2 s (most of the life of an SBI that serves one scenario). Here
    `request_exit()` wakes the loop at once, and the shutdown waits only as long as connections
    and tasks are still open (until `force_exit`). `starting_done` is set once the start-up has
    succeeded or failed (no polling for `started`)."""

    _exit_requested: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.starting_done = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.starting_done.set()

    async def main_loop(self) -> None:
        self._exit_requested = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):  # the Date header, max requests, should_exit
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), 0.1)

    def request_exit(self) -> None:
        """Ask the server to exit (from any thread)."""
        self.should_exit = True
        loop, requested = self._loop, self._exit_requested
        if loop is not None and requested is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(requested.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(0.005)
        for task in state.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


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
        self._server = PromptServer(config)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._server.starting_done.set()  # also when it died before starting

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving; RuntimeError if uvicorn is not up within `timeout` seconds."""
        self._thread.start()
        self._server.starting_done.wait(timeout)
        if not self._server.started:
            raise RuntimeError(f"server on {self.base_url} did not start within {timeout}s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for it; forcibly close connections past `timeout`."""
        self._server.request_exit()
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
