"""A run comparison (harness/certification/run_diff.py) as text for the terminal and as one
self-contained HTML page."""

from __future__ import annotations

from html import escape

from harness.certification.run_diff import (
    KINDS,
    UNVERIFIED,
    Change,
    Changes,
    LoadedRun,
    RunDiff,
)
from harness.report.html import STYLE

# --- the terminal ----------------------------------------------------------------------------


def render_text(diff: RunDiff) -> str:
    """The comparison for the terminal: the two runs, then each section with its counts and the
    items that changed (unchanged ones only counted)."""
    lines = [_run_line("A", diff.a), _run_line("B", diff.b), ""]
    for title, changes in (("Requirements", diff.requirements), ("Scenario runs", diff.scenarios)):
        lines.append(f"{title}: {_counts(changes)}")
        for kind in KINDS:
            for change in getattr(changes, kind):
                lines.append(f"  {kind:<9} {change.key}  {_transition(change)}")
                if change.title and kind not in ("new", "gone"):
                    lines.append(f"            {change.title}")
                if change.detail:
                    lines.append(f"            {' '.join(change.detail.split())[:300]}")
        lines.append("")
    lines.append(f"Environment: {len(diff.environment)} keys changed")
    for env in diff.environment:
        lines.append(f"  {env.key}: {_value(env.before)} -> {_value(env.after)}")
    lines += ["", _conclusion(diff)]
    return "\n".join(lines) + "\n"


def _run_line(label: str, run: LoadedRun) -> str:
    kind = UNVERIFIED if run.bundle else "run folder"
    totals = ", ".join(f"{n} {status}" for status, n in sorted(run.scenario_totals.items()))
    return (
        f"{label}: {run.path} [{kind}]\n   verdict {run.verdict.upper() or '?'}, bench "
        f"{run.summary.get('bench', '?')!r}, started {run.summary.get('started', '?')}; "
        f"scenario runs: {totals or 'none'}"
    )


def _counts(changes: Changes) -> str:
    counted = [f"{len(getattr(changes, kind))} {kind}" for kind in KINDS]
    return ", ".join([*counted, f"{changes.unchanged} unchanged"])


def _transition(change: Change) -> str:
    return f"{change.before or '(absent)'} -> {change.after or '(absent)'}"


def _value(value: str | None) -> str:
    return "(absent)" if value is None else repr(value)


def _conclusion(diff: RunDiff) -> str:
    if diff.regressed:
        return (
            f"REGRESSED: {len(diff.requirements.regressed)} requirements, "
            f"{len(diff.scenarios.regressed)} scenario runs"
        )
    return "no changes" if diff.identical else "no regressions"


# --- the page --------------------------------------------------------------------------------

DIFF_STYLE = """
.expecteddeviation { background: #d6ecff; color: #0b4a7a; }
.absent { background: #f4f6f8; color: #5f6b7a; font-weight: 400; }
td.arrow { white-space: nowrap; } td.key { font-family: monospace; word-break: break-all; }
td.key .muted { font-family: system-ui, sans-serif; word-break: normal; }
"""


def render_html(diff: RunDiff) -> str:
    """The comparison as one self-contained page (inline CSS, no scripts, no fetches)."""
    sections = "".join(
        _changes_html(title, changes)
        for title, changes in (
            ("Requirements", diff.requirements),
            ("Scenario runs", diff.scenarios),
        )
    )
    env_rows = "".join(
        f'<tr><td class="key">{escape(env.key)}</td><td>{_value_html(env.before)}</td>'
        f"<td>{_value_html(env.after)}</td></tr>"
        for env in diff.environment
    )
    environment = (
        f"<table><tr><th>Key</th><th>A</th><th>B</th></tr>{env_rows}</table>"
        if env_rows
        else '<p class="muted">no changes</p>'
    )
    conclusion = _conclusion(diff)
    badge = "fail" if diff.regressed else "pass"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>bioharness run comparison</title>
<style>{STYLE}{DIFF_STYLE}</style></head><body>
<h1>Run comparison <span class="verdict {badge}">{escape(conclusion)}</span></h1>
<table><tr><th></th><th>Run</th><th>Verdict</th><th>Bench</th><th>Started</th>
<th>Scenario runs</th></tr>{_run_row("A", diff.a)}{_run_row("B", diff.b)}</table>
{sections}
<h2>Environment ({len(diff.environment)} keys changed)</h2>{environment}
</body></html>
"""


def _badge(status: str | None) -> str:
    if status is None:
        return '<span class="verdict absent">absent</span>'
    return f'<span class="verdict {escape(status.replace(" ", ""))}">{escape(status)}</span>'


def _run_row(label: str, run: LoadedRun) -> str:
    where = escape(str(run.path))
    if run.bundle:
        where += f'<div class="muted">{escape(UNVERIFIED)}</div>'
    totals = ", ".join(f"{n} {escape(s)}" for s, n in sorted(run.scenario_totals.items()))
    return (
        f"<tr><th>{label}</th><td>{where}</td><td>{_badge(run.verdict)}</td>"
        f"<td>{escape(str(run.summary.get('bench', '')))}</td>"
        f"<td>{escape(str(run.summary.get('started', '')))}</td><td>{totals}</td></tr>"
    )


def _changes_html(title: str, changes: Changes) -> str:
    rows = "".join(
        f'<tr><td>{escape(kind)}</td><td class="key">{escape(c.key)}'
        f'<div class="muted">{escape(c.title)}</div></td>'
        f'<td class="arrow">{_badge(c.before)} → {_badge(c.after)}</td>'
        f"<td><code>{escape(c.detail[:300])}</code></td></tr>"
        for kind in KINDS
        for c in getattr(changes, kind)
    )
    table = (
        f"<table><tr><th>Change</th><th>Item</th><th>A → B</th><th>Why (B)</th></tr>{rows}</table>"
        if rows
        else ""
    )
    return f'<h2>{escape(title)}</h2><div class="muted">{escape(_counts(changes))}</div>{table}'


def _value_html(value: str | None) -> str:
    return _badge(None) if value is None else escape(value)
