"""Writes what the CLI prints besides text: JSON written as it is made, the progress bars on stderr, and the
possible duplicates to decide on (with the options that read the decisions back)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO


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


class ReadBar:
    """A tqdm bar of the bytes read so far (the record count is not known before the end)."""

    def __init__(self, err: TextIO) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="B", unit_scale=True, file=err, dynamic_ncols=True, desc="Reading",
                        leave=False)

    def update(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def read_bar(err: TextIO, *, quiet: bool) -> ReadBar | None:
    """Returns a bar of the reading on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not (hasattr(err, "isatty") and err.isatty()):
        return None
    return ReadBar(err)


def progress_bar(total: int, err: TextIO, *, quiet: bool) -> Any:
    """Returns a tqdm bar on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not (hasattr(err, "isatty") and err.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="contact", file=err, dynamic_ncols=True, desc="Importing")


def plan_options(args: Any) -> dict[str, Any]:
    """Returns `make_plan`'s options of who is the same person: --no-merge, --merge, --merge-decisions."""
    decisions = None
    if args.merge_decisions:
        from importer.plan.decisions import read_decisions

        decisions = read_decisions(args.merge_decisions)
    return {"merge": not args.no_merge, "strict": args.merge == "strict", "decisions": decisions}


def write_pairs(path: str | None, summary: Any) -> str:
    """Returns what to say after writing the possible duplicates of `summary` to `path` ("" without one)."""
    if not path:
        return ""
    from importer.plan.decisions import write_possible_duplicates

    count = write_possible_duplicates(path, summary.possible_duplicates)
    return (f"Wrote {count} possible duplicates to {path}: write accept or reject in its first column, then "
            "pass it with --merge-decisions")
