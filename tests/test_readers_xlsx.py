"""Tests for inspect_xlsx and read_xlsx: one workbook per quirk (made by fixtures/make_xlsx.py), exact Records."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from importer.errors import InputError
from importer.model import Notice, Record
from importer.readers.csvfile import TableInfo
from importer.readers.source import open_input
from importer.readers.xlsx import inspect_xlsx, read_xlsx

FIXTURES = Path(__file__).parent / "fixtures" / "xlsx"


def read(path: Path | str, **options: object) -> tuple[TableInfo, list[Record]]:
    """Return the TableInfo and every Record of the workbook at `path`."""
    f = open_input(path)
    assert f.kind == "xlsx"
    info = inspect_xlsx(f, **options)  # type: ignore[arg-type]
    return info, list(read_xlsx(f, info))


def fixture(name: str) -> str:
    """Return the path of a committed workbook fixture."""
    return str(FIXTURES / name)


def make_xlsx() -> ModuleType:
    """Return the fixture generator script as a module."""
    spec = importlib.util.spec_from_file_location("make_xlsx", FIXTURES.parent / "make_xlsx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_workbooks_match_the_generator() -> None:
    generator = make_xlsx()
    for name in generator.FIXTURES:
        written = generator.SAMPLES.get(name, FIXTURES) / name
        assert written.read_bytes() == generator.build(name), f"run tests/fixtures/make_xlsx.py ({name})"


def test_numbers_dates_and_booleans_read_as_shown() -> None:
    path = fixture("numbers-dates-booleans.xlsx")
    info, records = read(path)
    header = ("Name", "Phone", "Born", "Met At", "VIP", "Score")
    assert info == TableInfo(path, "xlsx", "xlsx", "Excel workbook", "", header, 1, None, "Contacts", (),
                             sheets=("Contacts",))
    assert records == [
        Record(path, 2, dict(zip(header, ["Abigail Thorncroft", "12125550134", "1990-04-12", "2025-06-01 14:30:00",
                                          "TRUE", "3.5"])),
               "Abigail Thorncroft,12125550134,1990-04-12,2025-06-01 14:30:00,TRUE,3.5\r\n"),
        Record(path, 3, dict(zip(header, ["Bastian Quayle", "12125550177", "", "2024-02-29", "FALSE", "2"])),
               "Bastian Quayle,12125550177,,2024-02-29,FALSE,2\r\n"),
    ]


def test_leading_zeros_come_back_from_the_number_format() -> None:
    path = fixture("leading-zeros-number-format.xlsx")
    assert read(path)[1] == [Record(path, 2, {"Name": "Cosima Underhill", "Postal Code": "02134"},
                                    "Cosima Underhill,02134\r\n")]


def test_title_row_above_header_and_empty_rows() -> None:
    path = fixture("title-row-above-header.xlsx")
    info, records = read(path)
    assert (info.header, info.header_line, info.preamble, info.sheet) == (("Name", "Email"), 3,
                                                                          "lines-before-header", "Fair")
    assert info.notices == (Notice(path, 1, None, "preamble-skipped", "skipped 2 line(s) above the header on line 3"),)
    assert records == [
        Record(path, 4, {"Name": "Desmond Achterberg", "Email": "desmond@example.com"},
               "Desmond Achterberg,desmond@example.com\r\n"),
        Record(path, 6, {"Name": "Elspeth Carrow", "Email": "elspeth@example.org"},
               "Elspeth Carrow,elspeth@example.org\r\n"),
    ]


@pytest.mark.parametrize("sheet", ["Contacts", "contacts"])
def test_named_sheet_is_read(sheet: str) -> None:
    path = fixture("two-sheets.xlsx")
    info, records = read(path, sheet=sheet)
    assert (info.sheet, info.header) == ("Contacts", ("Name", "Email"))
    assert records == [Record(path, 2, {"Name": "Fenella Ostrowski", "Email": "fenella@example.com"},
                              "Fenella Ostrowski,fenella@example.com\r\n")]
    assert read(path)[0].sheet == "Summary"


def test_unknown_sheet_lists_the_sheets() -> None:
    path = fixture("two-sheets.xlsx")
    with pytest.raises(InputError) as caught:
        read(path, sheet="Contcts")
    assert str(caught.value) == f"{path}: has no sheet 'Contcts'; its sheets are 'Summary', 'Contacts'. " \
                                "Did you mean 'Contacts'?"


def test_wrong_recorded_dimension_does_not_cut_rows() -> None:
    path = fixture("wrong-dimension.xlsx")
    assert read(path)[1] == [Record(path, 2, {"Name": "Gideon Farrelly", "Email": "gideon@example.com"},
                                    "Gideon Farrelly,gideon@example.com\r\n")]


def test_headerless_sheet_gets_numbered_or_given_columns() -> None:
    path = fixture("wrong-dimension.xlsx")
    info, records = read(path, has_header=False)
    assert (info.header, info.header_line, records[0].values) == (
        ("Column 1", "Column 2"), 0, {"Column 1": "Name", "Column 2": "Email"})
    info, records = read(path, has_header=False, columns=["Who", "Mail"])
    assert records[1] == Record(path, 2, {"Who": "Gideon Farrelly", "Mail": "gideon@example.com"},
                                "Gideon Farrelly,gideon@example.com\r\n")


def test_empty_sheet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty-sheet.xlsx"
    Workbook().save(path)
    with pytest.raises(InputError) as caught:
        read(path)
    assert str(caught.value) == f"{path}: sheet 'Sheet' holds no rows. Choose the sheet that holds the contacts"


def test_damaged_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    with pytest.raises(InputError) as caught:
        read(path)
    assert str(caught.value).startswith(f"{path}: is not a readable Excel workbook (")
    assert str(caught.value).endswith("Open it in Excel or LibreOffice and save it again, or export it as CSV")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(make_xlsx().FIXTURES)), at=st.integers(0, 10_000), junk=st.binary(min_size=1,
                                                                                                       max_size=8))
def test_damaged_bytes_give_records_or_an_input_error(tmp_path: Path, name: str, at: int, junk: bytes) -> None:
    data = bytearray((make_xlsx().SAMPLES.get(name, FIXTURES) / name).read_bytes())
    data[at % len(data):at % len(data) + len(junk)] = junk
    path = tmp_path / name
    path.write_bytes(bytes(data))
    try:
        f = open_input(path)
        if f.kind == "xlsx":
            list(read_xlsx(f, inspect_xlsx(f)))
    except InputError:
        pass
