"""`bioharness report`: rebuild a run folder's HTML pages from its results."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.report import allure_html, html, summary
from harness.report.catalogue import ROOT


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "report",
        help="build the HTML report of a run folder",
        description="Rebuild summary.html from summary.json and the Allure HTML report from "
        "allure-results/ (with the Allure 3 command line installed by `make report-tools`).",
    )
    p.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=ROOT / "reports" / "latest",
        help="the run folder (default: reports/latest)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    folder: Path = args.folder
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
