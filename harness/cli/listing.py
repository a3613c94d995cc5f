"""`bioharness list`: the scenarios, with their requirement ids and what a bench needs for them."""

from __future__ import annotations

import argparse
import dataclasses
import json

from harness.cli import options
from harness.report.catalogue import checks_any, requirements, scenarios


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "list",
        help="list scenarios (or requirements) with their tags",
        description="List every scenario of features/ with its requirement ids and the bench "
        "capabilities it needs; or, with --requirements, every requirement id and its clause.",
    )
    options.add_req(p)
    p.add_argument("--spec", choices=["mms", "fido", "device"], help="only one specification")
    p.add_argument("--requirements", action="store_true", help="list requirement ids instead")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.requirements:
        catalogue = requirements().values()
        if args.json:
            print(json.dumps([dataclasses.asdict(r) for r in catalogue], indent=2))
            return 0
        for r in catalogue:
            print(f"{r.id:24} {r.specification[:28]:28} {r.clause}")
        return 0
    chosen = [
        s
        for s in scenarios()
        if (args.spec is None or s.specification == args.spec)
        and (not args.req or checks_any(s.requirements, args.req))
    ]
    if args.json:
        rows = [
            {
                "scenario": s.name,
                "feature": s.feature,
                "file": f"{s.path}:{s.line}",
                "specification": s.specification,
                "requirements": s.requirements,
                "needs": s.needs,
                "tags": sorted(s.tags),
            }
            for s in chosen
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for s in chosen:
        needs = f"  needs: {', '.join(s.needs)}" if s.needs else ""
        print(f"{s.specification:6} {','.join(s.requirements):34} {s.name}{needs}")
    print(f"{len(chosen)} scenarios")
    return 0
