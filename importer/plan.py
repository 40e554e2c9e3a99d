"""Returns the plan of a run: every record read once, duplicates inside the input merged, contacts ready.

The inputs are read once (through `tally`, so the counts are the preview's); each record is spilled to a
temporary file, and only its dedupe keys stay in memory. Then `Plan.contacts()` streams the contacts from
the spill: a contact whose records were merged comes out when the last of them has been read.

Records are the same person when they share an email (case-insensitive) or a LinkedIn handle, or the same
phone (E.164) together with the same name. A shared phone alone is not enough: offices and families share
numbers. Merging keeps the union of emails, phones, addresses and description lines, the first non-empty
value of every other field, a description line naming the records merged, and a notice for each value
that lost to another.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from importer.dexfields import FIELD_ORDER
from importer.mapping.apply import Mapped
from importer.model import Contact, Notice, Record
from importer.pipeline import OpenedFile
from importer.preview import Summary, tally


@dataclass(frozen=True)
class Planned:
    """A contact to send: the records it comes from (several when merged) and the person's labels."""

    position: int
    contact: Contact
    records: tuple[Record, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Merge:
    """Records merged into one contact, and why (the key they share)."""

    records: tuple[tuple[str, int], ...]
    reason: str

    def describe(self) -> str:
        """Returns ``a.csv:3 + b.vcf:12 (same email ann@example.com)``."""
        return " + ".join(f"{f}:{line}" for f, line in self.records) + f" ({self.reason})"


@dataclass(frozen=True)
class Unused:
    """A record that gives no contact: skipped (no name, unreadable card) or a hidden LinkedIn member."""

    record: Record
    message: str
    expected: bool


def dedupe_keys(contact: Contact) -> list[tuple[str, str]]:
    """Returns the keys that make two records the same person: emails, LinkedIn handle, phone with name.

    >>> dedupe_keys({"full_name": "Ann Example", "linkedin": "Ann-Example",
    ...              "contact_phone_numbers": [{"phone_number_sanitized": "+12125550134"}]})
    [('LinkedIn handle', 'ann-example'), ('phone and name', '+12125550134 ann example')]
    """
    keys = [("email", e["email"].casefold()) for e in contact.get("contact_emails", ())]
    if contact.get("linkedin"):
        keys.append(("LinkedIn handle", contact["linkedin"].casefold()))
    name = " ".join(str(contact.get("full_name", "")).split()).casefold()
    if name:
        keys += [("phone and name", f"{p['phone_number_sanitized']} {name}")
                 for p in contact.get("contact_phone_numbers", ()) if p.get("phone_number_sanitized")]
    return keys


class _Groups:
    """Union-find over record positions, remembering the key that first joined two groups."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.first: dict[tuple[str, str], int] = {}
        self.reason: dict[int, str] = {}

    def add(self, keys: list[tuple[str, str]]) -> int:
        position = len(self.parent)
        self.parent.append(position)
        for key in keys:
            other = self.first.setdefault(key, position)
            if other != position:
                a, b = self.find(other), self.find(position)
                if a != b:
                    self.parent[max(a, b)] = min(a, b)
                    self.reason.setdefault(min(a, b), f"same {key[0]} {key[1].split(' ', 1)[0]}")
        return position

    def find(self, position: int) -> int:
        parent = self.parent
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position


@dataclass
class Plan:
    """The records of a run, deduplicated; `contacts()` streams what would be sent, `unused` what would not."""

    summary: Summary
    opened: Sequence[OpenedFile] = ()
    merges: list[Merge] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    _spill: BinaryIO | None = None
    _leaders: list[int] = field(default_factory=list)
    _sizes: Counter[int] = field(default_factory=Counter)
    _count: int = 0

    def contacts(self) -> Iterator[Planned]:
        """Yields each contact to send, merged ones when their last record has been read."""
        if self._spill is None:
            return
        self._spill.seek(0)
        waiting: dict[int, list[tuple[Mapped, int]]] = {}
        for position in range(self._count):
            m: Mapped = pickle.load(self._spill)
            leader = self._leaders[position]
            if self._sizes[leader] == 1:
                yield Planned(position, m.contact or {}, (m.record,), m.labels)
                continue
            group = waiting.setdefault(leader, [])
            group.append((m, position))
            if len(group) == self._sizes[leader]:
                del waiting[leader]
                yield merge_group(group)

    def close(self) -> None:
        """Removes the spill file."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_plan(opened: Sequence[OpenedFile], *, merge: bool = True, sample: int = 10) -> Plan:
    """Returns the plan of reading `opened` (already opened and detected): counts, merges, spilled contacts."""
    plan = Plan(Summary(), opened)
    groups = _Groups()
    spill = tempfile.TemporaryFile(prefix="dex-import-plan-")
    plan._spill = spill
    try:
        for item in opened:
            for m in tally(plan.summary, item, sample=0):
                if m.contact is None:
                    plan.unused.append(Unused(m.record, _unused_message(m), m.expected_skip))
                    continue
                groups.add(dedupe_keys(m.contact) if merge else [])
                pickle.dump(m, spill, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        plan.close()
        raise
    plan._count = len(groups.parent)
    plan._leaders = [groups.find(p) for p in range(plan._count)]
    plan._sizes = Counter(plan._leaders)
    _note_merges(plan, groups)
    summary = plan.summary
    summary.sample = []
    if plan.merges:  # tally counted fields per record; count them again per contact
        summary.fields.clear()
    for planned in plan.contacts():
        if plan.merges:
            summary.fields.update(k for k, v in planned.contact.items() if v not in (None, "", [], {}))
        elif len(summary.sample) >= sample:
            break
        if len(summary.sample) < sample:
            summary.sample.append(Mapped(planned.records[0], planned.contact, labels=planned.labels))
    return plan


def merge_group(group: list[tuple[Mapped, int]]) -> Planned:
    """Returns one contact made of several records' contacts (the first record's values win)."""
    records = tuple(m.record for m, _ in group)
    merged: dict[str, Any] = {}
    lines: list[str] = []
    labels: list[str] = []
    for m, _ in group:
        contact = m.contact or {}
        for key, value in contact.items():
            if key in ("contact_emails", "contact_phone_numbers", "legacy_contact_addresses"):
                _union(merged, key, value)
            elif key == "description":
                lines += [line for line in str(value).splitlines() if line not in lines]
            elif key not in merged or merged[key] in ("", None, [], {}):
                merged[key] = value
        labels += [label for label in m.labels if label not in labels]
    sources = ", ".join(f"{os.path.basename(r.file)}:{r.line}" for r in records)
    lines.append(f"Merged by dex-import from {sources}")
    merged["description"] = "\n".join(lines)
    ordered = {k: merged[k] for k in sorted(merged, key=lambda k: FIELD_ORDER.get(k, len(FIELD_ORDER)))}
    return Planned(group[0][1], ordered, records, tuple(labels))


def merge_conflicts(group: Sequence[Mapped]) -> list[Notice]:
    """Returns a notice for each value of a later record that lost to an earlier record's value."""
    kept: dict[str, tuple[Any, Record]] = {}
    notices = []
    for m in group:
        for key, value in (m.contact or {}).items():
            if key in ("contact_emails", "contact_phone_numbers", "legacy_contact_addresses", "description",
                       "first_name", "last_name"):
                continue
            if key not in kept:
                kept[key] = (value, m.record)
            elif kept[key][0] != value and value not in ("", None):
                first = kept[key][1]
                notices.append(Notice(m.record.file, m.record.line, None, "merge-conflict",
                                      f"merged into the contact of {first.file}:{first.line}: kept its {key} "
                                      f"{kept[key][0]!r}, not {value!r}"))
    return notices


def _union(merged: dict[str, Any], key: str, values: list[dict[str, Any]]) -> None:
    entries: list[dict[str, Any]] = merged.setdefault(key, [])
    for value in values:
        if not any(_same_entry(key, value, e) for e in entries):
            entries.append({**value, **({"ranking": len(entries)} if "ranking" in value else {})})


def _same_entry(key: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    if key == "contact_emails":
        return bool(a["email"].casefold() == b["email"].casefold())
    if key == "contact_phone_numbers":
        def digits(p: dict[str, Any]) -> str:
            return str(p.get("phone_number_sanitized") or "".join(c for c in p["phone_number"] if c.isdigit()))
        return digits(a) == digits(b)
    return bool(a == b)


def _note_merges(plan: Plan, groups: _Groups) -> None:
    """Records each merge in the plan and its notices in the summary, and counts contacts after merging."""
    if not any(size > 1 for size in plan._sizes.values()):
        return
    members: dict[int, list[Mapped]] = {}
    assert plan._spill is not None
    plan._spill.seek(0)
    for position in range(plan._count):
        m = pickle.load(plan._spill)
        leader = plan._leaders[position]
        if plan._sizes[leader] > 1:
            members.setdefault(leader, []).append(m)
    summary = plan.summary
    for leader, group in members.items():
        refs = tuple((m.record.file, m.record.line) for m in group)
        merge = Merge(refs, groups.reason.get(leader, "same person"))
        plan.merges.append(merge)
        summary.merges.append(merge.describe())
        first = group[0].record
        for m in group[1:]:
            summary.notice_kinds["merged"] += 1
            summary.notices.append(Notice(m.record.file, m.record.line, None, "merged",
                                          f"same person as {first.file}:{first.line} ({merge.reason}): merged "
                                          "into one contact"))
        for notice in merge_conflicts(group):
            summary.notice_kinds[notice.kind] += 1
            summary.notices.append(notice)
    summary.merged = sum(len(g) - 1 for g in members.values())
    summary.contacts -= summary.merged


def _unused_message(m: Mapped) -> str:
    reasons = [n.message for n in m.notices if n.kind in ("no-name", "unreadable-card")]
    return reasons[0] if reasons else (m.skip or "skipped")
