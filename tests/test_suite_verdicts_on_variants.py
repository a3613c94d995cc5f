"""The suite's verdicts on variants of what it tests (the servers, the emulated MDS, the
emulated device's FIDO client): it passes each conformant one (another answer the spec or
docs/errata.md allow) without a single failure over the whole suite, and it fails each
deliberately broken one on the scenarios that defect breaks, with product-defect failures only
(a broken variant runs only the scenario rows its expectation names, to keep the runs short)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import (
    broken_fido,
    broken_fido_clients,
    broken_hostile_fido,
    broken_hostile_mms,
    broken_mds,
    broken_mms,
    broken_sbi,
    conformant_fido,
    conformant_hostile_fido,
    conformant_hostile_mms,
    conformant_mms,
    conformant_sbi,
)
from tests.suite_runner import SuiteRun, run_suite
from tests.variant import Expectation

# The first test's set-up makes every child run this module needs (four at a time).
pytestmark = pytest.mark.timeout(2400)
VERDICT_CATEGORIES = {"product defect", "spec erratum"}
# Skipped by design: the USB-only scenario when the device runs on the pty.
EXPECTED_SKIPS = {
    "device": {"test_the_usb_serialnumber_string_is_the_serialnumber_the_mds_sends[none]"}
}


@dataclass(frozen=True)
class Variants:
    """Where a specification's scenarios are bound, the options every run of it takes (device
    runs use the pty only, to keep them short), the option that swaps the implementation under
    test, its broken variants with what the suite must say of each, and its conformant variants
    with the options each needs."""

    module: str
    swap_option: str
    broken: dict[str, Expectation]
    conformant: dict[str, list[str]] = field(default_factory=dict)
    fixed_options: tuple[str, ...] = ()


SPECS = {
    "mms": Variants(
        module="steps/test_mms.py",
        swap_option="--mms-service=tests.{}_mms:",
        broken=broken_mms.EXPECTED,
        conformant=conformant_mms.VARIANTS,
    ),
    "fido": Variants(
        module="steps/test_fido.py",
        swap_option="--fido-service=tests.{}_fido:",
        broken=broken_fido.EXPECTED,
        conformant=conformant_fido.VARIANTS,
        # one transport: a broken server lets state-consuming requests through, and a second
        # transport would find that state gone
        fixed_options=("--device=pty",),
    ),
    "mms_hostile": Variants(
        module="steps/test_mms_hostile.py",
        swap_option="--mms-service=tests.{}_hostile_mms:",
        broken=broken_hostile_mms.EXPECTED,
        conformant=conformant_hostile_mms.VARIANTS,
    ),
    "fido_hostile": Variants(
        module="steps/test_fido_hostile.py",
        swap_option="--fido-service=tests.{}_hostile_fido:",
        broken=broken_hostile_fido.EXPECTED,
        conformant=conformant_hostile_fido.VARIANTS,
    ),
    "device": Variants(
        module="steps/test_device.py",
        swap_option="--mds-factory=tests.{}_mds:",
        broken=broken_mds.EXPECTED,
        fixed_options=("--device=pty",),
    ),
    "sbi": Variants(
        module="steps/test_sbi.py",
        swap_option="--mds-factory=tests.{}_sbi:",
        broken=broken_sbi.EXPECTED,
        conformant=conformant_sbi.VARIANTS,
        fixed_options=("--device=pty",),
    ),
    "fido_client": Variants(
        module="steps/test_fido_client.py",
        swap_option="--fido-client-factory=tests.{}_fido_clients:",
        broken=broken_fido_clients.EXPECTED,
        fixed_options=("--device=pty",),
    ),
}
BROKEN = [(spec, variant) for spec, s in SPECS.items() for variant in s.broken]
CONFORMANT = [(spec, variant) for spec, s in SPECS.items() for variant in s.conformant]


def _rows_option(tmp: Path, expectation: Expectation) -> list[str]:
    """Options that make a child run only the scenario rows `expectation` names."""
    rows = tmp / "rows.json"
    rows.write_text(json.dumps([*expectation[0], *expectation[1]]))
    return ["-p", "tests.select_rows", f"--variant-rows={rows}"]


def _run(tmp: Path, case: tuple[str, str, str]) -> SuiteRun:
    kind, spec, variant = case
    s = SPECS[spec]
    if kind == "reference":
        extra: list[str] = []
    elif kind == "broken":
        extra = [s.swap_option.format(kind) + variant, *_rows_option(tmp, s.broken[variant])]
    else:
        extra = [s.swap_option.format(kind) + variant, *s.conformant[variant]]
    return run_suite(tmp, s.module, *s.fixed_options, *extra)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str, str], SuiteRun]:
    """The selected (kind, specification, variant) runs, four child runs at a time (device runs
    mostly wait on the MDS's timers)."""
    cases = _selected_cases(request.session.items)
    # Made here, not in the threads: mktemp is not thread-safe.
    tmps = {case: tmp_path_factory.mktemp("-".join(case)) for case in cases}
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(cases, pool.map(lambda c: _run(tmps[c], c), cases), strict=True))


def _selected_cases(items: list[pytest.Item]) -> list[tuple[str, str, str]]:
    """The runs the selected tests of this module need (so `-k device` runs only those)."""
    kinds = {
        test_reference_server_passes_every_scenario.__name__: "reference",
        test_suite_fails_on_broken_server.__name__: "broken",
        test_suite_passes_conformant_server.__name__: "conformant",
    }
    cases = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        kind = kinds.get(getattr(item, "originalname", ""))
        if item.module is not None and item.module.__name__ == __name__ and kind:
            cases.append((kind, params["spec"], params.get("variant", "reference")))
    return cases


def _assert_clean_pass(run: SuiteRun, spec: str) -> None:
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed, sorted(run.failed)
    assert run.skipped == EXPECTED_SKIPS.get(spec, set()), run.skip_reasons


@pytest.mark.parametrize("spec", list(SPECS))
def test_reference_server_passes_every_scenario(runs: dict, spec: str) -> None:
    _assert_clean_pass(runs[("reference", spec, "reference")], spec)


@pytest.mark.parametrize(("spec", "variant"), CONFORMANT)
def test_suite_passes_conformant_server(runs: dict, spec: str, variant: str) -> None:
    _assert_clean_pass(runs[("conformant", spec, variant)], spec)


@pytest.mark.parametrize(("spec", "variant"), BROKEN)
def test_suite_fails_on_broken_server(runs: dict, spec: str, variant: str) -> None:
    run = runs[("broken", spec, variant)]
    must_fail, must_pass = SPECS[spec].broken[variant]
    assert run.returncode == 1, f"suite exit {run.returncode}, expected 1:\n{run.output[-3000:]}"
    for scenario, example in must_fail:
        got = run.outcome(scenario, example)
        assert got == {"failed"}, f"{variant}: {scenario!r} [{example}] should fail, got {got}"
    for scenario, example in must_pass:
        got = run.outcome(scenario, example)
        assert got == {"passed"}, f"{variant}: {scenario!r} [{example}] should pass, got {got}"
    wrong = {t: c for t, c in run.categories.items() if c not in VERDICT_CATEGORIES}
    assert not wrong, f"{variant}: failures that are not product defects: {wrong}"
