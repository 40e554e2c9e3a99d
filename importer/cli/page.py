"""Returns the HTML page of a preview or an import: one self-contained file, made with Jinja2 (autoescape).

The page loads nothing from the network: its style and its small sorting/filtering script are inline. Every
value from the input or from Dex goes through Jinja2's autoescape, so a cell holding ``<script>`` shows as
text. Contacts stream from the plan into the template, so a large import never sits in memory as a list.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from importer.cli.words import FIXES, human
from importer.model import EMPTY
from importer.plan.plan import Plan
from importer.plan.summary import Summary
from importer.report.records import RecordLog

NOT_PROBLEMS = frozenset({"merged"})
"""Notice kinds the page shows elsewhere (the merge groups), not among the problems."""

MAX_PROBLEM_ROWS = 200
MAX_MERGE_GROUPS = 200


@dataclass(frozen=True)
class Row:
    """One contact as the page shows it."""

    where: str
    name: str
    company: str
    title: str
    emails: str
    phones: str
    labels: str
    outcome: str


def _phones(contact: dict[str, Any]) -> str:
    return ", ".join(p.get("phone_number_sanitized") or p.get("phone_number", "")
                     for p in contact.get("contact_phone_numbers", ()))


def _rows(plan: Plan, outcomes: dict[tuple[str, int], str]) -> Iterator[Row]:
    for planned in plan.contacts():
        c = planned.contact
        first = planned.records[0]
        where = " + ".join(f"{os.path.basename(r.file)}:{r.line}" for r in planned.records)
        yield Row(where, str(c.get("full_name", "")), str(c.get("company") or ""), str(c.get("job_title") or ""),
                  ", ".join(e.get("email", "") for e in c.get("contact_emails", ())), _phones(c),
                  ", ".join(sorted(planned.labels)) if planned.labels else "",
                  outcomes.get((first.file, first.line), "created"))


def _merge_groups(plan: Plan) -> Iterator[dict[str, Any]]:
    shown = 0
    for planned in plan.contacts():
        if len(planned.records) < 2:
            continue
        shown += 1
        if shown > MAX_MERGE_GROUPS:
            return
        sent = {k: v for k, v in planned.contact.items() if v not in EMPTY}
        values = {str(v) for v in sent.values() if isinstance(v, str)}
        for v in sent.values():
            if isinstance(v, list):
                values.update(str(x) for item in v if isinstance(item, dict) for x in item.values())
        columns = list(dict.fromkeys(c for r in planned.records for c, v in r.values.items() if v.strip()))
        yield {"records": [f"{os.path.basename(r.file)}:{r.line}" for r in planned.records],
               "rows": [(col, [(r.values.get(col, ""), r.values.get(col, "").strip() in values)
                               for r in planned.records]) for col in columns],
               "sent": [(human(k), v if isinstance(v, str) else _flat(v)) for k, v in sent.items()]}


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, "", False))
    return str(value)


def _problems(summary: Summary) -> list[dict[str, Any]]:
    grouped: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for n in summary.notices:
        if len(grouped[n.kind]) < MAX_PROBLEM_ROWS:
            where = os.path.basename(n.file) + (f":{n.line}" if n.line is not None else "")
            grouped[n.kind].append((where, n.column or "", n.message))
    return [{"kind": kind, "count": count, "fix": FIXES.get(kind, ""), "rows": grouped[kind]}
            for kind, count in summary.notice_kinds.most_common() if kind not in NOT_PROBLEMS]


def _audit(plan: Plan) -> list[dict[str, Any]]:
    files = []
    for opened, fs in zip(plan.opened, plan.summary.files):
        went: dict[str, list[str]] = defaultdict(list)
        compiled = opened.compiled
        if compiled is not None:
            for part, cols in compiled.name_columns.items():
                for col in cols:
                    went[col].append(human(part))
            for name, cols in compiled.field_columns.items():
                for col in cols:
                    went[col].append(human(name))
            for label, multis in (("emails", compiled.emails), ("phones", compiled.phones),
                                  ("addresses", compiled.addresses), ("website", compiled.websites),
                                  ("notes", compiled.notes)):
                for multi in multis:
                    for col in multi.columns:
                        went[col].append(label)
            for spec in compiled.labels:
                went[spec.column].append("labels")
        rows = [(col, ", ".join(dict.fromkeys(went.get(col, ()))) or ("" if used else "nowhere"), values, used)
                for col, (values, used) in fs.columns.items()]
        files.append({"file": fs.file, "format": fs.format, "mapping": fs.mapping, "columns": rows})
    return files


def write_page(handle: TextIO, plan: Plan, *, outcomes: RecordLog | None = None, api_url: str | None = None,
               title: str = "Preview") -> None:
    """Returns nothing; writes the page of `plan` to `handle`: headline numbers, every contact (with its
    outcome from `outcomes` when given), merge groups, problems by kind, fill bars and the column audit."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("importer.cli", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    summary = plan.summary
    by_record: dict[tuple[str, int], str] = {}
    counts: dict[str, int] = {}
    if outcomes is not None:
        for r in outcomes:
            by_record[(r.file, r.line)] = r.status
        counts = {k: v for k, v in outcomes.counts.items() if v}
    contacts = summary.contacts
    fill = [(human(k), v, round(100 * v / contacts) if contacts else 0) for k, v in summary.fields.most_common()]
    headline = [("contacts", summary.contacts), ("records read", summary.records), ("merged", summary.merged),
                ("skipped", sum(summary.skipped.values())), ("problems", sum(n for k, n in summary.notice_kinds.items() if k not in NOT_PROBLEMS))]
    words = {"created": "new", "existing": "already in Dex", "updated": "updated", "skipped": "skipped",
             "failed": "failed", "unknown": "outcome unknown", "merged": "merged", "not_sent": "not sent"}
    headline += [(words.get(k, k), v) for k, v in counts.items()]
    template = env.get_template("page.html.j2")
    stream: Iterable[str] = template.generate(
        title=title, account=api_url or "not checked (no API key): every contact counts as new",
        headline=headline, files=[f.file for f in summary.files], rows=_rows(plan, by_record),
        merges=_merge_groups(plan), merge_groups=summary.merge_groups, problems=_problems(summary),
        fill=fill, audit=_audit(plan), words=words)
    for chunk in stream:
        handle.write(chunk)
