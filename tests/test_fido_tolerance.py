"""--fido-tolerance reaches the embedded Device Service: with a tolerance of 60 s, the
clock-skew scenarios go just inside and just outside 60 s, and the server agrees."""

from __future__ import annotations

from pathlib import Path

from tests.suite_runner import run_suite

INSIDE = "<request> from a device clock just inside the tolerance <direction> succeeds"
OUTSIDE = (
    "<request> from a device clock just outside the tolerance <direction> is refused as expired"
)


def test_the_clock_skew_features_pass_with_a_tolerance_of_60_seconds(tmp_path: Path) -> None:
    run = run_suite(
        tmp_path, "steps/test_fido.py", "--req", "FIDO-CLOCK-SKEW", "--fido-tolerance", "60"
    )
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed and not run.skipped, (run.failed, run.skip_reasons)
    assert run.outcome(INSIDE, "ahead") == {"passed"}
    assert run.outcome(OUTSIDE, "behind") == {"passed"}
