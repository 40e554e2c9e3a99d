"""Records without a name: named after their email (or phone) by default, skipped with --skip-nameless, and
skipped with their reason when nothing identifies a person (issue 13 item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer.dex.client import DexClient
from importer.mapping.apply import skip_nameless
from importer.mapping.compile import compile_mapping
from importer.mapping.generate import StagedMapper
from importer.mapping.load import get_mapping
from importer.model import Record
from importer.normalize.nameless import named_after, stand_in_name
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

NAMELESS = Path(__file__).parent / "fixtures" / "nameless"
MIXED = NAMELESS / "google-nameless-before-named.csv"


def preview_json(path: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli("preview", str(path), "--json", *extra)
    assert err == ""
    result: dict = json.loads(out)  # type: ignore[type-arg]
    result["code"] = code
    return result


def test_a_stand_in_is_the_first_email_else_the_first_valid_phone_else_none() -> None:
    assert stand_in_name({"contact_emails": [{"email": "ann@example.com"}, {"email": "a2@example.com"}],
                          "contact_phone_numbers": [{"phone_number_sanitized": "+12015550123"}]}) \
        == ("email", "ann@example.com")
    # a number that could not be sanitized (no country code, no --region) is no identity
    assert stand_in_name({"contact_phone_numbers": [{"phone_number": "555-0166"}]}) is None
    assert stand_in_name({"description": "only a note", "custom_fields": [{"id": "x", "text_value": "y"}]}) is None
    assert named_after({"full_name": "+1 201-555-0123",
                        "contact_phone_numbers": [{"phone_number_sanitized": "+12015550123"}]}) == "phone"
    assert named_after({"full_name": "Ann", "first_name": "Ann",
                        "contact_emails": [{"email": "ann@example.com"}]}) is None


@pytest.mark.parametrize("fixture,kind,name", [
    ("outlook-email-address-only.csv", "email", "ava@example.com"),  # Outlook with only E-mail Address columns
    ("android-email-only.vcf", "email", "cara@example.com"),         # Android email-only card: no N, no FN
    ("sogo-phone-only.vcf", "phone", "+1 201-555-0142"),            # a SOGo card with only a TEL
])
def test_exports_without_names_import_named_after_their_email_or_phone(fixture: str, kind: str, name: str) -> None:
    result = preview_json(NAMELESS / fixture)
    assert result["code"] == 0 and result["skipped"] == 0
    assert result["contacts_sample"][0]["full_name"] == name
    assert result["named_after"] == {kind: result["contacts"]}
    # --skip-nameless: today's behaviour, each skipped with the reason "no name"
    skipped = preview_json(NAMELESS / fixture, "--skip-nameless")
    assert (skipped["code"], skipped["contacts"], skipped["named_after"]) == (1, 0, {})
    assert skipped["skipped_by_reason"] == {"no-name": result["contacts"]}
    assert skipped["warnings"][0]["message"].startswith("no name (only ")


@pytest.mark.parametrize("fixture", ["photo-only.vcf", "android-custom-only.vcf"])
def test_a_record_with_nothing_that_identifies_a_person_stays_skipped(fixture: str) -> None:
    result = preview_json(NAMELESS / fixture)
    assert (result["code"], result["contacts"], result["skipped_by_reason"]) == (1, 0, {"no-name": 1})
    assert [w["message"] for w in result["warnings"]] == ["no name: not sent; add a name to the row to import it"]


def test_the_preview_counts_and_lists_them_and_a_named_record_wins_the_merge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run_cli("preview", str(MIXED))
    assert (code, err) == (1, "")  # the row with only a note, and the one with an unusable email and phone
    assert "records 5 · contacts 2 · skipped 2 (2 without a name)" in out
    assert ("Records without a name: named after its email: 1 · named after its phone: 1 (--skip-nameless skips "
            "them instead): google-nameless-before-named.csv:2 email eve@example.com "
            "google-nameless-before-named.csv:3 phone +1 201-555-0155 ") in " ".join(out.split()) + " "
    assert "records named after" not in out  # listed once, not again among the warnings
    result = preview_json(MIXED)
    assert result["named_after"] == {"email": 1, "phone": 1}
    # the nameless row comes first, yet the merged contact has the person's name, and no conflict says otherwise
    eve = next(c for c in result["contacts_sample"] if c.get("first_name") == "Eve")
    assert eve["full_name"] == "Eve Example" and eve["last_name"] == "Example"
    assert result["merges"] == [f"{MIXED}:2 + {MIXED}:4 (same email eve@example.com)"]
    assert not [w for w in result["warnings"] if w["kind"] == "merge-conflict"]
    # the two rows with nothing usable stay skipped, with their reasons
    reasons = [w["message"] for w in result["warnings"] if w["kind"] == "no-name"]
    assert reasons == ["no name (only 555-0166): not sent; add a name to the row to import it",
                       "no name: not sent; add a name to the row to import it"]


def test_skip_nameless_in_the_help() -> None:
    code, out, _ = run_cli("import", "--help")
    assert code == 0 and "--skip-nameless" in out and "named after its email" in " ".join(out.split())


def test_the_generated_mapper_names_them_as_apply_mapping_does() -> None:
    compiled = compile_mapping(get_mapping("google"), ["First Name", "Last Name", "E-mail 1 - Value",
                                                       "Phone 1 - Value"])
    mapper = StagedMapper(compiled)
    rows = [{"First Name": "", "Last Name": "", "E-mail 1 - Value": "fay@example.com", "Phone 1 - Value": ""},
            {"First Name": "", "Last Name": "", "E-mail 1 - Value": "", "Phone 1 - Value": "+44 20 7946 0177"},
            {"First Name": "", "Last Name": "", "E-mail 1 - Value": "", "Phone 1 - Value": ""}] * 40
    results = [mapper.map(Record("g.csv", i + 2, row), None) for i, row in enumerate(rows)]
    # the first records go through apply_mapping, the later ones through the generated function: the same
    assert {(m.named_after, (m.contact or {}).get("full_name"), m.skip) for m in results} == {
        ("email", "fay@example.com", None), ("phone", "+44 20 7946 0177", None), (None, None, "no-name")}
    assert [skip_nameless(m).skip for m in results[:3]] == ["no-name"] * 3


def test_the_import_creates_them_counts_them_and_the_account_check_finds_them_by_email(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        client.create_contacts([{"full_name": "Ava Example", "contact_emails": [{"email": "ava@example.com",
                                                                               "ranking": 0}]}])
    account = ("--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--yes")
    code, out, err = run_cli("import", str(NAMELESS / "outlook-email-address-only.csv"), *account, "--json",
                             "--quiet")
    result = json.loads(out)
    assert (code, err, result["created"], result["existing"]) == (0, "", 1, 1)
    assert result["named_after"] == {"email": 2}
    names = sorted(c["full_name"] for c in dex_sandbox.store.contacts())
    assert names == ["Ava Example", "ben@example.com"]  # Ava was already in Dex: matched by her email
    code, out, err = run_cli("import", str(NAMELESS / "sogo-phone-only.vcf"), *account, "--report",
                             str(tmp_path / "r"))
    assert code == 0 and "Records without a name: named after its phone: 1" in " ".join(err.split() + out.split())
