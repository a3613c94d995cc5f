"""A listener whose URL goes into token headers (`jku`, `x5u`) that a server must never follow:
every request it gets is a finding."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.servers.runner import ServerThread


def address_towards(url: str) -> str:
    """The local address this machine reaches `url`'s host from (loopback for a local target),
    so a target that fetches the canary's URL can reach it."""
    host = urlsplit(url).hostname or "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((socket.gethostbyname(host), 9))  # UDP: nothing is sent
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


class Canary:
    """An HTTP listener that answers 404 to anything and remembers what it was asked."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._hits: list[str] = []

        async def hit(request: Request) -> Response:
            with self._lock:
                self._hits.append(f"{request.method} {request.url.path} from {request.client}")
            return Response(status_code=404)

        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
        app = Starlette(routes=[Route("/{path:path}", hit, methods=methods)])
        self._server = ServerThread(app, host)
        self.url = self._server.base_url

    @property
    def hits(self) -> list[str]:
        """The requests it got, oldest first."""
        with self._lock:
            return list(self._hits)

    def __enter__(self) -> Canary:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
