"""Returns the journal's SQLite file opened, locked and checked; archives it for ``--fresh``.

A journal is a SQLite file in WAL mode with ``synchronous=FULL``, held with an exclusive lock for as long as
an import runs (a second import meets `JournalBusy`). Its ``application_id`` tells it from any other SQLite
file and its ``user_version`` from a newer dex-import's; anything else that is wrong with it is an
InputError saying how to go on (another file, or ``--fresh``, which moves the old one aside).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from importer.errors import InputError

APPLICATION_ID = 0x44455849  # "DEXI": tells a journal from any other SQLite file
SCHEMA_VERSION = 2  # 2: runs.id_mode
OR_START_OVER = "pass --journal with another file, or --fresh to start over (the old journal is kept beside it)"
START_OVER = OR_START_OVER[0].upper() + OR_START_OVER[1:]


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, inputs TEXT NOT NULL,
                   counts TEXT, stopped TEXT, id_mode TEXT);
CREATE TABLE batches (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs (id),
                      number INTEGER NOT NULL, sent_at TEXT NOT NULL, UNIQUE (run_id, number));
CREATE TABLE records (fingerprint TEXT PRIMARY KEY, state TEXT NOT NULL, batch_id INTEGER REFERENCES batches (id),
                      first_sent_at TEXT, contact TEXT NOT NULL, file TEXT, line INTEGER, dex_id TEXT,
                      message TEXT, settled_at TEXT);
CREATE INDEX records_state ON records (state);
CREATE TABLE created (dex_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, run_id TEXT NOT NULL,
                      created_at TEXT, updated_at TEXT, deleted_at TEXT);
CREATE INDEX created_run ON created (run_id);
"""

RUN_DETAILS = """CREATE TABLE IF NOT EXISTS run_details (run_id TEXT PRIMARY KEY REFERENCES runs (id), kind TEXT NOT NULL,
                                        api_url TEXT, email TEXT, reports TEXT)"""
"""What `runs` shows of a run besides its counts: import or undo, the Dex URL and account email, the failure
reports it wrote. Created when a run starts, so that a journal of an older dex-import gains it; an older
dex-import reading a newer journal never looks at it (the schema version stays)."""


class JournalBusy(InputError):
    """Another dex-import holds the journal (it is importing right now)."""


def connect(path: Path, *, create: bool, verify: bool = True) -> sqlite3.Connection:
    """Returns a locked, checked connection to the journal at `path`; InputError when it is not one.

    `verify` False skips SQLite's integrity check (seconds on a large journal): for a journal only read."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
    except sqlite3.Error as exc:
        raise InputError(f"cannot open the journal ({exc})", path=str(path), hint=f"Check the folder, or {OR_START_OVER}")
    try:
        # EXCLUSIVE before the first WAL access: the lock is held until close, and no -shm file is needed
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _check(conn, path, create=create, verify=verify)
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise JournalBusy("the journal is in use by another dex-import", path=str(path),
                              hint=f"Wait for it to finish, or {OR_START_OVER}") from None
        if "unable to open" in str(exc):
            raise InputError(f"cannot open the journal ({exc})", path=str(path),
                             hint=f"Check the path and its permissions, or {OR_START_OVER}") from None
        raise _damaged(path, exc) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _damaged(path, exc) from None
    except InputError:
        conn.close()
        raise


def _damaged(path: Path, exc: Exception) -> InputError:
    return InputError(f"not a dex-import journal, or damaged ({exc})", path=str(path), hint=START_OVER)


def _check(conn: sqlite3.Connection, path: Path, *, create: bool, verify: bool = True) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id == 0 and tables == 0 and create:
        conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA application_id={APPLICATION_ID}; "
                           f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        return
    if app_id != APPLICATION_ID:
        raise InputError("not a dex-import journal", path=str(path), hint=START_OVER)
    if version > SCHEMA_VERSION:
        raise InputError(f"the journal was written by a newer dex-import (schema {version}, this one reads "
                         f"up to {SCHEMA_VERSION})", path=str(path), hint=f"Upgrade dex-import, or {OR_START_OVER}")
    problems = [row[0] for row in conn.execute("PRAGMA quick_check")] if verify else ["ok"]
    if problems != ["ok"]:
        raise _damaged(path, sqlite3.DatabaseError(problems[0]))
    if version < 2:  # written before runs said what Dex did with the contact ids
        conn.executescript("BEGIN IMMEDIATE; ALTER TABLE runs ADD COLUMN id_mode TEXT; PRAGMA user_version=2; COMMIT;")


def archive(path: Path, *, now: datetime) -> Path | None:
    """Returns where the journal at `path` was moved (``NAME.archived-<time>.sqlite``), or None if absent."""
    if not path.exists():
        return None
    try:
        conn = connect(path, create=False)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file before it moves
        conn.close()
    except JournalBusy:
        raise
    except InputError:
        pass  # damaged: moved aside as it is, WAL and all, for whoever wants to look at it
    when = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.stem}.archived-{when}{path.suffix}")
    for suffix in ("-wal", "-shm", ""):  # the main file last: a journal never lives without its WAL
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, f"{target}{suffix}")
    return target
