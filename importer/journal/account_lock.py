"""Returns the lock one Dex account is held with while an import or undo runs in it.

Each journal has its own lock, but two imports of the same people with different journals (another
``--journal``, another copy of the export) would each find nobody in Dex and both create them. So an import or
undo also holds one lock per Dex account, a file in the data folder named after the API URL and the account id,
and a second one is refused with who holds it (process id, command, since when).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from importer.errors import ImporterError


class AccountBusy(ImporterError):
    """Another dex-import holds the Dex account (`holder` says who, as far as it wrote it down)."""

    def __init__(self, message: str, holder: dict[str, object]) -> None:
        self.holder = holder
        super().__init__(message)


def lock_folder() -> Path:
    """Returns the folder of the account locks: ``<user data dir>/dex-importer/locks``."""
    return Path(platformdirs.user_data_dir("dex-importer", appauthor=False)) / "locks"


@contextlib.contextmanager
def account_lock(api_url: str, account_id: str, *, what: str, folder: Path | None = None) -> Iterator[Path]:
    """Yields the lock file of the account while holding it; AccountBusy when another process (or another
    run in this one) holds it. `what` is written in it for the message the other side sees."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the journals' own locks still hold
        yield Path()
        return
    folder = folder or lock_folder()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{api_url}\0{account_id}".encode()).hexdigest()[:24]
    path = folder / f"account-{digest}.lock"
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except ValueError:
                holder = {}
            who = (f"process {holder.get('pid', '?')} ({holder.get('what', 'dex-import')}, "
                   f"since {holder.get('since', '?')})")
            raise AccountBusy(f"another dex-import is working in this Dex account: {who}; wait for it to "
                              "end (two imports at once would both create the same people)", holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "what": what,
                                 "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
