"""Emulator side: the FIDO dispatch targets an emulated device holds, with their private keys.
Keys never leave it: it lists public halves, signs and opens JWEs."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from harness.device.interface import DeviceRefused, DispatchTargetKeys
from harness.fido.fixtures import fido_devices
from harness.jose.jwe import InvalidJwe, open_compact
from harness.pki import certs
from harness.pki.material import fixture_pki


class FixtureDispatchTargets:
    """Every dispatch target of the fixture FIDO devices (`fixtures/fido.json`), its keys those
    of the fixture PKI (`<pki>-signature`, `<pki>-encryption`), loaded when first used."""

    def __init__(self) -> None:
        self._pki_names = {t.id: t.pki for d in fido_devices().values() for t in d.targets}

    def listing(self) -> list[DispatchTargetKeys]:
        """Each target's id and the public halves of its two keys, in fixture order."""
        return [
            DispatchTargetKeys(
                id=target_id,
                signature_key=self._key(target_id, "signature").public_key(),
                encryption_key=self._key(target_id, "encryption").public_key(),
            )
            for target_id in self._pki_names
        ]

    def sign(self, target_id: str, data: bytes) -> bytes:
        """RS256 of `data` with the target's signature key."""
        return self._key(target_id, "signature").sign(data, padding.PKCS1v15(), hashes.SHA256())

    def open(self, target_id: str, token: str) -> bytes:
        """The plaintext of a compact JWE for the target's encryption key."""
        try:
            return open_compact(token, self._key(target_id, "encryption"))[1]
        except InvalidJwe as exc:
            raise DeviceRefused(f"target {target_id}: {exc}") from exc

    def _key(self, target_id: str, use: str) -> certs.RsaKey:
        if target_id not in self._pki_names:
            raise DeviceRefused(f"no dispatch target {target_id!r} on this device")
        return fixture_pki().key(f"{self._pki_names[target_id]}-{use}")

    def __repr__(self) -> str:
        return f"FixtureDispatchTargets({len(self._pki_names)} targets)"
