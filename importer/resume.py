"""Returns what is needed to pick an import up again: its journal's place, its earlier runs, and the outcome
of the batches a crash left in flight.

- `default_journal_path`: one journal per Dex account and input, so running the same export again resumes it;
- `settle_in_flight`: before a rerun sends anything, the contacts of batches sent but never settled (the
  process died, or a lookup could not tell) are looked up in Dex, exactly as for an answer lost mid-run;
- `list_runs`: the runs of a journal, or of every journal in a folder, for ``dex-import runs``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from importer.client import (
    AuthError,
    DexClient,
    DexError,
    OutcomeUnknown,
    SurelyNotCreated,
)
from importer.errors import InputError
from importer.journal import Journal
from importer.journal_file import JournalBusy, connect
from importer.lookup import Found, find_created
from importer.outcomes import SendPolicy, Unknown
from importer.pacing import Pacer

T = TypeVar("T")
_CHUNK = 1 << 20
_SKEW = SendPolicy().clock_skew  # how far Dex's created_at may lag our clock


@dataclass(frozen=True)
class RunInfo:
    """One run of a journal, for ``dex-import runs``: its state is finished, stopped: why, interrupted,
    or what kept the journal from being read; counts are the run's own when it finished, else the journal's."""

    run_id: str
    journal: Path
    inputs: tuple[str, ...]
    started_at: str | None
    finished_at: str | None
    state: str
    counts: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form of ``dex-import runs --json``."""
        return {"run": self.run_id, "journal": str(self.journal), "inputs": list(self.inputs),
                "started": self.started_at, "finished": self.finished_at, "state": self.state,
                "counts": dict(self.counts)}


def journal_folder() -> Path:
    """Returns the folder of the default journals: ``<user data dir>/dex-importer/journals``."""
    return Path(platformdirs.user_data_dir("dex-importer", appauthor=False)) / "journals"


def default_journal_path(account_id: str, inputs: Sequence[str | os.PathLike[str]], *,
                         folder: Path | None = None) -> Path:
    """Returns the journal of importing `inputs` into the Dex account `account_id` (GET /users/me's id).

    Named after the first input and a hash of the account and of each input's absolute path, size and
    content: the same export imported again maps to the same journal, an edited or other file to another.
    """
    paths = sorted(Path(p).resolve() for p in inputs)  # the same files in another order: the same import
    digest = hashlib.sha256(b"dex-import journal\0" + account_id.encode() + b"\0")
    for path in paths:
        try:
            size = path.stat().st_size
            content = hashlib.sha256()
            with path.open("rb") as stream:
                while chunk := stream.read(_CHUNK):
                    content.update(chunk)
        except OSError as exc:
            raise InputError(f"cannot read the file ({exc.strerror})", path=str(path),
                             hint="Check the path and the file's permissions") from None
        digest.update(f"{path}\0{size}\0{content.hexdigest()}\0".encode())
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", paths[0].stem)[:40] if paths else "import"
    return (folder or journal_folder()) / f"{stem}-{digest.hexdigest()[:16]}.sqlite"


def patient_read(sleep: Callable[[float], None] = time.sleep, *, attempts: int = 5,
                 clock: Callable[[], float] = time.monotonic, rate: float = 1.0
                 ) -> Callable[[Callable[[], T]], T]:
    """Returns a wrapper that runs read-only Dex calls paced to Dex's limit (`Pacer`, as the sends are).

    A 429 only means slow down: it is never counted against the call, which waits out Retry-After and goes
    again. A 503, an unreachable server or a lost answer is retried with backoff (0.5 s, 1 s, 2 s...) up to
    `attempts` times; then the last failure is raised. Reads change nothing in Dex, so asking again is safe.
    `rate` is the pace to start at, in requests per second (public clients assume about 1).
    """
    pacer = Pacer(rate=rate, min_rate=0.1, max_rate=100.0, clock=clock, sleep=sleep)

    def read(call: Callable[[], T]) -> T:
        failures = 0
        while True:
            slot = pacer.wait()
            assert slot is not None  # no cancel given: wait() always returns a slot
            try:
                result = call()
            except SurelyNotCreated as exc:
                if exc.status_code == 429:
                    pacer.throttled(slot, exc.retry_after)
                    continue
                failures += 1
                if failures >= attempts:
                    raise
                pacer.pause(exc.retry_after if exc.retry_after is not None else min(30.0, 0.5 * 2 ** (failures - 1)))
                continue
            except OutcomeUnknown:
                failures += 1
                if failures >= attempts:
                    raise
                pacer.pause(min(30.0, 0.5 * 2 ** (failures - 1)))
                continue
            pacer.answered(slot)
            return result
    return read


def settle_in_flight(journal: Journal, client: DexClient, *, unknown_too: bool = True,
                     clock_skew: timedelta = _SKEW,
                     read: Callable[[Callable[[], Any]], Any] | None = None) -> dict[str, Found]:
    """Returns, by fingerprint, what became of each record an earlier run left in flight (or unknown):
    Created(id) found in Dex, None not found (it will simply be sent again), Unknown when undecidable.

    Nothing is ever sent here. The lookup reaches back to when each batch first went out, less `clock_skew`,
    and never claims a contact this journal already knows it created. Outcomes are written to the journal;
    when the lookup itself fails, the records stay in flight (for the next run) and come back Unknown.
    AuthError is raised: nothing can be done with that key.
    """
    pending = journal.in_flight(unknown_too=unknown_too)
    if not pending:
        return {}
    fingerprints = [fp for batch in pending for fp in batch.fingerprints]
    contacts = [contact for batch in pending for contact in batch.contacts]
    since = min(batch.first_sent_at for batch in pending) - clock_skew
    try:
        found = find_created(contacts, client, since=since, exclude=journal.created_ids(),
                             read=read or patient_read())
    except AuthError:
        raise
    except DexError as exc:
        reason = f"sent by an earlier run that did not finish, and the lookup failed: {exc.describe()}"
        return {fp: Unknown(reason) for fp in fingerprints}
    outcomes = dict(zip(fingerprints, found))
    journal.mark_settled(outcomes)
    return outcomes


def run_infos(conn: sqlite3.Connection, path: Path) -> list[RunInfo]:
    """Returns the runs recorded in the journal open on `conn`, oldest first."""
    seen: dict[str, dict[str, int]] = {}
    for run, state, count in conn.execute(
            "SELECT b.run_id, r.state, count(*) FROM records r JOIN batches b ON b.id = r.batch_id "
            "WHERE r.state IN ('failed', 'unknown', 'in_flight') GROUP BY b.run_id, r.state"):
        key = "failed" if state == "failed" else "unknown"  # still in flight: nobody knows yet
        seen.setdefault(run, {})[key] = seen.get(run, {}).get(key, 0) + count
    for run, count in conn.execute("SELECT run_id, count(*) FROM created GROUP BY run_id"):
        seen.setdefault(run, {})["created"] = count
    infos = []
    for run, started, finished, inputs, counts, stopped in conn.execute(
            "SELECT id, started_at, finished_at, inputs, counts, stopped FROM runs ORDER BY rowid"):
        if finished is None:
            state = "interrupted"  # the journal was free to open: no import is running it
        else:
            state = f"stopped: {stopped}" if stopped else "finished"
        known = json.loads(counts) if counts else {"created": 0, "failed": 0, "unknown": 0, **seen.get(run, {})}
        infos.append(RunInfo(run, path, tuple(json.loads(inputs)), started, finished, state, known))
    return infos


def list_runs(where: str | os.PathLike[str] | None = None) -> list[RunInfo]:
    """Returns every run of the journal file `where`, or of every journal in the folder `where` (default:
    `journal_folder()`), oldest first; a journal in use or unreadable is one row saying so, at the end."""
    place = Path(where) if where is not None else journal_folder()
    files: Collection[Path] = [place] if place.is_file() else sorted(place.glob("*.sqlite"))
    infos: list[RunInfo] = []
    for file in files:
        try:
            conn = connect(file, create=False)
        except JournalBusy:
            infos.append(RunInfo("-", file, (), None, None, "in use by a running import", {}))
            continue
        except InputError as exc:
            infos.append(RunInfo("-", file, (), None, None, f"unreadable: {exc.message}", {}))
            continue
        try:
            infos += run_infos(conn, file)
        finally:
            conn.close()
    return sorted(infos, key=lambda r: (r.started_at is None, r.started_at or ""))  # unreadable ones last
