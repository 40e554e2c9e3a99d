"""`preview --out` follows its extension: .jsonl as Dex receives the contacts, .csv for a spreadsheet,
.vcf as vCard 4.0 that this importer (and any address book) reads back to the same contacts; any other
extension is a usage error before anything is read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from importer.cli.main import main
from importer.report.export import write_contacts

SAMPLES = Path(__file__).parent.parent / "sample_data"
# Labels, several emails and phones, addresses, a no-year birthday, handles, a custom label ("Studio line")
INPUTS = [str(SAMPLES / "google" / "contacts.csv"), str(SAMPLES / "vcard" / "iphone.vcf"),
          str(SAMPLES / "dex" / "dex-contacts-export.csv")]


def cli(*argv: str) -> tuple[int, str, str]:
    """Returns (exit code, stdout, stderr) of one in-process run."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_vcf_out_reads_back_to_the_same_contacts(tmp_path: Path) -> None:
    cli("preview", *INPUTS, "--region", "US", "--out", str(tmp_path / "all.jsonl"))
    cli("preview", *INPUTS, "--region", "US", "--out", str(tmp_path / "all.vcf"))
    cards = (tmp_path / "all.vcf").read_text(encoding="utf-8")
    assert cards.count("BEGIN:VCARD") == len(jsonl(tmp_path / "all.jsonl")) == 10
    assert cards.count("VERSION:4.0") == cards.count("BEGIN:VCARD") and "VERSION:3.0" not in cards
    # read back by the importer's own vCard reader, merged or not, they are the very same contacts
    cli("preview", str(tmp_path / "all.vcf"), "--region", "US", "--no-merge", "--out", str(tmp_path / "back.jsonl"))
    assert jsonl(tmp_path / "back.jsonl") == jsonl(tmp_path / "all.jsonl")


def test_what_vcard_has_no_property_for_goes_as_x_dex_and_comes_back() -> None:
    contact = {"full_name": "Ann Example", "first_name": "Ann", "last_name": "Example", "starred": True,
               "frequency": "1 mon", "birthday": "1604-02-29", "legacy_location": "Springfield",
               "contact_phone_numbers": [{"phone_number": "+1 212-555-0101", "phone_number_sanitized": "+12125550101",
                                          "country_code": "+1", "label": "TTY/TDD", "ranking": 0}]}
    out = io.StringIO()
    assert write_contacts(out, [(contact, ("Neighbours", "Book, club"))], "vcard") == 1
    card = out.getvalue()
    assert "BDAY:--0229\r\n" in card  # Dex's "no year" (1604) as vCard 4.0 writes it
    assert "X-DEX-STARRED:true\r\n" in card and "X-DEX-FREQUENCY:1 mon\r\n" in card
    assert "item1.TEL:+1 212-555-0101\r\n" in card and "item1.X-ABLABEL:TTY/TDD\r\n" in card
    assert "CATEGORIES:Neighbours,Book\\, club\r\n" in card


def test_the_vcard_fields_of_dex_read_back(tmp_path: Path) -> None:
    contact = {"full_name": "Ann Example", "first_name": "Ann", "last_name": "Example", "starred": True,
               "frequency": "1 mon", "birthday": "1604-02-29", "legacy_location": "Springfield"}
    out = io.StringIO()
    write_contacts(out, [(contact, ())], "vcard")
    (tmp_path / "ann.vcf").write_text(out.getvalue(), encoding="utf-8")
    code, _, _ = cli("preview", str(tmp_path / "ann.vcf"), "--out", str(tmp_path / "ann.jsonl"))
    assert code == 0
    assert jsonl(tmp_path / "ann.jsonl") == [contact]


def test_a_csv_out_opens_as_a_spreadsheet_with_human_columns(tmp_path: Path) -> None:
    source = tmp_path / "crm.csv"
    source.write_text("Name,Email,Company,Phone\n"
                      "Ann Example,ann@example.com,=HYPERLINK(\"http://example.com\"),+1 212-555-0101\n"
                      "Bo Example,bo@example.com,Example Co,\n", encoding="utf-8")
    code, out, _ = cli("preview", str(source), "--region", "US", "--out", str(tmp_path / "out.csv"))
    assert code == 0 and "Wrote 2 contacts to" in out
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:9] == ["Full name", "First name", "Last name", "Company", "Job title", "Emails",
                                 "Phones", "Addresses", "Birthday"]
    assert (rows[0]["Full name"], rows[0]["Emails"]) == ("Ann Example", "ann@example.com")
    # formula-like cells get the failure report's apostrophe, so they show as text
    assert rows[0]["Company"] == "'=HYPERLINK(\"http://example.com\")"
    assert rows[0]["Phones"] == "'+1 212-555-0101"
    assert (rows[1]["Company"], rows[1]["Phones"]) == ("Example Co", "")


def test_lists_are_joined_in_the_csv() -> None:
    contact = {"full_name": "Ann Example", "contact_emails": [{"email": "a@example.com", "ranking": 0},
                                                              {"email": "b@example.com", "ranking": 1}],
               "legacy_contact_addresses": [{"formatted": "1 Example Row"}, {"formatted": "2 Example Row"}],
               "starred": True}
    out = io.StringIO()
    write_contacts(out, [(contact, ("Friends", "Book club"))], "csv")
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["Emails"] == "a@example.com; b@example.com"
    assert row["Addresses"] == "1 Example Row; 2 Example Row"
    assert row["Labels"] == "Friends; Book club"
    assert row["Other Dex fields"] == "starred: true"


@pytest.mark.parametrize("name", ["contacts.txt", "contacts", "contacts.json"])
def test_another_extension_is_a_usage_error_before_anything_is_read(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    code, out, err = cli("preview", str(tmp_path / "no-such-file.csv"), "--out", str(target))
    assert (code, out) == (2, "")
    assert err == (f"dex-import: --out {target}: write a .jsonl (JSON lines), .csv (a spreadsheet) or .vcf "
                   "(vCard 4.0) file; the extension says which\n")
    assert not target.exists()


def test_the_extension_is_read_whatever_its_case(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("Name,Email\nAnn Example,ann@example.com\n", encoding="utf-8")
    code, _, _ = cli("preview", str(tmp_path / "one.csv"), "--out", str(tmp_path / "c.JSONL"))
    assert code == 0 and [c["full_name"] for c in jsonl(tmp_path / "c.JSONL")] == ["Ann Example"]


def test_jsonl_holds_descriptions_as_sent_and_csv_vcf_their_plain_lines(tmp_path: Path) -> None:
    for name in ("all.jsonl", "plain.jsonl", "all.csv", "all.vcf"):
        shape = ["--description-format", "text"] if name == "plain.jsonl" else []
        cli("preview", *INPUTS, "--region", "US", *shape, "--out", str(tmp_path / name))
    sent = [c.get("description") for c in jsonl(tmp_path / "all.jsonl")]
    plain = [c.get("description") for c in jsonl(tmp_path / "plain.jsonl")]
    assert any(sent) and all(d.startswith("<p>") for d in sent if d)  # Dex's rich text, as sent
    assert all("<p>" not in d for d in plain if d)
    with open(tmp_path / "all.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Description"] or None for r in rows] == plain  # other address books get the lines
    cards = (tmp_path / "all.vcf").read_text(encoding="utf-8")
    assert "<p>" not in cards and "NOTE:" in cards
