"""The reference Device Service as an ASGI app under a configurable base path."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.fido import protocol
from harness.servers import test_hooks
from harness.servers.fido.service import FidoService, Refusal, Reply

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20


def build_app(
    service: FidoService, base_path: str = protocol.BASE_PATH, with_test_hooks: bool = False
) -> Starlette:
    """Routes: GET/PATCH/DELETE credentials and GET oobOperations under `base_path`, and the
    test hooks when `with_test_hooks`."""

    async def credentials(request: Request) -> Response:
        device_id = request.path_params["device_id"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "GET":
            return _answer(service, lambda: service.get_credentials(device_id, headers))
        if request.method == "DELETE":
            return _answer(service, lambda: service.delete(device_id, headers))
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return Response(status_code=413)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Response("body is not UTF-8", status_code=400)
        return _answer(service, lambda: service.modify(device_id, headers, body))

    async def oob_operations(request: Request) -> Response:
        device_id = request.path_params["device_id"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        return _answer(service, lambda: service.get_oob_operations(device_id, headers))

    base = base_path.rstrip("/")
    return Starlette(
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


def _answer(service: FidoService, call: Callable[[], Reply]) -> Response:
    try:
        service.take_fault()
        reply: Reply = call()
    except Refusal as refusal:
        reply = refusal.reply
    except Exception:  # a real internal fault: the spec's 500, never a traceback to the client
        log.exception("Device Service failed")
        reply = Reply(500, {}, "")
    return Response(reply.body or None, status_code=reply.status, headers=reply.headers)
