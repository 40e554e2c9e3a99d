"""Returns the preview of an import: what every record becomes, counted, with the notices grouped.

`preview` runs the very code the import runs (open, detect, read, map) and stops before anything is sent.
Contacts stream through: only counts, the first few contacts and the notices are kept, so a large file
previews in constant memory, and ``out`` receives each contact as one JSON line, in input order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from importer.exitcodes import ExitCode
from importer.mapping.apply import Mapped
from importer.model import Notice
from importer.pipeline import Input, OpenedFile, ReadOptions, map_records, open_files
from importer.spill import SpilledList

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

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form of this file's summary."""
        return {"file": self.file, "format": self.format, "mapping": self.mapping, "reason": self.reason,
                "encoding": self.encoding, "delimiter": self.delimiter, "records": self.records,
                "contacts": self.contacts, "skipped": dict(self.skipped),
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
    merged: int = 0
    merge_groups: int = 0
    merges: SpilledList[str] = field(default_factory=SpilledList)
    notices: SpilledList[Notice] = field(default_factory=SpilledList)  # the first thousand in memory
    notice_kinds: Counter[str] = field(default_factory=Counter)
    sample: list[Mapped] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """Returns OK when every record was used (expected skips aside), PARTIAL otherwise."""
        return ExitCode.PARTIAL if self.unusable else ExitCode.OK

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
            "files": [f.as_dict() for f in self.files],
            "warnings": warnings if lazy else list(warnings),
            "warnings_truncated": sum(self.notice_kinds.values()) - len(self.notices),
            "warnings_by_kind": dict(self.notice_kinds),
            "contacts_sample": [m.contact for m in self.sample],
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


def write_json(data: dict[str, Any], out: TextIO) -> None:
    """Writes `data` to `out` as ``json.dumps(data, ensure_ascii=False, indent=1)`` and a newline would,
    without building the whole text: a top-level value that is an iterator (the warnings, the predictions
    of a million records) is written one element at a time, and the rest goes out in pieces.
    """
    streamed = {key: value for key, value in data.items() if isinstance(value, Iterator)}
    marks = {key: f"\x00dex-import {key}\x00" for key in streamed}
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1)
    encode = encoder.encode
    rest = encoder.iterencode({key: marks.get(key, value) for key, value in data.items()})
    for chunk in rest:
        key = next((k for k, mark in marks.items() if chunk == encode(mark)), None)
        if key is None:
            out.write(chunk)
            continue
        first = True
        for item in streamed[key]:
            # an element of a top-level list sits two levels deep: "  " before it and after each newline
            out.write(("[\n  " if first else ",\n  ") + encode(item).replace("\n", "\n  "))
            first = False
        out.write("[]" if first else "\n ]")
    out.write("\n")


def preview(paths: Sequence[Input], options: ReadOptions = ReadOptions(), *,
            out: TextIO | None = None, sample: int = 10, merge: bool = True,
            on_read: Callable[[int, int], None] | None = None) -> Summary:
    """Returns the Summary of reading, mapping and deduplicating every file; writes the contacts to `out`
    as JSON lines, exactly as the import would send them, in input order (a merged contact where its last
    record stands).

    Raises InputError/MappingError/UsageError before reading anything when a file or mapping is unusable:
    every file is opened and detected first, so a bad second file stops the run before the first is read.
    `on_read(bytes read, total bytes)` follows the reading, for a progress bar (see `make_plan`).
    """
    from importer.plan import make_plan  # plan builds on tally below

    opened = open_files(paths, options)
    with make_plan(opened, merge=merge, sample=sample, on_read=on_read) as plan:
        if out is not None:
            dumps, write = json.JSONEncoder(ensure_ascii=False).encode, out.write
            for planned in plan.contacts():
                write(dumps(planned.contact) + "\n")
        return plan.summary


def tally(summary: Summary, opened: OpenedFile, *, sample: int = 10) -> Iterator[Mapped]:
    """Yields what each record of `opened` maps to, counting it into `summary` on the way.

    The import runs its records through this too, so its counts are the preview's, record for record.
    """
    info = opened.info
    fs = FileSummary(opened.name, opened.detection.format, opened.detection.mapping.name,
                     opened.detection.reason, info.encoding if info else None,
                     info.delimiter if info else None)
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
        for column, value in values.items():
            if value and not is_empty(value):  # most cells are "": no call for them
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
            summary.fields.update(k for k, v in m.contact.items() if v not in (None, "", [], {}))
            summary.labels.update(m.labels)
            if len(summary.sample) < sample:
                summary.sample.append(m)
        yield m

