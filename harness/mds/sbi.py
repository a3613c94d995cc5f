"""The MOSIP SBI surface of the emulated MDS: discovery, device info, capture, on loopback.

Verbs and paths as MOSIP's SBI 0.9.5: MOSIPDISC /device, MOSIPDINFO /info, CAPTURE and
RCAPTURE /capture. Error codes: 0 success; 100 device not registered; 104 time sync with the
management server required (snapshot expired); 106 device not valid on the management server;
102 a technical error talking to the device. A capture's `hash` chains as MOSIP defines it:
SHA-256 of the previous hash and the SHA-256 of the biometric, upper-case hex.

What each answer holds is made by `SbiAnswers`; an EmulatedMds (or a variant) may name another
class as its `sbi_answers` attribute, which the app then uses.
"""

from __future__ import annotations

import base64
import hashlib
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
# MOSIP: "For the first capture the previousHash is the SHA256 hash of an empty UTF-8 string."
FIRST_PREVIOUS_HASH = hashlib.sha256(b"").hexdigest().upper()


def _error(code: str, info: str) -> dict[str, str]:
    return {"errorCode": code, "errorInfo": info}


OK = _error("0", "Success")


def chained_hash(previous_hash: str, biometric_hash: bytes) -> str:
    """MOSIP's capture `hash`: SHA-256 over the previous hash's bytes then the SHA-256 of the
    biometric, in upper-case hex."""
    return hashlib.sha256(bytes.fromhex(previous_hash) + biometric_hash).hexdigest().upper()


class SbiAnswers:
    """The emulated MDS's SBI answers for `mds`; one method per part a variant may change."""

    def __init__(self, mds: EmulatedMds) -> None:
        self.mds = mds

    def digital_id(self) -> dict[str, Any]:
        return digital_id(self.mds.device)

    def signed_digital_id(self) -> str:
        """Signed with the device key (an emulated device is its own FTM: docs/errata.md)."""
        return self.mds.device.sign(self.digital_id())

    def sign_info(self, device_info: dict[str, Any]) -> str:
        return self.mds.device.sign(device_info)

    def timestamp(self) -> str:
        """Time as per the biometric device."""
        return iso(self.mds.device.now())

    def transaction_id(self, body: dict[str, Any]) -> str:
        return str(body.get("transactionId") or uuid.uuid4())

    def capture_hash(self, body: dict[str, Any], sample: dict[str, Any]) -> str:
        bio = body.get("bio")
        first = bio[0] if isinstance(bio, list) and bio and isinstance(bio[0], dict) else {}
        previous = str(first.get("previousHash") or FIRST_PREVIOUS_HASH)
        try:
            return chained_hash(previous, bytes.fromhex(sample["hash"]))
        except ValueError:  # a previousHash that is not hex: chain from the first block
            return chained_hash(FIRST_PREVIOUS_HASH, bytes.fromhex(sample["hash"]))

    def discovery_entry(self, base_url: str) -> dict[str, Any]:
        mds, ident = self.mds, self.mds.identity
        try:
            digital = self.digital_id()
            valid = mds.snapshot_valid()
        except DeviceError as exc:  # unplugged or silent: listed, but not ready
            status, error, digital_b64 = "Not Ready", _error("102", str(exc)), ""
        else:
            status = mds.status if mds.status != READY or valid else "Not Ready"
            error = OK
            digital_b64 = base64.urlsafe_b64encode(json.dumps(digital).encode()).decode()
        return {
            "deviceId": ident.serial_number,
            "deviceStatus": status,
            "certification": ident.certification_level,
            "serviceVersion": mds.config.info.version,
            "deviceSubId": ["0"],
            "callbackId": base_url,
            "digitalId": digital_b64.rstrip("="),
            "deviceCode": mds.session.device_code,
            "specVersion": [SPEC_VERSION],
            "purpose": ident.purpose,
            "error": error,
        }

    def device_info_entry(self, base_url: str) -> dict[str, Any]:
        mds, ident = self.mds, self.mds.identity
        try:
            device_info = {
                "deviceStatus": mds.status,
                "deviceId": ident.serial_number,
                "firmware": ident.firmware,
                "certification": ident.certification_level,
                "serviceVersion": mds.config.info.version,
                "deviceSubId": ["0"],
                "callbackId": base_url,
                "deviceCode": mds.session.device_code,
                "env": mds.config.info.env,
                "purpose": ident.purpose,
                "digitalId": self.signed_digital_id(),
                "specVersion": [SPEC_VERSION],
            }
            return {"deviceInfo": self.sign_info(device_info), "error": OK}
        except DeviceError as exc:
            return {"deviceInfo": "", "error": _error("102", str(exc))}

    def capture(self, body: dict[str, Any]) -> dict[str, Any]:
        """One capture answer: refused when the MDS may not capture, 102 when the device fails."""
        mds = self.mds
        try:
            refusal = mds.capture_refusal()  # reads the device clock
            if refusal is not None:
                return {"biometrics": [{"error": _error(REFUSALS[refusal], refusal)}]}
            sample = mds.device.capture()
            data = {
                "digitalId": self.signed_digital_id(),
                "deviceCode": mds.identity.serial_number,
                "deviceServiceVersion": mds.config.info.version,
                "bioType": sample["bioType"],
                "purpose": mds.identity.purpose,
                "env": mds.config.info.env,
                "bioValue": sample["data"],
                "transactionId": self.transaction_id(body),
                "timestamp": self.timestamp(),
                "requestedScore": "0",
                "qualityScore": "100",
            }
            if sample["bioType"] != "Face":  # MOSIP: "For Face: No bioSubType"
                data["bioSubType"] = "UNKNOWN"
            signed = mds.device.sign(data)
        except DeviceError as exc:
            return {"biometrics": [{"error": _error("102", str(exc))}]}
        entry = {
            "specVersion": SPEC_VERSION,
            "data": signed,
            "hash": self.capture_hash(body, sample),
            "error": OK,
        }
        return {"biometrics": [entry]}


def build_app(mds: EmulatedMds) -> Starlette:
    """An app serving the SBI of `mds` (its answers made by `mds.sbi_answers` when it names a
    class, else `SbiAnswers`). Endpoints that talk to the device are plain functions, which
    Starlette runs in its thread pool: a slow device does not stall the event loop."""
    answers: SbiAnswers = getattr(mds, "sbi_answers", SbiAnswers)(mds)

    def discover(request: Request) -> JSONResponse:
        return JSONResponse([answers.discovery_entry(str(request.base_url))])

    def info(request: Request) -> JSONResponse:
        return JSONResponse([answers.device_info_entry(str(request.base_url))])

    async def capture(request: Request) -> JSONResponse:
        try:
            body: dict[str, Any] = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return JSONResponse(await run_in_threadpool(answers.capture, body))

    return Starlette(
        routes=[
            Route("/device", discover, methods=["MOSIPDISC"]),
            Route("/info", info, methods=["MOSIPDINFO"]),
            Route("/capture", capture, methods=["CAPTURE", "RCAPTURE"]),
        ]
    )
