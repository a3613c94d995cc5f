"""The reference MMS as an ASGI app: `POST /mms/MSBDeviceRequest/`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness import strict_json
from harness.servers import test_hooks
from harness.servers.mms.service import MmsService

PATH = "/mms/MSBDeviceRequest/"
MAX_BODY = 1 << 20


def build_app(service: MmsService, path: str = PATH, with_test_hooks: bool = False) -> Starlette:
    """An app serving `service` at `path` (with and without the trailing slash), and the test
    hooks when `with_test_hooks`."""

    async def endpoint(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": f"body over {MAX_BODY} bytes"}, status_code=413)
        try:
            body = strict_json.loads(raw)
        except strict_json.JsonRejected as exc:
            return JSONResponse({"error": f"body: {exc}"}, status_code=400)
        status, answer = service.handle(body)
        return JSONResponse(answer, status_code=status)

    paths = {path, path.rstrip("/")}
    hooks = test_hooks.routes(service) if with_test_hooks else []
    app = Starlette(routes=[*(Route(p, endpoint, methods=["POST"]) for p in sorted(paths)), *hooks])
    app.router.redirect_slashes = False  # no request is redirected to another URL
    return app
