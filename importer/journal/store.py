"""Returns what earlier runs of an import did: the run journal, a SQLite write-ahead log of every create.

Each record is known by its `fingerprint` (a hash of the contact as sent). A batch is written down as sent,
durably, before its request goes out, and settled only once its answer is durable too, so that after a crash
or ``kill -9`` the next run knows exactly which contacts may be in Dex without their id (in flight)::

    with Journal.open(path, account_id=me["id"], inputs=paths) as journal:
        settle_in_flight(journal, client)                 # importer.journal.resume: look up what was in flight
        held = journal.admit(contact, file=f, line=n)     # None: send it; else why not (created, unknown...)
        send_contacts(items, client, hooks=journal.hooks())
        journal.finish(counts)

Record states: ``in_flight`` (sent, no answer yet), ``created`` (with its Dex id), ``failed`` (surely not in
Dex: sent again next run), ``unknown`` (may be in Dex: looked up again next run, never sent blindly),
``unsent`` (looked up after a crash and not found). Every change is committed (WAL, ``synchronous=FULL``)
before the call returns; the file is held with an exclusive lock so two imports cannot share it. The API key
never reaches this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generic, Literal, Self, TypeVar

from importer.errors import InputError
from importer.journal.file import (
    OR_START_OVER,
    RUN_DETAILS,
    START_OVER,
    archive,
    connect,
)
from importer.journal.file import (
    JournalBusy as JournalBusy,  # raised by Journal.open: importable from here
)
from importer.model import Contact
from importer.send.outcomes import Batch, Created, Failed, Outcome, SendHooks, Unknown

K = TypeVar("K", bound=Hashable)
State = Literal["in_flight", "created", "failed", "unknown", "duplicate"]

# Not who the person is: tag and group ids (a recreated tag, another --tag must not create everyone again), and
# the contact's own id (a batch Dex refuses over its ids is sent again without them).
_NOT_IDENTITY = ("tags_contacts", "groups_contacts", "id")
MADE_SQL = ("SELECT c.dex_id, c.fingerprint, c.run_id, r.contact FROM created c LEFT JOIN records r "
            "ON r.fingerprint = c.fingerprint WHERE c.deleted_at IS NULL ORDER BY c.rowid")
"""Every contact a journal's runs created and no undo deleted: Dex id, fingerprint, run, the contact as sent."""

@dataclass(frozen=True)
class RecordStatus:
    """What the journal knows of a record: its state, the run that sent it last, its Dex id or message."""

    state: State
    run_id: str | None
    dex_id: str | None = None
    message: str | None = None
    batch: int | None = None
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class InFlight:
    """Records sent in one batch whose outcome is not known (the process died, or a lookup could not tell)."""

    batch: int
    run_id: str
    number: int
    first_sent_at: datetime
    fingerprints: tuple[str, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class CreatedRecord:
    """A contact a run created: its Dex id, and Dex's created_at/updated_at when its answer carried them."""

    dex_id: str
    fingerprint: str
    file: str | None
    line: int | None
    created_at: str | None
    updated_at: str | None


def utc_now() -> datetime:
    """Returns the current UTC time (the default clock, compared with Dex's created_at)."""
    return datetime.now(timezone.utc)


def stamp(when: datetime) -> str:
    """Returns `when` as ``2026-11-26T04:30:00.123Z``."""
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fingerprint(contact: Mapping[str, Any]) -> str:
    """Returns the stable hash of a contact as sent: SHA-256 of its canonical JSON (sorted keys).

    >>> fingerprint({"last_name": "Example", "first_name": "Ada"}) == fingerprint({"first_name": "Ada", "last_name": "Example"})
    True
    """
    body = {k: v for k, v in contact.items() if k not in _NOT_IDENTITY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


NOT_CONFIRMED = "not confirmed"
"""Why a run that was asked to confirm and was told no stopped: it sent nothing, and resumes nothing."""


class Journal:
    """The open journal of one import (owns the SQLite connection); a context manager.

    `run_id` names this run (``2026-11-26T04:30:00Z-3f2a``); every opening of a journal is a new run.
    `archived` is where ``fresh=True`` moved the old journal (None when it did not); `account_id` is the Dex
    account it belongs to.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, run_id: str, now: Callable[[], datetime],
                 account_id: str = "") -> None:
        self._conn = conn
        self.path = path
        self.account_id = account_id
        self.run_id = run_id
        self._now = now
        self._lock = threading.RLock()
        # The contacts this run admitted, with the record each came from: a TEMP table (a temporary file past
        # SQLite's cache, gone when the connection closes), as a run may admit a million of them
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS admitted (fingerprint TEXT PRIMARY KEY, file TEXT, "
                     "line INTEGER) WITHOUT ROWID")
        self.archived: Path | None = None  # where --fresh moved the old journal

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, account_id: str, inputs: Sequence[str] = (),
             fresh: bool = False, now: Callable[[], datetime] = utc_now, kind: str = "import",
             api_url: str | None = None, email: str | None = None) -> Journal:
        """Returns the journal at `path` (created if missing) with a new run started in it: an "import" or
        an "undo" (`kind`), into the Dex account at `api_url` whose email is `email`, for ``runs`` to show.

        `fresh` moves an existing journal aside first (see `archive`) and starts over. InputError when the
        file is not a journal, is damaged, newer, in use, or belongs to another Dex account.
        """
        path = Path(path)
        archived = archive(path, now=now()) if fresh else None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # created empty and private first: it will hold the person's contacts (SQLite's WAL copies the mode)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise InputError(f"cannot create the journal ({exc.strerror})", path=str(path),
                             hint=f"Check the folder's permissions, or {OR_START_OVER}") from None
        conn = connect(path, create=True)
        started = now()
        run_id = f"{started.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}-{secrets.token_hex(2)}"
        journal = cls(conn, path, run_id, now, account_id)
        journal.archived = archived
        try:
            with journal._write() as db:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('account_id', ?)", (account_id,))
                owner = db.execute("SELECT value FROM meta WHERE key = 'account_id'").fetchone()[0]
                if owner != account_id:
                    raise InputError("the journal belongs to another Dex account than this API key's",
                                     path=str(path), hint=START_OVER)
                db.execute("INSERT INTO runs (id, started_at, inputs) VALUES (?, ?, ?)",
                           (run_id, stamp(started), json.dumps(list(inputs))))
                db.execute(RUN_DETAILS)
                db.execute("INSERT INTO run_details (run_id, kind, api_url, email) VALUES (?, ?, ?, ?)",
                           (run_id, kind, api_url, email))
        except BaseException:
            conn.close()
            raise
        return journal

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the journal (the WAL is folded into the file and the lock released)."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Yields the connection inside a transaction that is committed, and fsync'd, on leaving."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                # raised from before_send, this stops the import before the batch goes out
                raise InputError(f"cannot write the journal ({exc})", path=str(self.path),
                                 hint=f"Free some disk space, or {OR_START_OVER}") from None

    # -- what is known --------------------------------------------------------------------------------------

    def status(self, fp: str) -> RecordStatus | None:
        """Returns what the journal knows of the record with fingerprint `fp`; None when never sent."""
        with self._lock:
            row = self._conn.execute(
                "SELECT r.state, b.run_id, r.dex_id, r.message, r.batch_id, r.file, r.line FROM records r "
                "LEFT JOIN batches b ON b.id = r.batch_id WHERE r.fingerprint = ?", (fp,)).fetchone()
        if row is None or row[0] == "unsent":
            return None
        return RecordStatus(*row)

    def admit(self, contact: Contact, *, file: str | None = None, line: int | None = None) -> RecordStatus | None:
        """Returns None when `contact` is to be sent in this run, else why not: created or unknown (or still
        in flight) in an earlier run, or the same contact as another record of this run (`duplicate`).

        A contact that failed before is sent again: Dex surely does not have it.
        """
        fp = fingerprint(contact)
        with self._lock:
            twin = self._admitted(fp)
            if twin is not None:
                where, number = twin
                return RecordStatus("duplicate", self.run_id, message=f"the same contact as {where}:{number}",
                                    file=where, line=number)
            known = self.status(fp)
            if known is not None and known.state != "failed":
                return known
            self._conn.execute("INSERT INTO temp.admitted VALUES (?, ?, ?)", (fp, file, line))
        return None

    def _admitted(self, fp: str) -> tuple[str | None, int | None] | None:
        """Returns the file and line of the record this run admitted with fingerprint `fp`, None if none."""
        with self._lock:
            row = self._conn.execute("SELECT file, line FROM temp.admitted WHERE fingerprint = ?", (fp,)).fetchone()
        return None if row is None else (row[0], row[1])

    def in_flight(self, *, unknown_too: bool = False) -> list[InFlight]:
        """Returns the batches whose records were sent and never settled (and those left unknown)."""
        states = ("in_flight", "unknown") if unknown_too else ("in_flight",)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT r.batch_id, b.run_id, b.number, r.first_sent_at, r.fingerprint, r.contact FROM records r "
                f"JOIN batches b ON b.id = r.batch_id WHERE r.state IN ({','.join('?' * len(states))}) "
                f"ORDER BY r.batch_id, r.rowid", states).fetchall()
        groups: dict[int, list[Any]] = {}
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        return [InFlight(batch, group[0][1], group[0][2], min(_parse(r[3]) for r in group),
                         tuple(r[4] for r in group), tuple(json.loads(r[5]) for r in group))
                for batch, group in groups.items()]

    def created_ids(self) -> AbstractSet[str]:
        """Returns every Dex id any run of this journal created (a lookup must not claim them again), as a set
        that asks the journal: a journal of a million contacts holds a million ids."""
        return _CreatedIds(self._conn, self._lock)

    def created_for(self, dex_id: str) -> tuple[str | None, int | None] | None:
        """Returns the file and line of the record a run of this journal created Dex contact `dex_id` for
        (either may be None when unknown); None when no run of this journal created it."""
        with self._lock:
            row = self._conn.execute(
                "SELECT r.file, r.line FROM created c LEFT JOIN records r ON r.fingerprint = c.fingerprint "
                "WHERE c.dex_id = ?", (dex_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    def made_rows(self) -> Iterator[tuple[str, str, str | None, str | None]]:
        """Yields the rows of `MADE_SQL` in this journal, a thousand at a time (the connection is shared with
        the sending threads: the lock is held only while each thousand is read)."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT c.rowid, c.dex_id, c.fingerprint, c.run_id, r.contact FROM created c LEFT JOIN records r "
                    "ON r.fingerprint = c.fingerprint WHERE c.deleted_at IS NULL AND c.rowid > ? ORDER BY c.rowid "
                    "LIMIT 1000", (last,)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, dex_id, fp, run_id, contact in rows:
                yield dex_id, fp, run_id, contact

    def resumes(self) -> str | None:
        """Returns the id of the earlier run this one finishes: the last one before it (a declined one aside),
        when it stopped early or never finished; None when that run finished, or there is none."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, finished_at, stopped FROM runs WHERE id != ? AND coalesce(stopped, '') != ? "
                "ORDER BY rowid DESC LIMIT 1", (self.run_id, NOT_CONFIRMED)).fetchone()
        return None if row is None or (row[1] is not None and row[2] is None) else str(row[0])

    def undone_in_run(self, run_id: str) -> int:
        """Returns how many contacts run `run_id` created that are gone from Dex since (undo deleted them, or
        a later import found them deleted)."""
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM created WHERE run_id = ? AND deleted_at IS NOT NULL",
                                     (run_id,)).fetchone()
        return int(row[0])

    def created_in_run(self, run_id: str) -> list[CreatedRecord]:
        """Returns the contacts run `run_id` created and undo has not deleted, in the order they were settled."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.dex_id, c.fingerprint, r.file, r.line, c.created_at, c.updated_at FROM created c "
                "LEFT JOIN records r ON r.fingerprint = c.fingerprint WHERE c.run_id = ? AND c.deleted_at IS NULL "
                "ORDER BY c.rowid",
                (run_id,)).fetchall()
        return [CreatedRecord(*row) for row in rows]

    # -- what happens ---------------------------------------------------------------------------------------

    def hooks(self) -> JournalHooks[Any]:
        """Returns the hooks that make `send_contacts` write each batch down before and after it is sent."""
        return JournalHooks(self)

    def mark_sent(self, number: int, contacts: Sequence[Contact]) -> None:
        """Writes batch `number` of this run down as sent, durably: call it before the request goes out."""
        sent_at = stamp(self._now())
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO batches (run_id, number, sent_at) VALUES (?, ?, ?)",
                       (self.run_id, number, sent_at))
            batch = db.execute("SELECT id FROM batches WHERE run_id = ? AND number = ?",
                               (self.run_id, number)).fetchone()[0]
            for contact in contacts:
                fp = fingerprint(contact)
                where, line = self._admitted(fp) or (None, None)
                # a record still in flight keeps the time it first went out: a lookup must reach back to it
                db.execute(
                    "INSERT INTO records (fingerprint, state, batch_id, first_sent_at, contact, file, line) "
                    "VALUES (?, 'in_flight', ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET "
                    "first_sent_at = CASE WHEN state IN ('in_flight', 'unknown') THEN first_sent_at "
                    "ELSE excluded.first_sent_at END, state = 'in_flight', batch_id = excluded.batch_id, "
                    "contact = excluded.contact, file = coalesce(excluded.file, file), "
                    "line = coalesce(excluded.line, line), dex_id = NULL, message = NULL, settled_at = NULL",
                    (fp, batch, sent_at, json.dumps(contact, ensure_ascii=False), where, line))

    def mark_settled(self, outcomes: Mapping[str, Outcome | None]) -> None:
        """Writes the outcomes decided for records (by fingerprint), durably; None means surely not in Dex
        and never sent since (a lookup found nothing). Records left out stay in flight."""
        now = stamp(self._now())
        with self._write() as db:
            for fp, outcome in outcomes.items():
                row = db.execute("SELECT b.run_id FROM records r JOIN batches b ON b.id = r.batch_id "
                                 "WHERE r.fingerprint = ?", (fp,)).fetchone()
                if row is None:
                    continue  # never written down as sent: nothing to settle
                if isinstance(outcome, Created):
                    db.execute("UPDATE records SET state = 'created', dex_id = ?, message = NULL, settled_at = ?, "
                               "first_sent_at = NULL WHERE fingerprint = ?", (outcome.dex_id, now, fp))
                    if outcome.existed:
                        continue  # an earlier import made it, not this run: undo must leave it alone
                    # Dex's own timestamps from the create answer (or the lookup's row): undo compares them
                    db.execute("INSERT OR IGNORE INTO created VALUES (?, ?, ?, ?, ?, NULL)",
                               (outcome.dex_id, fp, row[0], outcome.created_at, outcome.updated_at))
                elif isinstance(outcome, Failed):
                    db.execute("UPDATE records SET state = 'failed', message = ?, settled_at = ?, "
                               "first_sent_at = NULL WHERE fingerprint = ?", (outcome.message, now, fp))
                elif isinstance(outcome, Unknown):
                    # first_sent_at stays: the next run looks it up again from then
                    db.execute("UPDATE records SET state = 'unknown', message = ?, settled_at = ? "
                               "WHERE fingerprint = ?", (outcome.reason, now, fp))
                else:
                    db.execute("UPDATE records SET state = 'unsent', message = NULL, settled_at = ?, "
                               "first_sent_at = NULL WHERE fingerprint = ?", (now, fp))

    def forget_created(self, dex_ids: Sequence[str]) -> None:
        """Writes down that `dex_ids` were deleted from Dex (by undo): their records will be sent again by the
        next import, and `created_in_run` no longer lists them."""
        now = stamp(self._now())
        with self._write() as db:
            for dex_id in dex_ids:
                db.execute("UPDATE created SET deleted_at = ? WHERE dex_id = ?", (now, dex_id))
                db.execute("UPDATE records SET state = 'unsent', dex_id = NULL, settled_at = ? "
                           "WHERE state = 'created' AND dex_id = ?", (now, dex_id))

    def note_id_mode(self, mode: str) -> None:
        """Writes down what Dex does with the contact ids this run sends (keep, ignore, refuse), durably."""
        with self._write() as db:
            db.execute("UPDATE runs SET id_mode = ? WHERE id = ?", (mode, self.run_id))

    def id_mode(self) -> str | None:
        """Returns what Dex did with the contact ids in the newest run that saw it, None if no run did."""
        with self._lock:
            row = self._conn.execute("SELECT id_mode FROM runs WHERE id_mode IS NOT NULL ORDER BY rowid DESC "
                                     "LIMIT 1").fetchone()
        return None if row is None else str(row[0])

    def finish(self, counts: Mapping[str, int], *, stopped: str | None = None, reports: Sequence[str] = ()) -> None:
        """Marks this run finished with its counts (created, skipped, failed, unknown; deleted, kept for an
        undo), why it stopped early, if it did, and the failure reports it wrote."""
        with self._write() as db:
            db.execute("UPDATE runs SET finished_at = ?, counts = ?, stopped = ? WHERE id = ?",
                       (stamp(self._now()), json.dumps(dict(counts)), stopped, self.run_id))
            db.execute("UPDATE run_details SET reports = ? WHERE run_id = ?",
                       (json.dumps([str(r) for r in reports]), self.run_id))


class _CreatedIds(AbstractSet[str]):
    """The Dex ids in a journal's `created` table, read from it at each question."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn, self._lock = conn, lock

    def __contains__(self, dex_id: object) -> bool:
        if not isinstance(dex_id, str):
            return False
        with self._lock:
            return self._conn.execute("SELECT 1 FROM created WHERE dex_id = ?", (dex_id,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        with self._lock:  # all at once: the connection is shared with the sending threads (only tests iterate)
            rows = self._conn.execute("SELECT dex_id FROM created").fetchall()
        return (row[0] for row in rows)

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM created").fetchone()[0])


class JournalHooks(SendHooks[K], Generic[K]):
    """`SendHooks` writing each batch to a journal: sent before it goes out, settled when its answer is in."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def before_send(self, batch: Batch[K]) -> None:
        """Writes the batch down as sent (durably) before the request goes out."""
        self.journal.mark_sent(batch.number, batch.contacts)

    def settled(self, batch: Batch[K], outcomes: dict[K, Outcome]) -> None:
        """Writes the decided outcomes down (durably); the batch's other records stay in flight until they
        are sent again, so a crash in between leaves them to be looked up rather than resent."""
        by_key = dict(zip(batch.keys, batch.contacts))
        self.journal.mark_settled({fingerprint(by_key[key]): outcome for key, outcome in outcomes.items()})


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
