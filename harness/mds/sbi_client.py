"""The harness's view of any MDS through its SBI HTTP surface (emulated or a vendor's)."""

from __future__ import annotations

from typing import Any

from harness.evidence import Evidence
from harness.http_client import HTTP_TIMEOUT, recording_client


class SbiClient:
    """Calls an MDS's SBI at `base_url` (e.g. http://127.0.0.1:4501) and records each exchange."""

    def __init__(
        self,
        base_url: str,
        evidence: Evidence | None = None,
        timeout: float = HTTP_TIMEOUT,
        *,
        bio_type: str,
    ):
        """`bio_type`: the modality of the device behind it (MOSIP capture asks for Finger, Iris
        or Face)."""
        self.base_url = base_url.rstrip("/")
        self.bio_type = bio_type
        self.evidence = evidence or Evidence()
        self._http = recording_client(self.evidence, timeout)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = self.base_url + path
        response = self._http.request(method, url, json=body)
        response.raise_for_status()
        return response.json()

    def discover(self) -> list[dict[str, Any]]:
        return self._call("MOSIPDISC", "/device", {"type": "Biometric Device"})

    def device_info(self) -> list[dict[str, Any]]:
        return self._call("MOSIPDINFO", "/info")

    def capture(self, registration: bool = False) -> dict[str, Any]:
        body = {
            "env": "Developer",
            "purpose": "Registration" if registration else "Auth",
            "specVersion": "0.9.5",
            "timeout": 10000,
            "transactionId": "bioharness",
            "bio": [{"type": self.bio_type, "count": 1}],
        }
        return self._call("RCAPTURE" if registration else "CAPTURE", "/capture", body)

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"SbiClient({self.base_url})"
