"""Writes the failure report of an import, and recognises one when it comes back to be imported again.

For CSV (or workbook) input the report is a CSV whose first three columns say where and why: ``dex-import
line`` (the file's physical line where the record starts), ``dex-import row`` (the row a spreadsheet shows
it on, the header being row 1: it is before the line once quoted cells above hold line breaks) and
``dex-import error``; then the original header and each failed row as it was; last ``dex-import mapping``,
the mapping that read it. A person fixes the rows in a spreadsheet and runs ``dex-import import`` on the
report itself: it is recognised by its ``dex-import`` columns wherever they stand (a report of an older
dex-import, which put them last and had no row column, too), and read with the original mapping; those
columns are left out of the contacts.

For vCard input the report is a ``.vcf`` of the failed cards as they were, each with two properties added
after its ``BEGIN:VCARD``: ``X-DEX-IMPORT-LINE`` (the line of the card in the input) and
``X-DEX-IMPORT-ERROR`` (why, escaped as vCard text). Contact apps ignore ``X-`` properties, and the
re-import leaves them out (`REPORT_PROPERTIES`).

Cells (and column names) that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would run
as formulas when a spreadsheet opens the report: they are written with a leading apostrophe, which the
re-import removes.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from importer.model import Record
from importer.report.atomic import atomic_text
from importer.report.records import FailedRecord

LINE_COLUMN = "dex-import line"


ROW_COLUMN = "dex-import row"


ERROR_COLUMN = "dex-import error"


MAPPING_COLUMN = "dex-import mapping"


REPORT_COLUMNS = (LINE_COLUMN, ROW_COLUMN, ERROR_COLUMN, MAPPING_COLUMN)
"""The report's own columns: line, row and error first, mapping last; a re-import leaves them out."""


_RECOGNISED_BY = (LINE_COLUMN, ERROR_COLUMN, MAPPING_COLUMN)  # an older report has no row column


LINE_PROPERTY = "X-DEX-IMPORT-LINE"


ERROR_PROPERTY = "X-DEX-IMPORT-ERROR"


REPORT_PROPERTIES = (LINE_PROPERTY, ERROR_PROPERTY)
"""The properties a vCard report adds to each card; a re-import leaves them out."""


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# a cell that already starts with apostrophes before a formula sign gets one more, so restore() (which
# takes exactly one away) gives back what was written
_QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'(?='*[=+\-@\t\r])")


def neutralise(cell: str) -> str:
    """Returns `cell` safe to open in a spreadsheet: a formula-like start gets a leading apostrophe.

    >>> neutralise("=HYPERLINK(\\"http://example.com\\")")
    '\\'=HYPERLINK("http://example.com")'
    >>> neutralise("+1 212-555-0134")
    "'+1 212-555-0134"
    """
    return "'" + cell if cell.startswith(_FORMULA_START) or _QUOTED_FORMULA.match(cell) else cell


def restore(cell: str) -> str:
    """Returns a cell of a report as it was before `neutralise`."""
    return _NEUTRALISED.sub("", cell, count=1)


def is_report_header(header: Sequence[str]) -> bool:
    """Returns True for the header of a failure report written by `write_csv_report` (or by an older
    dex-import, whose report had its columns last and no row column)."""
    return all(column in header for column in _RECOGNISED_BY)


def restore_record(record: Record) -> Record:
    """Returns a record of a failure report with its cells restored and the report's own columns removed."""
    values = {restore(k): restore(v) for k, v in record.values.items() if k not in REPORT_COLUMNS}
    return Record(record.file, record.line, values, record.raw, record.notices, record.row)


def default_report_path(input_name: str, *, started: datetime, suffix: str) -> Path:
    """Returns where the report of `input_name` goes by default: beside it, named after it and the run.

    >>> default_report_path("exports/Connections.csv", started=datetime(2026, 1, 5, 9, 30), suffix=".csv")
    PosixPath('exports/Connections.failures-20260105-093000.csv')
    """
    path = Path(input_name)
    for parent in [path, *path.parents]:  # a zip member is named "export.zip/Connections.csv"
        if parent.suffix.lower() == ".zip":
            path = parent.with_name(parent.stem + "-" + path.stem + ".csv")
            break
    return path.with_name(f"{path.stem}.failures-{started:%Y%m%d-%H%M%S}{suffix}")


def write_csv_report(path: Path, header: Sequence[str], failures: Iterable[FailedRecord], *,
                     mapping_ref: str) -> int:
    """Writes the CSV failure report and returns how many rows it holds.

    `failures` is read twice (the columns of ragged rows first): a list, or `RecordLog.failures`.
    """
    if iter(failures) is failures:  # an iterator can be read only once
        failures = list(failures)
    known = set(header)
    extra: dict[str, None] = {}  # the cells of ragged rows, in the order they first appear
    for failure in failures:
        for key in failure.record.values:
            if key not in known:
                extra.setdefault(key)
    columns = [*header, *extra]
    count = 0
    with _create(path) as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        # a header cell opens live too
        writer.writerow([LINE_COLUMN, ROW_COLUMN, ERROR_COLUMN, *(neutralise(c) for c in columns), MAPPING_COLUMN])
        for failure in failures:
            record = failure.record
            cells = [neutralise(record.values.get(c, "")) for c in columns]
            writer.writerow([str(record.line), str(record.row or record.line), neutralise(failure.message),
                             *cells, neutralise(mapping_ref)])
            count += 1
    return count


def write_vcard_report(path: Path, failures: Iterable[FailedRecord]) -> int:
    """Writes the failed cards as they were, each with its line and reason as ``X-DEX-IMPORT-*`` properties
    after its ``BEGIN:VCARD``, and returns how many it holds."""
    count = 0
    with _create(path, bom=False) as cards:
        for failure in failures:
            cards.write(annotated_card(failure.record.raw, failure.record.line, failure.message))
            count += 1
    return count


def annotated_card(raw: str, line: int, reason: str) -> str:
    r"""Returns the card `raw` with `line` and `reason` added after its first line (folded at 75 octets);
    those an earlier report added (a report imported again) are dropped.

    >>> annotated_card("BEGIN:VCARD\r\nEMAIL:x@example.com\r\nEND:VCARD\r\n", 6, "no name; not sent")
    'BEGIN:VCARD\r\nX-DEX-IMPORT-LINE:6\r\nX-DEX-IMPORT-ERROR:no name\\; not sent\r\nEMAIL:x@example.com\r\nEND:VCARD\r\n'
    """
    first, newline, rest = raw.partition("\n")
    ending = "\r\n" if first.endswith("\r") or not newline else "\n"
    added = [f"{LINE_PROPERTY}:{line}", f"{ERROR_PROPERTY}:{_vcard_text(reason)}"]
    text = first.rstrip("\r") + ending + "".join(_fold(a, ending) + ending for a in added) + _unannotated(rest)
    return text if text.endswith("\n") else text + ending


def _unannotated(text: str) -> str:
    """Returns the lines of `text` less the ``X-DEX-IMPORT-*`` properties (with their folded lines)."""
    kept, dropping = [], False
    for physical in text.splitlines(keepends=True):
        if dropping and physical[:1] in (" ", "\t"):
            continue
        dropping = physical.upper().startswith(REPORT_PROPERTIES)
        if not dropping:
            kept.append(physical)
    return "".join(kept)


def _vcard_text(value: str) -> str:
    """Returns `value` escaped as a vCard TEXT value (backslash, comma, semicolon, line breaks)."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(text: str, ending: str) -> str:
    """Returns `text` folded into lines of at most 75 octets, each continuation starting with a space."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in text:
        width = len(char.encode("utf-8", "surrogatepass"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the space that starts a continuation is one octet of 75
        current.append(char)
        size += width
    parts.append("".join(current))
    return (ending + " ").join(parts)


def _create(path: Path, *, bom: bool = True) -> contextlib.AbstractContextManager[TextIO]:
    """Returns a new report file to write (UTF-8, with a BOM so that spreadsheets read it right), written
    atomically (see `atomic_text`); FileExistsError when `path` already exists."""
    return atomic_text(path, encoding="utf-8-sig" if bom else "utf-8", exclusive=True)
