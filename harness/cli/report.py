"""`bioharness report`: rebuild a run folder's HTML pages from its results, or merge the run
folders of a run's shards into one run folder (`--merge`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli import run
from harness.report import allure_html, html, merge, summary
from harness.report.catalogue import ROOT

EXIT_USAGE = 2  # the folders given are not a run folder, or not every shard of one run


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "report",
        help="build the HTML report of a run folder, or merge a run's shards into one",
        description="Rebuild summary.html from summary.json and the Allure HTML report from "
        "allure-results/ (with the Allure 3 command line installed by `make report-tools`). "
        "With --merge: fold the run folders of `bioharness run --shard K/N`, K = 1..N, into one "
        "run folder (summary.json and .html, junit.xml, allure-results/, allure-report/) with "
        "the verdicts of the whole run; exits as `bioharness run` would have (1 when a "
        "requirement fails or has no verdict), 2 when the folders are not every shard of one "
        "run once.",
    )
    p.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="the run folder (default: reports/latest)",
    )
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="RUN",
        help="the run folders of every shard of one run, to merge",
    )
    p.add_argument(
        "--into",
        type=Path,
        metavar="FOLDER",
        help="with --merge: the new run folder (default: reports/<UTC time>-<bench>-merged)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.merge:
        if args.folder is not None:
            return _usage(f"give a run folder or --merge RUN..., not both ({args.folder})")
        return merge_shards(args.merge, args.into)
    if args.into is not None:
        return _usage("--into goes with --merge RUN...: the shards' run folders to merge")
    folder: Path = args.folder or ROOT / "reports" / "latest"
    if not (folder / "summary.json").exists():
        raise SystemExit(f"bioharness: {folder} holds no summary.json: give a run folder")
    document = summary.load(folder)
    print(f"summary: {html.write(document, folder)}")
    try:
        index = allure_html.build(
            folder / "allure-results", folder / "allure-report", document.get("bench", "")
        )
    except (allure_html.AllureUnavailable, RuntimeError) as exc:
        print(f"no Allure HTML report: {exc}")
        return 2
    print(f"Allure report: {index}")
    return 0 if document["verdict"] == "pass" else 1


def merge_shards(folders: list[Path], into: Path | None) -> int:
    """Fold the shards' run folders into one run folder, build its Allure report and return the
    exit status of the whole run."""
    try:
        shards = merge.read_shards(folders)
        bench = shards[0].summary.get("bench") or "bench"
        into = into or run.new_run_folder(ROOT / "reports", f"{bench} merged")
        document = merge.write(shards, into, command=["bioharness", *sys.argv[1:]])
    except merge.MergeError as exc:
        return _usage(str(exc))
    runs = document["totals"]["scenarios"]
    print(
        f"bioharness: {len(shards)} shards, {sum(runs.values())} scenario runs, merged into {into}"
    )
    return run.finish(into, bench, document["pytest_exit_status"])


def _usage(message: str) -> int:
    print(f"bioharness report: {message}", file=sys.stderr)
    return EXIT_USAGE
