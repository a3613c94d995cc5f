"""Signed evidence bundles: `bioharness bundle` and `bioharness verify` as a lab runs them (child
processes, real files, a lab PKI made here), and every kind of tampering named by verify."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import warnings
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness.certification.bundle import BundleInputError, verify_bundle, write_bundle
from harness.jose import jws
from harness.jose.attacks import compact
from harness.pki import certs
from harness.report.catalogue import ROOT
from tests.served import CLI

NOW = dt.datetime.now(dt.UTC)
RUN_FILES = {
    "summary.json": b'{"verdict": "pass"}\n',
    "summary.html": b"<html><body>pass</body></html>\n",
    "junit.xml": b'<testsuite name="bioharness" tests="2"/>\n',
    "allure-results/1-result.json": b'{"status": "passed"}',
    "allure-results/2-result.json": b'{"status": "failed"}',
    "allure-results/environment.properties": b"bench=embedded default\n",
    "allure-report/data/nested/deep.txt": b"nested\n",
}

Entries = list[tuple[str, bytes]]


@dataclass(frozen=True)
class LabPki:
    """PEM files of a lab PKI: `root` issues `cert` (key `key`); `other_root` issues `other_cert`
    (key `other_key`), unrelated to the lab's; `chain_cert` holds a certificate for `key` issued
    by an intermediate of `root`, then the intermediate, then the root."""

    root: Path
    key: Path
    cert: Path
    other_root: Path
    other_key: Path
    other_cert: Path
    chain_cert: Path

    def signer(self, key: Path, cert: Path) -> jws.Signer:
        chain = x509.load_pem_x509_certificates(cert.read_bytes())
        return jws.Signer(key=certs.key_from_pem(key.read_bytes()), chain=tuple(chain), typ=None)


def _issue(
    subject: str,
    key: certs.RsaKey,
    issuer: str,
    issuer_key: certs.RsaKey,
    ca: bool,
    not_after: dt.datetime = NOW + dt.timedelta(days=365),
) -> x509.Certificate:
    return certs.issue_certificate(
        subject=certs.name(subject, "test lab"),
        public_key=key.public_key(),
        issuer=certs.name(issuer, "test lab"),
        issuer_key=issuer_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=not_after,
        ca=ca,
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> LabPki:
    folder = tmp_path_factory.mktemp("lab-pki")
    root_key, key, middle_key, other_root_key, other_key = (certs.new_rsa_key() for _ in range(5))
    root = _issue("lab root", root_key, "lab root", root_key, ca=True)
    middle = _issue("lab intermediate", middle_key, "lab root", root_key, ca=True)
    other_root = _issue("other root", other_root_key, "other root", other_root_key, ca=True)
    files = {
        "lab-root.pem": certs.cert_to_pem(root),
        "lab.key.pem": certs.key_to_pem(key),
        "lab.cert.pem": certs.cert_to_pem(_issue("lab signer", key, "lab root", root_key, False)),
        "other-root.pem": certs.cert_to_pem(other_root),
        "other.key.pem": certs.key_to_pem(other_key),
        "other.cert.pem": certs.cert_to_pem(
            _issue("lab signer", other_key, "other root", other_root_key, ca=False)
        ),
        "encrypted.key.pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"lab password"),
        ),
        "chain.cert.pem": b"".join(
            certs.cert_to_pem(c)
            for c in (
                _issue("lab signer 2", key, "lab intermediate", middle_key, False),
                middle,
                root,
            )
        ),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return LabPki(
        root=folder / "lab-root.pem",
        key=folder / "lab.key.pem",
        cert=folder / "lab.cert.pem",
        other_root=folder / "other-root.pem",
        other_key=folder / "other.key.pem",
        other_cert=folder / "other.cert.pem",
        chain_cert=folder / "chain.cert.pem",
    )


def _make_run(folder: Path) -> Path:
    for name, data in RUN_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    return _make_run(tmp_path / "20261127T120000Z-lab-bench")


@dataclass(frozen=True)
class Cli:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def bioharness(*args: str | Path) -> Cli:
    proc = subprocess.run(
        [*CLI, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return Cli(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, lab: LabPki) -> tuple[Path, Cli]:
    """One bundle made by `bioharness bundle` (default output), and what the command said."""
    folder = _make_run(tmp_path_factory.mktemp("runs") / "20261127T120000Z-lab-bench")
    return folder.parent / f"{folder.name}.bundle.zip", bioharness(
        "bundle", folder, "--key", lab.key, "--cert", lab.cert
    )


def entries(bundle: Path) -> Entries:
    with zipfile.ZipFile(bundle) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def rewritten(source: Path, target: Path, change: Callable[[Entries], Entries]) -> Path:
    """A copy of a bundle whose entries went through `change`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a duplicate name
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in change(entries(source)):
                archive.writestr(name, data)
    return target


def replaced(name: str, change: Callable[[bytes], bytes]) -> Callable[[Entries], Entries]:
    return lambda items: [(n, change(d) if n == name else d) for n, d in items]


def _with_hash(manifest: bytes, name: str, data: bytes) -> bytes:
    """manifest.json listing `data` for `name`."""
    document = json.loads(manifest)
    document["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return json.dumps(document, sort_keys=True, indent=2).encode()


FORGED_SUMMARY = b'{"verdict": "fail"}\n'  # as long as the real one: only the hash tells


def _manifest_edited_not_signed(items: Entries, lab: LabPki) -> Entries:
    edit = replaced("manifest.json", lambda m: _with_hash(m, "run/summary.json", FORGED_SUMMARY))
    return replaced("run/summary.json", lambda _: FORGED_SUMMARY)(edit(items))


def _signed_again_by_another_lab(items: Entries, lab: LabPki) -> Entries:
    manifest = _with_hash(dict(items)["manifest.json"], "run/summary.json", FORGED_SUMMARY)
    token = jws.sign(manifest, lab.signer(lab.other_key, lab.other_cert)).encode()
    new = {"run/summary.json": FORGED_SUMMARY, "manifest.json": manifest, "manifest.jws": token}
    return [(n, new.get(n, d)) for n, d in items]


def _signature_altered(token: bytes) -> bytes:
    head, body, signature = token.split(b".")
    first = b"B" if signature[:1] == b"A" else b"A"  # the first character: no padding bits
    return b".".join((head, body, first + signature[1:]))


TAMPERINGS: dict[str, Callable[[Entries, LabPki], Entries]] = {
    "modified file": lambda e, _: replaced("run/summary.json", bytes.swapcase)(e),
    "added file": lambda e, _: [*e, ("run/extra.txt", b"more")],
    "removed file": lambda e, _: [x for x in e if x[0] != "run/junit.xml"],
    # two entries of one name: a tool that extracts the second shows content nobody signed
    "duplicated name": lambda e, _: [*e, ("run/summary.json", FORGED_SUMMARY)],
    "manifest edited, not signed again": _manifest_edited_not_signed,
    "signed again by another lab": _signed_again_by_another_lab,
    "signature altered": lambda e, _: replaced("manifest.jws", _signature_altered)(e),
    "entry named ../evil": lambda e, _: [*e, ("../evil", b"x")],
}


@pytest.fixture(scope="module")
def verified(
    tmp_path_factory: pytest.TempPathFactory, signed: tuple[Path, Cli], lab: LabPki
) -> dict[str, tuple[Path, Cli]]:
    """`bioharness verify --trust` of the signed bundle (and without --trust) and of a tampered
    copy of it per TAMPERINGS entry: each bundle and what verify said. The children are started
    together: each spends about a second importing the command line."""
    folder = tmp_path_factory.mktemp("tampered")
    bundles = {
        name: rewritten(signed[0], folder / f"{n}.bundle.zip", lambda e, t=tamper: t(e, lab))
        for n, (name, tamper) in enumerate(TAMPERINGS.items())
    }
    calls = {name: (b, "--trust", lab.root) for name, b in bundles.items()}
    calls |= {"as signed": (signed[0], "--trust", lab.root), "as signed, no trust": (signed[0],)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda args: bioharness("verify", *args), calls.values())
        return {name: (args[0], r) for (name, args), r in zip(calls.items(), results, strict=True)}


def failure(verified: dict[str, tuple[Path, Cli]], case: str) -> str:
    """The one line `bioharness verify` printed of a bundle it refused."""
    result = verified[case][1]
    assert result.code == 1, result.output
    assert result.stdout.startswith("bundle FAILED: ") and result.stdout.count("\n") == 1
    return result.stdout


def test_bundle_writes_every_file_with_a_signed_manifest(
    signed: tuple[Path, Cli], lab: LabPki
) -> None:
    bundle, result = signed
    assert result.code == 0, result.output
    assert f"bundle: {bundle}" in result.stdout
    leaf = x509.load_pem_x509_certificate(lab.cert.read_bytes())
    assert f"{len(RUN_FILES)} files" in result.stdout
    assert certs.thumbprint(leaf) in result.stdout
    contents = dict(entries(bundle))
    manifest = json.loads(contents["manifest.json"])
    assert manifest["format"] == "bioharness-bundle/1"
    assert manifest["run"] == "20261127T120000Z-lab-bench"
    assert abs(dt.datetime.fromisoformat(manifest["created"]) - NOW) < dt.timedelta(minutes=5)
    assert manifest["files"] == {
        f"run/{name}": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in RUN_FILES.items()
    }
    assert all(contents[f"run/{name}"] == data for name, data in RUN_FILES.items())
    header, payload, _ = jws.peek(contents["manifest.jws"].decode())
    assert payload == contents["manifest.json"]
    assert header["alg"] == "RS256"
    assert header["x5c"] == [certs.cert_to_b64der(leaf)]


def test_verify_with_trust_says_the_chain_is_anchored(
    verified: dict[str, tuple[Path, Cli]], lab: LabPki
) -> None:
    result = verified["as signed"][1]
    assert result.code == 0, result.output
    assert result.stdout.startswith(f"bundle OK: {len(RUN_FILES)} files, run 20261127T")
    assert f"chain anchored at {lab.root}" in result.stdout


def test_verify_without_trust_warns_the_chain_is_not_anchored(
    verified: dict[str, tuple[Path, Cli]], lab: LabPki
) -> None:
    result = verified["as signed, no trust"][1]
    assert result.code == 0, result.output
    assert "chain NOT anchored: give --trust" in result.stdout
    assert "warning: the chain was checked for consistency only" in result.stdout
    leaf = x509.load_pem_x509_certificate(lab.cert.read_bytes())
    assert f"CN=lab signer (sha256 {certs.thumbprint(leaf)})" in result.stdout


def test_a_modified_file_is_named(verified: dict[str, tuple[Path, Cli]]) -> None:
    expected = "run/summary.json: SHA-256 differs from the manifest"
    assert expected in failure(verified, "modified file")


def test_an_added_file_is_named(verified: dict[str, tuple[Path, Cli]]) -> None:
    expected = "run/extra.txt: in the archive but not in the manifest"
    assert expected in failure(verified, "added file")


def test_a_removed_file_is_named(verified: dict[str, tuple[Path, Cli]]) -> None:
    expected = "run/junit.xml: listed in the manifest but missing from the archive"
    assert expected in failure(verified, "removed file")


def test_a_duplicated_entry_name_is_named(verified: dict[str, tuple[Path, Cli]]) -> None:
    expected = "run/summary.json: appears twice in the archive"
    assert expected in failure(verified, "duplicated name")


def test_an_edited_manifest_that_was_not_signed_again_is_named(
    verified: dict[str, tuple[Path, Cli]],
) -> None:
    expected = "manifest.json: differs from the payload signed in manifest.jws"
    assert expected in failure(verified, "manifest edited, not signed again")


def test_a_manifest_signed_again_by_another_lab_fails_the_trusted_chain(
    verified: dict[str, tuple[Path, Cli]], lab: LabPki
) -> None:
    expected = f"manifest.jws: chain not anchored at {lab.root}"
    assert expected in failure(verified, "signed again by another lab")
    # Without --trust it verifies, but names a signer that is not the lab's.
    report = verify_bundle(verified["signed again by another lab"][0])
    other = x509.load_pem_x509_certificate(lab.other_cert.read_bytes())
    assert report.ok and not report.anchored
    assert report.signer_thumbprint == certs.thumbprint(other)


def test_an_altered_signature_is_named(verified: dict[str, tuple[Path, Cli]]) -> None:
    assert "manifest.jws: signature does not verify" in failure(verified, "signature altered")


def test_an_entry_climbing_out_of_the_archive_is_named(
    verified: dict[str, tuple[Path, Cli]],
) -> None:
    expected = "../evil: entry name climbs out with '..'"
    assert expected in failure(verified, "entry named ../evil")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/evil", "entry name is an absolute path"),
        ("C:/evil", "entry name is an absolute path"),
        ("run\\evil", "entry name holds a backslash"),
        ("run/a/../../evil", "entry name climbs out with '..'"),
    ],
)
def test_every_unfit_entry_name_is_refused(
    signed: tuple[Path, Cli], tmp_path: Path, name: str, problem: str
) -> None:
    bundle = rewritten(signed[0], tmp_path / "b.zip", lambda e: [*e, (name, b"x")])
    assert verify_bundle(bundle).problem == f"{name}: {problem}"


def test_a_member_larger_than_listed_is_refused_by_its_recorded_size(
    signed: tuple[Path, Cli], tmp_path: Path
) -> None:
    huge = bytes(50 << 20)  # deflates to about 50 kB: what a zip bomb looks like
    bundle = rewritten(signed[0], tmp_path / "b.zip", replaced("run/junit.xml", lambda _: huge))
    listed = len(RUN_FILES["junit.xml"])
    assert verify_bundle(bundle).problem == (
        f"run/junit.xml: {len(huge)} bytes in the archive, {listed} in the manifest"
    )


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ({"alg": "none"}, "alg 'none' is refused: only RS256 is"),
        ({"alg": "HS256"}, "alg 'HS256' is refused: only RS256 is"),
        ({"jku": "https://attacker.example/keys"}, "header names a key by 'jku'; none is fetched"),
        ({"jwk": {"kty": "RSA"}}, "header names a key by 'jwk'; none is fetched"),
        ({"x5u": "https://attacker.example/cert"}, "header names a key by 'x5u'; none is fetched"),
        ({"x5c": None, "kid": "lab-key"}, "no x5c chain in the header (a kid alone is refused)"),
    ],
)
def test_manifest_signatures_other_than_rs256_with_x5c_are_refused(
    signed: tuple[Path, Cli], tmp_path: Path, lab: LabPki, header: dict, problem: str
) -> None:
    signer = lab.signer(lab.key, lab.cert)
    merged = {k: v for k, v in {**signer.header(), **header}.items() if v is not None}

    def token(manifest: bytes) -> bytes:
        return compact(merged, manifest, None if merged["alg"] == "none" else signer).encode()

    manifest = dict(entries(signed[0]))["manifest.json"]
    change = replaced("manifest.jws", lambda _: token(manifest))
    bundle = rewritten(signed[0], tmp_path / "b.zip", change)
    report = verify_bundle(bundle, lab.root)
    assert not report.ok and report.problem == f"manifest.jws: {problem}"


def test_the_report_holds_what_verify_found(signed: tuple[Path, Cli], lab: LabPki) -> None:
    report = verify_bundle(signed[0], lab.root)
    leaf = x509.load_pem_x509_certificate(lab.cert.read_bytes())
    assert report.ok and report.problem is None and report.anchored
    assert report.file_count == len(RUN_FILES) and report.run == "20261127T120000Z-lab-bench"
    assert report.signer_subject == leaf.subject.rfc4514_string()
    assert report.signer_thumbprint == certs.thumbprint(leaf)
    assert report.created is not None and abs(report.created - NOW) < dt.timedelta(minutes=5)


def test_the_signing_certificate_must_be_valid_when_checked(
    signed: tuple[Path, Cli], lab: LabPki
) -> None:
    report = verify_bundle(signed[0], lab.root, at=NOW + dt.timedelta(days=400))
    assert not report.ok and report.problem is not None
    assert report.problem.startswith(
        "manifest.jws: x5c chain: O=test lab,CN=lab signer is not valid"
    )


def test_a_chain_with_intermediates_is_carried_in_order_and_anchored(
    run_folder: Path, lab: LabPki
) -> None:
    bundle = write_bundle(run_folder, lab.key, lab.chain_cert)
    chain = x509.load_pem_x509_certificates(lab.chain_cert.read_bytes())
    header, _, _ = jws.peek(dict(entries(bundle))["manifest.jws"].decode())
    assert header["x5c"] == [certs.cert_to_b64der(c) for c in chain]
    report = verify_bundle(bundle, lab.root)
    assert report.ok and report.anchored, report.problem
    assert not verify_bundle(bundle, lab.other_root).anchored


def test_a_chain_out_of_order_is_refused_when_bundling(
    run_folder: Path, lab: LabPki, tmp_path: Path
) -> None:
    leaf, middle, root = x509.load_pem_x509_certificates(lab.chain_cert.read_bytes())
    shuffled = tmp_path / "shuffled.pem"
    shuffled.write_bytes(b"".join(certs.cert_to_pem(c) for c in (leaf, root, middle)))
    with pytest.raises(BundleInputError, match="CN=lab signer 2 is not issued by the next"):
        write_bundle(run_folder, lab.key, shuffled)


def test_an_expired_signing_certificate_is_refused_when_bundling(
    run_folder: Path, lab: LabPki, tmp_path: Path
) -> None:
    key = certs.key_from_pem(lab.key.read_bytes())
    expired = _issue("lab signer", key, "lab signer", key, False, NOW - dt.timedelta(hours=1))
    (tmp_path / "expired.pem").write_bytes(certs.cert_to_pem(expired))
    with pytest.raises(
        BundleInputError, match=r"expired\.pem: O=test lab,CN=lab signer is not valid at"
    ):
        write_bundle(run_folder, lab.key, tmp_path / "expired.pem")


def test_a_link_inside_the_run_folder_is_bundled_as_its_file(run_folder: Path, lab: LabPki) -> None:
    (run_folder / "latest.xml").symlink_to("junit.xml")
    (run_folder / "results").symlink_to("allure-results", target_is_directory=True)
    contents = dict(entries(write_bundle(run_folder, lab.key, lab.cert)))
    assert contents["run/latest.xml"] == RUN_FILES["junit.xml"]
    assert contents["run/results/1-result.json"] == RUN_FILES["allure-results/1-result.json"]


def _link(name: str, target: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).symlink_to(target)
        return folder / name

    return make


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe")
    return folder / "pipe"


def _backslashed(folder: Path) -> Path:
    (folder / "a\\b.txt").write_text("x")
    return folder / "a\\b.txt"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_link("out.txt", "/etc/hostname"), "a symbolic link to /etc/hostname, outside the run"),
        (_link("allure-results/loop", ".."), "a symbolic link loop"),
        (_link("dangling.txt", "nothing-here"), "a symbolic link to nothing"),
        (_fifo, "not a regular file"),
        (_backslashed, "entry name holds a backslash: rename it"),
    ],
    ids=["link outside", "link loop", "dangling link", "fifo", "backslash"],
)
def test_files_that_cannot_be_bundled_are_refused(
    run_folder: Path, lab: LabPki, make: Callable[[Path], Path], problem: str
) -> None:
    path = make(run_folder)
    with pytest.raises(BundleInputError, match=re.escape(f"{path}: {problem}")):
        write_bundle(run_folder, lab.key, lab.cert)
    assert [p.name for p in run_folder.parent.iterdir()] == [run_folder.name]  # nothing written


def test_the_bundle_may_not_be_written_inside_its_run_folder(run_folder: Path, lab: LabPki) -> None:
    inside = run_folder / "allure-report" / "b.zip"
    with pytest.raises(BundleInputError, match=re.escape(f"{inside}: inside the run folder")):
        write_bundle(run_folder, lab.key, lab.cert, inside)
    assert not inside.exists()


def test_bundle_refuses_a_folder_that_is_not_a_run(tmp_path: Path, lab: LabPki) -> None:
    result = bioharness("bundle", tmp_path, "--key", lab.key, "--cert", lab.cert)
    assert result.code == 2, result.output
    assert result.stderr == f"bioharness: {tmp_path}: holds no summary.json: give a run folder\n"


def test_bundle_refuses_a_key_that_is_not_the_certificates(run_folder: Path, lab: LabPki) -> None:
    result = bioharness("bundle", run_folder, "--key", lab.other_key, "--cert", lab.cert)
    assert result.code == 2, result.output
    assert result.stderr.startswith(f"bioharness: {lab.other_key}: not the key of O=test lab,")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert [p.name for p in run_folder.parent.iterdir()] == [run_folder.name]  # nothing written


@pytest.mark.parametrize(
    ("key", "cert", "problem"),
    [
        ("missing.pem", "lab.cert.pem", "missing.pem: no such file: give the lab's signing key"),
        ("lab.cert.pem", "lab.cert.pem", "lab.cert.pem: not a PEM private key"),
        ("lab.key.pem", "lab.key.pem", "lab.key.pem: holds no PEM certificate"),
        ("encrypted.key.pem", "lab.cert.pem", "encrypted.key.pem: the key is encrypted"),
    ],
)
def test_unusable_keys_and_certificates_are_named(
    run_folder: Path, lab: LabPki, key: str, cert: str, problem: str
) -> None:
    with pytest.raises(BundleInputError, match=re.escape(problem)):
        write_bundle(run_folder, lab.key.parent / key, lab.key.parent / cert)


def test_verify_fails_a_file_that_is_not_a_zip_archive(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bundle.zip"
    bogus.write_text("not an archive\n")
    result = bioharness("verify", bogus)
    assert result.code == 1, result.output
    assert result.stdout.startswith(f"bundle FAILED: {bogus}: not a ZIP archive")


def test_verify_of_no_such_file_is_a_usage_error(tmp_path: Path) -> None:
    result = bioharness("verify", tmp_path / "absent.zip")
    assert result.code == 2, result.output
    assert result.stderr == f"bioharness: {tmp_path / 'absent.zip'}: no such file: give a bundle\n"
