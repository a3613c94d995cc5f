"""Building blocks for X.509 material: keys, certificates, CSRs, encodings and thumbprints."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

RsaKey = rsa.RSAPrivateKey


def new_rsa_key(bits: int = 2048) -> RsaKey:
    """A fresh RSA private key (public exponent 65537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(common_name: str, organization: str = "bioharness fixtures") -> x509.Name:
    """A subject/issuer name with a CN and an O."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def issue_certificate(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: x509.Name,
    issuer_key: RsaKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    issuer_public_key: rsa.RSAPublicKey | None = None,
) -> x509.Certificate:
    """Sign a certificate with the extensions a WebPKI-style verifier expects.

    CA certificates get basicConstraints CA and keyCertSign; end-entity certificates get
    digitalSignature and clientAuth. `issuer_public_key` sets the authority key identifier
    (defaults to the signing key's own public key).
    """
    authority = issuer_public_key or issuer_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority), critical=False
        )
    )
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=False)
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    builder = builder.add_extension(
        x509.KeyUsage(
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    return builder.sign(issuer_key, hashes.SHA256())


def build_csr(key: RsaKey, common_name: str) -> x509.CertificateSigningRequest:
    """A PKCS#10 request for `key`, signed with it."""
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name(common_name))
        .sign(key, hashes.SHA256())
    )


def key_to_pem(key: RsaKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def key_from_pem(data: bytes) -> RsaKey:
    """A committed fixture key. Its RSA consistency check (~70 ms a key) is skipped: the files
    are the project's own, and a damaged one fails every signature it makes."""
    key = serialization.load_pem_private_key(
        data, password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("fixture keys are RSA keys")
    return key


def cert_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_to_b64der(cert: x509.Certificate) -> str:
    """Standard base64 of the DER form (the `x5c` and `signedDeviceCertificate` encoding)."""
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def csr_to_b64der(csr: x509.CertificateSigningRequest) -> str:
    return base64.b64encode(csr.public_bytes(serialization.Encoding.DER)).decode("ascii")


_PEM = re.compile(rb"-----BEGIN [A-Z ]+-----")


def _der_or_pem(text: str | bytes) -> tuple[bytes, str]:
    """Return (bytes, form): PEM is kept as PEM, anything else is taken as standard base64 DER."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    if _PEM.search(raw):
        return raw, "pem"
    return base64.b64decode(raw, validate=True), "base64-der"


def load_certificate(text: str | bytes) -> tuple[x509.Certificate, str]:
    """Parse a certificate given as PEM or base64 DER; also say which form it was."""
    data, form = _der_or_pem(text)
    if form == "pem":
        return x509.load_pem_x509_certificate(data), form
    return x509.load_der_x509_certificate(data), form


def load_csr(text: str | bytes) -> tuple[x509.CertificateSigningRequest, str]:
    """Parse a CSR given as PEM or base64 DER; also say which form it was."""
    data, form = _der_or_pem(text)
    if form == "pem":
        return x509.load_pem_x509_csr(data), form
    return x509.load_der_x509_csr(data), form


def thumbprint(cert: x509.Certificate, algorithm: str = "sha256") -> str:
    """Upper-case hex digest of the certificate's DER encoding (MOSIP's thumbprint form)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.new(algorithm, der).hexdigest().upper()


def thumbprint_forms(cert: x509.Certificate, algorithm: str = "sha256") -> dict[str, str]:
    """The encodings docs/errata.md accept for a certificate thumbprint (digest over DER), by
    name: lower-case hex (hex compares without case), unpadded base64url and base64."""
    digest = hashlib.new(algorithm, cert.public_bytes(serialization.Encoding.DER)).digest()
    return {
        "lower-case hex": digest.hex(),
        "base64url without padding": base64.urlsafe_b64encode(digest).decode().rstrip("="),
        "base64": base64.b64encode(digest).decode("ascii"),
    }


def is_thumbprint_of(value: object, cert: x509.Certificate, algorithm: str = "sha256") -> bool:
    """Whether `value` is the certificate's thumbprint in any encoding thumbprint_forms lists."""
    if not isinstance(value, str):
        return False
    forms = thumbprint_forms(cert, algorithm)
    return value.lower() == forms["lower-case hex"] or value.rstrip("=") in {
        forms["base64url without padding"],
        forms["base64"].rstrip("="),
    }


def same_public_key(a: object, b: object) -> bool:
    """True when two public keys are the same RSA key (a key of another kind never is)."""
    if not isinstance(a, rsa.RSAPublicKey) or not isinstance(b, rsa.RSAPublicKey):
        return False
    return a.public_numbers() == b.public_numbers()
