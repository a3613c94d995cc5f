"""Signed evidence bundles: a run folder as one ZIP archive whose manifest (each file's size and
SHA-256) is signed by the lab: an RS256 compact JWS carrying the lab's certificate chain in
`x5c`, so the bundle can be checked, and its signer named, long after the run."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness import strict_json
from harness.jose import jws
from harness.pki import certs
from harness.pki.trust import TrustStore, UntrustedChain

FORMAT = "bioharness-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.jws"
RUN_PREFIX = "run/"
CHUNK = 1 << 20  # files are hashed and copied this many bytes at a time
MAX_MANIFEST_BYTES = 64 << 20  # manifest.json and manifest.jws are read whole, up to this
_DRIVE = re.compile(r"[A-Za-z]:")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# a damaged entry, a truncated one, an encrypted one (RuntimeError), an unknown compression
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


class BundleInputError(Exception):
    """A file given to write or verify a bundle that cannot be used (missing, unreadable, not
    what it should be); the message names it and says what to do."""


class _Mismatch(Exception):
    """The first thing in a bundle that does not match; the message names it."""


@dataclass(frozen=True)
class BundleReport:
    """What verify_bundle found: `ok`, or the first `problem`; and what it learnt before it."""

    ok: bool
    problem: str | None
    signer_subject: str | None = None
    signer_thumbprint: str | None = None  # SHA-256 of the signing certificate's DER, hex
    anchored: bool = False  # the chain was verified up to a trusted root
    file_count: int = 0
    run: str | None = None
    created: dt.datetime | None = None


def write_bundle(folder: Path, key_pem: Path, cert_pem: Path, output: Path | None = None) -> Path:
    """Write the run folder as a signed bundle (default `<parent>/<name>.bundle.zip`): every file
    below it as `run/<path>`, manifest.json, and manifest.jws signed with `key_pem` and carrying
    the chain of `cert_pem` (leaf first). BundleInputError for anything that cannot be used."""
    root = folder.resolve()
    if not root.is_dir():
        raise BundleInputError(f"{folder}: no such folder: give a run folder")
    if not (root / "summary.json").is_file():
        raise BundleInputError(f"{folder}: holds no summary.json: give a run folder")
    key = _signing_key(key_pem)
    chain = _pem_certificates(cert_pem, "the lab's signing certificate (PEM, leaf first)")
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if not certs.same_public_key(key.public_key(), chain[0].public_key()):
        raise BundleInputError(
            f"{key_pem}: not the key of {_subject(chain[0])} in {cert_pem}: give its key"
        )
    problem = _chain_problem(chain, created)
    if problem:
        raise BundleInputError(f"{cert_pem}: {problem}")
    target = output or root.parent / f"{root.name}.bundle.zip"
    if target.resolve().is_relative_to(root):
        raise BundleInputError(f"{target}: inside the run folder: write the bundle elsewhere")
    files = sorted(_run_files(root, root, frozenset({root})))
    signer = jws.Signer(key=key, chain=tuple(chain), typ=None)
    partial = target.with_name(f".{target.name}.partial")  # the bundle appears whole or not at all
    try:
        sink = partial.open("wb")
    except OSError as exc:
        raise BundleInputError(f"{target}: cannot be written ({exc.strerror})") from None
    try:
        with sink, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            listed = {name: _store(archive, name, path) for name, path in files}
            manifest = _manifest_bytes(root.name, created, listed)
            archive.writestr(MANIFEST, manifest)
            archive.writestr(SIGNATURE, jws.sign(manifest, signer))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def verify_bundle(
    bundle: Path, trust: Path | None = None, at: dt.datetime | None = None
) -> BundleReport:
    """Check a bundle, stopping at the first mismatch: entry names, the manifest's signature by
    the leaf of its `x5c`, the chain (anchored at the roots in `trust` when given; certificates
    valid at `at`, default the manifest's creation time), then every file's size and SHA-256,
    and nothing unlisted. BundleInputError for a bundle or trust file that cannot be read."""
    anchors = _pem_certificates(trust, "the lab's root certificate (PEM)") if trust else None
    try:
        archive = zipfile.ZipFile(bundle)
    except FileNotFoundError:
        raise BundleInputError(f"{bundle}: no such file: give a bundle") from None
    except OSError as exc:
        raise BundleInputError(f"{bundle}: cannot be read ({exc.strerror})") from None
    except (zipfile.BadZipFile, EOFError) as exc:
        return BundleReport(ok=False, problem=f"{bundle}: not a ZIP archive ({exc})")
    report = BundleReport(ok=False, problem=None)
    try:
        with archive:
            entries = _entries(archive)
            for name in (MANIFEST, SIGNATURE):
                if name not in entries:
                    raise _Mismatch(f"{name}: missing from the archive")
            manifest_bytes = _read_whole(archive, entries[MANIFEST])
            chain = _signed_chain(_read_whole(archive, entries[SIGNATURE]), manifest_bytes)
            report = replace(
                report,
                signer_subject=_subject(chain[0]),
                signer_thumbprint=certs.thumbprint(chain[0]),
            )
            run, created, files = _parsed_manifest(manifest_bytes)
            report = replace(report, run=run, created=created, file_count=len(files))
            _check_chain(chain, anchors, trust, at or created)
            report = replace(report, anchored=anchors is not None)
            _check_files(archive, entries, files)
            for name in entries:
                if name not in files and name not in (MANIFEST, SIGNATURE):
                    raise _Mismatch(f"{name}: in the archive but not in the manifest")
    except _Mismatch as exc:
        return replace(report, problem=str(exc))
    return replace(report, ok=True)


# --- inputs -----------------------------------------------------------------------------------


def _read_input(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BundleInputError(f"{path}: no such file: give {what}") from None
    except OSError as exc:
        raise BundleInputError(f"{path}: cannot be read ({exc.strerror}): give {what}") from None


def _signing_key(path: Path) -> rsa.RSAPrivateKey:
    """The lab's RSA key, with cryptography's consistency check (it is not one of ours)."""
    what = "the lab's signing key (unencrypted PEM)"
    data = _read_input(path, what)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise BundleInputError(f"{path}: the key is encrypted: give {what}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise BundleInputError(f"{path}: not a PEM private key: give {what}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BundleInputError(f"{path}: not an RSA key (RS256 needs one): give {what}")
    return key


def _pem_certificates(path: Path, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(_read_input(path, what))
    except ValueError:
        raise BundleInputError(f"{path}: holds no PEM certificate: give {what}") from None


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _chain_problem(chain: list[x509.Certificate], at: dt.datetime) -> str | None:
    """Why a leaf-first chain is not consistent at `at` (each certificate issued by the next,
    each valid then); None when it is."""
    for cert, issuer in itertools.pairwise(chain):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return f"{_subject(cert)} is not issued by the next certificate, {_subject(issuer)}"
    for cert in chain:
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            return (
                f"{_subject(cert)} is not valid at {at:%Y-%m-%dT%H:%M:%SZ} (valid from "
                f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})"
            )
    return None


def _entry_name_problem(name: str) -> str | None:
    """What makes `name` unfit to name a bundle entry; None when nothing does."""
    if name.startswith("/") or _DRIVE.match(name):
        return "entry name is an absolute path"
    if "\\" in name:
        return "entry name holds a backslash"
    if ".." in name.split("/"):
        return "entry name climbs out with '..'"
    return None


# --- writing ----------------------------------------------------------------------------------


def _run_files(
    root: Path, directory: Path, visiting: frozenset[Path]
) -> Iterator[tuple[str, Path]]:
    """(entry name, path) of every file below `directory`; a symbolic link is followed when it
    points inside the run folder (`visiting`: the real directories being walked)."""
    for path in directory.iterdir():
        real = _inside_target(root, path)
        name = RUN_PREFIX + path.relative_to(root).as_posix()
        if real.is_dir():
            if real in visiting:
                raise BundleInputError(f"{path}: a symbolic link loop: remove the link")
            yield from _run_files(root, path, visiting | {real})
        elif not real.is_file():
            raise BundleInputError(f"{path}: not a regular file: remove it from the run folder")
        elif problem := _entry_name_problem(name):
            raise BundleInputError(f"{path}: {problem}: rename it")
        else:
            yield name, path


def _inside_target(root: Path, path: Path) -> Path:
    """Where `path` really is: itself, or for a symbolic link its target inside the run folder."""
    if not path.is_symlink():
        return path
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise BundleInputError(f"{path}: a symbolic link to nothing: remove it") from None
    if not real.is_relative_to(root):
        raise BundleInputError(
            f"{path}: a symbolic link to {real}, outside the run folder: copy the file in instead"
        )
    return real


def _store(archive: zipfile.ZipFile, name: str, path: Path) -> dict[str, Any]:
    """Copy one file into the archive, hashing it on the way: its manifest entry."""
    digest, size = hashlib.sha256(), 0
    try:
        info = zipfile.ZipInfo.from_file(path, name, strict_timestamps=False)
        info.compress_type = zipfile.ZIP_DEFLATED
        with path.open("rb") as source, archive.open(info, "w") as sink:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                sink.write(chunk)
                size += len(chunk)
    except OSError as exc:
        raise BundleInputError(f"{path}: cannot be read ({exc.strerror})") from None
    return {"sha256": digest.hexdigest(), "size": size}


def _manifest_bytes(run: str, created: dt.datetime, files: dict[str, Any]) -> bytes:
    document = {"format": FORMAT, "run": run, "created": created.isoformat(), "files": files}
    return json.dumps(document, sort_keys=True, indent=2).encode() + b"\n"


# --- verifying --------------------------------------------------------------------------------


def _entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's entries by name; a name unfit for an entry, or there twice, is a mismatch."""
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if problem := _entry_name_problem(info.filename):
            raise _Mismatch(f"{info.filename}: {problem}")
        if info.filename in entries:
            raise _Mismatch(f"{info.filename}: appears twice in the archive")
        entries[info.filename] = info
    return entries


def _member_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """An entry's bytes, a chunk at a time. zipfile never yields more than the entry's recorded
    size, so a caller that checked that size first reads no more than it expects."""
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                yield chunk
    except _ZIP_READ_ERRORS as exc:
        raise _Mismatch(f"{info.filename}: cannot be read from the archive ({exc})") from None


def _read_whole(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _Mismatch(f"{info.filename}: {info.file_size} bytes, more than a manifest may hold")
    return b"".join(_member_chunks(archive, info))


def _signed_chain(token_bytes: bytes, manifest: bytes) -> list[x509.Certificate]:
    """The `x5c` chain of manifest.jws once its RS256 signature verifies with the chain's leaf
    and its payload is manifest.json byte for byte."""
    try:
        token = token_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise _Mismatch(f"{SIGNATURE}: not a compact JWS (not ASCII text)") from None
    try:
        header, payload, _ = jws.peek(token)
        if header.get("alg") != jws.ALG:
            raise _Mismatch(f"{SIGNATURE}: alg {header.get('alg')!r} is refused: only RS256 is")
        jws.refuse_key_references(header)
        if "x5c" not in header:
            raise _Mismatch(f"{SIGNATURE}: no x5c chain in the header (a kid alone is refused)")
        chain = jws.x5c_chain(header)
    except jws.InvalidJws as exc:
        raise _Mismatch(f"{SIGNATURE}: {exc.detail}") from None
    key = chain[0].public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _Mismatch(f"{SIGNATURE}: the key of {_subject(chain[0])} is not RSA")
    try:
        jws.verify_with_key(token, key)
    except jws.InvalidJws as exc:
        if exc.reason == "bad_signature":
            raise _Mismatch(f"{SIGNATURE}: signature does not verify") from None
        raise _Mismatch(f"{SIGNATURE}: {exc.detail}") from None
    if payload != manifest:
        raise _Mismatch(f"{MANIFEST}: differs from the payload signed in {SIGNATURE}")
    return chain


def _parsed_manifest(raw: bytes) -> tuple[str, dt.datetime, dict[str, tuple[str, int]]]:
    """(run, created, {entry name: (sha256, size)}) of a signed manifest.json."""
    try:
        document = strict_json.loads(raw)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        run, files = document.get("run"), document.get("files")
        created = dt.datetime.fromisoformat(document.get("created"))
        if not isinstance(run, str) or not isinstance(files, dict) or created.tzinfo is None:
            raise ValueError("run, created (with its UTC offset) or files missing")
        listed = {name: _listed(name, entry) for name, entry in files.items()}
    except (ValueError, TypeError) as exc:
        raise _Mismatch(f"{MANIFEST}: not a {FORMAT} manifest ({exc})") from None
    return run, created, listed


def _listed(name: str, entry: Any) -> tuple[str, int]:
    """(sha256, size) of one manifest entry; ValueError when it is not one."""
    if not name.startswith(RUN_PREFIX) or not isinstance(entry, dict):
        raise ValueError(f"{name} is not an entry under {RUN_PREFIX}")
    sha256, size = entry.get("sha256"), entry.get("size")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"{name} has no SHA-256 in lower-case hex")
    if type(size) is not int or size < 0:
        raise ValueError(f"{name} has no size")
    return sha256, size


def _check_chain(
    chain: list[x509.Certificate],
    anchors: list[x509.Certificate] | None,
    trust: Path | None,
    at: dt.datetime,
) -> None:
    if problem := _chain_problem(chain, at):
        raise _Mismatch(f"{SIGNATURE}: x5c chain: {problem}")
    if anchors is None:
        return
    try:
        TrustStore(anchors).verify(chain, at)
    except UntrustedChain as exc:
        raise _Mismatch(f"{SIGNATURE}: chain not anchored at {trust} ({exc})") from None


def _check_files(
    archive: zipfile.ZipFile,
    entries: dict[str, zipfile.ZipInfo],
    files: dict[str, tuple[str, int]],
) -> None:
    for name, (sha256, size) in sorted(files.items()):
        info = entries.get(name)
        if info is None:
            raise _Mismatch(f"{name}: listed in the manifest but missing from the archive")
        if info.file_size != size:
            raise _Mismatch(
                f"{name}: {info.file_size} bytes in the archive, {size} in the manifest"
            )
        digest = hashlib.sha256()
        for chunk in _member_chunks(archive, info):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise _Mismatch(f"{name}: SHA-256 differs from the manifest")
