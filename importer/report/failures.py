"""Writes the failure report of an import, and recognises one when it comes back to be imported again.

For CSV input the report is a CSV: the original header and each failed row as it was, plus three columns:
the row's line in the original file, the error, and the mapping that read it. A person fixes the rows in a
spreadsheet and runs ``dex-import import`` on the report itself; it is recognised by those columns and read
with the original mapping. For vCard input the report is the failed cards as a ``.vcf``, plus a CSV of line
and reason.

Cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would run as formulas when a
spreadsheet opens the report: they are written with a leading apostrophe, which the re-import removes.
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


ERROR_COLUMN = "dex-import error"


MAPPING_COLUMN = "dex-import mapping"


REPORT_COLUMNS = (LINE_COLUMN, ERROR_COLUMN, MAPPING_COLUMN)


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
    """Returns True for the header of a failure report written by `write_csv_report`."""
    return all(column in header for column in REPORT_COLUMNS)


def restore_record(record: Record) -> Record:
    """Returns a record of a failure report with its cells restored and the report's own columns removed."""
    values = {restore(k): restore(v) for k, v in record.values.items() if k not in REPORT_COLUMNS}
    return Record(record.file, record.line, values, record.raw, record.notices)


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
        writer.writerow([*(neutralise(c) for c in columns), *REPORT_COLUMNS])  # a header cell opens live too
        for failure in failures:
            cells = [neutralise(failure.record.values.get(c, "")) for c in columns]
            writer.writerow([*cells, str(failure.record.line), neutralise(failure.message),
                             neutralise(mapping_ref)])
            count += 1
    return count


def write_vcard_report(vcf_path: Path, csv_path: Path, failures: Iterable[FailedRecord]) -> int:
    """Writes the failed cards, exactly as they were, and a CSV of their lines and reasons."""
    count = 0
    with _create(vcf_path, bom=False) as cards, _create(csv_path) as reasons:
        writer = csv.writer(reasons, lineterminator="\r\n")
        writer.writerow(["line", "error"])
        for failure in failures:
            raw = failure.record.raw
            cards.write(raw if raw.endswith("\n") else raw + "\r\n")
            writer.writerow([str(failure.record.line), neutralise(failure.message)])
            count += 1
    return count


def _create(path: Path, *, bom: bool = True) -> contextlib.AbstractContextManager[TextIO]:
    """Returns a new report file to write (UTF-8, with a BOM so that spreadsheets read it right), written
    atomically (see `atomic_text`); FileExistsError when `path` already exists."""
    return atomic_text(path, encoding="utf-8-sig" if bom else "utf-8", exclusive=True)
