"""`bioharness settings`: every bench setting, with its profile key, suite option and default."""

from __future__ import annotations

import argparse

from harness import settings
from harness.bench import SETTING_GROUPS


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "settings",
        help="list every bench setting (profile key, suite option, default)",
        description="Print the table of every bench setting: its key in a profile, its suite "
        "option (after `bioharness run --`), its default and what it sets. The README's "
        "settings table is this output.",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    print(settings.markdown_table(SETTING_GROUPS), end="")
    return 0
