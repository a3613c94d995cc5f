"""Conformant variants of the reference MMS for the hostile features (features/mms_hostile):
each answers a hostile request another way the specs, RFC 7515 or docs/errata.md allow, and the
suite must pass it. Loaded through `--mms-service tests.conformant_hostile_mms:<name>`.
"""

from __future__ import annotations

from typing import Any

from harness.jose.jws import InvalidJws, verify
from harness.servers.mms.embedded import reference_service
from harness.servers.mms.service import MmsService
from tests.variant import variant_factory


class LenientJose(MmsService):
    """Reads tokens as many JOSE libraries do: padding, the standard base64 alphabet and spaces
    decode to the same bytes, and a `jku` / `x5u` it never fetches is ignored (the x5c key
    verifies); tolerated rows are served, the rest refused."""

    def verify_request(self, token: str) -> dict[str, Any]:
        token = token.replace(" ", "").replace("=", "").replace("+", "-").replace("/", "_")
        verified = verify(token, self.material.vendor_trust, self.clock.now())
        if not isinstance(verified.payload, dict):
            raise InvalidJws("malformed", "payload is not a JSON object")
        if {"jwk"} & verified.header.keys():
            raise InvalidJws("bad_signature", "a jwk header is not a key this server takes")
        return verified.payload


lenient_jose = variant_factory(reference_service, LenientJose)

# name -> extra suite options the variant needs
VARIANTS: dict[str, list[str]] = {
    "lenient_jose": [],
}
