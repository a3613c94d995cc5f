"""`bioharness bundle` and `bioharness verify`: a run folder as one signed evidence bundle, and
the check of one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.certification.bundle import (
    BundleInputError,
    BundleReport,
    verify_bundle,
    write_bundle,
)

EXIT_USAGE = 2  # as argparse's own; 1 means the bundle does not verify


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "bundle",
        help="sign a run folder into one evidence bundle",
        description="Write a run folder as one ZIP archive: every file under run/, "
        "manifest.json (each file's size and SHA-256) and manifest.jws (an RS256 JWS of the "
        "manifest, with the lab's certificate chain in x5c). Exit 2 when an input cannot be "
        "used (no run folder, a missing or unreadable key or certificate, a key that is not "
        "the certificate's).",
    )
    p.add_argument("folder", type=Path, metavar="RUN-FOLDER", help="the run folder to bundle")
    p.add_argument(
        "--key", type=Path, required=True, help="the lab's RSA signing key (unencrypted PEM)"
    )
    p.add_argument(
        "--cert",
        type=Path,
        required=True,
        help="the lab's signing certificate (PEM), followed by its intermediates in order",
    )
    p.add_argument(
        "--output", type=Path, help="the bundle to write (default: RUN-FOLDER.bundle.zip)"
    )
    p.set_defaults(handler=handle_bundle)

    p = commands.add_parser(
        "verify",
        help="check an evidence bundle and name its signer",
        description="Check an evidence bundle: entry names, the manifest's signature by the "
        "first x5c certificate, the chain (each certificate issued by the next, valid when the "
        "bundle was made, and with --trust issued by that root), every file's size and "
        "SHA-256, and nothing unlisted. Exit 0: it verifies; exit 1: the first thing that does "
        "not match is named (a file that is not a ZIP archive is such a bundle); exit 2: the "
        "bundle or the --trust file cannot be read.",
    )
    p.add_argument("bundle", type=Path, metavar="BUNDLE", help="the bundle (.bundle.zip)")
    p.add_argument(
        "--trust",
        type=Path,
        metavar="ROOT.pem",
        help="the lab's root certificate(s) (PEM) the chain must be anchored at; without it "
        "the chain is checked for consistency only, and the signer printed to compare",
    )
    p.set_defaults(handler=handle_verify)


def handle_bundle(args: argparse.Namespace) -> int:
    try:
        path = write_bundle(args.folder, args.key, args.cert, args.output)
        report = verify_bundle(path)
    except BundleInputError as exc:
        print(f"bioharness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"bundle: {path}")
    if not report.ok:
        print(f"bundle FAILED: {report.problem}")
        return 1
    print(f"{report.file_count} files of run {report.run}, signed by {_signer(report)}")
    return 0


def handle_verify(args: argparse.Namespace) -> int:
    try:
        report = verify_bundle(args.bundle, args.trust)
    except BundleInputError as exc:
        print(f"bioharness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not report.ok:
        print(f"bundle FAILED: {report.problem}")
        return 1
    chain = (
        f"chain anchored at {args.trust}" if report.anchored else "chain NOT anchored: give --trust"
    )
    print(
        f"bundle OK: {report.file_count} files, run {report.run}, signed by {_signer(report)}, "
        f"{chain}"
    )
    if not report.anchored:
        print(
            "warning: the chain was checked for consistency only: compare the signer's sha256 "
            "with the lab's, or give --trust ROOT.pem"
        )
    return 0


def _signer(report: BundleReport) -> str:
    return f"{report.signer_subject} (sha256 {report.signer_thumbprint})"
