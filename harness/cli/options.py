"""Options several commands share: --profile (an explicit file, else ./bioharness.toml) and
--req (requirement ids, wildcards allowed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.profile import DEFAULT_PROFILE, Profile, ProfileError, load

EXIT_BAD_PROFILE = 2  # a usage error, as argparse's own; 1 means a requirement failed


def add_req(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--req",
        action="append",
        default=[],
        metavar="ID",
        help="only scenarios checking this requirement (repeatable; wildcards: 'DEV-*')",
    )


def add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        type=Path,
        help=f"bench profile (TOML); default: ./{DEFAULT_PROFILE} if present, else the "
        "embedded default bench",
    )


def chosen_profile(args: argparse.Namespace) -> Profile | None:
    """The profile the command runs with (None: the embedded default); exits with the
    profile's problems when it is bad."""
    path = args.profile or (Path(DEFAULT_PROFILE) if Path(DEFAULT_PROFILE).exists() else None)
    if path is None:
        return None
    try:
        return load(path)
    except ProfileError as exc:
        print(f"bioharness: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_PROFILE) from None
