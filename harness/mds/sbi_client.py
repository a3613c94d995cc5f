"""The harness's view of any MDS through its SBI HTTP surface (emulated or a vendor's)."""

from __future__ import annotations

import uuid
from typing import Any

from harness.evidence import Evidence
from harness.http_client import HTTP_TIMEOUT, recording_client


def new_transaction_id() -> str:
    """A capture transaction id as MOSIP allows: 4 to 50 letters, digits and hyphens."""
    return f"bh-{uuid.uuid4()}"


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

    def capture(
        self,
        registration: bool = False,
        *,
        transaction_id: str | None = None,
        previous_hash: str | None = None,
    ) -> dict[str, Any]:
        """CAPTURE (RCAPTURE for `registration`) of one biometric, under `transaction_id` (a
        fresh one by default: MOSIP asks for "different IDs for every request"), chained to
        `previous_hash` when given."""
        bio: dict[str, Any] = {"type": self.bio_type, "count": 1}
        if previous_hash is not None:
            bio["previousHash"] = previous_hash
        body = {
            "env": "Developer",
            "purpose": "Registration" if registration else "Auth",
            "specVersion": "0.9.5",
            "timeout": 10000,
            "transactionId": transaction_id or new_transaction_id(),
            "bio": [bio],
        }
        return self._call("RCAPTURE" if registration else "CAPTURE", "/capture", body)

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"SbiClient({self.base_url})"
