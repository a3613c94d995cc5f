"""`bioharness pki`: show the fixture material a lab provisions, or regenerate it."""

from __future__ import annotations

import argparse
import json

from harness.pki import generate
from harness.pki.material import DEFAULT_FIXTURES


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "pki",
        help="show (or regenerate) the fixture keys and certificates",
        description="Show every piece of fixture material with its purpose, validity and "
        "SHA-256 thumbprint (fixtures/pki/manifest.json). --regenerate makes all of it anew: "
        "every thumbprint changes, and labs must provision the new material.",
    )
    p.add_argument("--regenerate", action="store_true", help="make new fixture material")
    p.add_argument(
        "--add-missing",
        action="store_true",
        help="make only the material the fixtures name but fixtures/pki lacks (new devices or "
        "dispatch targets); everything already provisioned stays as it is",
    )
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.regenerate:
        generate.main([])
    elif args.add_missing:
        generate.main(["--add-missing"])
    manifest = json.loads((DEFAULT_FIXTURES / "pki" / "manifest.json").read_text())
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    print(f"fixture material in {DEFAULT_FIXTURES / 'pki'}")
    for name, item in manifest["material"].items():
        thumb = item.get("sha256", "(key only)")
        until = item.get("notAfter", "")[:10]
        print(f"{name:34} {item['kind']:12} {until:10} {thumb}")
        print(f"{'':34} {item['purpose']}")
    return 0
