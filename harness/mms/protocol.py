"""Names, fields and response codes of the PSA Management Server API (the spec's sections 1-5)."""

from __future__ import annotations

from enum import IntEnum

SNAPSHOT = "msbDeviceSnapshot"
ENCRYPTION_CERT = "msbEncryptionCert"
KEY_ROTATION = "msbKeyRotation"
REGISTRATION = "msbDeviceRegistration"
APIS = (SNAPSHOT, ENCRYPTION_CERT, KEY_ROTATION, REGISTRATION)


class ResponseCode(IntEnum):
    """Section 5, Response Codes."""

    SUCCESS = 0
    INVALID_DEVICE_CODE = -101
    INVALID_DEVICE = -102
    REGISTRATION_FAILED = -103
    ENCRYPTION_CERT_NOT_REQUIRED = -104
    CERTIFICATE_SIGNING_FAILED = -105
    UNABLE_TO_GENERATE_RESPONSE = -1001


DESCRIPTIONS = {
    ResponseCode.SUCCESS: "Success",
    ResponseCode.INVALID_DEVICE_CODE: "Invalid device code (UUID)",
    ResponseCode.INVALID_DEVICE: "Invalid device. Not whitelisted or validity expired",
    ResponseCode.REGISTRATION_FAILED: "Registration failed",
    ResponseCode.ENCRYPTION_CERT_NOT_REQUIRED: (
        "Encryption certificate not required for registration device"
    ),
    ResponseCode.CERTIFICATE_SIGNING_FAILED: "Certificate signing failed",
    ResponseCode.UNABLE_TO_GENERATE_RESPONSE: "Unable to generate response",
}

# Fields every request carries, and which every answer echoes (registration answers omit the code).
IDENTITY_FIELDS = (
    "uniqueTransactionId",
    "timeStamp",
    "serialNumber",
    "deviceCodeUUID",
    "modelID",
    "deviceProviderId",
    "bioType",
    "certificationLevel",
    "devicePurpose",
    "env",
)
MDS_FIELDS = ("deviceServiceVersion", "specVersion", "hostos")
REQUEST_FIELDS = {
    SNAPSHOT: (*IDENTITY_FIELDS, *MDS_FIELDS),
    ENCRYPTION_CERT: (*IDENTITY_FIELDS, *MDS_FIELDS),
    KEY_ROTATION: (*IDENTITY_FIELDS, *MDS_FIELDS, "csrData"),
    REGISTRATION: (*IDENTITY_FIELDS, *MDS_FIELDS, "deviceRegistrationRequest"),
}
ECHOED_FIELDS = {
    SNAPSHOT: IDENTITY_FIELDS,
    ENCRYPTION_CERT: IDENTITY_FIELDS,
    KEY_ROTATION: IDENTITY_FIELDS,
    REGISTRATION: tuple(f for f in IDENTITY_FIELDS if f != "deviceCodeUUID"),
}
# What the server says about the device: never in an answer that refuses a request, except the
# whitelist flags in a -102 answer when they agree with it (docs/errata.md), and deviceCodeUUID
# when it repeats the request's own value.
DEVICE_DATA_FIELDS = {
    SNAPSHOT: (
        "isWhiteListed",
        "isDeviceValid",
        "isDeviceRegistered",
        "mandatoryKeyRotation",
        "keyExpiryTimeStamp",
        "encryptionCertThumbprint",
    ),
    ENCRYPTION_CERT: ("encryptionCertData",),
    KEY_ROTATION: ("signedDeviceCertificate", "keyExpiryTimeStamp"),
    REGISTRATION: ("deviceRegistrationResponse",),
}
ANY_DEVICE_DATA = tuple(dict.fromkeys(f for api in APIS for f in DEVICE_DATA_FIELDS[api]))
BOOLEAN_FIELDS = (
    "isWhiteListed",
    "isDeviceValid",
    "isDeviceRegistered",
    "deviceServiceUpdateRequired",
    "mandatoryKeyRotation",
)
CERTIFICATION_LEVELS = ("L0", "L1", "L2")
