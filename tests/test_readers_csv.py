"""Tests for open_input, detect_encoding, inspect_csv and read_csv: one fixture per quirk, exact Records."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.errors import InputError, UsageError
from importer.model import Notice, Record
from importer.readers.csvfile import TableInfo, inspect_csv, read_csv
from importer.readers.encoding import detect_encoding
from importer.readers.source import open_input

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
LINKEDIN_HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")


def read(path: Path | str, **options: object) -> tuple[TableInfo, list[Record]]:
    """Return the TableInfo and every Record of the file at `path`."""
    f = open_input(path)
    info = inspect_csv(f, **options)  # type: ignore[arg-type]
    return info, list(read_csv(f, info))


def fixture(name: str) -> str:
    """Return the path of a committed fixture, as a user would type it."""
    return str(FIXTURES / name)


def written(tmp_path: Path, name: str, data: bytes) -> str:
    """Return the path of a fixture written from bytes (encodings and line endings git could alter)."""
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def linkedin_records(file: str) -> list[Record]:
    """Return the Records of linkedin-preamble.csv, named `file`."""
    ada = ("Ada,Quillfeather,https://www.linkedin.com/in/ada-quillfeather-0a1b2c,ada.quillfeather@example.com,"
           '"Quillfeather & Sons, Ltd.",Chief Ink Officer,05 Jan 2026\n')
    bram = ("Bram,Osterhout,https://www.linkedin.com/in/bramosterhout,,Northwind Example Co,"
            '"Engineer, Platform",14 Mar 2024\n')
    return [
        Record(file, 5, dict(zip(LINKEDIN_HEADER, [
            "Ada", "Quillfeather", "https://www.linkedin.com/in/ada-quillfeather-0a1b2c",
            "ada.quillfeather@example.com", "Quillfeather & Sons, Ltd.", "Chief Ink Officer", "05 Jan 2026"])), ada),
        Record(file, 6, dict(zip(LINKEDIN_HEADER, [
            "Bram", "Osterhout", "https://www.linkedin.com/in/bramosterhout", "", "Northwind Example Co",
            "Engineer, Platform", "14 Mar 2024"])), bram),
    ]


def test_linkedin_preamble_is_skipped() -> None:
    path = fixture("linkedin-preamble.csv")
    info, records = read(path)
    assert info == TableInfo(path, "csv", "utf-8", "every byte is valid UTF-8", ",", LINKEDIN_HEADER, 4,
                             "linkedin-notes", None, ())
    assert records == linkedin_records(path)


def test_linkedin_preamble_without_connections_keeps_the_header() -> None:
    info, records = read(fixture("linkedin-preamble-no-connections.csv"))
    assert (info.header, info.header_line, info.preamble, records) == (LINKEDIN_HEADER, 4, "linkedin-notes", [])


def test_linkedin_2018_export_has_no_preamble() -> None:
    path = fixture("linkedin-2018-no-preamble.csv")
    info, records = read(path)
    header = ("First Name", "Last Name", "Email Address", "Company", "Position", "Connected On")
    assert (info.header, info.header_line, info.preamble) == (header, 1, None)
    assert records == [
        Record(path, 2, dict(zip(header, ["Cordelia", "Vantongeren", "cordelia.v@example.org", "Example Shipping",
                                          "Harbour Master", "12 Feb 2018"])),
               'Cordelia,Vantongeren,cordelia.v@example.org,Example Shipping,Harbour Master,"12 Feb 2018"\n'),
        Record(path, 3, dict(zip(header, ["Dmitri", "Halloway", "", "Fictional Foods", "Chef", "03 Jul 2017"])),
               "Dmitri,Halloway,,Fictional Foods,Chef,03 Jul 2017\n"),
    ]


@pytest.mark.parametrize("zip_name, member", [
    ("Basic_LinkedInDataExport_01-05-2026.zip", "Connections.csv"),
    ("Complete_LinkedInDataExport_01-05-2026.zip", "Complete_LinkedInDataExport_01-05-2026/connections.CSV"),
])
def test_linkedin_zip_gives_its_connections_csv(tmp_path: Path, zip_name: str, member: str) -> None:
    path = tmp_path / zip_name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Invitations.csv", "From,To\n")
        archive.write(FIXTURES / "linkedin-preamble.csv", member)
    f = open_input(path)
    assert (f.name, f.kind) == (f"{path}/{member}", "csv")
    assert list(read_csv(f, inspect_csv(f))) == linkedin_records(f"{path}/{member}")


def test_zip_without_connections_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Profile.csv", "First Name\n")
    with pytest.raises(InputError) as caught:
        open_input(path)
    assert str(caught.value) == (f"{path}: is a zip but holds no Connections.csv. Give LinkedIn's data export zip "
                                 "(Basic_LinkedInDataExport_….zip) or the contacts file itself, unzipped")


def test_semicolon_resave_is_sniffed() -> None:
    path = fixture("semicolon-resaved.csv")
    info, records = read(path)
    assert (info.delimiter, info.header) == (";", LINKEDIN_HEADER)
    assert records[1] == Record(path, 3, dict(zip(LINKEDIN_HEADER, [
        "Fintan", "O'Rourke", "", "", "Semi;colon Labs", "Founder, CEO", "02.02.2025"])),
        "Fintan;O'Rourke;;;\"Semi;colon Labs\";Founder, CEO;02.02.2025\n")
    assert records[0].values["Company"] == "Brandvold, Berg & Co"


def test_cp1252_without_bom_keeps_undefined_bytes(tmp_path: Path) -> None:
    path = written(tmp_path, "cp1252-no-bom.csv",
                   b"First Name,Last Name,Company\r\nZo\xeb,M\xe9nard,\x80uro Example\r\nVera,Kr\x81ger,Caf\x8d\r\n")
    info, records = read(path)
    reason = "not UTF-8 (byte 0xEB on line 2): read as Windows-1252"
    assert (info.encoding, info.encoding_reason) == ("cp1252", reason)
    assert info.notices == (Notice(path, None, None, "encoding-guess",
                                   f"{reason}; if names look wrong, give the file's encoding"),)
    assert [r.values for r in records] == [
        {"First Name": "Zoë", "Last Name": "Ménard", "Company": "€uro Example"},
        {"First Name": "Vera", "Last Name": "Kr\x81ger", "Company": "Caf\x8d"},
    ]
    assert records[1].raw == "Vera,Kr\x81ger,Caf\x8d\r\n"


def test_utf8_bom_with_latin1_body_reads_as_cp1252(tmp_path: Path) -> None:
    path = written(tmp_path, "utf8-bom-latin1-body.csv",
                   b"\xef\xbb\xbfFirst Name,Last Name\r\nRen\xe9e,Fa\xdfbender\r\n")
    info, records = read(path)
    assert (info.encoding, info.encoding_reason, info.header) == (
        "cp1252", "UTF-8 BOM but the body is not UTF-8 (byte 0xE9 on line 2): read as Windows-1252",
        ("First Name", "Last Name"))
    assert records == [Record(path, 2, {"First Name": "Renée", "Last Name": "Faßbender"}, "Renée,Faßbender\r\n")]


def test_utf8_bom_is_skipped(tmp_path: Path) -> None:
    path = written(tmp_path, "utf8-bom.csv", "\ufeffName,Email\nÅsa Berg,asa@example.com\n".encode())
    info, records = read(path)
    assert (info.encoding, info.encoding_reason, info.header) == ("utf-8", "UTF-8 byte-order mark", ("Name", "Email"))
    assert records == [Record(path, 2, {"Name": "Åsa Berg", "Email": "asa@example.com"},
                              "Åsa Berg,asa@example.com\n")]


def test_stray_bom_in_header_cell_is_stripped(tmp_path: Path) -> None:
    path = written(tmp_path, "stray-bom-in-header.csv", "\ufeff\ufeff Name ,Email\nBea Cole,bea@example.com\n".encode())
    assert read(path)[0].header == ("Name", "Email")


@pytest.mark.parametrize("name, data, encoding, reason", [
    ("utf16-le-bom.csv", "\ufeffName,Email\r\nČeněk Dvořák,cenek@example.com\r\n".encode("utf-16-le"),
     "utf-16-le", "UTF-16 little-endian byte-order mark"),
    ("utf16-be-no-bom.csv", "Name,Email\r\nČeněk Dvořák,cenek@example.com\r\n".encode("utf-16-be"),
     "utf-16-be", "NUL in every other byte: UTF-16 big-endian without a BOM"),
    ("utf16-le-no-bom.csv", "Name,Email\r\nČeněk Dvořák,cenek@example.com\r\n".encode("utf-16-le"),
     "utf-16-le", "NUL in every other byte: UTF-16 little-endian without a BOM"),
])
def test_utf16_with_and_without_bom(tmp_path: Path, name: str, data: bytes, encoding: str, reason: str) -> None:
    path = written(tmp_path, name, data)
    assert detect_encoding(open_input(path)).encoding == encoding
    info, records = read(path)
    assert (info.encoding, info.encoding_reason, info.header) == (encoding, reason, ("Name", "Email"))
    assert records == [Record(path, 2, {"Name": "Čeněk Dvořák", "Email": "cenek@example.com"},
                              "Čeněk Dvořák,cenek@example.com\r\n")]


def test_quoted_newlines_keep_line_numbers_and_count_spreadsheet_rows() -> None:
    path = fixture("quoted-newlines.csv")
    _, records = read(path)
    header = ("First Name", "Last Name", "Notes", "Email Address")
    assert records == [
        Record(path, 2, dict(zip(header, ["Greta", "Lindqvist", 'Met at the harbour fair.\nLikes "sailing", tea.\n'
                                          "Call after 6pm", "greta@example.com"])),
               'Greta,Lindqvist,"Met at the harbour fair.\nLikes ""sailing"", tea.\nCall after 6pm",'
               "greta@example.com\n"),
        Record(path, 5, dict(zip(header, ["Hugo", "Marchetti", "One line", "hugo@example.com"])),
               "Hugo,Marchetti,One line,hugo@example.com\n", row=3),  # Greta's note took lines 2-4 of row 2
    ]


def test_crlf_line_endings_are_kept_in_raw_and_cells(tmp_path: Path) -> None:
    path = written(tmp_path, "crlf-line-endings.csv",
                   b'Name,Note\r\nAlma Reyes,"two\r\nlines"\r\n\r\nBo Lindgren,one\r\n')
    assert read(path)[1] == [
        Record(path, 2, {"Name": "Alma Reyes", "Note": "two\r\nlines"}, 'Alma Reyes,"two\r\nlines"\r\n'),
        Record(path, 5, {"Name": "Bo Lindgren", "Note": "one"}, "Bo Lindgren,one\r\n", row=4),  # the blank line is row 3
    ]


def test_ragged_rows_fill_and_keep_extra_cells() -> None:
    path = fixture("ragged-rows.csv")
    _, records = read(path)
    assert records == [
        Record(path, 2, {"First Name": "Ines", "Last Name": "Okafor", "Email Address": ""}, "Ines,Okafor\n"),
        Record(path, 3, {"First Name": "Jonas", "Last Name": "Petersen", "Email Address": "jonas@example.com",
                         "Column 4": "extra one", "Column 5": "extra two"},
               "Jonas,Petersen,jonas@example.com,extra one,extra two\n",
               (Notice(path, 3, None, "ragged-row",
                       "row has 5 cells but the header has 3; extra cells kept as Column 4, Column 5"),)),
        # trailing empty cells (Excel's padding) are dropped without a notice
        Record(path, 4, {"First Name": "Kaia", "Last Name": "Rautio", "Email Address": "kaia@example.com"},
               "Kaia,Rautio,kaia@example.com,,\n"),
    ]


@pytest.mark.parametrize("name, delimiter", [("tab-delimited.tsv", "\t"), ("pipe-delimited.csv", "|")])
def test_tab_and_pipe_delimiters_are_sniffed(name: str, delimiter: str) -> None:
    path = fixture(name)
    info, records = read(path)
    assert info.delimiter == delimiter
    expected = {
        "tab-delimited.tsv": [
            Record(path, 2, {"Name": "Lars Eikeland", "E-mail Address": "lars@example.com",
                             "Company": "Eikeland, Fjord & Co"},
                   "Lars Eikeland\tlars@example.com\tEikeland, Fjord & Co\n"),
            Record(path, 3, {"Name": "Mira Castell", "E-mail Address": "mira@example.org",
                             "Company": "Castell|Partners"},
                   "Mira Castell\tmira@example.org\tCastell|Partners\n")],
        "pipe-delimited.csv": [
            Record(path, 2, {"First Name": "Nadia", "Last Name": "Ferreira-Lund", "Phone": "+1 212-555-0134"},
                   "Nadia|Ferreira-Lund|+1 212-555-0134\n"),
            Record(path, 3, {"First Name": "Oskar", "Last Name": "Ventimiglia, Jr.", "Phone": "+1 212-555-0177"},
                   "Oskar|Ventimiglia, Jr.|+1 212-555-0177\n")],
    }
    assert records == expected[name]


def test_headerless_file_gets_numbered_or_given_columns() -> None:
    path = fixture("headerless.csv")
    info, records = read(path, has_header=False)
    assert (info.header, info.header_line) == (("Column 1", "Column 2", "Column 3"), 0)
    assert records[0] == Record(path, 1, {"Column 1": "Pia", "Column 2": "Sandoval", "Column 3": "pia@example.com"},
                                "Pia,Sandoval,pia@example.com\n")
    info, records = read(path, has_header=False, columns=["First", "Last", "Email"])
    assert info.header == ("First", "Last", "Email")
    assert [r.values for r in records] == [{"First": "Pia", "Last": "Sandoval", "Email": "pia@example.com"},
                                           {"First": "Quentin", "Last": "Ashdown", "Email": "quentin@example.org"}]


def test_duplicate_and_empty_header_names() -> None:
    path = fixture("duplicate-headers.csv")
    info, records = read(path)
    assert info.header == ("Name", "Email", "Email (2)", "Phone", "Column 5", "Email (3)")
    assert info.notices == (Notice(path, 1, "Email", "duplicate-column", "column 'Email' appears 3 times; "
                                   "the later ones are read as 'Email (2)', 'Email (3)'"),)
    assert records[0].values == {"Name": "Rosa Kettering", "Email": "rosa@example.com",
                                 "Email (2)": "rosa.k@example.org", "Phone": "+1 212-555-0101", "Column 5": "",
                                 "Email (3)": "r.kettering@example.com"}


def test_names_with_emoji_tabs_commas_and_quotes() -> None:
    path = fixture("names-with-emoji-tabs-commas.csv")
    info, records = read(path)
    assert (info.delimiter, info.encoding) == (",", "utf-8")
    assert records == [
        Record(path, 2, {"First Name": "Sofía 🌻", "Last Name": "O'Neil, Jr.", "Company": 'Café "Zürich"',
                         "Note": "met twice"}, 'Sofía 🌻,"O\'Neil, Jr.",Café "Zürich",met twice\n'),
        Record(path, 3, {"First Name": "Tomás\tTab", "Last Name": "Grünewald", "Company": "Acme, Inc. 🚀",
                         "Note": 'said "hi"'}, '"Tomás\tTab",Grünewald,"Acme, Inc. 🚀","said ""hi"""\n'),
    ]


def test_title_lines_above_header_are_skipped_with_a_notice() -> None:
    path = fixture("title-lines-above-header.csv")
    info, records = read(path)
    assert (info.header, info.header_line, info.preamble) == (("Name", "Email"), 4, "lines-before-header")
    assert info.notices == (Notice(path, 1, None, "preamble-skipped", "skipped 3 line(s) above the header on line 4"),)
    assert records == [Record(path, 5, {"Name": "Ulla Trevanion", "Email": "ulla@example.org"},
                              "Ulla Trevanion,ulla@example.org\n")]


def test_leading_blank_lines_are_not_a_preamble() -> None:
    path = fixture("leading-blank-lines.csv")
    info, records = read(path)
    assert (info.header_line, info.preamble, info.notices) == (4, None, ())
    assert records == [Record(path, 5, {"Name": "Victor Anand", "Email": "victor@example.com"},
                              "Victor Anand,victor@example.com\n")]


def test_unbalanced_quote_costs_only_its_own_line() -> None:
    path = fixture("unbalanced-quote.csv")
    _, records = read(path)
    assert records[0] == Record(
        path, 2, {"Name": "Wren Abernathy", "Email": "wren@example.com", "Note": "starts a quote that never ends"},
        'Wren Abernathy,wren@example.com,"starts a quote that never ends\n',
        (Notice(path, 2, None, "unbalanced-quote",
                "a quote opened on this line is never closed; the line was read on its own"),))
    assert [(r.line, r.values["Name"], r.notices) for r in records[1:]] == [(3, "Xavier Holt", ()),
                                                                           (4, "Yara Mbeki", ())]


def test_unbalanced_quote_past_csv_field_limit(tmp_path: Path) -> None:
    rows = "".join(f"Person {n},p{n}@example.com,{'x' * 60}\n" for n in range(3000))
    path = written(tmp_path, "unbalanced-quote-long.csv", f'Name,Email,Note\nZed,"z@example.com,oops\n{rows}'.encode())
    records = list(read(path)[1])
    assert [r.line for r in records] == list(range(2, 3002 + 1))
    assert (records[0].notices[0].kind, records[-1].values["Name"]) == ("unbalanced-quote", "Person 2999")


def test_encoding_and_delimiter_overrides() -> None:
    info, records = read(fixture("names-with-emoji-tabs-commas.csv"), encoding="latin-1", delimiter="|")
    assert (info.encoding, info.encoding_reason, info.delimiter) == ("iso8859-1", "given by the caller", "|")
    assert info.header == ("First Name,Last Name,Company,Note",)
    assert records[0].values == {
        "First Name,Last Name,Company,Note": 'SofÃ\xada ð\x9f\x8c»,"O\'Neil, Jr.",CafÃ© "ZÃ¼rich",met twice'}
    with pytest.raises(UsageError):
        inspect_csv(open_input(fixture("headerless.csv")), encoding="klingon")
    with pytest.raises(UsageError):
        inspect_csv(open_input(fixture("headerless.csv")), delimiter=";;")


def test_read_csv_is_lazy() -> None:
    f = open_input(fixture("linkedin-preamble.csv"))
    records = read_csv(f, inspect_csv(f))
    assert iter(records) is records and next(records).line == 5


def test_blank_only_file_is_an_input_error(tmp_path: Path) -> None:
    path = written(tmp_path, "blank-lines-only.csv", b"\r\n  \r\n,,\r\n")
    with pytest.raises(InputError, match=r"blank-lines-only.csv: holds no rows, only blank lines"):
        read(path)


@pytest.mark.parametrize("name, data, message", [
    ("missing.csv", None, "no such file. Check the path and the file name"),
    ("empty.csv", b"", "is empty. Export your contacts again and give the new file"),
    ("contacts.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "is a PDF document, not a contact export. Give the CSV, Excel"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG image, not a contact export."),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "is an old-style Excel .xls workbook"),
    ("blob.bin", bytes(range(256)) * 4, "looks like a binary file, not a contact export."),
    ("broken.zip", b"PK\x03\x04" + b"not really a zip", "is a damaged or encrypted zip"),
])
def test_unusable_files_are_input_errors(tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        open_input(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_folder_and_unreadable_file_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        open_input(tmp_path)
    if os.geteuid() == 0:
        pytest.skip("root reads any file")  # pragma: no cover
    path = tmp_path / "locked.csv"
    path.write_text("Name\nA\n")
    path.chmod(0)
    with pytest.raises(InputError, match=r"cannot be read \(Permission denied\)"):
        open_input(path)


@pytest.mark.parametrize("name, data, kind", [
    ("contacts.csv", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nEND:VCARD\r\n", "vcard"),
    ("contacts.txt", "\ufeffbegin:vcard\r\nVERSION:2.1\r\n".encode("utf-16-le"), "vcard"),
    ("contacts.vcf", b"FN:no BEGIN line here\r\n", "vcard"),
    ("notes-mention-vcards.csv", b"Name,Note\nAnn Example,exported with BEGIN:VCARD lines\n", "csv"),
    ("late-vcard.txt", b"Name\n" + b"x" * 2000 + b"\nBEGIN:VCARD\n", "csv"),
])
def test_kind_is_decided_by_content_then_extension(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    assert open_input(written(tmp_path, name, data)).kind == kind


_TEXT = st.text(alphabet=st.sampled_from(list(',;\t|"\r\n aZé€\ufeff🌻:\x00')), max_size=120)
_ENCODED = st.builds(lambda prefix, text, enc: (prefix + text).encode(enc, "replace"),
                     st.sampled_from(["", "Notes:\n", "\ufeff", "Name,Email\n"]), _TEXT,
                     st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "cp1252"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), _ENCODED))
def test_any_bytes_give_records_or_an_input_error(tmp_path: Path, data: bytes) -> None:
    path = written(tmp_path, "any.csv", data)
    try:
        f = open_input(path)
        if f.kind != "csv":
            return
        records = list(read_csv(f, inspect_csv(f)))
    except InputError:
        return
    lines = [r.line for r in records]
    assert lines == sorted(set(lines)) and all(r.raw and r.file == path for r in records)
