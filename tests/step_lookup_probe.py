"""A pytest plugin for tests/test_step_lookup.py: once the suite is collected, it looks up every
step of every scenario (of its first Examples row and transport: the others differ only in the
values, which the same step definitions parse) with pytest-bdd's own lookup and with
harness/step_lookup.py's, and writes the count and every difference as JSON to
$BIOHARNESS_STEP_PROBE."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from harness import step_lookup


def pytest_collection_finish(session: pytest.Session) -> None:
    manager = session._fixturemanager
    steps, differences, seen = 0, [], set()
    for item in session.items:
        if item.obj in seen:  # type: ignore[attr-defined]
            continue
        seen.add(item.obj)  # type: ignore[attr-defined]
        template = scenario_wrapper_template_registry[item.obj]  # type: ignore[attr-defined]
        callspec = getattr(item, "callspec", None)
        example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
        for step in template.render(example).steps:
            steps += 1
            theirs = list(step_lookup.pytest_bdd_lookup(step, manager, item))
            ours = list(step_lookup.find_fixturedefs_for_step(step, manager, item))
            if theirs != ours or not ours:
                differences.append(f"{item.nodeid}: {step.keyword} {step.name}")
    report = {"scenarios": len(seen), "steps": steps, "differences": differences}
    Path(os.environ["BIOHARNESS_STEP_PROBE"]).write_text(json.dumps(report))
