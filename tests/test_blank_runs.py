"""Runs of blank lines in a CSV are skipped in bulk, and every record keeps its line, text and cells.

A valid header followed by a gigabyte of empty lines must be read in seconds, not a csv row per line
(issue 16); the bulk skip must not change what any other file reads as.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.readers import csvfile
from importer.readers.csvfile import _Lines, _rows, inspect_csv, read_csv
from importer.readers.source import open_input


def rows_of(text: str, *, bulk: bool, delimiter: str = ",") -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Return (line, end, raw, cells) of each non-blank row of `text`, read in bulk or line by line."""
    if bulk:
        lines = _Lines(io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline=""), delimiter)
        got = _rows(lines, delimiter)
    else:
        got = _rows(io.StringIO(text, newline=""), delimiter)
    return [(r.line, r.end, r.raw, r.cells) for r in got if "".join(r.cells).strip()]


# the pieces people's files are made of: rows, quoted cells holding blank lines, blank lines of every kind
_PIECES = st.sampled_from([
    "Ada,Quill\n", "Bo,Ng\r\n", "Cy,Li\r", '"Di\n\nNote",x\n', '"Ed\r\n\r\n",y\r\n', '"unclosed,z\n',
    "\n", "\r\n", "\r", "   \n", ",,,\n", " , ,\r\n", "\t\n", '"",""\n', "  Fay,Orr\n", "Gus", ",Hal\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, max_size=40), chunk=st.integers(min_value=1, max_value=9))
def test_bulk_skipping_reads_every_file_as_line_by_line_reading_does(
        monkeypatch: pytest.MonkeyPatch, pieces: list[str], chunk: int) -> None:
    monkeypatch.setattr(csvfile, "_CHUNK", chunk)  # tiny chunks: runs and \r\n cut at every place
    text = "Name,Other\n" + "".join(pieces)
    assert rows_of(text, bulk=True) == rows_of(text, bulk=False)


def test_lines_after_a_long_blank_run_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_bytes(b"First Name,Last Name\r\nAda,Quill\r\n" + b"\r\n" * 300_000 + b" , \n\r" * 7
                     + b'"Bo\n\n",Ng\n' + b"\n" * 5 + b"Cy,Li")
    f = open_input(str(path))
    records = list(read_csv(f, inspect_csv(f)))
    assert [(r.line, r.values["First Name"]) for r in records] == [
        (2, "Ada"), (300_000 + 7 * 2 + 3, "Bo\n\n"), (300_000 + 7 * 2 + 3 + 3 + 5, "Cy")]
    assert records[1].raw == '"Bo\n\n",Ng\n'


def test_a_header_and_a_sea_of_blank_lines_is_read_without_a_row_per_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 64 MiB of empty lines after the header (the hostile case was 1 GiB); the csv module must never see
    # them one by one: counted by wrapping the reader it is handed.
    path = tmp_path / "sea.csv"
    with open(path, "wb") as out:
        out.write(b"First Name,Last Name\n")
        block = b"\n" * (1 << 20)
        for _ in range(64):
            out.write(block)
        out.write(b"Ada,Quill\n")
    seen = [0]
    real_reader = csvfile.csv.reader

    def counting_reader(lines, **options):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            for line in lines:
                seen[0] += 1
                yield line
        return real_reader(counted(), **options)

    monkeypatch.setattr(csvfile.csv, "reader", counting_reader)
    f = open_input(str(path))
    info = inspect_csv(f)
    seen[0] = 0
    records = list(read_csv(f, info))
    assert [(r.line, r.values["First Name"]) for r in records] == [((64 << 20) + 2, "Ada")]
    assert seen[0] < 10, f"the csv module was handed {seen[0]:,} lines"
    assert os.path.getsize(path) > 64 << 20
