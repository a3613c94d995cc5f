"""Conformant variants of the reference Device Service for the hostile features
(features/fido_hostile): each answers a hostile request another way the spec, RFC 7515 or
docs/errata.md allow, and the suite must pass it. Loaded through
`--fido-service tests.conformant_hostile_fido:<name>`.
"""

from __future__ import annotations

from harness.servers.fido.embedded import reference_service
from harness.servers.fido.service import FidoService
from harness.servers.fido.store import TargetRecord
from tests.variant import variant_factory


class LenientJose(FidoService):
    """Reads tokens as many JOSE libraries do: padding, the standard base64 alphabet and spaces
    decode to the same bytes; tolerated rows are served, the rest refused."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        if token:
            token = token.replace(" ", "").replace("=", "").replace("+", "-").replace("/", "_")
        return super().authenticate(token, id_field)


lenient_jose = variant_factory(reference_service, LenientJose)

# name -> extra suite options the variant needs
VARIANTS: dict[str, list[str]] = {
    "lenient_jose": [],
}
