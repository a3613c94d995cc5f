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

from harness.fido import protocol
from harness.jose.jwe import encrypt
from harness.jose.jws import InvalidJws, peek
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


class CharsetOptional(FidoService):
    """Reads Accept and Content-Type as HTTP does: `application/jose` without the charset, or
    no Accept at all, is served (the spec's wording asks for the charset)."""

    def require_accept(self, headers: dict[str, str]) -> None:
        if headers.get("accept") not in (None, "application/jose"):
            super().require_accept(headers)

    def modify(self, device_id: str, headers: dict[str, str], body: str) -> Reply:
        if headers.get("content-type") == "application/jose":
            headers = {**headers, "content-type": protocol.JOSE}
        return super().modify(device_id, headers, body)


class UnauthorizedForBadFields(FidoService):
    """Answers 401 ("the JWS is not valid") where the reference says 400, except for the
    cases the spec and errata pin to 400: a JWS that is not compact, a payload that is not JSON
    (NaN, Infinity), and a creation time that is no JSON integer."""

    def authenticate(self, token: str | None, id_field: str) -> tuple[TargetRecord, dict]:
        try:
            return super().authenticate(token, id_field)
        except Refusal as refusal:
            pinned = any(
                words in refusal.reason
                for words in ("creationTimeInEpochMillis", "compact", "payload: ")
            )
            if refusal.reply.status == 400 and not pinned and not _malformed_jws(token):
                raise Refusal(401, refusal.reason) from refusal
            raise


def _malformed_jws(token: str | None) -> bool:
    try:
        peek(token)
    except InvalidJws:
        return bool(token)
    return False


class UnprocessableOperations(FidoService):
    """Answers 422 ("could not be processed") to a PATCH whose operation it does not know or
    whose operation fields are of the wrong type."""

    def modify(self, device_id: str, headers: dict[str, str], body: str) -> Reply:
        try:
            return super().modify(device_id, headers, body)
        except Refusal as refusal:
            fields = ("unknown operation", "name ", "target ", "keyIds ", "dispatchTargetIds ")
            if refusal.reply.status == 400 and refusal.reason.startswith(fields):
                raise Refusal(422, refusal.reason) from refusal
            raise


class DeleteKeepsDispatchTargets(FidoService):
    """Delete Device Credentials removes the credentials only; the dispatch targets stay, and
    the next GET lists no credentials (the spec says nothing of the targets)."""

    def delete(self, device_id: str, headers: dict[str, str]) -> Reply:
        target, _ = self.authenticate(headers.get("device-signature"), "dispatchTargetId")
        self.require_member(target, device_id)
        credentials = self.store.device_view(device_id)["fidoUafCredentials"]
        self.store.delete_items(device_id, [c["keyId"] for c in credentials], [])
        return Reply(204)


def _factory(cls: type) -> Callable[..., Any]:
    return variant_factory(reference_service, cls)


unknown_device_401 = _factory(UnknownDevice401)
unknown_device_404 = _factory(UnknownDevice404)
unknown_target_403 = _factory(UnknownTarget403)
oob_json_objects = _factory(OobJsonObjects)
jwe_rsa_oaep_a128gcm = _factory(JweRsaOaepA128Gcm)
lower_case_content_type = _factory(LowerCaseContentType)
charset_optional = _factory(CharsetOptional)
unauthorized_for_bad_fields = _factory(UnauthorizedForBadFields)
unprocessable_operations = _factory(UnprocessableOperations)
delete_keeps_dispatch_targets = _factory(DeleteKeepsDispatchTargets)

# name -> extra suite options the variant needs (most need none)
VARIANTS: dict[str, list[str]] = {
    "unknown_device_401": [],
    "unknown_device_404": [],
    "unknown_target_403": [],
    "oob_json_objects": [],
    "jwe_rsa_oaep_a128gcm": [],
    "lower_case_content_type": [],
    "charset_optional": [],
    "unauthorized_for_bad_fields": [],
    "unprocessable_operations": [],
    "delete_keeps_dispatch_targets": [],
}
