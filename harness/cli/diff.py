"""`bioharness diff`: what changed between two runs, and whether anything regressed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.certification.run_diff import RunUnreadable, compare, load_run
from harness.certification.run_diff_report import render_html, render_text

EXIT_REGRESSED = 1  # a requirement or scenario run is failed / no verdict in B and was not in A
EXIT_USAGE = 2  # an input is not a run, or the page cannot be written


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "diff",
        help="compare two runs: what regressed, was fixed, is new or gone, what changed",
        description="Compare run B with run A, each a run folder or an evidence bundle (the ZIP "
        "of `bioharness bundle`; read, not verified: run `bioharness verify` for that): the "
        "requirements and scenario runs that regressed (failed or no verdict in B, not in A), "
        "were fixed, are new or gone or changed otherwise, and the environment and provenance "
        "keys that changed (firmware, targets, fixtures). Exits 1 when anything regressed, 0 "
        "otherwise, 2 when an input is not a run.",
    )
    p.add_argument("run_a", type=Path, metavar="RUN-A", help="the baseline run (folder or .zip)")
    p.add_argument("run_b", type=Path, metavar="RUN-B", help="the run to judge (folder or .zip)")
    p.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the comparison to FILE as one self-contained HTML page "
        "(default: no page, the terminal only)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        diff = compare(load_run(args.run_a), load_run(args.run_b))
    except RunUnreadable as exc:
        print(f"bioharness diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(render_text(diff), end="")
    if args.html is not None:
        try:
            args.html.write_text(render_html(diff), encoding="utf-8")
        except OSError as exc:
            print(f"bioharness diff: cannot write {args.html} ({exc.strerror})", file=sys.stderr)
            return EXIT_USAGE
        print(f"page: {args.html}")
    return EXIT_REGRESSED if diff.regressed else 0
