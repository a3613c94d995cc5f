"""Conformant variants of the emulated MDS's SBI: each takes another answer MOSIP SBI 0.9.5 (or
docs/errata.md on it) allows, and the SBI features must pass it without a failure.

Loaded through `--mds-factory tests.conformant_sbi:<name>`;
tests/test_suite_verdicts_on_variants.py runs the SBI features against each.
"""

from __future__ import annotations

import hashlib
from typing import Any

from harness.mds.sbi import SbiAnswers
from tests.variant import mds_answering_with


class _SerialNumberAsDeviceCode(SbiAnswers):
    """Discovery's deviceCode is the device's serial number (the current MOSIP text; 0.9.5
    before its 2022 revision said the code the management server assigned)."""

    def discovery_entry(self, base_url: str) -> dict[str, Any]:
        return {**super().discovery_entry(base_url), "deviceCode": self.mds.identity.serial_number}


class _HashOverHexText(SbiAnswers):
    """Chains the capture hash over the two hashes' hex text (not their bytes), in lower case."""

    def capture_hash(self, body: dict[str, Any], sample: dict[str, Any]) -> str:
        bio = body.get("bio")
        first = bio[0] if isinstance(bio, list) and bio and isinstance(bio[0], dict) else {}
        previous = str(first.get("previousHash") or hashlib.sha256(b"").hexdigest())
        return hashlib.sha256((previous.lower() + sample["hash"].lower()).encode()).hexdigest()


serial_number_as_device_code = mds_answering_with(_SerialNumberAsDeviceCode)
hash_over_hex_text = mds_answering_with(_HashOverHexText)

# variant -> further suite options it needs
VARIANTS: dict[str, list[str]] = {
    "serial_number_as_device_code": [],
    "hash_over_hex_text": [],
}
