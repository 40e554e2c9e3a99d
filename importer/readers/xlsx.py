"""Read one sheet of an Excel workbook (.xlsx) into Records, lazily, with openpyxl's read-only mode.

Cells become the text a person sees: whole numbers without ".0" (phone numbers are often stored as
numbers), dates as ISO dates, and leading zeros restored where a "00000" number format shows them.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import warnings
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

import openpyxl

from importer.errors import InputError
from importer.model import Notice, Record
from importer.readers.csvfile import TableInfo, find_header, to_record
from importer.readers.source import InputFile

_SAMPLE_ROWS = 200


def inspect_xlsx(f: InputFile, *, sheet: str | None = None, has_header: bool = True,
                 columns: Sequence[str] | None = None) -> TableInfo:
    """Return how to read a sheet of `f` (the first by default): its header and the header's row."""
    with _workbook(f) as book:
        title, sheet_rows = _sheet(f, book, sheet)
        rows = []
        for number, cells in sheet_rows:
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
            if len(rows) >= _SAMPLE_ROWS:
                break
    if not rows:
        raise InputError(f"sheet {title!r} holds no rows", path=f.name,
                         hint="Choose the sheet that holds the contacts")
    header, header_line, preamble, notices = find_header(f.name, rows, has_header=has_header, columns=columns)
    notices = (*notices, *_formulas_without_values(f, title, rows, header))
    return TableInfo(f.name, "xlsx", "xlsx", "Excel workbook", "", header, header_line, preamble, title,
                     notices)


def _formulas_without_values(f: InputFile, title: str, sampled: Sequence[tuple[int, Sequence[str]]],
                             header: Sequence[str]) -> list[Notice]:
    """Return a notice for each column whose sampled cells hold a formula but no saved value.

    A workbook written by a program (not by Excel) often saves formulas without their results; read as data,
    those cells are empty, so the person is told rather than seeing blank fields.
    """
    empty = {(number, i) for number, cells in sampled for i, cell in enumerate(cells) if not cell}
    if not empty:
        return []
    last = max(number for number, _ in sampled)
    found: dict[int, int] = {}
    with f.open() as stream:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                book = openpyxl.load_workbook(stream, read_only=True, data_only=False)
            try:
                rows = book[title].iter_rows(min_row=1, max_row=last, values_only=True)
                for number, values in enumerate(rows, start=1):
                    for i, value in enumerate(values):
                        if (number, i) in empty and isinstance(value, str) and value.startswith("="):
                            found.setdefault(i, number)
            finally:
                book.close()
        except Exception:  # the data read worked; a second look that fails only costs the warning
            return []
    return [Notice(f.name, number, header[i] if i < len(header) else None, "formula-without-value",
                   f"column {header[i] if i < len(header) else i + 1!r} holds formulas with no saved value "
                   "(read as empty); open the workbook in Excel or LibreOffice and save it again")
            for i, number in sorted(found.items())]


def read_xlsx(f: InputFile, info: TableInfo) -> Generator[Record, None, None]:
    """Return a lazy iterator of the data rows of the sheet `info` names, as Records numbered by sheet row."""
    with _workbook(f) as book:
        _, sheet_rows = _sheet(f, book, info.sheet)
        for number, cells in sheet_rows:
            if number > info.header_line:
                record = to_record(f.name, info.header, number, cells, _as_csv(cells))  # a sheet row is its line
                if record is not None:
                    yield record


@contextmanager
def _workbook(f: InputFile) -> Iterator[Any]:
    """Return the open read-only workbook of `f`, closed on exit; InputError when it cannot be opened."""
    with f.open() as stream:
        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it ignores; none of them matter for contacts
                warnings.simplefilter("ignore", UserWarning)
                book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # openpyxl reports a damaged workbook with many exception types
            raise _damaged(f, error) from None
        try:
            yield book
        finally:
            book.close()


def _sheet(f: InputFile, book: Any, sheet: str | None) -> tuple[str, Iterator[tuple[int, tuple[str, ...]]]]:
    """Return the title and the numbered rows of the named (or first) sheet; InputError with a did-you-mean."""
    names: list[str] = book.sheetnames
    if not names:
        raise InputError("holds no sheets", path=f.name, hint="Open it in Excel or LibreOffice and save it again")
    by_case = {name.casefold(): name for name in names}
    title = names[0] if sheet is None else by_case.get(sheet.casefold())
    if title is None:
        close = difflib.get_close_matches(str(sheet), names, n=1)
        raise InputError(f"has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}", path=f.name,
                         hint=f"Did you mean {close[0]!r}?" if close else "Choose one of those")
    worksheet = book[title]
    if not hasattr(worksheet, "reset_dimensions"):
        raise InputError(f"sheet {title!r} is a chart, not a table", path=f.name,
                         hint="Choose the sheet that holds the contacts")
    return title, _numbered_rows(f, worksheet)


def _numbered_rows(f: InputFile, worksheet: Any) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Return (sheet row number, cell texts) for every row, gaps included as empty rows."""
    # Some writers record a wrong sheet size (A1:A1), which would cut reading short; read every cell instead.
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(min_row=1, min_col=1)
    for number in itertools.count(1):
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as error:  # read-only mode parses the sheet's XML only now, row by row
            raise _damaged(f, error) from None
        yield number, tuple(_text(cell) for cell in cells)


def _damaged(f: InputFile, error: Exception) -> InputError:
    """Return the InputError for a workbook openpyxl cannot read."""
    return InputError(f"is not a readable Excel workbook ({type(error).__name__})", path=f.name,
                      hint="Open it in Excel or LibreOffice and save it again, or export it as CSV")


def _text(cell: Any) -> str:
    """Return a cell's value as the text a person sees in the sheet."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number stored as 12125550134.0 reads back without ".0"
    if isinstance(value, int):
        try:
            shown = cell.number_format or ""
        except (IndexError, KeyError, AttributeError):
            shown = ""
        # a ZIP code or phone number keeps its leading zeros only through a "00000"-style format
        return str(value).zfill(len(shown)) if shown and set(shown) == {"0"} else str(value)
    return str(value)


def _as_csv(cells: Sequence[str]) -> str:
    """Return the row rendered as one CSV line (trailing empty cells dropped), for the failure report."""
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
