"""Returns the person's decisions on possible duplicates, and writes the file they are made in.

``preview --possible-duplicates FILE`` writes every possible duplicate (`importer.plan.likely`) as one CSV
row: ``decision, score, why, record, name, other record, other name``, the decision empty. The person
writes ``accept`` (or ``merge``, ``yes``) or ``reject`` (``no``, ``keep``) in the first column and passes
the file back with ``--merge-decisions FILE`` to the preview or the import: an accepted pair is merged
like records sharing an email, a rejected pair is no longer listed, an empty decision leaves the pair as it
was. Records are named by file name and line (``Connections.csv:14``), and the name is checked: a row whose
record now holds another name (the file changed since) is left out, with a notice.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from importer.errors import ImporterError, InputError
from importer.model import Notice
from importer.normalize.keys import fold_name
from importer.plan.likely import Likely
from importer.readers.csvfile import inspect_csv, read_csv
from importer.readers.source import open_input
from importer.report.atomic import atomic_text
from importer.report.failures import neutralise, restore

HEADER = ("decision", "score", "why", "record", "name", "other record", "other name")
ACCEPT = frozenset({"accept", "accepted", "merge", "yes", "y", "same"})
REJECT = frozenset({"reject", "rejected", "no", "n", "keep", "keep apart", "different"})

Ref = tuple[str, int]
"""A record as a decision names it: its file's name (no folder) and its line."""


def ref_of(file: str, line: int) -> Ref:
    """Returns how a decision names the record at `file`:`line`."""
    return os.path.basename(file), line


@dataclass
class Decisions:
    """The pairs the person accepted (each with where the decision was written) and rejected, by record."""

    path: str = ""
    accepted: list[tuple[Ref, Ref, int]] = field(default_factory=list)
    rejected: set[frozenset[Ref]] = field(default_factory=set)
    names: dict[Ref, str] = field(default_factory=dict)  # the name each record had in the preview, folded

    def keys_of(self, file: str, line: int, name: str) -> tuple[list[tuple[str, str]], list[Notice]]:
        """Returns the merge keys the record gets from accepted decisions (a key per decision, shared by
        its two records), and a notice for each decision left out because the record's name changed."""
        ref = ref_of(file, line)
        wanted = [n for a, b, n in self.accepted if ref in (a, b)]
        if not wanted:
            return [], []
        if self.names.get(ref, fold_name(name)) != fold_name(name):
            return [], [Notice(self.path, n, None, "stale-decision",
                               f"{ref[0]}:{ref[1]} now holds {name!r}, not the person the decision was made on "
                               "(the file changed since the preview): decision left out; preview again")
                        for n in wanted]
        return [("person by the decision of", f"{os.path.basename(self.path)}:{n}") for n in wanted], []

    def says_two(self, a: tuple[str, int, str], b: tuple[str, int, str]) -> bool:
        """Returns whether the person rejected the pair of records `a` and `b` (file, line, name)."""
        return frozenset((ref_of(a[0], a[1]), ref_of(b[0], b[1]))) in self.rejected


def read_decisions(path: str) -> Decisions:
    """Returns the decisions of a file written by ``--possible-duplicates`` and filled in by the person;
    InputError (file:line, what to write) on a row it cannot read."""
    source = open_input(path)
    info = inspect_csv(source)
    missing = [c for c in HEADER if c not in info.header]
    if missing:
        raise InputError(f"is not a file of merge decisions: no column {', '.join(map(repr, missing))}",
                         path=path, line=info.header_line or None,
                         hint="write it with `dex-import preview FILES --possible-duplicates FILE`, then fill "
                              "in its decision column")
    decisions = Decisions(path)
    for record in read_csv(source, info):
        values = {k: restore(v) for k, v in record.values.items()}
        word = " ".join(values.get("decision", "").split()).lower()
        if not word:
            continue
        refs = []
        for column, name in (("record", "name"), ("other record", "other name")):
            file, _, line = values.get(column, "").strip().rpartition(":")
            if not file or not line.isdigit():
                raise InputError(f"{column} {values.get(column, '')!r} is not FILE:LINE", path=path,
                                 line=record.line, hint="keep the record columns as the preview wrote them")
            refs.append(ref_of(file, int(line)))
            decisions.names[refs[-1]] = fold_name(values.get(name, ""))
        if word in ACCEPT:
            decisions.accepted.append((refs[0], refs[1], record.line))
        elif word in REJECT:
            decisions.rejected.add(frozenset(refs))
        else:
            raise InputError(f"decision {values['decision']!r} is neither accept nor reject", path=path,
                             line=record.line, hint="write accept, reject, or leave it empty")
    return decisions


def write_possible_duplicates(path: str, pairs: Iterable[Likely]) -> int:
    """Returns how many pairs were written to `path` as a CSV to decide on (whole or not at all)."""
    count = 0
    try:
        with atomic_text(path, encoding="utf-8-sig") as handle:  # the BOM: spreadsheets then read UTF-8
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(HEADER)
            for pair in pairs:
                writer.writerow([neutralise(str(cell)) for cell in (
                    "", pair.score, pair.why, f"{pair.first[0]}:{pair.first[1]}", pair.first[2],
                    f"{pair.second[0]}:{pair.second[1]}", pair.second[2])])
                count += 1
    except OSError as exc:
        raise ImporterError(f"--possible-duplicates {path}: cannot be written ({exc.strerror or exc}); "
                            "nothing was sent, and no file was left") from None
    return count
