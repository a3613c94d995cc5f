"""Conformant variants of the reference FIDO server: each takes another answer the specification
or docs/errata.md allow. The suite must pass every one (no false failure); they are the twins
of tests/broken_fido.py, and both lists grow together.

Loaded through `--fido-service tests.conformant_fido:<name>`;
tests/test_suite_verdicts_on_variants.py runs the suite against each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.jose.jwe import encrypt
from harness.servers.fido.embedded import reference_service
from harness.servers.fido.service import FidoService, Refusal, Reply
from harness.servers.fido.store import TargetRecord
from tests.variant import variant_factory


class _UnknownDevice(FidoService):
    status = 403

    def require_member(self, target: TargetRecord, device_id: str) -> None:
        if not self.store.has_device(device_id):
            raise Refusal(self.status, f"no device {device_id!r}")
        super().require_member(target, device_id)


class UnknownDevice401(_UnknownDevice):
    """Answers 401 for a device id it does not know (errata: 401, 403 or 404)."""

    status = 401


class UnknownDevice404(_UnknownDevice):
    """Answers 404 for a device id it does not know (errata: 401, 403 or 404)."""

    status = 404


class UnknownTarget403(FidoService):
    """Answers 403 for a dispatch target it does not know: it is not part of the device."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        try:
            return super().authenticate(token, id_field)
        except Refusal as refusal:
            if refusal.reason.startswith("unknown dispatch target"):
                raise Refusal(403, refusal.reason) from refusal
            raise


class OobJsonObjects(FidoService):
    """Sends outOfBandPayload and additionalInformation as JSON objects, as the spec's example
    does (typed String in its table: errata, accept either)."""

    def live_operations(self, device_id: str) -> list[dict[str, Any]]:
        ops = super().live_operations(device_id)
        for op in ops:
            for name in ("outOfBandPayload", "additionalInformation"):
                if name in op:
                    op[name] = json.loads(op[name])
        return ops


class JweRsaOaepA128Gcm(FidoService):
    """Encrypts its answers with RSA-OAEP and A128GCM: a "standard JWE" the target decrypts
    (the spec's example uses RSA-OAEP-256 with A256GCM; reported as an advisory)."""

    def encrypted(self, view: dict[str, Any], target: TargetRecord) -> Reply:
        reply = super().encrypted(view, target)
        reply.body = encrypt(view, target.encryption_key, alg="RSA-OAEP", enc="A128GCM")
        return reply


class LowerCaseContentType(FidoService):
    """Labels its JWE answers `application/jose; charset=utf-8`: the same media type (type,
    subtype and charset compare without case; RFC 9110 8.3.1)."""

    def encrypted(self, view: dict[str, Any], target: TargetRecord) -> Reply:
        reply = super().encrypted(view, target)
        reply.headers["Content-Type"] = "application/jose; charset=utf-8"
        return reply


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


unknown_device_401 = _factory(UnknownDevice401)
unknown_device_404 = _factory(UnknownDevice404)
unknown_target_403 = _factory(UnknownTarget403)
oob_json_objects = _factory(OobJsonObjects)
jwe_rsa_oaep_a128gcm = _factory(JweRsaOaepA128Gcm)
lower_case_content_type = _factory(LowerCaseContentType)

# name -> extra suite options the variant needs (most need none)
VARIANTS: dict[str, list[str]] = {
    "unknown_device_401": [],
    "unknown_device_404": [],
    "unknown_target_403": [],
    "oob_json_objects": [],
    "jwe_rsa_oaep_a128gcm": [],
    "lower_case_content_type": [],
}
