"""Dedupe inside the input: which records are the same person, how they merge, and --no-merge."""

from __future__ import annotations

from pathlib import Path

from importer.plan.inputs import ReadOptions
from importer.preview import preview

DEDUPE = Path(__file__).parent / "fixtures" / "dedupe"


def contacts(*names: str, merge: bool = True) -> tuple[list[dict], object]:
    import io
    import json

    out = io.StringIO()
    summary = preview([str(DEDUPE / n) for n in names], ReadOptions(region="US"), out=out, merge=merge,
                      description_format="text")  # the lines as merged, before they are made HTML
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


def test_a_shared_email_in_any_case_merges_records() -> None:
    found, summary = contacts("shared-email-case-insensitive.csv")
    path = str(DEDUPE / "shared-email-case-insensitive.csv")
    assert found == [{
        "full_name": "Ann Example", "first_name": "Ann", "last_name": "Example",
        "description": "Merged by dex-import from shared-email-case-insensitive.csv:2, "
                       "shared-email-case-insensitive.csv:3",
        "job_title": "Engineer", "company": "Example Co",
        "contact_emails": [{"email": "ann@example.com", "ranking": 0}],
        "contact_phone_numbers": [
            {"phone_number": "+1 212-555-0111", "phone_number_sanitized": "+12125550111", "country_code": "+1",
             "ranking": 0},
            {"phone_number": "+1 212-555-0112", "phone_number_sanitized": "+12125550112", "country_code": "+1",
             "ranking": 1}]}]
    assert (summary.records, summary.contacts, summary.merged) == (2, 1, 1)
    assert summary.merges == [f"{path}:2 + {path}:3 (same email ann@example.com)"]
    assert [(n.line, n.kind, n.message) for n in summary.notices] == [
        (3, "merged", f"same person as {path}:2 (same email ann@example.com): merged into one contact"),
        (3, "merge-conflict", f"merged into the contact of {path}:2: kept its job_title 'Engineer', "
                              "not 'Staff Engineer'")]


def test_a_shared_phone_merges_only_with_the_same_name() -> None:
    found, summary = contacts("shared-phone-needs-same-name.csv")
    assert [(c["full_name"], [e["email"] for e in c["contact_emails"]]) for c in found] == [
        ("Front Desk", ["desk@example.com"]),
        ("Bo Example", ["bo@example.com", "bo.work@example.com"])]
    assert summary.merged == 1


def test_keys_chain_records_into_one_contact() -> None:
    found, summary = contacts("chain-email-then-linkedin.csv")
    assert len(found) == 1
    assert found[0]["full_name"] == "Cai Example" and found[0]["linkedin"] == "cai-example"
    assert summary.merged == 2
    assert "kept its full_name 'Cai Example', not 'C. Example'" in summary.notices[-1].message


def test_a_linkedin_export_and_a_google_export_of_the_same_person_merge() -> None:
    found, summary = contacts("google-side.csv", "linkedin-side.csv")
    assert found == [{
        "full_name": "Dara Example", "first_name": "Dara", "last_name": "Example",
        "description": "Connected on LinkedIn: 2026-01-05\nMerged by dex-import from google-side.csv:2, "
                       "linkedin-side.csv:2",
        "job_title": "Researcher", "company": "Example Labs", "linkedin": "dara-example",
        "contact_emails": [{"email": "dara@example.com", "label": "Work", "ranking": 0}]}]
    assert summary.labels == {"Lab": 1}


def test_no_merge_keeps_every_record_apart() -> None:
    found, summary = contacts("shared-email-case-insensitive.csv", merge=False)
    assert [c["job_title"] for c in found] == ["Engineer", "Staff Engineer"]
    assert summary.merged == 0 and summary.merges == []
