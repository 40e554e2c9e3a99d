"""Damaged text is reported, and repaired only when certain (issue 13 item 5): letters an encoding round-trip
replaced by "?" are kept and told; mojibake is repaired with ftfy and told; neither joins two people."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from importer.normalize.damage import repair_mojibake, replaced_letters
from importer.normalize.keys import name_company_keys
from importer.plan.inputs import ReadOptions
from importer.preview import preview

GOOGLE_HEADER = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Labels",
                 "E-mail 1 - Label", "E-mail 1 - Value", "Notes"]


def write(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GOOGLE_HEADER)
        # rows are (first, last, company, title, email, notes)
        writer.writerows([row[0], "", *row[1:4], "* myContacts", "Work" if row[4] else "", row[4], row[5]]
                         for row in rows)
    return str(path)


def run(*paths: str) -> tuple[list[dict], object]:
    out = io.StringIO()
    summary = preview(list(paths), ReadOptions(region="US"), out=out)
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


@pytest.mark.parametrize("text", ["Raj ?ahin", "J?rgen", "Fran?ois", "?ukasz", "Andr?", "Bj\ufffdrk"])
def test_letters_replaced_by_a_question_mark_are_seen_in_a_name(text: str) -> None:
    assert replaced_letters(text, name=True)


@pytest.mark.parametrize("text", ["Ann Example", "Zoë Łukasz", "What?", "Call back? Maybe", "Who? Acme", "?"])
def test_a_question_mark_ending_a_sentence_or_standing_alone_is_no_damage(text: str) -> None:
    assert not replaced_letters(text)


@pytest.mark.parametrize("broken, fixed", [
    ("RenÃ©e", "Renée"), ("MÃ¼ller GmbH", "Müller GmbH"), ("donâ€™t", "don’t"), ("Ã‰mile", "Émile"),
    ("ÐŸÐµÑ‚Ñ€", "Петр"), ("Ã¥se SÃ¸rensen", "åse Sørensen")])
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair_mojibake(broken) == fixed


@pytest.mark.parametrize("clean", [
    "Renée", "Ñoño Example", "Петр", "東京 Example", "Ðóra", "Björk Ásta", "Don’t", "Â", "Ã", "São Paulo",
    "Ärztin", "Œuvre", "1 ± 2", "Ê»"])
def test_clean_text_is_never_touched(clean: str) -> None:
    assert repair_mojibake(clean) is None


def test_a_damaged_name_is_imported_and_the_record_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", [
        ["Raj", "?ahin", "Example Compilers", "Engineer", "raj@example.com", "Met at a conference?"],
        ["Ann", "Example", "Example Compilers", "Engineer", "ann@example.com", "Call back? Maybe"]])
    found, summary = run(path)
    assert [c["full_name"] for c in found] == ["Raj ?ahin", "Ann Example"]
    damaged = [(n.line, n.message) for n in summary.notices if n.kind == "replaced-letters"]
    assert damaged == [(2, "letters replaced by ? (an encoding round-trip): 'Raj ?ahin'; imported as it is; "
                           "re-export the file as UTF-8 to keep the letters")]


def test_mojibake_is_repaired_on_the_record_and_said(tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", [
        ["RenÃ©e", "Example", "MÃ¼ller GmbH", "DÃ©veloppeuse", "renee@example.com", "donâ€™t call"],
        ["Ñoño", "Петров", "東京 Example", "", "nono@example.com", ""]])
    found, summary = run(path)
    assert found[0]["full_name"] == "Renée Example" and found[0]["first_name"] == "Renée"
    assert found[0]["company"] == "Müller GmbH" and found[0]["job_title"] == "Développeuse"
    assert "don’t call" in found[0]["description"]
    assert found[1]["full_name"] == "Ñoño Петров" and found[1]["company"] == "東京 Example"
    repaired = [(n.line, n.message) for n in summary.notices if n.kind == "repaired-mojibake"]
    # one notice for the record; the first name, within the full name, is not quoted twice
    assert repaired == [(2, "repaired mojibake: 'RenÃ©e Example' → 'Renée Example', 'MÃ¼ller GmbH' → 'Müller "
                            "GmbH', 'DÃ©veloppeuse' → 'Développeuse', 'donâ€™t call' → 'don’t call'")]


def test_two_damaged_names_at_one_company_are_not_one_person(tmp_path: Path) -> None:
    # Şahin and Čahin both became "?ahin": the same name and company no longer says the same person
    path = write(tmp_path / "contacts.csv", [
        ["Raj", "?ahin", "Example Compilers", "", "", ""], ["Raj", "?ahin", "Example Compilers", "", "", ""],
        ["Ann", "Example", "Example Compilers", "", "", ""], ["Ann", "Example", "Example Compilers Inc.", "", "", ""]])
    found, summary = run(path)
    assert [c["full_name"] for c in found] == ["Raj ?ahin", "Raj ?ahin", "Ann Example"]
    assert name_company_keys({"full_name": "Raj ?ahin", "company": "Example Compilers"}) == []
    assert name_company_keys({"full_name": "Raj Şahin", "company": "Fran?ois SARL"}) == []


def test_the_same_damaged_name_with_the_same_email_is_still_one_person(tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", [
        ["Raj", "?ahin", "Example Compilers", "", "raj@example.com", ""],
        ["Raj", "?ahin", "", "", "raj@example.com", ""]])
    found, _ = run(path)
    assert len(found) == 1


def test_a_cut_linkedin_url_in_a_website_field_is_kept_as_a_line_and_never_a_handle(tmp_path: Path) -> None:
    # the cut is caught in a URL field too (vCard URL, X-SOCIALPROFILE), not only in a LinkedIn column
    path = tmp_path / "cards.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Raj Example\nURL:https://www.linkedin.com/in/raj-?ahin-1a2b\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Rajesh Example\nX-SOCIALPROFILE;type=linkedin:raj-\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Example\nURL:https://www.linkedin.com/in/ann-example-1a2b\nEND:VCARD\n",
        encoding="utf-8")
    found, summary = run(str(path))
    assert [c.get("linkedin") for c in found] == [None, None, "ann-example-1a2b"]
    assert "https://www.linkedin.com/in/raj-?ahin-1a2b" in found[0]["description"]
    assert "raj-" in found[1]["description"]
