"""Loading the committed fixture PKI by name, as listed in its manifest."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from cryptography import x509

from harness.pki import certs

MANIFEST = "manifest.json"
DEFAULT_FIXTURES = Path(
    os.environ.get("BIOHARNESS_FIXTURES", Path(__file__).resolve().parents[2] / "fixtures")
)


class FixturePki:
    """Read-only access to fixture keys and certificates (`fixtures/pki/manifest.json`)."""

    def __init__(self, root: Path = DEFAULT_FIXTURES / "pki") -> None:
        self.root = root
        self.manifest = json.loads((root / MANIFEST).read_text())["material"]
        self._keys: dict[str, certs.RsaKey] = {}
        self._certs: dict[str, x509.Certificate] = {}

    def entry(self, name: str) -> dict:
        """The manifest entry of `name` (purpose, files, validity, thumbprint)."""
        try:
            return self.manifest[name]
        except KeyError:
            raise KeyError(f"no fixture material named {name!r} in {self.root}") from None

    def key(self, name: str) -> certs.RsaKey:
        """The private key of `name` (loaded once: RSA key validation is slow)."""
        if name not in self._keys:
            self._keys[name] = certs.key_from_pem(
                (self.root / self.entry(name)["key"]).read_bytes()
            )
        return self._keys[name]

    def cert(self, name: str) -> x509.Certificate:
        """The certificate of `name`."""
        if name not in self._certs:
            entry = self.entry(name)
            if "certificate" not in entry:
                raise KeyError(f"fixture {name!r} is a bare key with no certificate")
            pem = (self.root / entry["certificate"]).read_bytes()
            self._certs[name] = x509.load_pem_x509_certificate(pem)
        return self._certs[name]

    def __repr__(self) -> str:
        return f"FixturePki({self.root})"


@cache
def fixture_pki() -> FixturePki:
    """The project's committed fixture PKI, loaded once."""
    return FixturePki()
