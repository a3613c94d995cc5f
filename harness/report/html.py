"""`summary.html`: the conformance summary as one self-contained page (no scripts, no fetches)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from harness.report.html_record import RECORD_STYLE, deviations_section, record_section

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1d232b; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; font-size: 1.2em; }
.verdict { display: inline-block; padding: .15em .6em; border-radius: .3em; font-weight: 600;
           white-space: nowrap; }
.pass, .passed { background: #d8f3dc; color: #1b5e20; }
.fail, .failed { background: #ffd6d6; color: #8e0000; }
.skipped { background: #fff1c2; color: #6d5200; }
.noverdict, .incomplete { background: #e4dcff; color: #3c1f8f; }
.notrun { background: #e8eaed; color: #444; }
.warning { background: #ffe8cc; color: #7a3e00; }
table { border-collapse: collapse; width: 100%; margin-top: .6em; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em;
         border-bottom: 1px solid #e2e5e9; }
th { background: #f4f6f8; font-weight: 600; } td.id { white-space: nowrap; font-weight: 600; }
.tiles { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.tile { border: 1px solid #e2e5e9; border-radius: .5em; padding: .6em 1em; min-width: 8em; }
.tile b { display: block; font-size: 1.6em; } .muted { color: #5f6b7a; }
ul.runs { margin: 0; padding-left: 1.1em; } ul.runs li { margin: .15em 0; }
code { font-size: .92em; } div.run { margin: .2em 0 .2em 1em; font-size: .92em; }
@media print {
  @page {
    margin: 16mm 12mm 14mm;
    @top-left { content: "bioharness · bench " var(--bench); font: 8pt system-ui, sans-serif; }
    @top-center { content: var(--run-id); font: 8pt ui-monospace, monospace; }
    @top-right { content: "verdict " var(--verdict); font: 700 8pt system-ui, sans-serif; }
    @bottom-right { content: "page " counter(page) " of " counter(pages);
                    font: 8pt system-ui, sans-serif; color: #5f6b7a; }
  }
  body { font-size: 9pt; margin: 0; max-width: none; }
  h1 { margin-top: 0; } h2 { break-after: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .verdict, th { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _badge(verdict: str) -> str:
    return f'<span class="verdict {verdict.replace(" ", "")}">{escape(verdict)}</span>'


def _scenario_lines(runs: list[dict[str, Any]]) -> str:
    """One line per scenario (its runs folded: Examples rows, transports), then a sub-line for
    each run that failed or was skipped."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_name.setdefault(run["scenario"], []).append(run)
    lines = []
    for name, group in by_name.items():
        outcomes = {"expected deviation" if r.get("deviation") else r["outcome"] for r in group}
        verdict = next(
            v
            for v in ("failed", "expected deviation", "passed", "skipped")
            if v in outcomes or v == "skipped"
        )
        count = f' <span class="muted">({len(group)} runs)</span>' if len(group) > 1 else ""
        details = "".join(_run_detail(r) for r in group if r["outcome"] != "passed")
        advisories = sorted({a for r in group for a in r["advisories"]})
        warnings = "".join(
            f'<div><span class="verdict warning">advisory</span> {escape(a)}</div>'
            for a in advisories
        )
        lines.append(f"<li>{_badge(verdict)} {escape(name)}{count}{details}{warnings}</li>")
    return "".join(lines)


def _run_detail(run: dict[str, Any]) -> str:
    variant = f"[{escape(run['variant'])}] " if run["variant"] else ""
    reason = f"<code>{escape(run['reason'][:300])}</code>"
    if run.get("deviation"):
        badge = _badge("expected deviation")
        text = f"accepted as expected deviation {escape(run['deviation'])}: {reason}"
    elif run["outcome"] == "failed":
        badge, text = _badge("failed"), f"{escape(run['category'] or '')}: {reason}"
    else:
        badge, text = _badge(run["outcome"]), f'<span class="muted">{escape(run["reason"])}</span>'
    return f'<div class="run">{badge} <span class="muted">{variant}</span>{text}</div>'


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string, every character but letters, digits and ` ._-` escaped
    (so nothing in it can end the string or the style element)."""
    safe = "".join(
        c if c.isascii() and (c.isalnum() or c in " ._-") else f"\\{ord(c):x} " for c in text
    )
    return f'"{safe}"'


def _page_header(summary: dict[str, Any]) -> str:
    """The custom properties the printed page header (the @page margin boxes) shows."""
    return (
        f":root {{ --bench: {_css_string(summary.get('bench', ''))};"
        f" --run-id: {_css_string(summary.get('run_id', ''))};"
        f" --verdict: {_css_string(summary['verdict'])}; }}"
    )


def render(summary: dict[str, Any]) -> str:
    """The page for a summary document (see harness.report.summary.build)."""
    totals = summary["totals"]
    tiles = "".join(
        f'<div class="tile"><b>{count}</b>requirements {escape(verdict)}</div>'
        for verdict, count in totals["requirements"].items()
    )
    scenario_tiles = ", ".join(f"{n} {escape(v)}" for v, n in totals["scenarios"].items())
    categories = ", ".join(f"{n} {escape(c)}" for c, n in totals["failure categories"].items())
    env_rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
        for k, v in summary["environment"].items()
    )
    sections = []
    specs = dict.fromkeys(row["specification"] for row in summary["requirements"])
    for spec in specs:
        rows = "".join(
            f'<tr><td class="id">{escape(row["id"])}</td><td>{_badge(row["verdict"])}</td>'
            f'<td>{escape(row["clause"])}<div class="muted">{escape(row["checked"])}</div></td>'
            f'<td><ul class="runs">{_scenario_lines(row["scenarios"])}</ul>'
            f"{'' if row['scenarios'] else '<span class=muted>not selected in this run</span>'}"
            "</td></tr>"
            for row in summary["requirements"]
            if row["specification"] == spec
        )
        sections.append(
            f"<h2>{escape(spec or 'Other')}</h2><table><thead><tr><th>Requirement</th>"
            "<th>Verdict</th><th>Clause / what is checked</th><th>Scenarios</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>bioharness conformance summary — {escape(summary.get("bench", ""))}</title>
<style>{STYLE}{RECORD_STYLE}{_page_header(summary)}</style></head><body>
<h1>Conformance summary {_badge(summary["verdict"])}</h1>
<div class="muted">bench <b>{escape(summary.get("bench", ""))}</b> · started
{escape(summary.get("started", ""))} · {escape(str(summary.get("duration_s", "")))} s ·
bioharness {escape(summary.get("harness_version", ""))}</div>
{record_section(summary)}
<div class="tiles">{tiles}</div>
<div>Scenario runs: {scenario_tiles}{f" · failures: {categories}" if categories else ""}
· advisories (warnings, not failures): {totals["advisories"]}{_deviation_counts(totals)}</div>
{deviations_section(summary)}
{"".join(sections)}
<h2>Environment</h2><table>{env_rows}</table>
</body></html>
"""


def _deviation_counts(totals: dict[str, Any]) -> str:
    counts = totals.get("deviations") or {}
    text = ", ".join(f"{n} {status}" for status, n in counts.items())
    return f" · expected deviations: {escape(text)}" if text else ""


def write(summary: dict[str, Any], folder: Path) -> Path:
    """Write `summary.html` into `folder`; return its path."""
    path = folder / "summary.html"
    path.write_text(render(summary))
    return path
