"""Same name and company is the same person (issue 13, item 1): across files and inside one, unless a strong
key says they are two; one rule (importer.normalize.keys) for the in-file merge and the account check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from importer.normalize.keys import fold_company, fold_name, identity_of, linkedin_key
from importer.plan.account import AccountIndex
from importer.plan.inputs import ReadOptions
from importer.preview import preview

FIRST = ("Ann", "Bo", "Cai", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "José", "Kim", "Lea", "Mo", "Nia", "Oli")
LAST = ("Example", "Okafor", "Müller", "Sørensen", "Dubois", "Tanaka", "Rossi", "Novák", "Kowalski", "Mensah")
COMPANIES = ("Example Compilers", "Northwind Analytics", "Fabrikam Example", "Contoso Labs", "Atelier Lumière")
# how the Google side writes each company: another case, a legal form, another spacing
GOOGLE_COMPANY = {"Example Compilers": "Example Compilers Inc.", "Northwind Analytics": "NORTHWIND ANALYTICS, LLC",
                  "Fabrikam Example": "Fabrikam  Example GmbH", "Contoso Labs": "Contoso Labs Ltd",
                  "Atelier Lumière": "Atelier Lumiere S.A."}
LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
GOOGLE_HEADER = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Labels",
                 "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value"]


def people(count: int) -> list[tuple[str, str, str]]:
    return [(FIRST[i % len(FIRST)], LAST[i // len(FIRST) % len(LAST)], COMPANIES[i % len(COMPANIES)])
            for i in range(count)]


def write(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def linkedin_row(first: str, last: str, company: str, handle: str) -> list[str]:
    return [first, last, f"https://www.linkedin.com/in/{handle}", "", company, "Engineer", "05 Jan 2026"]


def google_row(first: str, last: str, company: str, email: str, phone: str = "") -> list[str]:
    return [first, "", last, company, "", "* myContacts", "Work", email, "Mobile" if phone else "", phone]


def run(*paths: str, **options: object) -> tuple[list[dict], object]:
    out = io.StringIO()
    summary = preview(list(paths), ReadOptions(region="US"), out=out, **options)  # type: ignore[arg-type]
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


def test_150_people_in_a_linkedin_and_a_google_export_become_150_contacts(tmp_path: Path) -> None:
    shared = people(150)
    linkedin = write(tmp_path / "Connections.csv", LINKEDIN_HEADER, [
        linkedin_row(f, last, c, f"{fold_name(f)}-{fold_name(last)}-{i:x}") for i, (f, last, c) in enumerate(shared)]
        # only a name in common with someone: another company, or none
        + [linkedin_row("Ann", "Example", "Tailspin Toys", "ann-example-other"),
           linkedin_row("Bo", "Example", "", "bo-example-nocompany")])
    google = write(tmp_path / "contacts.csv", GOOGLE_HEADER, [
        # the Google side writes the names in other cases and without accents, the companies with legal forms
        google_row(f.upper() if i % 3 == 0 else f.replace("é", "e"), last.lower() if i % 2 else last,
                   GOOGLE_COMPANY[c], f"person{i}@example.com", f"+1 212 555 {i % 100:04d}")
        for i, (f, last, c) in enumerate(shared)])
    found, summary = run(linkedin, google)
    both = [c for c in found if c.get("linkedin") and c.get("contact_emails")]
    assert len(both) == 150 and len(found) == 152
    assert summary.merged == 150 and summary.contacts == 152
    ann = next(c for c in both if c["linkedin"] == "ann-example-0")
    assert ann["contact_emails"][0]["email"] == "person0@example.com"
    assert ann["contact_phone_numbers"][0]["phone_number_sanitized"] == "+12125550000"
    assert {c["linkedin"] for c in found if not c.get("contact_emails")} == {"ann-example-other",
                                                                             "bo-example-nocompany"}
    # every such merge is named as one of name and company, in the preview's list and on the record
    assert all("(same name and company (" in m for m in summary.merges)
    assert f"{linkedin}:2 + {google}:2 (same name and company (ANN Example, Example Compilers Inc.))" in summary.merges
    merged = [n for n in summary.notices if n.kind == "merged"]
    assert len(merged) == 150 and "same name and company" in merged[0].message


def test_name_and_company_with_different_linkedin_profiles_stay_two(tmp_path: Path) -> None:
    linkedin = write(tmp_path / "Connections.csv", LINKEDIN_HEADER, [
        linkedin_row("Sam", "Example", "Acme", "sam-example-1"),
        linkedin_row("Sam", "Example", "Acme Inc.", "sam-example-2")])
    google = write(tmp_path / "contacts.csv", GOOGLE_HEADER, [
        google_row("Sam", "Example", "ACME", "sam@gmail.com")])
    found, summary = run(linkedin, google)
    # the two profiles are two people; the Google row, with no profile, joins the first of them
    assert [(c.get("linkedin"), [e["email"] for e in c.get("contact_emails", [])]) for c in found] == [
        ("sam-example-2", []), ("sam-example-1", ["sam@gmail.com"])]
    assert summary.merged == 1


def test_name_and_company_with_different_addresses_at_one_domain_stay_two(tmp_path: Path) -> None:
    google = write(tmp_path / "contacts.csv", GOOGLE_HEADER, [
        google_row("Ann", "Example", "Example Robotics", "ann@robotics.example.com"),
        google_row("Ann", "Example", "Example Robotics", "ann.e@robotics.example.com"),
        # two personal addresses say nothing: anyone may have two
        google_row("Bo", "Example", "Example Robotics", "bo.example@gmail.com"),
        google_row("Bo", "Example", "Example Robotics", "bo1990@gmail.com"),
    ])
    found, summary = run(google)
    assert [[e["email"] for e in c["contact_emails"]] for c in found] == [
        ["ann@robotics.example.com"], ["ann.e@robotics.example.com"], ["bo.example@gmail.com", "bo1990@gmail.com"]]
    assert summary.merges == [f"{google}:4 + {google}:5 (same name and company (Bo Example, Example Robotics))"]


def test_a_group_joined_by_email_brings_its_linkedin_profile_into_the_conflict(tmp_path: Path) -> None:
    # rows 2 and 3 share an email, so row 2's profile is the group's; row 4 has another profile: two people
    rows = [["Lee Example", "Acme", "lee-1", "lee@acme.example"], ["Lee Example", "Acme", "", "lee@acme.example"],
            ["Lee Example", "Acme", "lee-2", ""], ["Lee Example", "Acme", "", "lee.example@gmail.com"]]
    path = write(tmp_path / "list.csv", ["Name", "Company", "LinkedIn", "Email"], rows)
    found, summary = run(path)
    assert [(c.get("linkedin"), sorted(e["email"] for e in c.get("contact_emails", []))) for c in found] == [
        ("lee-2", []), ("lee-1", ["lee.example@gmail.com", "lee@acme.example"])]
    assert summary.merges == [f"{path}:2 + {path}:3 + {path}:5 (same email lee@acme.example; "
                              "same name and company (Lee Example, Acme))"]


def test_strict_merges_by_strong_keys_only_and_no_merge_by_none(tmp_path: Path) -> None:
    linkedin = write(tmp_path / "Connections.csv", LINKEDIN_HEADER, [linkedin_row("Ann", "Example", "Acme", "ann-x")])
    google = write(tmp_path / "contacts.csv", GOOGLE_HEADER, [google_row("Ann", "Example", "Acme", "ann@gmail.com"),
                                                              google_row("Ann", "Example", "", "ann@gmail.com")])
    assert run(linkedin, google)[1].contacts == 1            # type: ignore[attr-defined]
    strict = run(linkedin, google, strict=True)[1]
    assert (strict.contacts, strict.merges) == (2, [f"{google}:2 + {google}:3 (same email ann@gmail.com)"])  # type: ignore[attr-defined]
    assert run(linkedin, google, merge=False)[1].contacts == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("a, b", [("Acme Inc.", "ACME"), ("Acme, Ltd", "acme"), ("Acme GmbH", "Acme AG"),
                                  ("Acme S.A.", "Acme LLC"), ("Acme B.V.", "acme"), ("Société Générale S.A.",
                                  "societe generale"), ("Example  Robotics", "example robotics")])
def test_companies_fold_case_spacing_accents_and_legal_forms(a: str, b: str) -> None:
    assert fold_company(a) == fold_company(b)


def test_companies_that_differ_stay_apart() -> None:
    assert fold_company("Acme Robotics") != fold_company("Acme")
    assert fold_company("Inc.") == "inc"  # nothing but a legal form: kept whole, not emptied


def test_a_cut_linkedin_handle_is_no_key() -> None:
    assert [linkedin_key(h) for h in ("raj-", "ab", "  Ann-Example ", None)] == ["", "", "ann-example", ""]
    assert identity_of({"linkedin": "raj-"}).handles == frozenset()


def test_the_account_check_uses_the_same_rule() -> None:
    index = AccountIndex()
    index.add({"id": "dex-1", "full_name": "José Example", "company": "Acme GmbH", "linkedin": "jose-1"},
              complete=False)
    index.add({"id": "dex-2", "full_name": "Ann Example", "company": "Acme", "created_at": "2024-01-01T00:00:00Z",
               "contact_emails": [{"email": "ann@acme.example"}]}, complete=True)
    match = index.match({"full_name": "JOSE  EXAMPLE", "company": "ACME, Inc."})
    assert match is not None and match.dex_id == "dex-1" and match.how.startswith("name and company")
    assert index.match({"full_name": "Jose Example", "company": "Acme", "linkedin": "jose-2"}) is None
    assert index.match({"full_name": "Ann Example", "company": "Acme",
                        "contact_emails": [{"email": "a.example@acme.example"}]}) is None
    assert index.match({"full_name": "Ann Example", "company": "Acme",
                        "contact_emails": [{"email": "ann@gmail.com"}]}) is not None
    assert index.match({"full_name": "Jose Example", "company": "Acme"}, strict=True) is None
    # issue 11: never a contact this import created for another record
    assert index.match({"full_name": "Jose Example", "company": "Acme"}, others={"dex-1"}) is None


def test_a_cut_linkedin_url_is_reported_and_joins_no_one(tmp_path: Path) -> None:
    # an Excel re-save turned "ş" into "?": four different people got the handle "raj-" and were merged
    linkedin = write(tmp_path / "Connections.csv", LINKEDIN_HEADER, [
        linkedin_row("Raj", "Şahin", "Acme", "raj-?ahin-1a2b"), linkedin_row("Raj", "Şen", "Contoso", "raj-?en-3c4d"),
        linkedin_row("Rajesh", "Example", "Fabrikam", "raj?esh-7a8b"), linkedin_row("Raji", "Example", "Tailspin", "ra?ji-5e6f"),
        linkedin_row("Ann", "Example", "Acme", "ann-example-1a2b?trk=people")])
    found, summary = run(linkedin)
    assert [c.get("linkedin") for c in found] == [None, None, None, None, "ann-example-1a2b"]
    assert summary.merged == 0
    cut = [(n.line, n.message) for n in summary.notices if n.kind == "cut-handle"]
    assert [line for line, _ in cut] == [2, 3, 4, 5]
    assert cut[0][1] == ("'https://www.linkedin.com/in/raj-?ahin-1a2b' looks cut or damaged (the handle ends in "
                         "\"-\"): its LinkedIn handle 'raj-' is not imported nor used to find the same person; "
                         "fix it in the file")
    assert 'shorter than 3' in cut[3][1] and 'cut at "?"' in cut[2][1]


def test_the_cli_preview_names_the_rule_and_merge_strict_turns_it_off(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from importer.cli.main import main

    monkeypatch.setenv("COLUMNS", "1000")  # the long temporary paths on one line

    linkedin = write(tmp_path / "Connections.csv", LINKEDIN_HEADER, [linkedin_row("Ann", "Example", "Acme", "ann-x")])
    google = write(tmp_path / "contacts.csv", GOOGLE_HEADER, [google_row("Ann", "Example", "Acme Ltd", "ann@gmail.com")])
    for extra, contacts, merges in (((), 1, ["same name and company (Ann Example, Acme Ltd)"]),
                                    (("--merge", "strict"), 2, [])):
        out, err = io.StringIO(), io.StringIO()
        assert main(["preview", linkedin, google, "--json", *extra], stdout=out, stderr=err) == 0, err.getvalue()
        result = json.loads(out.getvalue())
        assert result["contacts"] == contacts
        assert [m.split(" (", 1)[1][:-1] for m in result["merges"]] == merges
    out = io.StringIO()
    assert main(["preview", linkedin, google], stdout=out, stderr=io.StringIO()) == 0
    text = " ".join(out.getvalue().split())  # the terminal output wraps at its width
    assert f"{linkedin}:2 + {google}:2 (same name and company (Ann Example, Acme Ltd))" in text
