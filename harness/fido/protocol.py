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
OPERATIONS = (UPDATE, DELETE)
MAX_REQUEST_ID = 64
DEFAULT_TOLERANCE = dt.timedelta(minutes=5)
DISPATCHERS = ("firebase-cloud-messaging", "png-qr-code", "link")


def is_jose(media_type: str | None) -> bool:
    """True when a Content-Type or one entry of an Accept header is the JOSE media type."""
    if not media_type:
        return False
    wanted = JOSE.lower().replace(" ", "")
    return any(part.strip().lower().replace(" ", "") == wanted for part in media_type.split(","))


def epoch_millis(moment: dt.datetime) -> int:
    """UNIX time in milliseconds, as creationTimeInEpochMillis carries it."""
    return int(moment.timestamp() * 1000)
