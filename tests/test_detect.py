"""Detection: each export flavour is recognised from the file itself, with the reason in words."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from importer.cli.main import main
from importer.plan.inputs import ReadOptions, open_file

FORMATS = Path(__file__).parent / "fixtures" / "formats"
ROOT = Path(__file__).parent.parent
GENERIC_TAIL = ("the others become description lines. For full control: dex-import mapping init FILE > my.yaml, "
                "edit it, then --mapping my.yaml")


@pytest.mark.parametrize("fixture,fmt,reason", [
    ("google-multi-value-cells.csv", "google",
     "header has First Name, Last Name, Labels, E-mail {n} - Value and 1 more; 7 of 7 columns known"),
    ("google-numbered-groups-reordered.csv", "google",
     "header has First Name, Last Name, Labels, E-mail {n} - Value and 1 more; 13 of 13 columns known"),
    ("google-business-organization-only.csv", "google",
     "header has First Name, Last Name, Labels, Phone {n} - Value and 1 more; 8 of 8 columns known"),
    ("google-legacy-format.csv", "google-legacy",
     "header has Given Name, Family Name, Group Membership; 43 of 43 columns known"),
    ("outlook-desktop-92-columns-cp1252.csv", "outlook",
     "header has First Name, Last Name, E-mail Address, Business Phone and 4 more; 92 of 92 columns known"),
    ("outlook-utf8-bom-cp1252-body.csv", "outlook",
     "header has First Name, Last Name, E-mail Address, Business Phone and 4 more; 92 of 92 columns known"),
    ("outlook-com-layout.csv", "outlook",
     "header has First Name, Last Name, E-mail Address, Business Phone and 4 more; 61 of 61 columns known"),
    ("google-outlook-csv-layout.csv", "outlook",
     "header has First Name, Last Name, E-mail Address, Business Phone and 4 more; 88 of 88 columns known"),
    ("outlook-desktop-german-headers.csv", "outlook-de",
     "header has Vorname, Nachname, E-Mail-Adresse, Telefon geschäftlich and 4 more; 92 of 92 columns known"),
    ("linkedin-current-preamble.csv", "linkedin",
     "header has Connected On, First Name, Last Name, URL and 3 more; LinkedIn's \"Notes:\" preamble above the "
     "header; 7 of 7 columns known"),
    ("linkedin-2021-no-url.csv", "linkedin",
     "header has Connected On, First Name, Last Name, Email Address and 2 more; LinkedIn's \"Notes:\" preamble "
     "above the header; 6 of 6 columns known"),
    ("linkedin-2018-us-dates.csv", "linkedin",
     "header has Connected On, First Name, Last Name, Email Address and 2 more; 6 of 6 columns known"),
    ("linkedin-resaved-semicolon-cp1252.csv", "linkedin",
     "header has Connected On, First Name, Last Name, URL and 3 more; 7 of 7 columns known"),
    ("dex-export.csv", "dex",
     "header has GroupMembership, LastSeenAt, LastReminderAt, NextReminderAt; 18 of 18 columns known"),
    ("own-mapping-pipe-delimited.csv", "generic",
     "no known export has this header; columns matched to Dex fields by name (Name, Email, Phone, Notes); "
     + GENERIC_TAIL),
    ("own-mapping-utf16.csv", "generic",
     "no known export has this header; columns matched to Dex fields by name (Name, Email, Phone, Notes); "
     + GENERIC_TAIL),
])
def test_flavour_detected_with_reason(fixture: str, fmt: str, reason: str) -> None:
    detection = open_file(FORMATS / fixture).detection
    assert (detection.format, detection.mapping.name, detection.reason) == (fmt, fmt, reason)


def test_linkedin_file_name_adds_to_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_bytes((FORMATS / "linkedin-2018-us-dates.csv").read_bytes())
    assert open_file(path).detection.reason == (
        "header has Connected On, First Name, Last Name, Email Address and 2 more; file name 'Connections.csv'; "
        "6 of 6 columns known")


def test_unknown_csv_without_a_name_column_says_rows_are_named_after_their_email_or_phone() -> None:
    detection = open_file(FORMATS / "own-mapping-headerless.csv").detection
    assert detection.format == "generic"
    assert detection.reason == (
        "no known export has this header; columns matched to Dex fields by name (none); the others become "
        "description lines; NO column looks like a name, so each row is named after its email or phone (rows "
        "with neither are skipped). For full control: dex-import mapping init FILE > my.yaml, edit it, then "
        "--mapping my.yaml")


def test_forced_format_and_mapping_say_so() -> None:
    path = FORMATS / "linkedin-2018-us-dates.csv"
    assert open_file(path, ReadOptions(fmt="generic")).detection.reason.startswith(
        "format given with --format; columns matched to Dex fields by name (First Name, Last Name")
    mapping = str(FORMATS / "own-mapping.yaml")
    assert open_file(path, ReadOptions(mapping=mapping)).detection.reason == (
        f"mapping given with --mapping ({mapping})")


def test_other_candidates_are_listed() -> None:
    # A Google Outlook-CSV header also has First Name / Last Name: only outlook's detect columns all match.
    detection = open_file(FORMATS / "google-outlook-csv-layout.csv").detection
    assert [c.mapping.name for c in detection.candidates] == ["outlook"]


def test_detect_json_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out, err = io.StringIO(), io.StringIO()
    path = "tests/fixtures/formats/outlook-utf8-bom-cp1252-body.csv"
    assert main(["detect", "--json", path], stdout=out, stderr=err) == 0
    [found] = json.loads(out.getvalue())
    assert list(found) == ["file", "kind", "format", "title", "locale", "mapping", "mapping_path", "reason",
                           "encoding",
                           "encoding_reason", "delimiter", "header_line", "preamble", "columns", "sheet", "sheets",
                           "sheet_reason", "candidates",
                           "notices"]
    assert {k: found[k] for k in ("file", "kind", "format", "title", "locale", "mapping", "mapping_path",
                                  "encoding", "delimiter", "header_line", "preamble")} == {
        "file": path, "kind": "csv", "format": "outlook", "title": "Outlook CSV (English)", "locale": None,
        "mapping": "outlook",
        "mapping_path": "mappings/outlook.yaml", "encoding": "cp1252", "delimiter": ",", "header_line": 1,
        "preamble": None}
    assert found["encoding_reason"] == ("UTF-8 BOM but the body is not UTF-8 (byte 0xE9 on line 2): read as "
                                        "Windows-1252")
    assert len(found["columns"]) == 92 and found["columns"][:2] == ["Title", "First Name"]
    assert found["candidates"] == [{"mapping": "outlook", "score": 1.0, "reason": found["reason"]}]
    assert [n["kind"] for n in found["notices"]] == ["encoding-guess"]
    assert err.getvalue() == ""


def test_vcard_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "contacts.txt"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Oona Pellegrini\nEND:VCARD\n", encoding="utf-8")
    detection = open_file(path).detection
    assert (detection.format, detection.reason) == ("vcard", "the file holds BEGIN:VCARD cards")
