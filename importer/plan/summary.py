"""Returns the counts of a run as its records are read: `Summary` (what the preview and the import report),
one `FileSummary` per input, and `tally`, which counts each mapped record into them on the way.

The preview and the import both read their records through `tally`, so their counts agree record for record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from importer.exitcodes import ExitCode
from importer.mapping.apply import Mapped
from importer.model import Notice, filled_fields
from importer.plan.inputs import OpenedFile, map_records
from importer.plan.likely import Likely
from importer.plan.spill import SpilledList

MAX_NOTICES = 100_000
"""Notices (and merge descriptions) kept for the report; beyond it only their counts grow."""


@dataclass
class FileSummary:
    """What one input file held and which format and mapping read it."""

    file: str
    format: str
    mapping: str
    reason: str
    encoding: str | None
    delimiter: str | None
    records: int = 0
    contacts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    columns: dict[str, list[int]] = field(default_factory=dict)
    sheet: str | None = None        # a workbook's sheet read, its sheets, and why that one
    sheets: tuple[str, ...] = ()
    sheet_reason: str = ""
    rows_elsewhere: int = 0         # non-empty rows in the sheets not read

    @property
    def gave_nothing(self) -> bool:
        """Returns True when the file had rows (in the sheet read or another) but gives no contact: a wrong
        sheet, a wrong mapping or a file of nameless rows, which the run must not call a success."""
        return self.contacts == 0 and (self.records > 0 or self.rows_elsewhere > 0)

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form of this file's summary."""
        return {"file": self.file, "format": self.format, "mapping": self.mapping, "reason": self.reason,
                "encoding": self.encoding, "delimiter": self.delimiter, "records": self.records,
                "contacts": self.contacts, "skipped": dict(self.skipped), "sheet": self.sheet,
                "sheets": list(self.sheets), "sheet_reason": self.sheet_reason, "gave_nothing": self.gave_nothing,
                "columns": {c: {"values": v, "used": u} for c, (v, u) in self.columns.items()}}


@dataclass
class Summary:
    """The preview of a run: counts, fill counts, notices, and the first contacts."""

    files: list[FileSummary] = field(default_factory=list)
    records: int = 0
    contacts: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unusable: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    photos_skipped: int = 0
    named_after: Counter[str] = field(default_factory=Counter)  # records without a name: "email", "phone"
    merged: int = 0
    merge_groups: int = 0
    merges: SpilledList[str] = field(default_factory=SpilledList)
    notices: SpilledList[Notice] = field(default_factory=SpilledList)  # the first thousand in memory
    notice_kinds: Counter[str] = field(default_factory=Counter)
    sample: list[Mapped] = field(default_factory=list)
    possible_duplicates: list[Likely] = field(default_factory=list)  # probably one person, not merged
    not_searched: list[str] = field(default_factory=list)  # blocks too big to search for them
    possible_duplicates_more: int = 0  # found past the ones kept

    @property
    def exit_code(self) -> ExitCode:
        """Returns OK when every record was used (expected skips aside) and every file with rows gave a
        contact, PARTIAL otherwise."""
        return ExitCode.PARTIAL if self.unusable or self.empty_files else ExitCode.OK

    @property
    def empty_files(self) -> list[FileSummary]:
        """Returns the files that had rows but give no contact."""
        return [f for f in self.files if f.gave_nothing]

    def as_dict(self, *, lazy: bool = False) -> dict[str, Any]:
        """Returns the JSON form printed by ``preview --json``.

        With `lazy`, "warnings" and "merges" are iterators, their elements made one at a time (see
        `write_json`).
        The warnings and merges listed stop at MAX_NOTICES; "warnings_by_kind" counts every one, and
        "warnings_truncated" and "merges_truncated" say how many were left out of the lists.
        """
        warnings = (n.as_dict() for n in self.notices)
        return {
            "format": ", ".join(dict.fromkeys(f.format for f in self.files)),
            "mapping": ", ".join(dict.fromkeys(f.mapping for f in self.files)),
            "records": self.records, "contacts": self.contacts,
            "skipped": sum(self.skipped.values()), "skipped_by_reason": dict(self.skipped),
            "unusable": self.unusable, "merged": self.merged,
            "merges": iter(self.merges) if lazy else list(self.merges),
            "merges_truncated": max(self.merge_groups - len(self.merges), 0),
            "fields": dict(self.fields), "labels": dict(self.labels),
            "photos_skipped": self.photos_skipped,
            "named_after": dict(self.named_after),
            "files": [f.as_dict() for f in self.files],
            "warnings": warnings if lazy else list(warnings),
            "warnings_truncated": sum(self.notice_kinds.values()) - len(self.notices),
            "warnings_by_kind": dict(self.notice_kinds),
            "contacts_sample": [m.contact for m in self.sample],
            "possible_duplicates": [p.as_dict() for p in self.possible_duplicates],
            "possible_duplicates_truncated": self.possible_duplicates_more,
            "possible_duplicates_not_searched": list(self.not_searched),
        }

    def add_notice(self, notice: Notice) -> None:
        """Counts `notice` by kind, and keeps it for the report while fewer than MAX_NOTICES are kept."""
        self.notice_kinds[notice.kind] += 1
        if len(self.notices) < MAX_NOTICES:
            self.notices.append(notice)

    def add_merge(self, description: str) -> None:
        """Counts a merged group, and keeps its description while fewer than MAX_NOTICES are kept."""
        self.merge_groups += 1
        if len(self.merges) < MAX_NOTICES:
            self.merges.append(description)


def tally(summary: Summary, opened: OpenedFile, *, sample: int = 10) -> Iterator[Mapped]:
    """Yields what each record of `opened` maps to, counting it into `summary` on the way.

    The import runs its records through this too, so its counts are the preview's, record for record.
    """
    info = opened.info
    fs = FileSummary(opened.name, opened.detection.format, opened.detection.mapping.name,
                     opened.detection.reason, info.encoding if info else None,
                     info.delimiter if info else None)
    if info is not None and info.sheets:
        fs.sheet, fs.sheets, fs.sheet_reason, fs.rows_elsewhere = (info.sheet, info.sheets, info.sheet_reason,
                                                                   info.rows_elsewhere)
    summary.files.append(fs)
    for notice in opened.notices:
        summary.add_notice(notice)
    columns = fs.columns
    is_empty = opened.compiled.is_empty if opened.compiled else (lambda v: not v.strip())
    for m in map_records(opened):
        fs.records += 1
        summary.records += 1
        values = m.record.values
        if not columns.keys() >= values.keys():  # a column not seen yet (first row, ragged rows, vCards)
            for column in values:
                columns.setdefault(column, [0, 0])
        used = m.used
        filled = m.filled  # the mapping saw which cells hold a value: no second look at every cell
        if filled is None:
            filled = tuple(column for column, value in values.items() if value and not is_empty(value))
        for column in filled:
            counts = columns[column]
            counts[0] += 1
            if column in used:
                counts[1] += 1
        for notice in m.notices:
            summary.add_notice(notice)
        photos = m.record.values.get("PHOTO", "")  # the vCard reader counts the photos it skipped
        if photos.isdigit():
            summary.photos_skipped += int(photos)
        if m.contact is None:
            fs.skipped[m.skip or "skipped"] += 1
            summary.skipped[m.skip or "skipped"] += 1
            if not m.expected_skip:
                summary.unusable += 1
        else:
            fs.contacts += 1
            summary.contacts += 1
            summary.fields.update(m.extra.filled if m.extra is not None else filled_fields(m.contact))  # a worker's `Prepared`
            summary.labels.update(m.labels)
            if m.named_after:
                summary.named_after[m.named_after] += 1
            if len(summary.sample) < sample:
                summary.sample.append(m)
        yield m
