"""`bioharness`: the lab's command line (run, serve, list, settings, pki, report, bundle,
verify, diff)."""

from __future__ import annotations

import argparse
import sys

from harness.cli import bundle, diff, listing, pki, report, run, serve, settings


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(
        prog="bioharness",
        description="Conformance harness for the PSA Management Server API, the nevisFIDO "
        "Device Service, and biometric devices with their MDS.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, serve, listing, settings, pki, report, diff, bundle):
        module.add_parser(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; its exit status."""
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
