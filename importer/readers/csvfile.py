"""Read a delimited text export (LinkedIn, Google, Outlook, spreadsheet re-saves) into Records.

`inspect_csv` looks at the top of the file once: encoding, delimiter, where the header is (LinkedIn puts a
"Notes:" paragraph above it) and the column names. `read_csv` then streams every row as a Record that
remembers its physical line and its exact original text.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter, deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass

from importer.errors import InputError, UsageError
from importer.model import Notice, Record
from importer.readers.encoding import (
    EncodingGuess,
    bom_for,
    codec_name,
    detect_encoding,
    open_text,
)
from importer.readers.source import InputFile

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 200
_SAMPLE_CHARS = 1 << 16


@dataclass(frozen=True)
class TableInfo:
    """How to read one table: file, kind, encoding (and why), delimiter, header and where it is."""

    file: str
    kind: str
    encoding: str
    encoding_reason: str
    delimiter: str
    header: tuple[str, ...]
    header_line: int
    preamble: str | None
    sheet: str | None
    notices: tuple[Notice, ...]
    sheets: tuple[str, ...] = ()   # a workbook's sheets, in order
    sheet_reason: str = ""         # why `sheet` is the one read, and what the others hold
    rows_elsewhere: int = 0        # non-empty rows in the sheets not read (counted up to a sample of each)


@dataclass(frozen=True)
class _Row:
    line: int            # first physical line
    end: int             # last physical line (later than `line` when a quoted cell holds newlines)
    raw: str
    cells: tuple[str, ...]
    broken: bool         # a quote opened here never closed, so the line was read on its own
    row: int = 0         # the row a spreadsheet shows it on: every CSV record and blank line is one row


def inspect_csv(f: InputFile, *, encoding: str | None = None, delimiter: str | None = None,
                has_header: bool = True, columns: Sequence[str] | None = None) -> TableInfo:
    """Return how to read `f`: detected (or given) encoding and delimiter, the header and its line."""
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise UsageError(f"delimiter must be one character other than a quote or newline, not {delimiter!r}")
    if encoding is None:
        guess = detect_encoding(f)
    else:
        with f.open() as stream:
            guess = EncodingGuess(codec_name(encoding), bom_for(encoding, stream.read(4)), "given by the caller")
    with open_text(f, guess.encoding) as text:
        sample: list[str] = []
        for line in text:
            sample.append(line)
            if len(sample) >= _SAMPLE_LINES or sum(map(len, sample)) > _SAMPLE_CHARS:
                break
        complete = text.read(1) == ""
    candidates = {d: _sample_rows(sample, d, complete) for d in ([delimiter] if delimiter else _DELIMITERS)}
    # the delimiter that gives the most rows the usual cell count wins; ties go to the commoner delimiter
    chosen = max(candidates, key=lambda d: (_consistency(candidates[d]), -(_DELIMITERS + (d,)).index(d)))
    rows = [(row.line, row.cells) for row in candidates[chosen] if not _blank(row.cells)]
    if not rows:
        raise InputError("holds no rows, only blank lines", path=f.name, hint="Check that this is the export")
    header, header_line, preamble, notices = find_header(f.name, rows, has_header=has_header, columns=columns)
    if guess.encoding == "cp1252" and encoding is None:
        notices = (Notice(f.name, None, None, "encoding-guess",
                          f"{guess.reason}; if names look wrong, give the file's encoding"), *notices)
    return TableInfo(f.name, "csv", guess.encoding, guess.reason, chosen, header, header_line, preamble, None,
                     notices)


def read_csv(f: InputFile, info: TableInfo) -> Generator[Record, None, None]:
    """Return a lazy iterator of the data rows of `f` as Records, skipping blank lines and the header."""
    with open_text(f, info.encoding) as text:
        for row in _rows(_Lines(text, info.delimiter), info.delimiter):
            if row.line <= info.header_line:
                continue
            broken = (Notice(f.name, row.line, None, "unbalanced-quote", "a quote opened on this line is never "
                             "closed; the line was read on its own"),) if row.broken else ()
            record = to_record(f.name, info.header, row.line, row.cells, row.raw, broken, row=row.row)
            if record is not None:
                yield record


def find_header(file: str, rows: Sequence[tuple[int, Sequence[str]]], *, has_header: bool,
                columns: Sequence[str] | None) -> tuple[tuple[str, ...], int, str | None, tuple[Notice, ...]]:
    """Return (column names, header line or 0, preamble kind, notices) from the first non-blank rows."""
    if not has_header:
        width = _bulk([len(cells) for _, cells in rows])
        names, notices = column_names(file, 0, columns or [""] * width)
        return names, 0, None, notices
    start = 0
    first = [cell.replace("\ufeff", "").strip().lower() for cell in rows[0][1] if cell.strip()]
    linkedin = first == ["notes:"] and len(rows) > 1
    if linkedin:
        # LinkedIn puts "Notes:" and one paragraph above the header; the paragraph is usually quoted
        paragraph = rows[1][1]
        skip_paragraph = len(rows) > 2 and (_filled(paragraph) <= 1 or len(paragraph) != len(rows[2][1]))
        start = 2 if skip_paragraph else 1
    # Titles and notes above a header fill one cell at most; a real header names two columns or more,
    # so it is never skipped.
    if any(_filled(cells) >= 2 for _, cells in rows[start:]):
        while start < len(rows) - 1 and _filled(rows[start][1]) <= 1:
            start += 1
    line, cells = rows[start]
    names, notices = column_names(file, line, columns or cells)
    preamble = "linkedin-notes" if linkedin else "lines-before-header" if start else None
    if preamble == "lines-before-header":
        notices = (Notice(file, rows[0][0], None, "preamble-skipped",
                          f"skipped {line - rows[0][0]} line(s) above the header on line {line}"), *notices)
    return names, line, preamble, notices


MAX_COLUMNS = 5000  # Outlook writes ~90 columns and Google ~100; thousands is not a contact export


def column_names(file: str, line: int, cells: Sequence[str], *, max_columns: int = MAX_COLUMNS
                 ) -> tuple[tuple[str, ...], tuple[Notice, ...]]:
    """Return unique column names for header `cells` ("Column N" when empty, " (2)" on repeats) and notices.

    Linear in the number of cells, however many repeat; InputError past `max_columns` columns.
    """
    if len(cells) > max_columns:
        raise InputError(f"the header has {len(cells):,} columns, more than the {max_columns:,} a contact "
                         "export could have", path=file, line=line or None,
                         hint="Check that this is the contacts file, and its delimiter (--delimiter)")
    names: list[str] = []
    taken: set[str] = set()
    tried: dict[str, int] = {}  # the last " (n)" tried for each name: linear however many repeats
    repeats: dict[str, list[str]] = {}
    for position, cell in enumerate(cells, start=1):
        name = cell.replace("\ufeff", "").strip() or f"Column {position}"
        if name in taken:
            n = tried.get(name, 1)
            while True:
                n += 1
                unique = f"{name} ({n})"
                if unique not in taken:
                    break
            tried[name] = n
            repeats.setdefault(name, []).append(unique)
            name = unique
        names.append(name)
        taken.add(name)
    notices = tuple(Notice(file, line or None, name, "duplicate-column",
                           f"column {name!r} appears {len(renamed) + 1} times; the later ones are read as "
                           + ", ".join(repr(r) for r in renamed[:5])
                           + (f" and {len(renamed) - 5} more" if len(renamed) > 5 else ""))
                    for name, renamed in repeats.items())
    return tuple(names), notices


def to_record(file: str, header: Sequence[str], line: int, cells: Sequence[str], raw: str,
              notices: tuple[Notice, ...] = (), *, row: int = 0) -> Record | None:
    """Return the Record for one row (`row`: its spreadsheet row, when not `line`), or None when every cell
    is empty (a blank line is not a person)."""
    if _blank(cells):
        return None
    if any("\x00" in cell for cell in cells):
        # a NUL never belongs in a name or an address; Dex would keep it, and a terminal shows nothing
        cells = [cell.replace("\x00", "") for cell in cells]
        notices = (*notices, Notice(file, line, None, "nul-removed",
                                    "the row held NUL characters (\\x00); they were removed"))
    values = dict(zip(header, cells))
    if len(cells) < len(header):
        values.update((name, "") for name in header[len(cells):])
    extra = list(cells[len(header):]) if len(cells) > len(header) else []
    while extra and not extra[-1].strip():
        extra.pop()  # trailing delimiters (Excel pads rows) carry nothing worth a notice
    if extra:
        names = [f"Column {len(header) + n}" for n in range(1, len(extra) + 1)]
        values.update(zip(names, extra))
        notices = (*notices, Notice(file, line, None, "ragged-row",
                                    f"row has {len(header) + len(extra)} cells but the header has {len(header)}; "
                                    f"extra cells kept as {', '.join(names)}"))
    return Record(file, line, values, raw, notices, 0 if row == line else row)


def _rows(lines: Iterable[str], delimiter: str) -> Iterator[_Row]:
    """Return each CSV record with its lines and exact text; an unclosed quote is cut back to its own line.

    Blank lines between records are skipped in bulk when `lines` is a `_Lines`, and counted all the same.
    """
    skipper = lines if isinstance(lines, _Lines) else None
    source = iter(lines)
    line = row = 1  # a quoted cell's line breaks move `line` on, never `row`; a blank line moves both
    skipped = [0]
    while True:
        pending: list[str] = []
        ended: list[bool] = []
        reader = csv.reader(_tee(source, pending, ended, skipper, skipped), delimiter=delimiter, quotechar='"',
                            strict=False)
        try:
            for cells in reader:
                if ended and len(pending) > 1:
                    break  # the quote opened on `line` ran to the end of the file
                line += skipped[0]
                row += skipped[0]
                skipped[0] = 0
                yield _Row(line, line + len(pending) - 1, "".join(pending), tuple(cells), bool(ended), row)
                line += len(pending)
                row += 1
                pending.clear()
            else:
                return
        except csv.Error:
            pass  # a cell past csv's size limit: again an unclosed quote swallowing the file
        # Read the line with the stray quote on its own and carry on after it, so later rows survive.
        line += skipped[0]
        row += skipped[0]
        skipped[0] = 0
        first = pending[0]
        yield _Row(line, line, first, _split_alone(first, delimiter), True, row)
        line += 1
        row += 1
        if skipper is not None:
            skipper.put_back(pending[1:])
            source = iter(skipper)  # the last generator ran to the end of the file
        else:
            source = itertools.chain(pending[1:], source)


def _tee(source: Iterator[str], pending: list[str], ended: list[bool], skipper: _Lines | None,
         skipped: list[int]) -> Iterator[str]:
    """Return the lines of `source`, keeping each in `pending`; mark `ended` when they run out.

    With a `skipper`, blank lines where a record would start never reach the csv module: they are counted
    in `skipped` (a blank line inside a quoted cell is the cell's text, and is kept).
    """
    for text in source:
        if skipper is not None and not pending and skipper.blank(text):
            skipped[0] += 1 + skipper.skip_blank()
            continue
        pending.append(text)
        yield text
    ended.append(True)


_CHUNK = 1 << 20


class _Lines:
    """The lines of a text stream, as iterating it gives them, that can skip a run of blank lines in bulk.

    A file of a valid header and a gigabyte of empty lines must not cost a csv row per line: `skip_blank`
    reads on in chunks, strips the blank lines in one C call and counts them.
    """

    def __init__(self, text: io.TextIOBase, delimiter: str) -> None:
        self._text = text
        self._queue: deque[str] = deque()  # lines read ahead by skip_blank, or put back
        self._blank = " \t\r\n" + delimiter  # a line of only these is a row of empty cells
        self._run = re.compile(f"[{re.escape(self._blank)}]*")  # str.lstrip(chars) is 4x slower

    def __iter__(self) -> Iterator[str]:
        while True:
            if self._queue:
                yield self._queue.popleft()
                continue
            text = self._text.readline()
            if not text:
                return
            yield text

    def blank(self, text: str) -> bool:
        """Return True when the line holds nothing but spaces, delimiters and its line ending."""
        return not text.strip(self._blank)

    def put_back(self, lines: Sequence[str]) -> None:
        """Give `lines` again, before any other."""
        self._queue.extendleft(reversed(lines))

    def skip_blank(self) -> int:
        """Skip the blank lines that come next and return how many there were."""
        count = 0
        while self._queue and self.blank(self._queue[0]):
            self._queue.popleft()
            count += 1
        if self._queue:
            return count
        cr = False  # the last chunk ended in \r: a \n starting this one ends that same line
        while True:
            chunk = self._text.read(_CHUNK)
            if not chunk:
                return count
            if cr and chunk.startswith("\n"):
                chunk = chunk[1:]  # the \n of a \r\n the chunks cut in two: that line was counted
            if chunk == "\n" * len(chunk) or chunk == "\r\n" * (len(chunk) // 2):
                count += chunk.count("\n")  # nothing but empty lines, as in a hostile file: compared at once
                cr = False
                continue
            rest = self._run.match(chunk).end()  # type: ignore[union-attr]  # matches "" at worst
            end = max(chunk.rfind("\n", 0, rest), chunk.rfind("\r", 0, rest)) + 1  # whole lines only
            blank = chunk[:end]
            count += blank.count("\n")
            if "\r" in blank:
                count += blank.count("\r") - blank.count("\r\n")
            if end == len(chunk):
                cr = blank.endswith("\r")
                continue
            lines = list(io.StringIO(chunk[end:], newline=""))  # split as the text stream splits lines
            last = lines[-1]
            if last.endswith("\r"):
                after = self._text.readline()
                if after == "\n":
                    lines[-1] += after
                elif after:
                    lines.append(after)
            elif not last.endswith("\n"):
                lines[-1] = last + self._text.readline()
            self._queue.extend(lines)
            return count


def _split_alone(text: str, delimiter: str) -> tuple[str, ...]:
    """Return the cells of one line parsed without the lines after it."""
    text = text.rstrip("\r\n")
    try:
        return tuple(next(csv.reader([text], delimiter=delimiter, quotechar='"'), []))
    except csv.Error:
        return tuple(text.split(delimiter))


def _sample_rows(sample: list[str], delimiter: str, complete: bool) -> list[_Row]:
    """Return the rows of the sample lines, without a last row the sample may have cut short."""
    rows = []
    for row in _rows(sample, delimiter):
        if not complete and row.end >= len(sample):
            break
        rows.append(row)
    if complete or not all(_blank(row.cells) for row in rows):
        return rows
    return list(_rows(sample, delimiter))  # one quote swallowed the whole sample: let _rows cut it back


def _consistency(rows: list[_Row]) -> float:
    """Return the share of non-blank rows that have the most common cell count, 0 for a single column."""
    counts = [len(row.cells) for row in rows if not _blank(row.cells)]
    if not counts or _bulk(counts) < 2:
        return 0.0
    return counts.count(_bulk(counts)) / len(counts)


def _bulk(counts: list[int]) -> int:
    """Return the most common count (the larger one on a tie), 1 when there are none."""
    tally = Counter(counts)
    return max(tally, key=lambda n: (tally[n], n)) if tally else 1


def _filled(cells: Sequence[str]) -> int:
    """Return how many cells hold more than whitespace."""
    return sum(1 for cell in cells if cell.strip())


def _blank(cells: Sequence[str]) -> bool:
    """Return True when no cell holds more than whitespace."""
    return not "".join(cells).strip()  # one C call instead of one strip per cell
