"""Returns the text the CLI prints: preview tables, detection reports, grouped warnings.

Pure functions from results to strings; only cli.py writes them anywhere.
"""

from __future__ import annotations

import os
import shlex
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from importer.importing import STATUSES, ImportResult
from importer.mapping.apply import Mapped
from importer.mapping.detect import Detection
from importer.model import Notice
from importer.plan.inputs import OpenedFile
from importer.plan.summary import Summary
from importer.report.records import RecordLog

if TYPE_CHECKING:
    from importer.demo import DemoResult

EXAMPLES_PER_KIND = 5
_SKIP_WORDS = {"no-name": "without a name", "unreadable-card": "unreadable cards"}


def cut(text: str, width: int = 28) -> str:
    """Returns `text` on one line, cut to `width` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def contact_rows(sample: list[Mapped]) -> str:
    """Returns a table of the first contacts: line, name, company, title, first email and phone."""
    several = len({m.record.file for m in sample}) > 1
    rows = []
    for m in sample:
        c = m.contact or {}
        emails = c.get("contact_emails", [])
        phones = c.get("contact_phone_numbers", [])
        phone = phones[0].get("phone_number_sanitized") or phones[0]["phone_number"] if phones else ""
        more = len(emails) + len(phones) - (1 if emails else 0) - (1 if phones else 0)
        where = f"{os.path.basename(m.record.file)}:{m.record.line}" if several else m.record.line
        rows.append([where, cut(c.get("full_name", "")), cut(c.get("company", ""), 22),
                     cut(c.get("job_title", ""), 22), cut(emails[0]["email"] if emails else "", 30),
                     phone, f"+{more}" if more > 0 else ""])
    return tabulate(rows, headers=["line", "name", "company", "job title", "email", "phone", "more"],
                    tablefmt="simple", disable_numparse=True)


def preview_text(summary: Summary, *, examples: int = EXAMPLES_PER_KIND,
                 predictions: RecordLog | None = None, api_url: str | None = None) -> str:
    """Returns the whole human preview: files, counts, first contacts, fill counts, warnings, and what the
    import would do with each record when the account was checked."""
    out: list[str] = []
    for f in summary.files:
        out.append(f"{f.file}: {f.format} (mapping {f.mapping}): {f.reason}")
        if f.encoding:
            delim = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(f.delimiter or "", "")
            out.append(f"  read as {f.encoding}" + (f", {delim}-separated" if delim else ""))
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{n} {_SKIP_WORDS.get(r, r)}" for r, n in summary.skipped.most_common())
    out.append("")
    out.append(f"records {summary.records} · contacts {summary.contacts} · skipped {skipped}"
               + (f" ({reasons})" if reasons else "") + f" · warnings {sum(summary.notice_kinds.values())}")
    if summary.merged:
        were = "record was" if summary.merged == 1 else "records were"
        out.append(f"merged: {summary.merged} {were} the same person as another and merged into one "
                   "contact (--no-merge keeps them apart):")
        out += [f"  {m}" for m in summary.merges[:examples * 2]]
        if summary.merge_groups > examples * 2:
            out.append(f"  … and {summary.merge_groups - examples * 2} more (all of them: --json)")
    if summary.sample:
        out += ["", f"First {len(summary.sample)} contacts:", contact_rows(summary.sample)]
    if summary.fields:
        out += ["", "Fields filled: " + ", ".join(f"{k} {v}" for k, v in summary.fields.most_common())]
    if summary.photos_skipped:
        out.append(f"Photos skipped: {summary.photos_skipped} (photos are never sent to Dex)")
    if summary.labels:
        out.append("Labels (kept for tagging): "
                   + ", ".join(f"{k} {v}" for k, v in summary.labels.most_common(20)))
    out += column_lines(summary)
    if summary.notice_kinds:
        out += ["", "Warnings:"] + notice_lines(summary.notices, summary.notice_kinds, examples)
    out += [""] + prediction_lines(predictions, api_url, examples)
    return "\n".join(out)


_WOULD = {"created": "create", "existing": "already in Dex", "updated": "update", "skipped": "skip"}


def prediction_lines(predictions: RecordLog | None, api_url: str | None, examples: int) -> list[str]:
    """Returns what the import would do, record by record, or why that is not known."""
    if predictions is None:
        return ["Dex account not checked (no API key): every contact is counted as new. Pass --token or set "
                "DEX_API_KEY to see who is already in Dex."]
    counts = predictions.counts
    out = [f"What `dex-import import` would do, checked against {api_url}: "
           + " · ".join(f"{_WOULD.get(k, k)} {counts[k]}" for k in _WOULD if counts[k])]
    for status in ("existing", "updated"):
        for r in predictions.first(examples, status=status) if counts[status] else ():
            out.append(f"  {r.file}:{r.line}: {r.message}")
        if counts[status] > examples:
            out.append(f"  … and {counts[status] - examples} more (all of them: --json)")
    return out


def column_lines(summary: Summary) -> list[str]:
    """Returns, per file, each source column with how many of its values were used."""
    out = []
    for f in summary.files:
        cols = [(c, v, u) for c, (v, u) in f.columns.items() if v]
        if not cols:
            continue
        out += ["", f"Columns of {f.file} (values used / non-empty):"]
        out.append("  " + ", ".join(f"{c} {u}/{v}" for c, v, u in cols))
    return out


def notice_lines(notices: Iterable[Notice], kinds: Any, examples: int) -> list[str]:
    """Returns the notices grouped by kind, a few examples each with file:line and column."""
    grouped: dict[str, list[Notice]] = defaultdict(list)
    for n in notices:  # only the examples are kept: there may be a hundred thousand notices
        if len(grouped[n.kind]) < examples:
            grouped[n.kind].append(n)
    out = []
    for kind, count in kinds.most_common():
        out.append(f"  {kind} ({count}):")
        for n in grouped[kind][:examples]:
            out.append(f"    {n.describe()}")
        if count > examples:
            out.append(f"    … and {count - examples} more (all of them: --json)")
    return out


def detection_text(opened: OpenedFile) -> str:
    """Returns what `dex-import detect` prints for one file."""
    d: Detection = opened.detection
    lines = [f"{opened.name}: {d.format} (mapping {d.mapping.name}: {d.mapping.path})",
             f"  why: {d.reason}"]
    info = opened.info
    if info is not None:
        lines.append(f"  encoding: {info.encoding} ({info.encoding_reason})")
        if info.delimiter:
            lines.append(f"  delimiter: {info.delimiter!r}")
        lines.append(f"  header: line {info.header_line}" if info.header_line else "  header: none")
        if info.preamble:
            lines.append(f"  preamble skipped: {info.preamble}")
        lines.append(f"  columns ({len(info.header)}): {', '.join(info.header)}")
    for c in d.candidates[1:]:
        lines.append(f"  also fits: {c.mapping.name} ({c.reason})")
    for n in opened.notices:
        lines.append(f"  note: {n.describe()}")
    return "\n".join(lines)


def detection_dict(opened: OpenedFile) -> dict[str, Any]:
    """Returns the JSON form of `dex-import detect --json` for one file."""
    info = opened.info
    d = opened.detection
    return {
        "file": opened.name, "kind": opened.input.kind, "format": d.format, "mapping": d.mapping.name,
        "mapping_path": d.mapping.path, "reason": d.reason,
        "encoding": info.encoding if info else None,
        "encoding_reason": info.encoding_reason if info else None,
        "delimiter": info.delimiter if info else None,
        "header_line": info.header_line if info else None,
        "preamble": info.preamble if info else None,
        "columns": list(info.header) if info else [],
        "candidates": [{"mapping": c.mapping.name, "score": round(c.score, 3), "reason": c.reason}
                       for c in d.candidates],
        "notices": [n.as_dict() for n in opened.notices],
    }


def import_text(result: ImportResult, *, api_url: str) -> str:
    """Returns the summary of an import: created, skipped, failed, unknown, time taken, reports."""
    counts = {s: result.count(s) for s in STATUSES}
    words = {"existing": "already in Dex", "unknown": "outcome unknown", "not_sent": "not sent"}
    shown = [f"{words.get(k, k)} {n}" for k, n in counts.items() if n or k in ("created", "failed")]
    merged = counts["created"] - result.contacts_created
    if merged:
        shown[0] += f" records as {result.contacts_created} contacts ({merged} merged)"
    if result.incomplete:
        shown.append(f"created without some labels {result.incomplete}")
    out = [f"Imported into {api_url}: " + " · ".join(shown) + f" · {result.seconds:.1f} s"]
    if result.stopped:
        out.append(f"Stopped early: {result.stopped}. Run the same command again to finish: the journal "
                   "remembers what was sent, and nothing is created twice.")
    for merge in result.summary.merges[:EXAMPLES_PER_KIND]:
        out.append(f"  merged: {merge}")
    # the records in the failure report: failed, unknown, or skipped for want of a name (not hidden members)
    problems = result.records.problems
    for r in result.records.first(EXAMPLES_PER_KIND * 2, problem=True) if problems else ():
        out.append(f"  {r.file}:{r.line}: {r.status}: {r.message}")
    if problems > EXAMPLES_PER_KIND * 2:
        out.append(f"  … and {problems - EXAMPLES_PER_KIND * 2} more (all of them: --json, or the report)")
    out += result.notes
    cards = {p[: -len(".vcf")] for p in result.reports if p.endswith(".vcf")}
    for path in result.reports:
        if path.endswith(".csv") and path[: -len(".csv")] in cards:
            out.append(f"  why each card failed: {path}")
        else:
            out.append(f"Failure report: {path} (fix it, then run: dex-import import {shlex.quote(path)})")
    return "\n".join(out)


def demo_text(demo: DemoResult) -> str:
    """Returns what `dex-import demo` prints: each file's format, the import, what the sandbox holds."""
    result = demo.result
    out = ["Every export in sample_data/, imported into a local Dex sandbox (no Dex account needed):", ""]
    for f in result.summary.files:
        skipped = sum(f.skipped.values())
        out.append(f"  {f.file}: {f.format} · {f.records} records · {f.contacts} contacts"
                   + (f" · {skipped} skipped" if skipped else ""))
    out += ["", import_text(result, api_url=demo.api_url),
            "(The sample Google export holds a row with only an email on purpose: it shows the failure report.)",
            "",
            f"The sandbox now holds {len(demo.stored)} contacts, for example:"]
    rows = [[c.get("full_name", ""), cut(c.get("company") or "", 26), cut(c.get("job_title") or "", 26),
             c.get("id", "")] for c in demo.stored[:8]]
    out.append(tabulate(rows, headers=["name", "company", "job title", "Dex id"], tablefmt="simple"))
    if demo.tags:
        out += ["", f"Your labels became Dex tags: {', '.join(sorted(demo.tags, key=str.casefold))}"]
    out += ["", "Next: dex-import preview YOUR_EXPORT, then dex-import import YOUR_EXPORT with --token "
            "(or DEX_API_KEY)."]
    return "\n".join(out)


def runs_text(runs: list[Any]) -> str:
    """Returns the table `dex-import runs` prints: one row per run, oldest first."""
    if not runs:
        return "No runs yet: `dex-import import FILE` records one."
    rows = [[r.run_id, r.state, r.started_at or "", ", ".join(f"{k} {v}" for k, v in r.counts.items() if v),
             ", ".join(os.path.basename(i) for i in r.inputs)] for r in runs]
    return tabulate(rows, headers=["run", "state", "started", "counts", "inputs"], tablefmt="simple",
                    disable_numparse=True)
