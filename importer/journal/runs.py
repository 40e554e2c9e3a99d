"""Returns where an import's journal is and what runs the journals hold: the default journal of an account
and its inputs, and the runs of one journal or of every journal in the data folder (``dex-import runs``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from importer.errors import InputError, UsageError
from importer.journal.file import JournalBusy, connect
from importer.journal.store import Journal
from importer.report.older import where_now

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RunInfo:
    """One run of a journal, for ``dex-import runs``: its state is finished, stopped: why, interrupted,
    or what kept the journal from being read; counts are the run's own when it finished, else the journal's;
    `kind` is import or undo; `api_url` and `email` say which Dex account it went to (None for a run of an
    older dex-import, which did not write them down); `reports` are the failure reports it wrote, where
    they are now (`list_runs` follows those a later run moved to the data folder);
    `id_mode` is what Dex did with the contact ids it sent (keep, ignore, refuse), None when no answer said."""

    run_id: str
    journal: Path
    inputs: tuple[str, ...]
    started_at: str | None
    finished_at: str | None
    state: str
    counts: Mapping[str, int]
    kind: str = "import"
    api_url: str | None = None
    email: str | None = None
    reports: tuple[str, ...] = ()
    id_mode: str | None = None

    @property
    def short_id(self) -> str:
        """Returns the run id's last part, its four random hex digits (``3f2a``): `find_run` takes it.

        >>> RunInfo("2026-12-02T09:00:00Z-3f2a", Path("j"), (), None, None, "finished", {}).short_id
        '3f2a'
        """
        return self.run_id.rsplit("-", 1)[-1] if "-" in self.run_id else self.run_id

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form of ``dex-import runs --json``."""
        return {"run": self.run_id, "short_id": self.short_id, "kind": self.kind, "api_url": self.api_url,
                "email": self.email, "journal": str(self.journal), "inputs": list(self.inputs),
                "started": self.started_at, "finished": self.finished_at, "state": self.state,
                "counts": dict(self.counts), "reports": list(self.reports), "contact_ids": self.id_mode}


def journal_folder() -> Path:
    """Returns the folder of the default journals: ``<user data dir>/dex-importer/journals``."""
    return Path(platformdirs.user_data_dir("dex-importer", appauthor=False)) / "journals"


def open_import_journal(account_id: str, inputs: Sequence[str | os.PathLike[str]], *,
                        path: str | os.PathLike[str] | None = None, fresh: bool = False,
                        api_url: str | None = None, email: str | None = None) -> Journal:
    """Returns the journal of importing `inputs` into the account `account_id` (at `api_url`, whose email is
    `email`), a new run started in it: the journal at `path` when given, else the default one of that account
    and those inputs (see `default_journal_path`). `fresh` archives it first and starts over."""
    where = Path(path) if path is not None else default_journal_path(account_id, inputs)
    return Journal.open(where, account_id=account_id, inputs=[os.path.abspath(p) for p in inputs], fresh=fresh,
                        api_url=api_url, email=email)


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
    details: dict[str, tuple[str, str | None, str | None, str | None]] = {}
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_details'").fetchone():
        for run, kind, api_url, email, reports in conn.execute(
                "SELECT run_id, kind, api_url, email, reports FROM run_details"):
            details[run] = (kind, api_url, email, reports)
    infos = []
    for run, started, finished, inputs, counts, stopped, id_mode in conn.execute(
            "SELECT id, started_at, finished_at, inputs, counts, stopped, id_mode FROM runs ORDER BY rowid"):
        if finished is None:
            state = "interrupted"  # the journal was free to open: no import is running it
        else:
            state = f"stopped: {stopped}" if stopped else "finished"
        known = json.loads(counts) if counts else {"created": 0, "failed": 0, "unknown": 0, **seen.get(run, {})}
        files = tuple(json.loads(inputs))
        # an older dex-import wrote no details: its undo runs are the ones without inputs
        kind, api_url, email, reports = details.get(run, ("import" if files else "undo", None, None, None))
        infos.append(RunInfo(run, path, files, started, finished, state, known, kind, api_url, email,
                             tuple(json.loads(reports)) if reports else (), id_mode))
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
    # a report a later run of the same input moved to the data folder is listed where it is now
    now_at = iter(where_now([path for info in infos for path in info.reports]))
    infos = [replace(info, reports=tuple(next(now_at) for _ in info.reports)) if info.reports else info
             for info in infos]
    return sorted(infos, key=lambda r: (r.started_at is None, r.started_at or ""))  # unreadable ones last


def find_run(runs: Sequence[RunInfo], wanted: str) -> RunInfo:
    """Returns the import run named by `wanted`: its id, a prefix of exactly one run's id, its short id
    (``3f2a``, the last part), or ``last`` (the newest import; runs of undo are never chosen by ``last``).
    UsageError when none or several match.

    >>> find_run([RunInfo("2026-12-02T09:00:00Z-3f2a", Path("j"), ("a.csv",), "2026-12-02", None, "finished", {})],
    ...          "2026-12-02T09").run_id
    '2026-12-02T09:00:00Z-3f2a'
    """
    known = [r for r in runs if r.run_id != "-"]
    imports = [r for r in known if r.kind == "import"]  # an undo is a run too
    if wanted == "last":
        if not imports:
            raise UsageError("no import in the journals yet: nothing to undo")
        return imports[-1]
    exact = [r for r in known if r.run_id == wanted]
    # a prefix names an import: the undo runs started in the same second must not make it ambiguous
    found = exact or [r for r in imports if r.run_id.startswith(wanted)] or \
        [r for r in imports if r.short_id == wanted.lower()]  # the short id `runs` shows
    if not found:
        raise UsageError(f"no run {wanted!r} in the journals; `dex-import runs` lists them")
    if len(found) > 1:
        raise UsageError(f"{wanted!r} names {len(found)} runs ({', '.join(r.run_id for r in found[:5])}"
                         f"{', ...' if len(found) > 5 else ''}): give more of the run id")
    return found[0]
