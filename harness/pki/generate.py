"""Regenerate the committed fixture PKI: `python -m harness.pki.generate [--out DIR]`.

Good material is valid from 2024 to 2124 and bad material is expired (2000-2001) or not yet
valid (2200-2201), so no fixture changes its verdict with the passing years.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from harness.pki import certs
from harness.pki.material import DEFAULT_FIXTURES, MANIFEST, FixturePki

GOOD = (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2124, 1, 1, tzinfo=dt.UTC))
EXPIRED = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
NOT_YET_VALID = (dt.datetime(2200, 1, 1, tzinfo=dt.UTC), dt.datetime(2201, 1, 1, tzinfo=dt.UTC))


@dataclass
class _Issued:
    key: certs.RsaKey
    cert: x509.Certificate | None
    entry: dict = field(default_factory=dict)


# Manifest fields `write` derives from the files; the rest of an entry is what `build` said.
_DERIVED = ("key", "keyBits", "certificate", "subject", "notBefore", "notAfter", "sha256")


class _Builder:
    def __init__(self, keep: FixturePki | None = None) -> None:
        self.items: dict[str, _Issued] = {}
        self.keep = keep

    def _kept(self, name: str) -> bool:
        """Take `name` over from the kept material when it has it (--add-missing)."""
        if self.keep is None or name not in self.keep.manifest:
            return False
        entry = {k: v for k, v in self.keep.entry(name).items() if k not in _DERIVED}
        cert = self.keep.cert(name) if "certificate" in self.keep.entry(name) else None
        self.items[name] = _Issued(self.keep.key(name), cert, entry)
        return True

    def root(self, name: str, purpose: str) -> None:
        if self._kept(name):
            return
        key = certs.new_rsa_key()
        subject = certs.name(f"bioharness {name}")
        cert = certs.issue_certificate(
            subject=subject,
            public_key=key.public_key(),
            issuer=subject,
            issuer_key=key,
            not_before=GOOD[0],
            not_after=GOOD[1],
            ca=True,
        )
        self.items[name] = _Issued(key, cert, {"kind": "root-ca", "purpose": purpose})

    def issue(
        self,
        name: str,
        purpose: str,
        issuer: str | None,
        *,
        ca: bool = False,
        window: tuple[dt.datetime, dt.datetime] = GOOD,
        bits: int = 2048,
        claimed_issuer: str | None = None,
    ) -> None:
        """Issue `name` from `issuer` (None: self-signed).

        `claimed_issuer` puts another certificate's name and key id in the issuer fields while
        `issuer` really signs: a certificate that lies about who issued it.
        """
        if self._kept(name):
            return
        key = certs.new_rsa_key(bits)
        subject = certs.name(f"bioharness {name}")
        if issuer is None:
            issuer_name, issuer_key, authority = subject, key, key.public_key()
        else:
            signer = self.items[issuer]
            shown = self.items[claimed_issuer or issuer]
            assert shown.cert is not None and signer.cert is not None
            issuer_name, issuer_key = shown.cert.subject, signer.key
            authority = shown.key.public_key()
        cert = certs.issue_certificate(
            subject=subject,
            public_key=key.public_key(),
            issuer=issuer_name,
            issuer_key=issuer_key,
            issuer_public_key=authority,
            not_before=window[0],
            not_after=window[1],
            ca=ca,
        )
        entry = {"kind": "ca" if ca else "certificate", "purpose": purpose}
        entry["issuer"] = claimed_issuer or issuer or "self"
        if claimed_issuer:
            entry["signedBy"] = issuer
        self.items[name] = _Issued(key, cert, entry)

    def key_only(self, name: str, purpose: str) -> None:
        if self._kept(name):
            return
        self.items[name] = _Issued(certs.new_rsa_key(), None, {"kind": "key", "purpose": purpose})

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.pem"):
            old.unlink()
        manifest: dict = {
            "_about": "Fixture PKI for bioharness. Regenerate with `make pki` or "
            "`python -m harness.pki.generate`. Thumbprints are SHA-256 over DER, upper-case hex.",
            "material": {},
        }
        for name, item in self.items.items():
            entry = dict(item.entry)
            (out / f"{name}.key.pem").write_bytes(certs.key_to_pem(item.key))
            entry["key"] = f"{name}.key.pem"
            entry["keyBits"] = item.key.key_size
            if item.cert is not None:
                (out / f"{name}.cert.pem").write_bytes(certs.cert_to_pem(item.cert))
                entry["certificate"] = f"{name}.cert.pem"
                entry["subject"] = item.cert.subject.rfc4514_string()
                entry["notBefore"] = item.cert.not_valid_before_utc.isoformat()
                entry["notAfter"] = item.cert.not_valid_after_utc.isoformat()
                entry["sha256"] = certs.thumbprint(item.cert)
            manifest["material"][name] = entry
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        return manifest


def build(devices_file: Path, fido_file: Path, keep: FixturePki | None = None) -> _Builder:
    """Create every piece of fixture material in memory (taking over what `keep` has)."""
    b = _Builder(keep)
    b.root("vendor-root-ca", "MDS vendor root CA: the server trusts envelopes chained to it")
    b.issue("mds-signing", "MDS vendor signing certificate, sent in x5c", "vendor-root-ca")
    b.root(
        "server-root-ca", "MMS operator root CA: the harness trusts server answers chained to it"
    )
    b.issue("mms-response-signing", "MMS response-signing certificate", "server-root-ca")
    b.issue(
        "device-ca",
        "Device CA: signs device and rotated device certificates",
        "server-root-ca",
        ca=True,
    )
    b.issue("mosip-encryption", "MOSIP encryption certificate (current)", None)
    b.issue("mosip-encryption-next", "MOSIP encryption certificate (after a change)", None)
    for device in json.loads(devices_file.read_text())["devices"].values():
        b.issue(device["pki"], f"device key of {device['serialNumber']}", "device-ca")
    b.root("rogue-root-ca", "a CA nobody trusts")
    b.issue("bad-mds-expired", "MDS cert, expired (2000-2001)", "vendor-root-ca", window=EXPIRED)
    b.issue(
        "bad-mds-not-yet-valid",
        "MDS cert, not yet valid (from 2200)",
        "vendor-root-ca",
        window=NOT_YET_VALID,
    )
    b.issue("bad-mds-self-signed", "MDS cert, self-signed", None)
    b.issue("bad-mds-untrusted", "MDS cert from the rogue CA", "rogue-root-ca")
    b.issue(
        "bad-mds-wrong-issuer",
        "MDS cert naming the vendor root but signed by the rogue CA",
        "rogue-root-ca",
        claimed_issuer="vendor-root-ca",
    )
    b.issue("bad-mds-rsa1024", "MDS cert with an RSA-1024 key", "vendor-root-ca", bits=1024)
    b.key_only("foreign-signing", "a key that belongs to no certificate")
    for device in json.loads(fido_file.read_text())["devices"].values():
        for target in device["dispatchTargets"]:
            for use in ("signature", "encryption"):
                b.key_only(f"{target['pki']}-{use}", f"{use} key of dispatch target {target['id']}")
    return b


def main(argv: list[str] | None = None) -> None:
    """Regenerate all fixture material and its manifest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_FIXTURES / "pki")
    parser.add_argument("--devices", type=Path, default=DEFAULT_FIXTURES / "devices.json")
    parser.add_argument("--fido", type=Path, default=DEFAULT_FIXTURES / "fido.json")
    parser.add_argument(
        "--add-missing",
        action="store_true",
        help="keep the existing material and make only what the fixtures name but it lacks "
        "(new devices, dispatch targets): provisioned labs add the new items only",
    )
    args = parser.parse_args(argv)
    keep = FixturePki(args.out) if args.add_missing else None
    manifest = build(args.devices, args.fido, keep).write(args.out)
    print(f"wrote {len(manifest['material'])} items to {args.out}")


if __name__ == "__main__":
    main()
