"""Keeps one failure report beside each input: a run of an input moves that input's earlier reports into the
data folder, and remembers where each went, so that ``dex-import runs`` lists every run's reports where
they are now.

The reports of an input are the files beside it named as its default report is (see
`importer.report.failures.default_report_path`): ``Connections.failures-20260105-093000.csv`` (or with a
``-2`` when two runs started in the same second) for ``Connections.csv``; for a vCard input the ``.vcf``
ones, with the CSV of reasons an older dex-import wrote beside each. Inputs are told apart by their
resolved path and so by their folder; two inputs of one folder whose names differ only by extension
(``people.csv`` and ``people.xlsx``) share their reports' names, and so each run of one moves the other's.
A report given with ``--report`` is never moved: its path is the person's choice.

The data folder is ``<user data dir>/dex-importer/reports`` (beside the journals); ``moved.jsonl`` there
holds one line per report moved, from where to where. A report's name is never used twice (`fresh_name`),
so a path in a journal names one report only.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

MOVES = "moved.jsonl"


def reports_folder() -> Path:
    """Returns the folder the earlier failure reports move to: ``<user data dir>/dex-importer/reports``."""
    import platformdirs  # (only when a report is moved or looked for: not at every start)

    return Path(platformdirs.user_data_dir("dex-importer", appauthor=False)) / "reports"


def earlier_reports(default: Path, *, keep: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    """Returns the reports beside the input whose default report is `default`, but for those in `keep`,
    oldest name first."""
    pattern = _pattern(default)
    kept = {os.path.abspath(p) for p in keep}
    try:
        names = sorted(entry.name for entry in os.scandir(default.parent or Path(".")) if entry.is_file())
    except OSError:
        return []
    found = [default.parent / name for name in names if pattern.fullmatch(name)]
    if default.suffix.lower() == ".vcf":  # an older dex-import wrote the reasons beside each card report
        cards = {p.with_suffix("") for p in found}
        found += [default.parent / name for name in names
                  if name.lower().endswith(".csv") and (default.parent / name).with_suffix("") in cards]
    return sorted((p for p in found if os.path.abspath(p) not in kept), key=lambda p: p.name)


def fresh_name(path: Path, *, folder: Path | None = None) -> Path:
    """Returns `path`, or `path` with ``-2``, ``-3``... before its extension: a name no file has, and no
    report had before it was moved into `folder` (default `reports_folder()`)."""
    moved = set(_moves(folder or reports_folder()))
    candidate, n = path, 1
    while candidate.exists() or os.path.abspath(candidate) in moved:
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def move_aside(paths: Sequence[Path], *, folder: Path | None = None,
               now: datetime | None = None) -> list[tuple[str, str]]:
    """Moves each of `paths` into `folder` (default `reports_folder()`), under its own name or one made
    unique there, and returns (from, to) of each, absolute; OSError when one cannot be moved (those before
    it are moved and noted)."""
    target = folder or reports_folder()
    moved: list[tuple[str, str]] = []
    if not paths:
        return moved
    os.makedirs(target, exist_ok=True)
    when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in paths:
        source = os.path.abspath(path)
        destination = _free(target / path.name)
        _move(source, destination)
        moved.append((source, str(destination)))
        line = json.dumps({"from": source, "to": str(destination), "at": when}, ensure_ascii=False) + "\n"
        # one short line in one append: lines of two runs never interleave
        fd = os.open(target / MOVES, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    return moved


def where_now(paths: Iterable[str], *, folder: Path | None = None) -> list[str]:
    """Returns where each report of `paths` (as a run wrote it down) is now: in the data folder when a later
    run moved it there, else where it was written."""
    moves = _moves(folder or reports_folder())
    found = []
    for path in paths:
        current, seen = path, set()
        while current in moves and current not in seen:
            seen.add(current)
            current = moves[current]
        found.append(current)
    return found


def _pattern(default: Path) -> re.Pattern[str]:
    """Returns what the names of the reports sharing `default`'s input look like (any time, any ``-n``)."""
    stem, suffix = default.stem, default.suffix
    prefix = stem[: stem.rindex(".failures-")] if ".failures-" in stem else stem
    return re.compile(re.escape(prefix) + r"\.failures-\d{8}-\d{6}(?:-\d+)?" + re.escape(suffix), re.IGNORECASE)


def _moves(folder: Path) -> Mapping[str, str]:
    """Returns the moves noted in `folder`, from -> to; a line cut short (a crash mid-append) is skipped."""
    moves: dict[str, str] = {}
    with contextlib.suppress(OSError), open(folder / MOVES, encoding="utf-8") as handle:
        for line in handle:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = json.loads(line)
                moves[str(entry["from"])] = str(entry["to"])
    return moves


def _free(path: Path) -> Path:
    """Returns `path`, or `path` with ``-2``, ``-3``... before its extension: a name no file has."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _move(source: str, destination: Path) -> None:
    """Moves `source` to `destination`: a rename, or across file systems a synced copy renamed into place
    before the source is removed (never a half report in either place)."""
    try:
        os.rename(source, destination)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    try:
        with open(source, "rb") as src, open(fd, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    os.unlink(source)
