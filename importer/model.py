"""The values that flow through the pipeline: records read from files, and notices about them.

A `Record` is one row of a CSV or one card of a vCard file, before mapping: raw text keyed by column name,
plus where it came from. A `Notice` is anything a person should hear about a record or a file (a value that
could not be used, a number that was not sanitized); notices never stop a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Contact = dict[str, Any]
"""A contact object exactly as Dex's create call takes it (see ../shared/seed/dex-create-contacts.txt)."""

EMPTY: tuple[Any, ...] = (None, "", [], {})
"""The values of a contact field that hold nothing."""


def filled_fields(contact: Contact) -> tuple[str, ...]:
    """Returns the names of the contact's fields that hold a value, in its order."""
    return tuple(k for k, v in contact.items() if v not in EMPTY)


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell the person about a record or a file.

    `kind` is a short stable key used to group notices in the preview (``invalid-phone``,
    ``unmapped-column``); `message` is the human sentence; `line` and `column` say where.
    """

    file: str
    line: int | None
    column: str | None
    kind: str
    message: str

    def describe(self) -> str:
        """Return ``file:line: column: message``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        col = f" [{self.column}]" if self.column else ""
        return f"{where}:{col} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``--json``: file, line, column, kind, message."""
        return {"file": self.file, "line": self.line, "column": self.column, "kind": self.kind,
                "message": self.message}


@dataclass(frozen=True, slots=True)
class Record:
    """One row or card of an input file, before mapping.

    `values` maps each column (or vCard pseudo-column) to its raw text, "" when empty; `line` is the
    1-based line of the file where the record starts; `raw` is the record's original text as it stood in
    the file (decoded), kept for the failure report; `row` is the row a spreadsheet shows it on (the header
    of a plain CSV is row 1) when that is not `line` (0: the same), as once quoted cells above it hold line
    breaks.
    """

    file: str
    line: int
    values: Mapping[str, str]
    raw: str = ""
    notices: tuple[Notice, ...] = field(default=())
    row: int = 0


def record_state(r: Record) -> tuple[Any, ...]:
    """Returns `r` as plain tuples, for pickling: file, line, values, raw, notices, row."""
    notices = tuple((n.file, n.line, n.column, n.kind, n.message) for n in r.notices) if r.notices else ()
    return r.file, r.line, r.values, r.raw, notices, r.row


def record_from(state: tuple[Any, ...]) -> Record:
    """Returns the record `record_state` made `state` of."""
    file, line, values, raw, notices, row = state
    return Record(file, line, values, raw, tuple(Notice(*n) for n in notices) if notices else (), row)
