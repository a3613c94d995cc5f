"""A TLS serving certificate for the reference servers, issued by the fixture server root CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from harness.pki import certs
from harness.pki.material import fixture_pki

ISSUER = "server-root-ca"


def serving_certificate(hosts: list[str], folder: Path) -> tuple[Path, Path]:
    """Write a certificate (chain: leaf, server-root-ca) and key for `hosts` (names or IPs)
    into `folder`; clients trust fixtures/pki/server-root-ca.cert.pem. Valid for 30 days."""
    pki, now = fixture_pki(), dt.datetime.now(dt.UTC)
    ca, ca_key, key = pki.cert(ISSUER), pki.key(ISSUER), certs.new_rsa_key(2048)
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(certs.name(f"bioharness reference server {hosts[0]}"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "tls.cert.pem", folder / "tls.key.pem"
    cert_path.write_bytes(certs.cert_to_pem(cert) + certs.cert_to_pem(ca))
    key_path.write_bytes(certs.key_to_pem(key))
    key_path.chmod(0o600)
    return cert_path, key_path
