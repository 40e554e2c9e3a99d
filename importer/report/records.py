"""Keeps what became of each record of a run: `RecordLog`, one `RecordResult` per record, and the records that
failed (`FailedRecord`), waiting for the failure report (`importer.report.failures`).

A run of a million records keeps a million outcomes: `RecordLog` holds them in a temporary SQLite database,
with the records that failed, so that memory holds only their counts.
"""

from __future__ import annotations

import pickle
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from importer.model import Record, record_from, record_state

IN_DEX = ("created", "existing", "updated")
"""The outcomes of a contact that is in Dex: the other records merged into it are ``merged``."""


@dataclass(frozen=True)
class FailedRecord:
    """A record that did not make it into Dex, and why."""

    record: Record
    message: str


@dataclass(frozen=True)
class RecordResult:
    """What happened to one record: one of `importer.importing.STATUSES`, its Dex id, and why."""

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
        import sqlite3  # (when a log is made: a preview with no account to check makes none)

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
        self._problem_counts: Counter[str] = Counter()

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
                self._problem_counts[status] += 1
                self._failed_files.setdefault(file)
                self._failures.append((number, line, pickle.dumps(record_state(failed), pickle.HIGHEST_PROTOCOL),
                                       message or ""))
            if len(self._results) >= self._BATCH:
                self._flush()

    def add_contact(self, records: Sequence[Record], status: str, dex_id: str | None,
                    message: str | None = None) -> None:
        """Notes the outcome of a (possibly merged) contact: `status` for its first record; each record after
        the first is ``merged`` into the first one's contact, which it names (with `status`, when the contact
        is in Dex: created, existing, updated), or has `status` too (not sent, failed: it is not in Dex)."""
        first = records[0]
        self.add(first.file, first.line, status, dex_id, message)
        into = f"merged into the contact of {first.file}:{first.line}"
        for record in records[1:]:
            if status in IN_DEX:
                self.add(record.file, record.line, "merged", dex_id, f"{into} ({status})")
            else:
                self.add(record.file, record.line, status, dex_id, "; ".join(m for m in (message, into) if m))

    def count_problems(self, status: str) -> int:
        """Returns how many records ended with `status` and went to the failure report."""
        return self._problem_counts[status]

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


