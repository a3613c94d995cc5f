"""The fixture PKI: complete, consistent, long-lived, and bad for the right reasons."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from harness.device.identity import fixture_devices
from harness.pki import certs
from harness.pki.generate import build
from harness.pki.material import DEFAULT_FIXTURES, FixturePki, fixture_pki
from harness.pki.trust import TrustStore, UntrustedChain

NOW = dt.datetime.now(dt.UTC)
# Fixtures must keep their verdicts for decades: check far ahead as well as now.
MOMENTS = [NOW, dt.datetime(2100, 1, 1, tzinfo=dt.UTC)]


def test_every_manifest_entry_has_its_files_and_a_matching_key() -> None:
    pki = fixture_pki()
    for name, entry in pki.manifest.items():
        key = pki.key(name)
        assert key.key_size == entry["keyBits"]
        if "certificate" in entry:
            cert = pki.cert(name)
            assert certs.same_public_key(cert.public_key(), key.public_key()), name
            assert entry["sha256"] == cert.fingerprint(hashes.SHA256()).hex().upper()


def test_every_fixture_device_has_a_certificate_from_the_device_ca() -> None:
    pki = fixture_pki()
    trust = TrustStore([pki.cert("server-root-ca")])
    for device in fixture_devices().values():
        for moment in MOMENTS:
            trust.verify([pki.cert(device.pki), pki.cert("device-ca")], moment)


@pytest.mark.parametrize("moment", MOMENTS)
def test_good_material_chains_to_its_root(moment: dt.datetime) -> None:
    pki = fixture_pki()
    TrustStore([pki.cert("vendor-root-ca")]).verify([pki.cert("mds-signing")], moment)
    TrustStore([pki.cert("server-root-ca")]).verify([pki.cert("mms-response-signing")], moment)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(
    ("material", "reason"),
    [
        ("bad-mds-expired", "not valid at validation time"),
        ("bad-mds-not-yet-valid", "not valid at validation time"),
        ("bad-mds-self-signed", "candidates exhausted"),
        ("bad-mds-untrusted", "candidates exhausted"),
        ("bad-mds-wrong-issuer", "signature does not match"),
        ("bad-mds-rsa1024", "RSA >= 2048"),
    ],
)
def test_bad_material_is_refused_for_its_own_reason(
    material: str, reason: str, moment: dt.datetime
) -> None:
    pki = fixture_pki()
    with pytest.raises(UntrustedChain, match=reason):
        TrustStore([pki.cert("vendor-root-ca")]).verify([pki.cert(material)], moment)


def test_the_wrong_issuer_certificate_names_the_vendor_root() -> None:
    pki = fixture_pki()
    assert pki.cert("bad-mds-wrong-issuer").issuer == pki.cert("vendor-root-ca").subject


def test_thumbprint_is_upper_case_hex_of_the_der_digest() -> None:
    cert = fixture_pki().cert("mosip-encryption")
    assert certs.thumbprint(cert) == cert.fingerprint(hashes.SHA256()).hex().upper()
    assert certs.thumbprint(cert, "sha1") == cert.fingerprint(hashes.SHA1()).hex().upper()


def test_certificates_and_csrs_load_from_pem_and_base64_der() -> None:
    cert = fixture_pki().cert("mds-signing")
    assert certs.load_certificate(certs.cert_to_pem(cert)) == (cert, "pem")
    assert certs.load_certificate(certs.cert_to_b64der(cert)) == (cert, "base64-der")
    csr = certs.build_csr(certs.new_rsa_key(), "X")
    assert certs.load_csr(certs.csr_to_b64der(csr))[0] == csr
    with pytest.raises(ValueError):
        certs.load_certificate("bm90IGEgY2VydA==")


def test_regeneration_writes_the_same_set_of_material(tmp_path: Path) -> None:
    manifest = build(DEFAULT_FIXTURES / "devices.json", DEFAULT_FIXTURES / "fido.json").write(
        tmp_path
    )
    committed = json.loads((DEFAULT_FIXTURES / "pki" / "manifest.json").read_text())
    assert set(manifest["material"]) == set(committed["material"])
    fresh = FixturePki(tmp_path)
    TrustStore([fresh.cert("vendor-root-ca")]).verify([fresh.cert("mds-signing")], NOW)
    assert fresh.cert("mds-signing") != fixture_pki().cert("mds-signing")


def test_unknown_material_is_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="no-such-thing"):
        fixture_pki().entry("no-such-thing")
