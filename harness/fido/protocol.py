"""Paths, headers, limits and statuses of the nevisFIDO Device Service."""

from __future__ import annotations

import datetime as dt

JOSE = "application/jose;charset=UTF-8"
WWW_AUTHENTICATE_EXPIRED = (
    'JWS error="device_signature_expired", error_description="The device signature expired"'
)
BASE_PATH = "/nevisfido"
CREDENTIALS_PATH = "/devices/credentials/{device_id}"
OOB_PATH = "/devices/oobOperations/{device_id}"
UPDATE = "DispatchTargetUpdate"
DELETE = "Delete"
MAX_REQUEST_ID = 64
DEFAULT_TOLERANCE = dt.timedelta(minutes=5)
# A fixture OOB operation with more time left than this on seeding never times out in a run.
FOREVER_S = 365 * 24 * 3600


def is_jose(media_type: str | None) -> bool:
    """True when a Content-Type or one entry of an Accept header is the JOSE media type (media
    types and the charset compare without case, blanks around `;` and quotes around a value do
    not count: RFC 9110 8.3.1)."""
    if not media_type:
        return False
    return any(_normal(part) == _normal(JOSE) for part in media_type.split(","))


def _normal(media_type: str) -> str:
    """Lower case, no blanks or quotes, and no `q` weight (an Accept entry's preference)."""
    parts = (p.strip().replace('"', "") for p in media_type.lower().split(";"))
    return ";".join(p for p in parts if not p.startswith("q="))


def epoch_millis(moment: dt.datetime) -> int:
    """UNIX time in milliseconds, as creationTimeInEpochMillis carries it."""
    return int(moment.timestamp() * 1000)
