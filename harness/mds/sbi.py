"""The MOSIP SBI surface of the emulated MDS: discovery, device info, capture, on loopback.

Verbs and paths as MOSIP's SBI: MOSIPDISC /device, MOSIPDINFO /info, CAPTURE and RCAPTURE
/capture. Error codes: 0 success; 100 device not registered; 104 time sync with the management
server required (snapshot expired); 106 device not valid on the management server; 102 a
technical error talking to the device.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.clock import iso
from harness.device.interface import DeviceError
from harness.mds.service import READY, EmulatedMds
from harness.mms.requests import digital_id

SPEC_VERSION = "0.9.5"
REFUSALS = {
    "device not registered": "100",
    "snapshot expired: time sync with the management server required": "104",
    "device not valid on the management server": "106",
}


def _error(code: str, info: str) -> dict[str, str]:
    return {"errorCode": code, "errorInfo": info}


OK = _error("0", "Success")


def build_app(mds: EmulatedMds) -> Starlette:
    """An app serving the SBI of `mds`. Endpoints that talk to the device are plain functions,
    which Starlette runs in its thread pool: a slow device does not stall the event loop."""

    def discover(request: Request) -> JSONResponse:
        ident = mds.identity
        try:
            digital = digital_id(mds.device)
            valid = mds.snapshot_valid()
        except DeviceError as exc:  # unplugged or silent: listed, but not ready
            status, error, digital_b64 = "Not Ready", _error("102", str(exc)), ""
        else:
            status = mds.status if mds.status != READY or valid else "Not Ready"
            error = OK
            digital_b64 = base64.urlsafe_b64encode(json.dumps(digital).encode()).decode()
        device = {
            "deviceId": ident.serial_number,
            "deviceStatus": status,
            "certification": ident.certification_level,
            "serviceVersion": mds.config.info.version,
            "deviceSubId": ["0"],
            "callbackId": str(request.base_url),
            "digitalId": digital_b64.rstrip("="),
            "deviceCode": mds.session.device_code,
            "specVersion": [SPEC_VERSION],
            "purpose": ident.purpose,
            "error": error,
        }
        return JSONResponse([device])

    def info(request: Request) -> JSONResponse:
        ident = mds.identity
        try:
            device_info = {
                "deviceStatus": mds.status,
                "deviceId": ident.serial_number,
                "firmware": ident.firmware,
                "certification": ident.certification_level,
                "serviceVersion": mds.config.info.version,
                "deviceCode": mds.session.device_code,
                "purpose": ident.purpose,
                "digitalId": mds.device.sign(digital_id(mds.device)),
                "specVersion": [SPEC_VERSION],
            }
            entry = {"deviceInfo": mds.device.sign(device_info), "error": OK}
        except DeviceError as exc:
            entry = {"deviceInfo": "", "error": _error("102", str(exc))}
        return JSONResponse([entry])

    async def capture(request: Request) -> JSONResponse:
        try:
            body: dict[str, Any] = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        return JSONResponse(await run_in_threadpool(_capture, mds, body))

    return Starlette(
        routes=[
            Route("/device", discover, methods=["MOSIPDISC"]),
            Route("/info", info, methods=["MOSIPDINFO"]),
            Route("/capture", capture, methods=["CAPTURE", "RCAPTURE"]),
        ]
    )


def _capture(mds: EmulatedMds, body: dict[str, Any]) -> dict[str, Any]:
    """One capture answer: refused when the MDS may not capture, 102 when the device fails."""
    try:
        refusal = mds.capture_refusal()  # reads the device clock
        if refusal is not None:
            return {"biometrics": [{"error": _error(REFUSALS[refusal], refusal)}]}
        sample = mds.device.capture()
        data = {
            "digitalId": mds.device.sign(digital_id(mds.device)),
            "bioType": sample["bioType"],
            "purpose": mds.identity.purpose,
            "env": mds.config.info.env,
            "bioValue": sample["data"],
            "transactionId": str(body.get("transactionId") or uuid.uuid4()),
            "timestamp": iso(mds.device.now()),
        }
        signed = mds.device.sign(data)
    except DeviceError as exc:
        return {"biometrics": [{"error": _error("102", str(exc))}]}
    entry = {"specVersion": SPEC_VERSION, "data": signed, "hash": sample["hash"], "error": OK}
    return {"biometrics": [entry]}
