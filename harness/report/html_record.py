"""The summary page's run record: the official-run banner with the run's provenance, and the
expected deviations the run applied (see harness/certification)."""

from __future__ import annotations

from html import escape
from typing import Any

from harness.report.records import FIXTURE_MATERIAL

RECORD_STYLE = """
.official { border: 2px solid #1b5e20; border-radius: .5em; padding: .5em 1em; margin: 1em 0; }
.unofficial { border: 3px dashed #8e0000; border-radius: .5em; padding: .4em 1em; margin: 1em 0;
              font-size: 2em; font-weight: 700; color: #8e0000; text-transform: uppercase; }
table.record th { width: 16em; } table.record td { font-family: ui-monospace, monospace;
              font-size: .9em; word-break: break-all; }
.expecteddeviation, .deviation-applied { background: #d6ecff; color: #0b3d91; }
.deviation-stale { background: #ffe8cc; color: #7a3e00; }
.deviation-expired { background: #ffd6d6; color: #8e0000; }
.deviation-unused { background: #e8eaed; color: #444; }
"""


def record_section(summary: dict[str, Any]) -> str:
    """The first lines of the page: "Official run" with its record, or a large "not an
    official run" (with what record the run has)."""
    provenance = summary.get("provenance")
    if summary.get("official"):
        head = '<div class="official"><h2>Official run</h2>'
    else:
        head = '<div class="unofficial">not an official run</div><div>'
    rows = "".join(_record_rows(provenance)) if provenance else ""
    rows += "".join(
        f"<tr><th>merged shard {escape(part['shard'])}</th>"
        f"<td>{escape((part.get('provenance') or {}).get('run_id') or part['folder'])}</td></tr>"
        for part in summary.get("shards", [])
    )
    table = f'<table class="record">{rows}</table>' if rows else ""
    return f"{head}{table}</div>"


def _record_rows(provenance: dict[str, Any]) -> list[str]:
    profile = provenance["profile"]
    rows = [("run id", provenance["run_id"])]
    rows += [("started", provenance["started"]), ("ended", provenance["ended"])]
    if isinstance(profile, dict):
        rows.append(("profile", f"{profile['path']}  sha256 {profile['sha256']}"))
    else:
        rows.append(("profile", profile))
    harness = provenance["harness"]
    modified = harness["modified_files"]
    state = "" if modified in (0, None) else f"  ({modified} files differ from the commit)"
    rows.append(("bioharness", f"{harness['version']}  commit {harness['commit']}{state}"))
    rows.append(("suite content sha256", harness["suite_sha256"]))
    rows += [(f"specification: {n}", sha) for n, sha in provenance["specifications"].items()]
    rows += [(f"target: {k}", v) for k, v in provenance["targets"].items()]
    rows += [(k, v) for k, v in provenance["devices"].items()]
    deviations = provenance.get("deviations_file")
    if deviations:
        rows.append(("deviations file", f"{deviations['path']}  sha256 {deviations['sha256']}"))
    fixtures = provenance["fixture_pki_sha256"]
    rows += [(f"fixture {n}", fixtures[n]) for n in FIXTURE_MATERIAL if n in fixtures]
    rows.append(("fixture PKI", f"{len(fixtures)} certificates, every thumbprint in summary.json"))
    rows.append(("command", " ".join(provenance["command"])))
    if provenance.get("shard"):
        rows.append(("shard", f"{provenance['shard']} (one part of a run: merge the shards)"))
    return [f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows]


def deviations_section(summary: dict[str, Any]) -> str:
    """Every expected deviation of the run's file, with what it did."""
    entries = summary.get("deviations") or []
    if not entries:
        return ""
    rows = "".join(
        f"<tr><td><b>{escape(d['key'])}</b></td>"
        f'<td><span class="verdict deviation-{escape(d["status"])}">{escape(d["status"])}</span>'
        f"</td><td>expected to {escape(d['expected'][:-1])}; {len(d['runs'])} runs"
        f'<div class="muted">{escape(d["note"])}</div></td>'
        f"<td>{escape(d['justification'])}</td><td>{escape(d['accepted_by'])}</td>"
        f"<td>{escape(d['expires'])}</td></tr>"
        for d in entries
    )
    return (
        "<h2>Expected deviations</h2><table><thead><tr><th>Deviation</th><th>Status</th>"
        "<th>In this run</th><th>Justification</th><th>Accepted by</th><th>Expires</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )
