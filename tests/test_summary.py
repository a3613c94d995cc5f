"""The conformance summary: verdict rules, and the page that shows them."""

from __future__ import annotations

from harness.report import html, summary
from harness.report.records import ScenarioRun


def _run(nodeid: str, req: str, outcome: str, **kw) -> ScenarioRun:
    return ScenarioRun(nodeid, scenario=nodeid, requirements=[req], outcome=outcome, **kw)


def test_requirement_verdicts() -> None:
    verdict = summary.requirement_verdict
    assert verdict([_run("a", "X", "passed"), _run("b", "X", "failed")]) == "failed"
    assert verdict([_run("a", "X", "passed"), _run("b", "X", "skipped")]) == "passed"
    assert verdict([_run("a", "X", "skipped")]) == "skipped"
    assert verdict([]) == "not run"
    fault = _run("c", "X", "failed", category="bench fault")
    defect = _run("d", "X", "failed", category="product defect")
    assert verdict([_run("a", "X", "passed"), fault]) == "no verdict"
    assert verdict([fault, defect]) == "failed"


def test_run_verdicts() -> None:
    fault = _run("c", "X", "failed", category="bench fault")
    assert summary.build([fault], {}, {})["verdict"] == "incomplete"
    assert summary.build([_run("a", "X", "passed")], {}, {})["verdict"] == "pass"


def test_summary_page_shows_failures_skips_and_advisories() -> None:
    runs = [
        _run(
            "t[pty]",
            "MMS-SNAP-TIME",
            "failed",
            category="product defect",
            reason="AssertionError: server time 3600 s off",
        ),
        _run(
            "u",
            "MMS-SNAP-FIELDS",
            "passed",
            advisories=["isDeviceRegistered is the JSON boolean True, the spec shows a string"],
        ),
        _run("v", "DEV-USB-SERIAL", "skipped", reason="no USB device on this bench"),
    ]
    document = summary.build(runs, {"bench": "lab <3>"}, {"bench": "lab <3>"})
    assert document["verdict"] == "fail"
    assert document["totals"]["scenarios"] == {
        "passed": 1,
        "failed": 1,
        "expected deviation": 0,
        "skipped": 1,
    }
    assert document["totals"]["advisories"] == 1
    fields = next(r for r in document["requirements"] if r["id"] == "MMS-SNAP-FIELDS")
    assert fields["verdict"] == "passed" and fields["advisories"]
    page = html.render(document)
    assert "server time 3600 s off" in page and "product defect" in page
    assert "no USB device on this bench" in page
    assert 'class="verdict warning">advisory' in page
    assert "lab &lt;3&gt;" in page and "lab <3>" not in page  # escaped
    assert "<script" not in page  # self-contained, nothing to run
