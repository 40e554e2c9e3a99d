"""Returns the text the CLI prints: preview tables, detection reports, grouped warnings.

Pure functions from results to strings; only cli.py writes them anywhere.
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any

from importer.cli.nameless import named_after_counts, nameless_lines
from importer.cli.screen import Screen, draw, styled, table
from importer.cli.words import FIXES, human, kind_words
from importer.mapping.apply import Mapped
from importer.mapping.detect import Detection
from importer.model import Notice
from importer.plan.inputs import OpenedFile
from importer.plan.likely import MAX_BLOCK
from importer.plan.summary import FileSummary, Summary

if TYPE_CHECKING:  # the import's types: a preview does not load the sending machinery
    from importer.demo import DemoResult
    from importer.importing import Forecast, ImportResult
    from importer.report.records import RecordLog

EXAMPLES_PER_KIND = 5
AUDIT_FILES = 6
"""Files whose column audit the terminal shows; beyond them, --html and --json show every column."""
_SKIP_WORDS = {"no-name": "without a name", "unreadable-card": "unreadable cards"}
SHOWN_ELSEWHERE = frozenset({"merged", "named-after-email", "named-after-phone"})
"""Notice kinds the preview lists in their own section (merges), not among the warnings."""


def cut(text: str, width: int = 28) -> str:
    """Returns `text` on one line, cut to `width` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _reach(emails: list[str], phones: list[str]) -> str:
    """Returns the first email and the first phone, one a line, and how many more there are ("1 more
    phone"): never "+1", which beside a phone number reads as a country code."""
    more = [f"{n} more {word}{'s' if n > 1 else ''}"
            for n, word in ((len(emails) - 1, "email"), (len(phones) - 1, "phone")) if n > 0]
    return "\n".join(emails[:1] + phones[:1] + ([", ".join(more)] if more else []))


def contact_rows(sample: list[Mapped], *, width: int = 80) -> Any:
    """Returns a table of the first contacts, `width` columns wide at most: line, name, job title and
    company, then the first email and phone (with how many more the contact has), under the name of each
    file when they come from several. Names wrap; a long job title or company is cut; emails and phones
    are never cut."""
    several = len({m.record.file for m in sample}) > 1
    rows: list[list[Any]] = []
    last = None
    for m in sample:
        if several and m.record.file != last:
            rows.append(["", styled(os.path.basename(m.record.file), "bold"), "", ""])
            last = m.record.file
        c = m.contact or {}
        emails = [e.get("email", "") for e in c.get("contact_emails", [])]
        phones = [p.get("phone_number_sanitized") or p.get("phone_number", "")
                  for p in c.get("contact_phone_numbers", [])]
        works = ", ".join(x for x in (cut(c.get("job_title", ""), 60), cut(c.get("company", ""), 60)) if x)
        rows.append([str(m.record.line), cut(c.get("full_name", ""), 60), works, _reach(emails, phones)])
    reach = max([len(line) for row in rows for line in str(row[3]).split("\n")] + [len("email, phone")])
    line = max(len(str(row[0])) for row in rows)
    rest = max(width - 1 - 8 - reach - line, 20)  # 4 columns: 8 of padding, and a space at the edge
    name = max(min(rest * 2 // 5, max(len(str(row[1])) for row in rows)), 8)
    return table(["line", "name", "works as", "email, phone"], rows, right=["line"], wrap=["name"],
                 whole=["email, phone"], widths={"name": name, "works as": rest - name})


def possible_duplicates_text(summary: Summary, *, examples: int = EXAMPLES_PER_KIND) -> list[str]:
    """Returns the lines listing the possible duplicates (score, the two records, why), none when there are
    none, and the blocks too big to search."""
    out = []
    pairs = summary.possible_duplicates
    if pairs:
        count = len(pairs) + summary.possible_duplicates_more
        out += ["", f"Possible duplicates: {count} pair{'s' if count != 1 else ''} probably one person, "
                   "not merged (--possible-duplicates FILE writes them to decide on; --merge-decisions FILE "
                   "then merges those you accept):"]
        out += [f"  {p.describe()}" for p in pairs[:examples * 2]]
        if len(pairs) + summary.possible_duplicates_more > examples * 2:
            out.append(f"  … and {len(pairs) + summary.possible_duplicates_more - examples * 2} more (the first "
                       f"{len(pairs)}: --json)")
    if summary.not_searched:
        shown = "; ".join(summary.not_searched[:examples])
        more = f"; and {len(summary.not_searched) - examples} more" if len(summary.not_searched) > examples else ""
        out.append(f"Possible duplicates not searched among more than {MAX_BLOCK:,} records sharing: {shown}{more}")
    return out


def preview_text(summary: Summary, *, examples: int = EXAMPLES_PER_KIND,
                 predictions: RecordLog | None = None, api_url: str | None = None,
                 screen: Screen = Screen(), forecast: Forecast | None = None) -> str:
    """Returns the whole human preview, laid out for `screen`: files, counts, merges, first contacts, fields
    filled, the columns left behind, the warnings as a digest, and what the import would do with each record
    when the account was checked (an import's `forecast`, when given)."""
    out: list[Any] = [files_table(summary.files), *file_lines(summary.files), ""]
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{n} {_SKIP_WORDS.get(r, r)}" for r, n in summary.skipped.most_common())
    out.append(styled(f"records {summary.records} · contacts {summary.contacts} · skipped {skipped}"
                      + (f" ({reasons})" if reasons else "") + f" · warnings {warning_count(summary)}", "bold"))
    out += nameless_lines(summary, examples * 2)
    out += merge_lines(summary, examples * 2)
    out += possible_duplicates_text(summary, examples=examples)
    if summary.sample:
        out += ["", styled(f"First {len(summary.sample)} contacts (all of them: --html PAGE or --out FILE):",
                           "bold"), contact_rows(summary.sample, width=screen.width)]
    if summary.fields:
        out += ["", f"Fields filled: {fields_filled(summary)}"]
    if summary.photos_skipped:
        out.append(f"Photos skipped: {summary.photos_skipped} (photos are never sent to Dex)")
    if summary.labels:
        out.append("Labels (kept for tagging): "
                   + ", ".join(f"{k} {v}" for k, v in summary.labels.most_common(20)))
    out += column_lines(summary)
    out += warning_lines(summary)
    out += [""] + (forecast_lines(forecast) if forecast else prediction_lines(predictions, api_url, examples))
    return draw(out, screen)


def files_table(files: list[FileSummary]) -> Any:
    """Returns a table of the input files: format (and mapping, when it has another name), how each was read,
    and its records and contacts."""
    delims = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
    rows = []
    for f in files:
        fmt = f.format if f.mapping == f.format else f"{f.format} ({f.mapping})"
        read_as = ", ".join(x for x in (f.encoding, delims.get(f.delimiter or "", "")) if x)
        rows.append([f.file, fmt, read_as, str(f.records), str(f.contacts)])
    return table(["file", "format", "read as", "records", "contacts"], rows, wrap=["file"],
                 right=["records", "contacts"], indent=False)


def file_lines(files: list[FileSummary]) -> list[str]:
    """Returns a line for each workbook of several sheets (which one was read, and why) and for each file that
    had rows but gives no contact (what to do)."""
    out = []
    for f in files:
        name = os.path.basename(f.file)
        if f.sheet_reason:
            out.append(f"{name}: sheet {f.sheet!r} read: {f.sheet_reason}. --sheet NAME reads another")
        if f.gave_nothing:
            why = ("its sheet read gives no contact while another holds rows: choose the sheet with --sheet NAME"
                   if f.records == 0 else f"none of its {f.records:,} records can be imported (see the warnings): "
                   "check how it was read with dex-import detect, or choose a mapping with --mapping")
            out.append(f"{name}: nothing to import: {why}")
    return out


def warning_count(summary: Summary) -> int:
    """Returns how many warnings the digest counts (merges are listed on their own, not as warnings)."""
    return sum(n for kind, n in summary.notice_kinds.items() if kind not in SHOWN_ELSEWHERE)


def merge_lines(summary: Summary, shown: int) -> list[str]:
    """Returns the merges, listed once: how many records were merged, then the first `shown` groups."""
    if not summary.merged:
        return []
    were = "record was" if summary.merged == 1 else "records were"
    out = ["", f"Merged: {summary.merged} {were} the same person as another and merged into one contact "
           "(--no-merge keeps them apart):"]
    out += [f"  {m}" for m in summary.merges[:shown]]
    if summary.merge_groups > shown:
        out.append(f"  … and {summary.merge_groups - shown} more (all of them: --json or --html)")
    return out


def fields_filled(summary: Summary) -> str:
    """Returns how many contacts fill each Dex field, by its human name (``phones 8, emails 7``)."""
    counts: dict[str, int] = {}
    for name, n in summary.fields.most_common():
        word = human(name)
        counts[word] = max(n, counts.get(word, 0))  # two Dex fields may read alike (location, legacy_location)
    return ", ".join(f"{word} {n}" for word, n in counts.items())


def forecast_lines(f: Forecast) -> list[str]:
    """Returns what an import is about to do, as its confirmation shows it: "2,188 new · 124 already in Dex ·
    36 skipped (no name) · resuming run ... (310 created before)", then the contacts gone from Dex since."""
    parts = [f"{f.new:,} new", f"{f.existing:,} already in Dex"] + ([f"{f.update:,} to fill"] if f.update else [])
    if f.skipped:  # "36 skipped (no name)", or with several reasons "40 skipped (36 no name, 4 unreadable card)"
        why = sorted(f.skipped.items(), key=lambda item: -item[1])
        reasons = ", ".join(f"{n:,} {r.replace('-', ' ')}" for r, n in why) if len(why) > 1 else \
            why[0][0].replace("-", " ")
        parts.append(f"{sum(f.skipped.values()):,} skipped ({reasons})")
    if f.merged:
        parts.append(f"{f.merged:,} merged into another row")
    if f.resuming:
        parts.append(f"resuming run {f.resuming} ({f.done:,} created before)")
    elif f.done:
        parts.append(f"{f.done:,} created by earlier runs")
    return [" · ".join(parts), *f.notes]


def forecast_question(f: Forecast) -> str:
    """Returns the question asked before an import sends anything: "Create 2,188 contacts in the Dex account
    of owner@example.com?" (the account's URL when Dex gave no email)."""
    fill = f" and fill {f.update:,} already there" if f.update else ""
    where = f"the Dex account of {f.account}" if f.account else f"the Dex account at {f.api_url}"
    return f"Create {f.new:,} contact{'s' if f.new != 1 else ''}{fill} in {where}?"


_WOULD = {"created": "create", "merged": "merge into another row", "existing": "already in Dex",
          "updated": "update", "skipped": "skip"}


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


def column_lines(summary: Summary) -> list[Any]:
    """Returns the column audit as a table, one row per file: how many of its columns holding values were
    used, and the columns whose values were left behind (with how many of their values); every column and
    where it went is in --html and --json."""
    rows = []
    for f in summary.files[:AUDIT_FILES]:
        cols = [(c, v, u) for c, (v, u) in f.columns.items() if v]
        if not cols:
            continue
        left = [f"{c} ({v})" if not u else f"{c} ({v - u} of {v})" for c, v, u in cols if u < v]
        rows.append([os.path.basename(f.file), f"{sum(1 for _, _, u in cols if u)} of {len(cols)}",
                     ", ".join(left) or "none"])
    if not rows:
        return []
    more = len(summary.files) - AUDIT_FILES
    return ["", styled("Columns (values left behind; every column and where it went: --html or --json):", "bold"),
            table(["file", "used", "values left behind"], rows, wrap=["values left behind"])] \
        + ([f"  … and {more} more files"] if more > 0 else [])


def warning_lines(summary: Summary, *, shown: int = 3) -> list[Any]:
    """Returns the warnings as a digest: one line per kind, its count and what to do, and where they are
    when there are at most `shown` of them (each warning with its file and line is in --json and --html)."""
    kinds = [(k, n) for k, n in summary.notice_kinds.most_common() if k not in SHOWN_ELSEWHERE]
    if not kinds:
        return []
    few = {k for k, n in kinds if n <= shown}
    where: dict[str, list[Notice]] = {k: [] for k in few}
    firsts: dict[str, Notice] = {}
    for n in summary.notices:  # one pass: there may be a hundred thousand notices
        if n.kind in few and len(where[n.kind]) < shown:
            where[n.kind].append(n)
        firsts.setdefault(n.kind, n)
    out: list[Any] = ["", styled("Warnings (each with its file and line: --json or --html):", "bold yellow")]
    for kind, count in kinds:
        first = firsts.get(kind)
        fix = FIXES.get(kind) or (f"e.g. {cut(first.message, 120)}" if first is not None else "")
        at = _places(where.get(kind, []))
        out.append(f"  {kind_words(kind, count)}" + (f" ({at})" if at else "") + (f" → {fix}" if fix else ""))
    return out


def _places(notices: list[Notice]) -> str:
    """Returns where `notices` are, each file named once: ``contacts.csv:9, :12; iphone.vcf:68``."""
    by_file: dict[str, list[str]] = {}
    for n in notices:
        by_file.setdefault(os.path.basename(n.file), []).append("" if n.line is None else str(n.line))
    return "; ".join(f"{name}:{', :'.join(lines)}" if any(lines) else name for name, lines in by_file.items())


def detection_text(opened: OpenedFile, *, screen: Screen = Screen()) -> str:
    """Returns what `dex-import detect` prints for one file."""
    d: Detection = opened.detection
    lines = [f"{opened.name}: {d.mapping.title or d.format} (format {d.format}, mapping {d.mapping.name}: "
             f"{d.mapping.path})",
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
        if info.sheets:
            lines.append(f"  sheet: {info.sheet!r} of {', '.join(map(repr, info.sheets))}"
                         + (f"; {info.sheet_reason}" if info.sheet_reason else ""))
    for c in d.candidates[1:]:
        lines.append(f"  also fits: {c.mapping.name} ({c.reason})")
    for n in opened.notices:
        lines.append(f"  note: {n.describe()}")
    return draw(lines, screen)


def detection_dict(opened: OpenedFile) -> dict[str, Any]:
    """Returns the JSON form of `dex-import detect --json` for one file."""
    info = opened.info
    d = opened.detection
    return {
        "file": opened.name, "kind": opened.input.kind, "format": d.format, "title": d.mapping.title,
        "locale": d.mapping.locale, "mapping": d.mapping.name,
        "mapping_path": d.mapping.path, "reason": d.reason,
        "encoding": info.encoding if info else None,
        "encoding_reason": info.encoding_reason if info else None,
        "delimiter": info.delimiter if info else None,
        "header_line": info.header_line if info else None,
        "preamble": info.preamble if info else None,
        "columns": list(info.header) if info else [],
        "sheet": info.sheet if info else None, "sheets": list(info.sheets) if info else [],
        "sheet_reason": info.sheet_reason if info else "",
        "candidates": [{"mapping": c.mapping.name, "score": round(c.score, 3), "reason": c.reason}
                       for c in d.candidates],
        "notices": [n.as_dict() for n in opened.notices],
    }


CONTACT_ID_MODES = {
    "keep": "kept by Dex (a lost answer is settled exactly, by id)",
    "ignore": "Dex gave its own (lost answers looked up by email and name)",
    "refuse": "refused by Dex (lost answers looked up by email and name)",
}
"""What the summary says of each id mode (see `importer.send.ids`)."""


def import_text(result: ImportResult, *, api_url: str, screen: Screen = Screen()) -> str:
    """Returns the summary of an import: created, skipped, failed, unknown, time taken, reports."""
    return draw(import_lines(result, api_url=api_url), screen)


def import_lines(result: ImportResult, *, api_url: str) -> list[Any]:
    """Returns the lines of the import's summary, for `draw`."""
    from importer.importing import STATUSES

    counts = {s: result.count(s) for s in STATUSES}  # one bucket per status: they add up to the records read
    words = {"existing": "already in Dex", "unknown": "outcome unknown", "not_sent": "not sent"}
    shown = [f"{words.get(k, k)} {n}" for k, n in counts.items() if n or k in ("created", "failed")]
    if result.stopped:
        shown.append("run the same command again to finish")
    out: list[Any] = [styled(f"Imported into {api_url}: " + " · ".join(shown) + f" · {result.seconds:.1f} s",
                             "bold"), *(x for x in file_lines(result.summary.files) if ": nothing to import" in x)]
    if result.incomplete:
        out.append(f"Created without some of their labels: {result.incomplete} (in the failure report)")
    if result.stopped:
        in_flight = counts["unknown"] - result.records.count_problems("unknown")
        looked_up = f" looks up the {in_flight} in flight in Dex, then" if in_flight else ""
        out.append(f"Stopped early: {result.stopped}. The same command again{looked_up} sends the "
                   f"{counts['not_sent']} not sent: the journal remembers what was sent, and nothing is created "
                   "twice.")
    if named := named_after_counts(result.summary):
        out.append(f"Records without a name: {named} (--skip-nameless skips them instead)")
    for merge in result.summary.merges[:EXAMPLES_PER_KIND]:
        out.append(f"  merged: {merge}")
    # the records in the failure report: failed, unknown, or skipped for want of a name (not hidden members)
    problems = result.records.problems
    for r in result.records.first(EXAMPLES_PER_KIND * 2, problem=True) if problems else ():
        out.append(f"  {r.file}:{r.line}: {r.status}: {r.message}")
    if problems > EXAMPLES_PER_KIND * 2:
        out.append(f"  … and {problems - EXAMPLES_PER_KIND * 2} more (all of them: --json, or the report)")
    out += result.notes
    for path in result.reports:
        if result.stopped:  # what was left unsent or in flight is not in it: the same command again sends it
            out += [f"Failure report: {path} (only the rows that could not be imported, not those left unsent)",
                    "Fix them, then run:", f"$ dex-import import {shlex.quote(path)}"]
        else:
            out += [f"Failure report: {path}", "Fix it, then run:", f"$ dex-import import {shlex.quote(path)}"]
    if result.moved_reports:  # so that no stale report beside an input looks current
        n = len(result.moved_reports)
        out.append(f"{n} earlier failure report{'s' if n > 1 else ''} of the same input moved to the data folder, "
                   f"{os.path.dirname(result.moved_reports[0][1])} (dex-import runs lists each run's reports)")
    return out + run_lines(result)


def run_lines(result: ImportResult) -> list[Any]:
    """Returns how the import summary ends: the run's id and the command that takes it back, the tags and
    groups it made in Dex, and how many warnings of each kind its records had."""
    out: list[Any] = []
    if result.run_id is not None:
        short = result.run_id.rsplit("-", 1)[-1]
        out.append(f"Run {short} ({result.run_id})" + (":" if result.count("created") else ": nothing to undo"))
        if result.count("created"):
            out += ["Take back the contacts it created (asks first):", f"$ dex-import undo {short}"]
    if result.contact_ids is not None:
        out.append(f"Contact ids: {CONTACT_ID_MODES[result.contact_ids]}")
    for kind, names in (("tags", result.tags_created), ("groups", result.groups_created)):
        if names:
            out.append(f"It made {len(names)} {kind if len(names) > 1 else kind[:-1]} in Dex: {', '.join(names)}")
    kinds = [(k, n) for k, n in result.summary.notice_kinds.most_common() if k not in SHOWN_ELSEWHERE]
    if kinds:
        out.append(f"Warnings {sum(n for _, n in kinds)}: " + ", ".join(kind_words(k, n) for k, n in kinds)
                   + " (each with its row and the fix: dex-import preview, --json or --html)")
    return out


def demo_text(demo: DemoResult, *, screen: Screen = Screen()) -> str:
    """Returns what `dex-import demo` prints: each file's format, the import, what the sandbox holds."""
    result = demo.result
    out: list[Any] = ["Every export in sample_data/, imported into a local Dex sandbox (no Dex account needed):",
                      ""]
    rows = [[f.file, f.format, str(f.records), str(f.contacts), str(sum(f.skipped.values()) or "")]
            for f in result.summary.files]
    out.append(table(["file", "format", "records", "contacts", "skipped"], rows, wrap=["file"],
                     right=["records", "contacts", "skipped"]))
    out += [""] + import_lines(result, api_url=demo.api_url)
    out += ["(The sample Google export holds a row with only an email on purpose: it shows the failure report.)",
            "", f"The sandbox now holds {len(demo.stored)} contacts, for example:"]
    rows = [[c.get("full_name", ""), c.get("company") or "", c.get("id", "")] for c in demo.stored[:8]]
    out.append(table(["name", "company", "Dex id"], rows, wrap=["name"], whole=["Dex id"]))
    if demo.tags:
        out += ["", f"Your labels became Dex tags: {', '.join(sorted(demo.tags, key=str.casefold))}"]
    out += ["", "Next: dex-import preview YOUR_EXPORT, then dex-import import YOUR_EXPORT with --token "
            "(or DEX_API_KEY)."]
    return draw(out, screen)


def runs_text(runs: list[Any], *, screen: Screen = Screen()) -> str:
    """Returns what `dex-import runs` prints: a table of the runs, oldest first (short id, when, import or
    undo and of what, the Dex account, how it ended), then the failure reports each run wrote."""
    if not runs:
        return "No runs yet: `dex-import import FILE` records one."
    rows = []
    for r in runs:
        what = r.kind + ("".join(f"\n{os.path.basename(i)}" for i in r.inputs) if r.kind == "import" else "")
        account = "\n".join(x for x in (r.email, r.api_url) if x) or "(not recorded)"
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v)
        when = (r.started_at or "").replace("T", " ")[:16]
        rows.append([r.short_id, when, what, account, r.state + (f"\n{counts}" if counts else "")])
    out: list[Any] = [table(["run", "started (UTC)", "what", "Dex account", "result"], rows,
                            wrap=["what", "Dex account", "result"])]
    modes = [f"{r.short_id} {r.id_mode}" for r in runs if r.id_mode]
    if modes:  # what Dex did with the contact ids each run sent (see the README, "Contact ids")
        out += ["", "Contact ids (kept, ignored or refused by Dex): " + ", ".join(modes)]
    reports = [(r.short_id, path) for r in runs for path in r.reports]
    if reports:
        out += ["", "Failure reports they wrote:"]
        out += [f"  {short}  {path}" + ("" if os.path.exists(path) else " (no longer there)")
                for short, path in reports]
    out += ["", "Undo one: dex-import undo RUN (the short id above, or last)."]
    return draw(out, screen)
