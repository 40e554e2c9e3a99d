"""Writes the failure report of an import, recognises one when it comes back to be imported again, and
keeps what became of each record of a run (`RecordLog`).

For CSV input the report is a CSV: the original header and each failed row as it was, plus three columns:
the row's line in the original file, the error, and the mapping that read it. A person fixes the rows in a
spreadsheet and runs ``dex-import import`` on the report itself; it is recognised by those columns and read
with the original mapping. For vCard input the report is the failed cards as a ``.vcf``, plus a CSV of line
and reason.

Cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would run as formulas when a
spreadsheet opens the report: they are written with a leading apostrophe, which the re-import removes.

A run of a million records keeps a million outcomes: `RecordLog` holds them in a temporary SQLite database,
with the records that failed (for the report), so that memory holds only their counts.
"""

from __future__ import annotations

import csv
import os
import pickle
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from importer.model import Record
from importer.spill import record_from, record_state

LINE_COLUMN = "dex-import line"
ERROR_COLUMN = "dex-import error"
MAPPING_COLUMN = "dex-import mapping"
REPORT_COLUMNS = (LINE_COLUMN, ERROR_COLUMN, MAPPING_COLUMN)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class FailedRecord:
    """A record that did not make it into Dex, and why."""

    record: Record
    message: str


@dataclass(frozen=True)
class RecordResult:
    """What happened to one record: created (with its Dex id), skipped, failed or unknown."""

    file: str
    line: int
    status: str
    dex_id: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form used by ``import --json``."""
        return {"file": self.file, "line": self.line, "status": self.status, "id": self.dex_id,
                "message": self.message}


_LOG_SCHEMA = """
CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE results (file INTEGER NOT NULL, line INTEGER NOT NULL, status TEXT NOT NULL, dex_id TEXT,
                      message TEXT, problem INTEGER NOT NULL);
CREATE TABLE failures (file INTEGER NOT NULL, line INTEGER NOT NULL, record BLOB NOT NULL, message TEXT NOT NULL);
"""
_ORDERED = "FROM results r JOIN files f ON f.id = r.file {where} ORDER BY f.name, r.line, r.rowid"


class RecordLog:
    """What became of each record of a run (a `RecordResult` each), and the records that failed.

    Iterating gives the results in file and line order; `counts` counts them by status, `problems` counts
    those that went to the failure report (`add(..., failed=record)`). The results live in SQLite's private
    temporary database (its page cache while small, then a temporary file, removed when closed): memory holds
    the counts and at most a thousand results waiting to be written, whatever the size of the run. Safe to
    add to from several threads.
    """

    _BATCH = 1_000

    def __init__(self) -> None:
        # "" opens a private temporary database: nothing is written to disk until it outgrows its cache
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.executescript(_LOG_SCHEMA)
        self._lock = threading.RLock()
        self._files: dict[str, int] = {}
        self._failed_files: dict[str, None] = {}  # in the order of their first failure
        self._results: list[tuple[Any, ...]] = []
        self._failures: list[tuple[Any, ...]] = []
        self.counts: Counter[str] = Counter()
        self.problems = 0

    def __len__(self) -> int:
        return self.counts.total()

    def __iter__(self) -> Iterator[RecordResult]:
        return self._select("", (), None)

    def __repr__(self) -> str:
        return f"RecordLog({len(self)} records)"

    def count(self, status: str) -> int:
        """Returns how many records ended with `status`."""
        return self.counts[status]

    def add(self, file: str, line: int, status: str, dex_id: str | None = None, message: str | None = None, *,
            failed: Record | None = None) -> None:
        """Notes what became of the record at `file`:`line`; with `failed` (that record itself), it goes to
        the failure report with `message`, and counts as a problem."""
        with self._lock:
            number = self._files.get(file)
            if number is None:
                number = self._files[file] = len(self._files)
                self._db.execute("INSERT INTO files VALUES (?, ?)", (number, file))
            self.counts[status] += 1
            self._results.append((number, line, status, dex_id, message, failed is not None))
            if failed is not None:
                self.problems += 1
                self._failed_files.setdefault(file)
                self._failures.append((number, line, pickle.dumps(record_state(failed), pickle.HIGHEST_PROTOCOL),
                                       message or ""))
            if len(self._results) >= self._BATCH:
                self._flush()

    def first(self, limit: int, *, status: str | None = None, problem: bool = False) -> list[RecordResult]:
        """Returns the first `limit` results in file and line order: of `status`, or the problems."""
        conditions = (["r.status = ?"] if status is not None else []) + (["r.problem = 1"] if problem else [])
        where = "WHERE " + " AND ".join(conditions) if conditions else ""
        return list(self._select(where, (status,) if status is not None else (), limit))

    def failed_files(self) -> list[str]:
        """Returns the files that have records in the failure report, in the order of their first failure."""
        return list(self._failed_files)

    def failures(self, file: str) -> Iterable[FailedRecord]:
        """Returns the records of `file` that go to the failure report, in line order (iterable more than once)."""
        return _Failures(self, self._files.get(file, -1))

    def close(self) -> None:
        """Removes the temporary database."""
        with self._lock:
            self._db.close()

    def _flush(self) -> None:
        with self._lock:
            if not self._results:
                return
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)", self._results)
            self._db.executemany("INSERT INTO failures VALUES (?, ?, ?, ?)", self._failures)
            self._db.execute("COMMIT")
            self._results, self._failures = [], []

    def _select(self, where: str, params: tuple[Any, ...], limit: int | None) -> Iterator[RecordResult]:
        sql = f"SELECT f.name, r.line, r.status, r.dex_id, r.message {_ORDERED.format(where=where)} LIMIT ?"
        with self._lock:
            self._flush()
            rows = self._db.execute(sql, (*params, -1 if limit is None else limit))  # -1: no limit
        return (RecordResult(*row) for row in rows)

    def _failed(self, file: int) -> Iterator[FailedRecord]:
        with self._lock:
            self._flush()
            rows = self._db.execute("SELECT record, message FROM failures WHERE file = ? ORDER BY line, rowid",
                                    (file,))
        return (FailedRecord(record_from(pickle.loads(blob)), message) for blob, message in rows)


class _Failures:
    """The failed records of one file, read from the log each time they are iterated."""

    def __init__(self, log: RecordLog, file: int) -> None:
        self._log, self._file = log, file

    def __iter__(self) -> Iterator[FailedRecord]:
        return self._log._failed(self._file)


def neutralise(cell: str) -> str:
    """Returns `cell` safe to open in a spreadsheet: a formula-like start gets a leading apostrophe.

    >>> neutralise("=HYPERLINK(\\"http://example.com\\")")
    '\\'=HYPERLINK("http://example.com")'
    >>> neutralise("+1 212-555-0134")
    "'+1 212-555-0134"
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def restore(cell: str) -> str:
    """Returns a cell of a report as it was before `neutralise`."""
    return _NEUTRALISED.sub("", cell, count=1)


def is_report_header(header: Sequence[str]) -> bool:
    """Returns True for the header of a failure report written by `write_csv_report`."""
    return all(column in header for column in REPORT_COLUMNS)


def restore_record(record: Record) -> Record:
    """Returns a record of a failure report with its cells restored and the report's own columns removed."""
    values = {k: restore(v) for k, v in record.values.items() if k not in REPORT_COLUMNS}
    return Record(record.file, record.line, values, record.raw, record.notices)


def default_report_path(input_name: str, *, started: datetime, suffix: str) -> Path:
    """Returns where the report of `input_name` goes by default: beside it, named after it and the run.

    >>> default_report_path("exports/Connections.csv", started=datetime(2026, 1, 5, 9, 30), suffix=".csv")
    PosixPath('exports/Connections.failures-20260105-093000.csv')
    """
    path = Path(input_name)
    for parent in [path, *path.parents]:  # a zip member is named "export.zip/Connections.csv"
        if parent.suffix.lower() == ".zip":
            path = parent.with_name(parent.stem + "-" + path.stem + ".csv")
            break
    return path.with_name(f"{path.stem}.failures-{started:%Y%m%d-%H%M%S}{suffix}")


def write_csv_report(path: Path, header: Sequence[str], failures: Iterable[FailedRecord], *,
                     mapping_ref: str) -> int:
    """Writes the CSV failure report and returns how many rows it holds.

    `failures` is read twice (the columns of ragged rows first): a list, or `RecordLog.failures`.
    """
    if iter(failures) is failures:  # an iterator can be read only once
        failures = list(failures)
    known = set(header)
    extra: dict[str, None] = {}  # the cells of ragged rows, in the order they first appear
    for failure in failures:
        for key in failure.record.values:
            if key not in known:
                extra.setdefault(key)
    columns = [*header, *extra]
    count = 0
    with _create(path) as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([*columns, *REPORT_COLUMNS])
        for failure in failures:
            cells = [neutralise(failure.record.values.get(c, "")) for c in columns]
            writer.writerow([*cells, str(failure.record.line), neutralise(failure.message),
                             neutralise(mapping_ref)])
            count += 1
    return count


def write_vcard_report(vcf_path: Path, csv_path: Path, failures: Iterable[FailedRecord]) -> int:
    """Writes the failed cards, exactly as they were, and a CSV of their lines and reasons."""
    count = 0
    with _create(vcf_path, bom=False) as cards, _create(csv_path) as reasons:
        writer = csv.writer(reasons, lineterminator="\r\n")
        writer.writerow(["line", "error"])
        for failure in failures:
            raw = failure.record.raw
            cards.write(raw if raw.endswith("\n") else raw + "\r\n")
            writer.writerow([str(failure.record.line), neutralise(failure.message)])
            count += 1
    return count


def _create(path: Path, *, bom: bool = True) -> TextIO:
    """Opens a new report file for writing (UTF-8, with a BOM so that spreadsheets read it right)."""
    os.makedirs(path.parent, exist_ok=True)
    return open(path, "x", encoding="utf-8-sig" if bom else "utf-8", newline="")
