"""Deliberately broken variants of the emulated MDS, each with one defect.

Loaded by the device features through `--mds-factory tests.broken_mds:<name>`;
tests/test_suite_verdicts_on_variants.py asserts the suite fails the scenarios each breaks,
with product-defect failures only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from harness.jose.jws import Signer, json_payload, peek
from harness.mds.sbi import SbiAnswers
from harness.mds.service import READY, EmulatedMds
from harness.mms.answers import certificate_field
from harness.pki import certs
from harness.pki.material import fixture_pki
from tests.variant import Expectation, mds_answering_with


class NeverRefreshes(EmulatedMds):
    """Asks for one snapshot and never again."""

    def _seconds_to_next_sync(self) -> float:
        return 3600.0


class IgnoresKeyRotation(EmulatedMds):
    """Does not rotate when mandatoryKeyRotation is true."""

    def rotate_key(self) -> None:
        return None


class MissesPowerLoss(EmulatedMds):
    """Never notices that its device lost power (and with it the server time)."""

    def device_needs_sync(self) -> bool:
        return False


class _ReadyWhileSilent(SbiAnswers):
    """Lists its device "Ready" whatever the device does (a silent or unplugged one too)."""

    def discovery_entry(self, base_url: str) -> dict[str, Any]:
        return {**super().discovery_entry(base_url), "deviceStatus": READY}


class CapturesAfterExpiry(EmulatedMds):
    """Keeps capturing when the snapshot has expired."""

    def snapshot_valid(self) -> bool:
        return True


class ReusesTransactionIds(EmulatedMds):
    """Sends every request with the same uniqueTransactionId."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.overrides["uniqueTransactionId"] = "bioharness-reused-id"


class SendsTimestampsWithoutZone(EmulatedMds):
    """Sends every timeStamp without a time zone (a parse error once reported as a bench fault)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.overrides["timeStamp"] = "2025-01-01T00:00:00"


class SignsWithAnotherKey(EmulatedMds):
    """Signs envelopes with a key that is not its x5c certificate's."""

    def __init__(self, device: Any, config: Any, *args: Any, **kwargs: Any) -> None:
        impostor = Signer(fixture_pki().key("foreign-signing"), config.signer.chain)
        super().__init__(device, dataclasses.replace(config, signer=impostor), *args, **kwargs)


class FetchesCertificateEveryTime(EmulatedMds):
    """Asks for the encryption certificate on every snapshot, changed or not."""

    def refresh_encryption_cert(self, thumbprint: str) -> None:
        self.encryption_cert = None
        super().refresh_encryption_cert(thumbprint)


class KeepsItsOwnClock(EmulatedMds):
    """Never adopts serverTimeStamp."""

    def adopt_server_time(self, server_time: dt.datetime) -> None:
        return None


class ActsOnUnverifiedAnswers(EmulatedMds):
    """Acts on an answer whose signature failed (reads its payload anyway)."""

    def _answer(self, exchange: Any) -> dict[str, Any]:
        if exchange.verified is None and exchange.answer_token:
            payload = json_payload(peek(exchange.answer_token)[1])
            return payload if isinstance(payload, dict) else {}
        return super()._answer(exchange)


class ReadsHexThumbprintsOnly(EmulatedMds):
    """Takes a thumbprint for its certificate's only as upper-case hex: any other encoding the
    errata allow makes it fetch the certificate again on every snapshot."""

    def refresh_encryption_cert(self, thumbprint: str) -> None:
        if (
            self.encryption_cert is not None
            and certs.thumbprint(self.encryption_cert) == thumbprint
        ):
            return
        answer = self._answer(self.session.encryption_cert())
        if int(answer.get("responseCode", -1)) == 0:
            self.encryption_cert, _ = certificate_field(answer, "encryptionCertData")


never_refreshes = NeverRefreshes
ignores_key_rotation = IgnoresKeyRotation
misses_power_loss = MissesPowerLoss
reports_a_silent_device_ready = mds_answering_with(_ReadyWhileSilent)
captures_after_expiry = CapturesAfterExpiry
reuses_transaction_ids = ReusesTransactionIds
sends_timestamps_without_zone = SendsTimestampsWithoutZone
signs_with_another_key = SignsWithAnotherKey
fetches_certificate_every_time = FetchesCertificateEveryTime
keeps_its_own_clock = KeepsItsOwnClock
acts_on_unverified_answers = ActsOnUnverifiedAnswers
reads_hex_thumbprints_only = ReadsHexThumbprintsOnly


# --- what the suite must say of each ---------------------------------------------------------
# variant -> (scenarios that must fail, scenarios that must still pass); a scenario is its title
# as in the feature file and an optional fragment of the Examples row's id.
REQUESTS = "Every request the MDS sends is well-formed"
CERT_ONCE = "The encryption certificate is fetched once, and again only when it changes"
EXPECTED: dict[str, Expectation] = {
    "never_refreshes": (
        [("The snapshot is refreshed before it expires", None), (CERT_ONCE, None)],
        [(REQUESTS, None)],
    ),
    "ignores_key_rotation": (
        [("A key rotation the server demands is done, and the new key is used", None)],
        [(REQUESTS, None)],
    ),
    "misses_power_loss": (
        [("After a power loss the MDS sets the device's clock to the server time again", None)],
        [(REQUESTS, None)],
    ),
    "reports_a_silent_device_ready": (
        [
            ("A device that stopped answering works again after a power cycle", None),
            ("An unplugged device is reported, and works again once plugged back in", None),
        ],
        [(REQUESTS, None)],
    ),
    "captures_after_expiry": (
        [("Capture is refused once the snapshot has expired", None)],
        [(REQUESTS, None)],
    ),
    "reuses_transaction_ids": ([(REQUESTS, None)], [(CERT_ONCE, None)]),
    "sends_timestamps_without_zone": ([(REQUESTS, None)], [(CERT_ONCE, None)]),
    "signs_with_another_key": ([(REQUESTS, None)], []),
    "fetches_certificate_every_time": ([(CERT_ONCE, None)], [(REQUESTS, None)]),
    "reads_hex_thumbprints_only": (
        [
            ("An MDS reads the thumbprint in <encoding> and fetches the certificate once", e)
            for e in ("lower-case hex", "base64url without padding", "base64")
        ],
        [(CERT_ONCE, None), (REQUESTS, None)],
    ),
    "acts_on_unverified_answers": (
        [("An MDS acts on no <kind> answer", kind) for kind in ("forged", "unsigned", "untrusted")],
        [(REQUESTS, None)],
    ),
    "keeps_its_own_clock": (
        [("A device whose clock starts <amount> <unit> <direction> adopts the server time", None)],
        [(REQUESTS, None)],
    ),
}
