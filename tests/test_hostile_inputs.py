"""Small hostile files (issue 16): a clear one-line answer in bounded time and memory. Sizes are capped low
through the readers' limits, so no test writes more than a few MB."""

from __future__ import annotations

import base64
import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from importer.errors import InputError, MappingError
from importer.mapping.load import load_mapping_file, parse_mapping
from importer.plan.inputs import ReadOptions, map_records, open_file
from importer.readers.csvfile import column_names
from importer.readers.source import ZipLimits, open_input
from importer.readers.vcard import read_vcard
from tests.helpers import run_cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
ROW = "Ada,Example,https://www.linkedin.com/in/ada-example,ada@example.com,Co,Eng,05 Jan 2026\r\n"


def cli(*argv: str) -> tuple[int, str, str]:
    return run_cli(*argv)


def zipped(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return path


def test_a_zip_member_is_streamed_not_read_whole(tmp_path: Path) -> None:
    body = (HEADER + ROW * 2000).encode()
    source = open_input(zipped(tmp_path / "Basic_LinkedInDataExport.zip", "Connections.csv", body))
    with source.open() as stream:
        assert not isinstance(stream, io.BytesIO)  # the old reader held the whole member in memory
        assert stream.read(len(HEADER)) == HEADER.encode()
    assert source.size == len(body)
    opened = open_file(str(tmp_path / "Basic_LinkedInDataExport.zip"), ReadOptions())
    assert sum(1 for _ in map_records(opened)) == 2000


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    path = zipped(tmp_path / "bomb.zip", "Connections.csv", (HEADER + "\r\n" * 2_000_000).encode())
    with pytest.raises(InputError, match=r"times its compressed size: that is a zip bomb"):
        open_input(path, zip_limits=ZipLimits(ratio_from=1 << 20))


def test_a_zip_member_past_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = zipped(tmp_path / "big.zip", "Connections.csv", (HEADER + ROW * 5000).encode())
    with pytest.raises(InputError, match=r"big.zip/Connections.csv: unzips to [\d,]+ bytes, more than the 100,000"):
        open_input(path, zip_limits=ZipLimits(max_size=100_000))


def test_a_zip_member_that_lies_about_its_size_stops_while_read(tmp_path: Path) -> None:
    path = zipped(tmp_path / "liar.zip", "Connections.csv", (HEADER + ROW * 5000).encode())
    source = open_input(path, zip_limits=ZipLimits(max_size=1 << 30))
    small = ZipLimits(max_size=50_000)
    # the same member read with a cap below what it holds: the stream itself stops, whatever the header said
    from importer.readers.source import _ZipMember

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("Connections.csv")
    stream = _ZipMember(path, info, source.name, small)
    with pytest.raises(InputError, match="unzips to"):
        while stream.read(1 << 14):
            pass
    stream.close()


def test_a_zip_of_zeros_stops_at_the_head_as_binary(tmp_path: Path) -> None:
    path = zipped(tmp_path / "zeros.zip", "Connections.csv", b"\x00" * (4 << 20))
    started = time.perf_counter()
    code, out, err = cli("preview", str(path))
    assert code == 3
    assert err.startswith(f"dex-import: {path}/Connections.csv: looks like a binary file, not a contact export")
    assert time.perf_counter() - started < 5


def test_many_duplicate_columns_are_named_in_linear_time() -> None:
    names, notices = column_names("dup.csv", 1, ["Email"] * 20_000, max_columns=50_000)
    assert len(set(names)) == 20_000 and names[:3] == ("Email", "Email (2)", "Email (3)")
    assert len(notices) == 1 and notices[0].message.endswith(" and 19994 more")
    # a column already called "Email (2)" keeps its name; the repeat takes the next free number
    names, _ = column_names("dup.csv", 1, ["Email", "Email (2)", "Email"])
    assert names == ("Email", "Email (2)", "Email (3)")


def test_a_header_of_thousands_of_columns_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(20_000)) + "\nx\n", encoding="utf-8")
    started = time.perf_counter()
    code, out, err = cli("preview", str(path))
    assert code == 3 and err.count("\n") == 1
    assert err.startswith(f"dex-import: {path}:1: the header has 20,000 columns, more than the 5,000")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("style", ["folded", "v21", "quoted-printable"])
def test_skipping_a_big_photo_costs_linear_time(tmp_path: Path, style: str) -> None:
    # 3 MB of base64: about 40 s when each folded line copied the value so far, well under a second now
    photo = base64.b64encode(os.urandom(2_250_000)).decode()
    if style == "folded":
        value = "PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(photo[i:i + 74] for i in range(0, len(photo), 74))
        version = "3.0"
    elif style == "v21":
        value = "PHOTO;ENCODING=BASE64;TYPE=JPEG:" + "\r\n".join(photo[i:i + 76] for i in range(0, len(photo), 76))
        value += "\r\n"
        version = "2.1"
    else:
        value = "NOTE;ENCODING=QUOTED-PRINTABLE:" + "=\r\n".join("=41" * 25 for _ in range(30_000))
        version = "2.1"
    path = tmp_path / f"{style}.vcf"
    path.write_text(f"BEGIN:VCARD\r\nVERSION:{version}\r\nN:Example;Ada\r\nFN:Ada Example\r\n{value}\r\n"
                    "EMAIL:ada@example.com\r\nEND:VCARD\r\n", encoding="ascii")
    started = time.perf_counter()
    source = open_input(path)
    records = list(read_vcard(source.name, source.open))
    assert time.perf_counter() - started < 10  # generous: the point is seconds, not minutes
    assert len(records) == 1 and "ada@example.com" in str(records[0].values)


def test_a_fifo_input_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "Connections.csv"
    os.mkfifo(fifo)
    code, out, err = cli("preview", str(fifo))
    assert code == 3
    assert err == (f"dex-import: {fifo}: is not a regular file (a pipe, socket or device). Save the export to "
                   "a file and give that file\n")


@pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
def test_a_mapping_that_is_a_device_or_fifo_is_refused(tmp_path: Path, device: str) -> None:
    if device == "fifo":
        device = str(tmp_path / "m.yaml")
        os.mkfifo(device)
    with pytest.raises(MappingError, match="is not a regular file"):
        load_mapping_file(device)


def test_a_huge_mapping_is_read_only_up_to_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: big\n" + "# padding\n" * 150_000, encoding="utf-8")
    with pytest.raises(MappingError, match="larger than 1,000,000 characters"):
        load_mapping_file(path)


@pytest.mark.parametrize("text, message", [
    ("name: x\nfields: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested too deeply"),
    ("name: x\nfields:\n  company: " + "9" * 5000 + "\n", "a number has too many digits"),
    ("name: x\nconstants:\n  source: " + "9" * 5000 + "\n", "a number has too many digits"),
    ("name: x\nconstants:\n  source: 2024-99-99\n", "a value cannot be read"),
])
def test_hostile_yaml_is_a_mapping_error(text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse_mapping(text, path="hostile.yaml")


@pytest.mark.parametrize("constants, message", [
    ("starred: maybe", "constants.starred: must be true or false"),
    ("birthday: not-a-date", "constants.birthday: must be a date YYYY-MM-DD"),
    ("birthday_year: 99999", "constants.birthday_year: must be a year"),
    ("last_seen_at: yesterday", "constants.last_seen_at: must be a date and time"),
    ("company: [1, 2]", "constants.company: must be text"),
])
def test_constants_are_validated_like_mapped_values(constants: str, message: str) -> None:
    text = f"name: x\nname_parts:\n  full: Name\nconstants:\n  {constants}\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, path="c.yaml")
    assert message in "; ".join(p.describe() for p in caught.value.problems)


def test_good_constants_and_an_unknown_read_encoding(tmp_path: Path) -> None:
    good = ("name: x\nname_parts:\n  full: Name\nconstants:\n  starred: true\n  birthday: '1990-04-01'\n"
            "  birthday_year: 1990\n  source: my-crm\n  last_seen_at: '2024-05-01T09:00:00Z'\n")
    assert parse_mapping(good, path="ok.yaml").constants["starred"] is True
    path = tmp_path / "enc.yaml"
    path.write_text("name: x\nname_parts:\n  full: Name\nread:\n  encoding: klingon-8\n", encoding="utf-8")
    code, out, err = cli("check-mapping", str(path))
    assert code == 3
    assert err.splitlines()[0] == (f"{path}: read.encoding: is not a text encoding Python knows; use one "
                                   "such as utf-8, cp1252 or utf-16")


def test_workbook_formulas_without_saved_values_are_reported(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "Email"])
    sheet.append(["Ada", "Example", '=LOWER("ADA@EXAMPLE.COM")'])  # openpyxl saves no value for a formula
    sheet.append(["Bea", "Example", "bea@example.com"])
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    opened = open_file(path, ReadOptions())
    warned = [n for n in opened.notices if n.kind == "formula-without-value"]
    assert [(n.column, n.line) for n in warned] == [("Email", 2)]
    assert "holds formulas with no saved value (read as empty)" in warned[0].message


def test_an_encrypted_workbook_is_not_called_an_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "protected.xlsx"
    # the start of an OLE compound file and the directory entry an encrypted .xlsx always has
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016 + "EncryptedPackage".encode("utf-16-le")
                     + b"\x00" * 2000)
    code, out, err = cli("preview", str(path))
    assert code == 3
    assert err == (f"dex-import: {path}: is a password-protected Excel workbook. Open it in Excel, remove the "
                   "password (File > Info > Protect Workbook) and save it, or export the sheet as CSV\n")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000)
    assert "an old-style Excel .xls workbook" in cli("preview", str(old))[2]


def test_a_nul_inside_a_name_is_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    filler = "".join(f"P{n},Example,p{n}@example.com\r\n" for n in range(200))  # past the 4 KB sniffed
    path.write_text("First Name,Last Name,Email\r\n" + filler + "Ad\x00a,Example,ada@example.com\r\n",
                    encoding="utf-8")
    mapped = list(map_records(open_file(path, ReadOptions())))
    last = mapped[-1]
    assert "\x00" not in json_text(last.contact)
    assert "Ada" in json_text(last.contact)
    assert any(n.kind == "nul-removed" for n in last.notices)


def json_text(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
