"""summary.html printed: clean A4 and Letter pages, checked in a real headless Chromium (Debian's).

A long synthetic summary (84 requirements, long failure reasons) is printed to PDF; every page
must carry the header (bench, run id, verdict) in its top margin, and no requirement row may be
cut across two pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report import html
from harness.report.records import ScenarioRun

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Chromium not installed: apt-get install chromium", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: pip install -e '.[dev]'"
)
pypdf = pytest.importorskip("pypdf", reason="pypdf not installed: pip install -e '.[dev]'")

BENCH, RUN_ID = "lab-bench-7", "20261127T150554Z-lab-bench-7"
REQUIREMENTS = 84
HEADER_BAND_PT = 16 / 25.4 * 72  # the stylesheet's top page margin (16 mm), in points
PAGE_SIZES_PT = {"A4": (595.92, 842.88), "Letter": (612.0, 792.0)}
FAILED_BADGE_FILL = (1.0, 0xD6 / 255, 0xD6 / 255)  # .failed's background, #ffd6d6
LONG_REASON = (
    "Nonconformance: msbDeviceSnapshot answered responseCode -103 where 0 was expected; the "
    "JWS header carried x5c with a leaf certificate not chained to the vendor root, and the "
    "payload's serverTime was 3600 s ahead of the bench clock, beyond the tolerance. "
)


def _requirement_id(index: int) -> str:
    return f"{'MMS' if index % 2 else 'FIDO'}-R{index:03d}"


def _requirement(index: int) -> dict[str, Any]:
    """One requirement row in the shape summary.build gives: 1 to 3 scenarios, some failing
    with long reasons, some skipped, some with advisories; the row's last scenario and its
    clause text end in markers (`rowendNNN`, `checkedendNNN`) the PDF check looks for."""
    rid = _requirement_id(index)
    runs = []
    for k in range(index % 3):
        outcome = ("failed", "skipped", "passed")[(index + k) % 3]
        runs.append(
            ScenarioRun(
                f"features/x.feature::case_{index}_{k}[pty-row{k}]",
                scenario=f"the target answers hostile case {k} of requirement {index}",
                requirements=[rid],
                outcome=outcome,
                category="product defect" if outcome == "failed" else None,
                reason=LONG_REASON if outcome == "failed" else "no USB device on this bench",
                advisories=["replayed requestId accepted"] if k == 1 else [],
            )
        )
    runs.append(
        ScenarioRun(f"features/x.feature::final_{index}", scenario=f"final rowend{index:03d}")
    )
    outcomes = {r.outcome for r in runs}
    return {
        "id": rid,
        "specification": "PSA Management Server API" if index < 44 else "nevisFIDO Device Service",
        "clause": f"Section {index}: response fields and their encoding",
        "checked": "Every field is present with its documented type; " * (1 + index % 2)
        + f"checkedend{index:03d}",
        "verdict": "failed" if "failed" in outcomes else "passed",
        "scenarios": [r.to_dict() for r in runs],
        "advisories": sorted({a for r in runs for a in r.advisories}),
    }


def _summary() -> dict[str, Any]:
    rows = [_requirement(i) for i in range(REQUIREMENTS)]
    return {
        "bench": BENCH,
        "run_id": RUN_ID,
        "harness_version": "0.1.0",
        "started": "2026-11-27T15:05:54Z",
        "duration_s": 812.4,
        "verdict": "fail",
        "environment": {"bench": BENCH, "mms_url": "https://mms.lab.example/api"},
        "totals": {
            "requirements": {"failed": 56, "passed": 28},
            "scenarios": {"passed": 120, "failed": 42, "skipped": 41},
            "failure categories": {"product defect": 42},
            "advisories": 21,
        },
        "requirements": rows,
    }


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    """A headless Chromium page showing the long summary."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            tab = browser.new_page()
            tab.set_content(html.render(_summary()))
            yield tab
        finally:
            browser.close()


PRINT_LAYOUT = """() => {
  const style = (el) => getComputedStyle(el);
  const rows = [...document.querySelectorAll('tbody tr')];
  return {
    rowBreaks: [...new Set(rows.map((tr) => style(tr).breakInside))],
    headers: [...document.querySelectorAll('table')].slice(0, -1)
      .map((t) => t.tHead ? style(t.tHead).display : 'none'),
    badgeColour: style(document.querySelector('.verdict.failed')).printColorAdjust,
    bodyMaxWidth: style(document.body).maxWidth,
    runId: style(document.documentElement).getPropertyValue('--run-id'),
  };
}"""


def test_print_stylesheet_applies_in_print_only(page: Any, tmp_path: Path) -> None:
    page.emulate_media(media="print")
    shot = tmp_path / "summary-print.jpg"  # JPEG: a tall PNG takes seconds to encode
    page.screenshot(path=str(shot), full_page=True, quality=70)
    printed = page.evaluate(PRINT_LAYOUT)
    evidence = f"print layout {printed}, screenshot {shot}"
    assert printed["rowBreaks"] == ["avoid"], evidence
    assert printed["headers"] == ["table-header-group"] * 2, evidence  # one per specification
    assert printed["badgeColour"] == "exact", evidence
    assert printed["bodyMaxWidth"] == "none", evidence
    assert printed["runId"].strip() == f'"{RUN_ID}"', evidence

    page.emulate_media(media="screen")
    screen = page.evaluate(PRINT_LAYOUT)
    assert screen["rowBreaks"] == ["auto"], f"screen layout changed: {screen}"
    assert screen["bodyMaxWidth"] != "none", f"screen layout changed: {screen}"


def _pages(pdf: bytes) -> list[tuple[str, str]]:
    """Each page's (header text, whole text): the header is what lies in the top margin."""
    pages = []
    for pdf_page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        top = float(pdf_page.mediabox.top)
        header: list[str] = []

        def in_top_margin(text, cm, tm, _font, _size, header=header, top=top) -> None:
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            if y > top - HEADER_BAND_PT:
                header.append(text)

        text = pdf_page.extract_text(visitor_text=in_top_margin)
        pages.append(("".join(header), text))
    return pages


def _fills(pdf_page: Any) -> list[tuple[float, ...]]:
    """The RGB fill colours a page's content stream sets."""
    stream = pypdf.generic.ContentStream(pdf_page.get_contents(), pdf_page.pdf)
    return [tuple(float(x) for x in args) for args, op in stream.operations if op == b"rg"]


def _page_of(token: str, pages: list[tuple[str, str]]) -> list[int]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(token)}(?![\w-])")
    return [n for n, (_, text) in enumerate(pages) if pattern.search(text)]


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_printed_pages_carry_the_header_and_never_cut_a_row(
    page: Any, tmp_path: Path, paper: str
) -> None:
    page.emulate_media(media="print")
    pdf = page.pdf(format=paper)
    evidence = tmp_path / f"summary-{paper}.pdf"
    evidence.write_bytes(pdf)
    pages = _pages(pdf)
    first = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    size = (float(first.mediabox.width), float(first.mediabox.height))
    assert size == pytest.approx(PAGE_SIZES_PT[paper], abs=1), evidence
    # page.pdf leaves background graphics off, as a print dialog does: badges keep their colour
    # only through print-color-adjust
    assert any(fill == pytest.approx(FAILED_BADGE_FILL, abs=0.002) for fill in _fills(first)), (
        f"no failed-badge background on page 1: {evidence}"
    )
    assert len(pages) >= 4, f"{len(pages)} pages: {evidence}"
    assert "Clause / what is checked" in pages[1][1], f"table header not repeated: {evidence}"
    for number in (1, len(pages) - 1):
        header = pages[number][0]
        for expected in (f"bench {BENCH}", RUN_ID, "verdict fail"):
            assert expected in header, f"page {number + 1} header {header!r}: {evidence}"

    cut = {}
    for index in range(REQUIREMENTS):
        tokens = (_requirement_id(index), f"checkedend{index:03d}", f"rowend{index:03d}")
        found = [_page_of(token, pages) for token in tokens]
        if len(found[0]) != 1 or found != [found[0]] * len(tokens):
            cut[tokens[0]] = found  # the pages of its id, its clause's end and its row's end
    assert not cut, f"rows cut across pages: {dict(list(cut.items())[:3])}; {evidence}"
