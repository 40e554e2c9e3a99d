"""Returns what every earlier dex-import run created in one Dex account, whichever journal holds it.

A journal belongs to one account and one input (`runs.default_journal_path`): a moved, copied or edited file,
or ``--fresh``, starts a new one. So that a new journal is no excuse to create a person twice, an import
consults every journal of its account: the ones in the data folder (archived ones included) and the archives
``--fresh`` left beside its own. `Earlier` holds, in a private temporary SQLite file (a run may know a million
contacts), each contact some run created and no undo deleted, and who of this run has claimed it:

- `note` each record of the run (its fingerprint, and the contact its own journal says it is), `keep_only`
  the contacts Dex still has (Dex is trusted over any journal), then `settle`: a record whose contact, exactly
  as sent, some run created gets that contact (`done_at`);
- `others(fp)`: the contacts claimed by records other than `fp`, which the account check never matches, and
  `claim` what it matched: a contact made for one record never matches another;
- `want` the records with a name and nothing else (no email, LinkedIn handle or company: the account check
  cannot find them), then `by_name`: each, in reading order, gets the oldest unclaimed contact a run created
  with the same name, so that two namesakes in one file stay two.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importer.errors import InputError
from importer.journal.file import connect
from importer.journal.runs import journal_folder
from importer.journal.store import MADE_SQL, Journal
from importer.model import Contact
from importer.normalize.keys import fold_text, name_keys

_SCHEMA = """
CREATE TABLE made (dex_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, run_id TEXT, seq INTEGER NOT NULL,
                   owner TEXT);
CREATE INDEX made_fp ON made (fingerprint, seq);
CREATE TABLE names (name TEXT NOT NULL, dex_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX names_name ON names (name, seq);
CREATE TABLE noted (position INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, own TEXT, dex_id TEXT, run_id TEXT);
CREATE TABLE wanted (position INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, names TEXT NOT NULL,
                     labels TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Made:
    """A contact an earlier run created: its Dex id and the run."""

    dex_id: str
    run_id: str | None


def name_only(contact: Contact) -> bool:
    """Returns True when `contact` has a name and nothing the account check could find it by: no email, no
    LinkedIn handle, no company.

    >>> name_only({"first_name": "Ann", "last_name": "Example", "job_title": "Engineer"})
    True
    >>> name_only({"full_name": "Ann Example", "company": "Example Co"})
    False
    """
    emails = [e for e in contact.get("contact_emails") or () if isinstance(e, dict) and fold_text(e.get("email"))]
    return bool(name_keys(contact)) and not emails and not fold_text(contact.get("linkedin")) \
        and not fold_text(contact.get("company"))


def account_journals(journal: Journal, *, folder: Path | None = None) -> list[Path]:
    """Returns the other journal files an import with `journal` consults: every ``*.sqlite`` in the data
    folder (archives included), and the archives ``--fresh`` left beside `journal`, in name order."""
    own = journal.path.resolve()
    found: dict[Path, None] = {}
    place = folder if folder is not None else journal_folder()
    candidates = sorted(place.glob("*.sqlite")) if place.is_dir() else []
    candidates += sorted(journal.path.parent.glob(f"{journal.path.stem}.archived-*{journal.path.suffix}"))
    for path in candidates:
        if path.is_file() and path.resolve() != own:
            found.setdefault(path.resolve())
    return list(found)


class Earlier:
    """The contacts earlier runs created in one account (see the module's docstring); close it when done.

    `journals` are the files read, `skipped` those that could not be (in use, damaged, not a journal)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # "" opens a private temporary database, on disk past SQLite's small cache, gone when closed
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")  # never committed: nothing here outlives the run
        self._seq = 0
        self.journals: list[Path] = []
        self.skipped: list[Path] = []

    @classmethod
    def load(cls, journal: Journal, *, folder: Path | None = None) -> Earlier:
        """Returns what the runs of `journal` and of every other journal of its account created (see
        `account_journals`); a journal of another account is left out, one that cannot be read is `skipped`."""
        earlier = cls()
        earlier._add(journal.made_rows())
        for path in account_journals(journal, folder=folder):
            try:
                conn = connect(path, create=False, verify=False)
            except InputError:
                earlier.skipped.append(path)  # in use, damaged or not a journal: it tells nothing
                continue
            try:
                owner = conn.execute("SELECT value FROM meta WHERE key = 'account_id'").fetchone()
                if owner is None or owner[0] != journal.account_id:
                    continue
                earlier.journals.append(path)
                earlier._add(_rows(conn))
            except sqlite3.Error:
                earlier.skipped.append(path)
            finally:
                conn.close()
        return earlier

    def close(self) -> None:
        """Throws it all away."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Earlier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM made").fetchone()[0])

    def _add(self, rows: Iterable[tuple[str, str, str | None, str | None]]) -> None:
        for dex_id, fp, run_id, text in rows:
            try:
                contact = json.loads(text) if text else {}
            except ValueError:
                contact = {}
            with self._lock:
                self._seq += 1
                added = self._db.execute("INSERT OR IGNORE INTO made VALUES (?, ?, ?, ?, NULL)",
                                         (dex_id, fp, run_id, self._seq)).rowcount
                if added and isinstance(contact, dict):
                    self._db.executemany("INSERT INTO names VALUES (?, ?, ?)",
                                         [(name, dex_id, self._seq) for name in sorted(name_keys(contact))])

    def keep_only(self, present: Container[str]) -> list[str]:
        """Returns the ids of the contacts earlier runs created that Dex no longer has, forgotten here."""
        with self._lock:
            gone = [row[0] for row in self._db.execute("SELECT dex_id FROM made") if row[0] not in present]
            for start in range(0, len(gone), 500):
                chunk = gone[start:start + 500]
                marks = ",".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM made WHERE dex_id IN ({marks})", chunk)
                self._db.execute(f"DELETE FROM names WHERE dex_id IN ({marks})", chunk)
        return gone

    # -- the run's records -----------------------------------------------------------------------------

    def note(self, position: int, fp: str, own: str | None = None) -> None:
        """Writes down the record at `position` with fingerprint `fp`; `own`: the contact its own journal
        says a run created for it."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO noted (position, fingerprint, own) VALUES (?, ?, ?)",
                             (position, fp, own))

    def settle(self) -> None:
        """Gives each noted record, in reading order, the contact a run created from exactly the same contact:
        the one its own journal names when Dex still has it (the caller decides it), else the oldest."""
        with self._lock:
            noted = self._db.execute("SELECT position, fingerprint, own FROM noted ORDER BY position").fetchall()
            for position, fp, own in noted:
                if own is not None and self._take(own, fp):
                    continue
                row = self._db.execute("SELECT dex_id, run_id FROM made WHERE fingerprint = ? AND "
                                       "(owner IS NULL OR owner = ?) ORDER BY seq LIMIT 1", (fp, fp)).fetchone()
                if row is not None and self._take(row[0], fp):
                    self._db.execute("UPDATE noted SET dex_id = ?, run_id = ? WHERE position = ?",
                                     (row[0], row[1], position))

    def _take(self, dex_id: str, owner: str) -> bool:
        """Returns True when `dex_id` (a contact a run created, Dex still has) is now claimed by `owner`."""
        return self._db.execute("UPDATE made SET owner = ? WHERE dex_id = ? AND (owner IS NULL OR owner = ?)",
                                (owner, dex_id, owner)).rowcount > 0

    def done_at(self, position: int) -> Made | None:
        """Returns the contact `settle` gave the record at `position`, None when none."""
        with self._lock:
            row = self._db.execute("SELECT dex_id, run_id FROM noted WHERE position = ? AND dex_id IS NOT NULL",
                                   (position,)).fetchone()
        return None if row is None else Made(row[0], row[1])

    def claim(self, dex_id: str, fp: str) -> None:
        """Writes down that the record with fingerprint `fp` matched `dex_id` (nothing when no run made it)."""
        with self._lock:
            self._take(dex_id, fp)

    def others(self, fp: str) -> Container[str]:
        """Returns the contacts runs created that records other than `fp` have claimed (asked as needed)."""
        return _ClaimedByOthers(self, fp)

    def _claimed_by_other(self, dex_id: str, fp: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT owner FROM made WHERE dex_id = ?", (dex_id,)).fetchone()
        return row is not None and row[0] is not None and row[0] != fp

    def want(self, position: int, fp: str, contact: Contact, labels: Sequence[str]) -> None:
        """Writes down a record with a name and nothing else, for `by_name` (with its labels, for the caller)."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO wanted VALUES (?, ?, ?, ?)",
                             (position, fp, json.dumps(sorted(name_keys(contact))), json.dumps(list(labels))))

    def by_name(self) -> Iterator[tuple[int, Made | None, list[str]]]:
        """Yields each wanted record's position, the contact it gets (None: none), and its labels, in reading
        order: the oldest contact a run created with one of its names that no other record has claimed."""
        with self._lock:
            wanted = self._db.execute("SELECT position, fingerprint, names, labels FROM wanted "
                                      "ORDER BY position").fetchall()
        for position, fp, names, labels in wanted:
            keys: list[str] = json.loads(names)
            with self._lock:
                row = self._db.execute(
                    f"SELECT m.dex_id, m.run_id FROM names n JOIN made m ON m.dex_id = n.dex_id WHERE n.name IN "
                    f"({','.join('?' * len(keys))}) AND (m.owner IS NULL OR m.owner = ?) ORDER BY m.seq LIMIT 1",
                    (*keys, fp)).fetchone() if keys else None
                if row is not None:
                    self._take(row[0], fp)
            yield position, (Made(row[0], row[1]) if row is not None else None), list(json.loads(labels))


class _ClaimedByOthers(Container[str]):
    def __init__(self, earlier: Earlier, fp: str) -> None:
        self.earlier, self.fp = earlier, fp

    def __contains__(self, dex_id: object) -> bool:
        return isinstance(dex_id, str) and self.earlier._claimed_by_other(dex_id, self.fp)


def _rows(conn: sqlite3.Connection) -> Iterator[tuple[str, str, str | None, str | None]]:
    """Yields the rows of `MADE_SQL` from another journal's connection, a thousand at a time."""
    cursor: Any = conn.execute(MADE_SQL)
    while rows := cursor.fetchmany(1000):
        yield from rows
