"""A pytest plugin for the broken-variant runs: `--variant-rows FILE` keeps only the scenario runs
a JSON file names, as [scenario title, fragment of the Examples row's id or null] pairs (the
pairs of an Expectation, read as SuiteRun.outcome reads them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_bdd.scenario import make_python_name


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--variant-rows", help="JSON file of [scenario title, row fragment] pairs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = config.getoption("--variant-rows")
    if not path:
        return
    pairs = json.loads(Path(path).read_text())
    wanted = [("test_" + make_python_name(title), row) for title, row in pairs]
    keep, drop = [], []
    for item in items:
        function, _, params = item.name.partition("[")
        named = any(function == f and (row is None or row in params) for f, row in wanted)
        (keep if named else drop).append(item)
    config.hook.pytest_deselected(items=drop)
    items[:] = keep
