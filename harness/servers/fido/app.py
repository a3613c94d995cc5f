"""The reference Device Service as an ASGI app under a configurable base path."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.fido import protocol
from harness.servers import test_hooks
from harness.servers.fido.service import FidoService, Received, Reply
from harness.servers.recording import clipped

MAX_BODY = 1 << 20


def build_app(
    service: FidoService, base_path: str = protocol.BASE_PATH, with_test_hooks: bool = False
) -> Starlette:
    """Routes: GET/PATCH/DELETE credentials and GET oobOperations under `base_path`, and the
    test hooks when `with_test_hooks`. Every request goes through `service.serve`, which
    records it and gives a scenario's scripted answer when there is one."""

    async def credentials(request: Request) -> Response:
        raw = await request.body()
        received = _received(request, raw)
        device_id, headers = received.device_id, received.headers
        if request.method == "GET":
            return _answer(
                service,
                "get_credentials",
                received,
                lambda: service.get_credentials(device_id, headers),
            )
        if request.method == "DELETE":
            return _answer(service, "delete", received, lambda: service.delete(device_id, headers))
        if request.method == "PATCH":
            return _answer(service, "modify", received, lambda: _modify(service, received, raw))
        # a HEAD (which Starlette lets through for a GET route) is never taken for a PATCH
        return Response(status_code=405, headers={"Allow": "GET, PATCH, DELETE"})

    async def oob_operations(request: Request) -> Response:
        received = _received(request, await request.body())
        device_id, headers = received.device_id, received.headers
        return _answer(
            service,
            "get_oob_operations",
            received,
            lambda: service.get_oob_operations(device_id, headers),
        )

    base = base_path.rstrip("/")
    app = Starlette(
        routes=[
            Route(
                base + protocol.CREDENTIALS_PATH.replace("{device_id}", "{device_id:str}"),
                credentials,
                methods=["GET", "PATCH", "DELETE"],
            ),
            Route(
                base + protocol.OOB_PATH.replace("{device_id}", "{device_id:str}"),
                oob_operations,
                methods=["GET"],
            ),
            *(test_hooks.routes(service) if with_test_hooks else []),
        ]
    )
    # a device id ending in %2F is not redirected to another device's URL
    app.router.redirect_slashes = False
    return app


def _received(request: Request, raw: bytes) -> Received:
    """The request as the service records it: its body as text (clipped, bytes that are not
    UTF-8 replaced)."""
    return Received(
        method=request.method,
        path=request.url.path,
        device_id=request.path_params["device_id"],
        headers={k.lower(): v for k, v in request.headers.items()},
        body=clipped(raw[:MAX_BODY].decode("utf-8", "replace")),
        repeated_signature=len(request.headers.getlist("device-signature")) > 1,
    )


def _modify(service: FidoService, received: Received, raw: bytes) -> Reply:
    """PATCH: a body over MAX_BODY is 413, one that is not UTF-8 400, else the service's."""
    if len(raw) > MAX_BODY:
        return Reply(413)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Reply(400, {}, "body is not UTF-8")
    return service.modify(received.device_id, received.headers, body)


def _answer(
    service: FidoService, endpoint: str, received: Received, call: Callable[[], Reply]
) -> Response:
    reply = service.serve(endpoint, received, call)
    return Response(reply.body or None, status_code=reply.status, headers=reply.headers)
