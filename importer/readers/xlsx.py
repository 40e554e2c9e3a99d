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
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import openpyxl

from importer.errors import InputError
from importer.model import Notice, Record
from importer.readers.csvfile import TableInfo, find_header, to_record
from importer.readers.source import InputFile

_SAMPLE_ROWS = 200
_EMPTY, _CHART = "holds no rows", "is a chart, not a table"


Likeness = Callable[[TableInfo], tuple[tuple[int, ...], str]]
"""How much a sheet's header looks like contacts (higher is likelier; all zeros: not at all), and why."""


def inspect_xlsx(f: InputFile, *, sheet: str | None = None, has_header: bool = True,
                 columns: Sequence[str] | None = None, likeness: Likeness | None = None) -> TableInfo:
    """Return how to read a sheet of `f`: the one named, else the one whose header `likeness` scores highest
    (the first of equals; the first sheet without `likeness`), with its header and the header's row.

    Every sheet's name is in the result, with why the sheet read was chosen and what the others hold."""
    sampled: dict[int, list[tuple[int, tuple[str, ...]]]] = {}  # each table's first rows, by id(TableInfo)
    with _workbook(f) as book:
        names = _names(f, book)
        if sheet is not None or likeness is None or len(names) == 1:
            title = names[0] if sheet is None else _title(f, names, sheet)
            looks = [_look(f, book, title, has_header, columns, sampled)]
        else:
            looks = [_look(f, book, name, has_header, columns, sampled, quiet=True) for name in names]
    if sheet is not None or likeness is None or len(looks) == 1:
        chosen, why, others = looks[0], "", ""
        if isinstance(chosen, InputError):
            raise chosen
    else:
        scored = [(likeness(look), i, look) for i, look in enumerate(looks) if isinstance(look, TableInfo)]
        if not scored:
            raise InputError(f"no sheet holds a table; its sheets are {', '.join(map(repr, names))}",
                             path=f.name, hint="Open it in Excel or LibreOffice and check it holds the contacts")
        ((score, how), index, chosen) = max(scored, key=lambda s: (s[0][0], -s[1]))
        why = (f"its header looks like contacts: {how}" if any(score) else
               "no sheet's header looks like contacts, so the first table is read")
        others = "; ".join(f"{names[i]!r} ({_held(look, likeness)})" for i, look in enumerate(looks)
                           if i != index)
    assert isinstance(chosen, TableInfo)
    rows_elsewhere = sum(look.rows_elsewhere for look in looks if isinstance(look, TableInfo) and look is not chosen)
    reason = "; ".join(x for x in (why, f"not read: {others}" if others else "") if x)
    notices = (*chosen.notices, *_formulas_without_values(f, chosen.sheet or names[0], sampled[id(chosen)],
                                                          chosen.header))
    return replace(chosen, notices=notices, sheets=tuple(names), sheet_reason=reason,
                   rows_elsewhere=rows_elsewhere)


def _look(f: InputFile, book: Any, title: str, has_header: bool, columns: Sequence[str] | None,
          sampled: dict[int, list[tuple[int, tuple[str, ...]]]], quiet: bool = False) -> TableInfo | InputError:
    """Return the TableInfo of one sheet from its first rows (its sampled non-empty rows past the header in
    `rows_elsewhere`, up to _SAMPLE_ROWS, the rows in `sampled`), or the InputError that says why it cannot be read as a table
    (raised unless `quiet`)."""
    try:
        sheet_rows = _rows_of(f, book, title)
        rows = []
        for number, cells in sheet_rows:
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
            if len(rows) >= _SAMPLE_ROWS:
                break
        if not rows:
            raise InputError(f"sheet {title!r} {_EMPTY}", path=f.name,
                             hint="Choose the sheet that holds the contacts")
        header, header_line, preamble, notices = find_header(f.name, rows, has_header=has_header,
                                                             columns=columns)
    except InputError as error:
        if not quiet:
            raise
        return error
    info = TableInfo(f.name, "xlsx", "xlsx", "Excel workbook", "", header, header_line, preamble, title,
                     notices, rows_elsewhere=len(rows))
    sampled[id(info)] = rows
    return info


def _held(look: TableInfo | InputError, likeness: Likeness) -> str:
    """Return what a sheet not read holds, in a few words."""
    if isinstance(look, InputError):
        return "a chart" if _CHART in look.message else "empty" if _EMPTY in look.message else look.message
    score, how = likeness(look)
    n = look.rows_elsewhere
    rows = f"{n:,}{'+' if n >= _SAMPLE_ROWS else ''} row{'s' if n != 1 else ''}"
    return f"{rows}, {how}" if any(score) else f"{rows}, no contact columns"


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
        names = _names(f, book)
        title = names[0] if info.sheet is None else _title(f, names, info.sheet)
        for number, cells in _rows_of(f, book, title):
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


def _names(f: InputFile, book: Any) -> list[str]:
    """Return the workbook's sheet names; InputError when it has none."""
    names: list[str] = book.sheetnames
    if not names:
        raise InputError("holds no sheets", path=f.name, hint="Open it in Excel or LibreOffice and save it again")
    return names


def _title(f: InputFile, names: list[str], sheet: str) -> str:
    """Return the name of the sheet `sheet` names, in any case; InputError with a did-you-mean."""
    title = {name.casefold(): name for name in names}.get(sheet.casefold())
    if title is None:
        close = difflib.get_close_matches(str(sheet), names, n=1)
        raise InputError(f"has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}", path=f.name,
                         hint=f"Did you mean {close[0]!r}?" if close else "Choose one of those")
    return title


def _rows_of(f: InputFile, book: Any, title: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Return the numbered rows of sheet `title`; InputError when it is a chart."""
    worksheet = book[title]
    if not hasattr(worksheet, "reset_dimensions"):
        raise InputError(f"sheet {title!r} {_CHART}", path=f.name,
                         hint="Choose the sheet that holds the contacts")
    return _numbered_rows(f, worksheet)


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
