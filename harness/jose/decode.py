"""Decode any JWS, valid or not, into evidence: header, payload and what could not be read."""

from __future__ import annotations

import json
from typing import Any

from jwcrypto.common import base64url_decode


def _segment(text: str) -> tuple[Any, str | None]:
    try:
        raw = base64url_decode(text)
    except ValueError as exc:
        return None, f"not base64url: {exc}"
    try:
        return json.loads(raw), None
    except ValueError:
        return raw.decode("utf-8", "replace"), "not JSON"


def decode(token: object) -> dict[str, Any]:
    """Best-effort view of a compact JWS for a report; never raises and never verifies."""
    if not isinstance(token, str):
        return {"error": f"not a string: {type(token).__name__}", "raw": repr(token)[:2000]}
    parts = token.split(".")
    view: dict[str, Any] = {"parts": len(parts)}
    if len(parts) != 3:
        view["error"] = f"compact JWS has 3 parts, this has {len(parts)}"
        view["raw"] = token[:2000]
        if len(parts) == 2:
            view["payload"], problem = _segment(parts[0])
            if problem:
                view["payload_error"] = problem
        return view
    for label, part in (("header", parts[0]), ("payload", parts[1])):
        view[label], problem = _segment(part)
        if problem:
            view[f"{label}_error"] = problem
    view["signature_bytes"] = len(base64url_decode(parts[2])) if _b64ok(parts[2]) else None
    return view


def _b64ok(text: str) -> bool:
    try:
        base64url_decode(text)
    except ValueError:
        return False
    return True
