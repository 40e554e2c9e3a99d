"""Who is already in Dex: the matching rules over real HTTP, and updates that fill only what is empty."""

from __future__ import annotations

from typing import Any

import pytest

from importer.dex.client import DexClient
from importer.model import Contact
from importer.plan.account import AccountIndex, Match, fetch_full, missing_fields
from importer.sandbox import SandboxServer


def email(address: str) -> dict[str, Any]:
    return {"email": address}


def seed(dex: DexClient, *contacts: Contact) -> list[str]:
    """Return the ids of `contacts`, created one call each (so each has its own created_at)."""
    return [dex.create_contacts([c])[0]["id"] for c in contacts]


def index_for(dex: DexClient, *contacts: Contact) -> AccountIndex:
    emails = [e["email"] for c in contacts for e in c.get("contact_emails", [])]
    return AccountIndex.load(dex, emails=emails)


def test_an_email_matches_whatever_its_case(dex: DexClient) -> None:
    [ann] = seed(dex, {"full_name": "Ann Example", "contact_emails": [email("Ann.Example@Example.com")]})
    mine = {"full_name": "Annie E.", "contact_emails": [email("ann.example@EXAMPLE.com")]}
    match = index_for(dex, mine).match(mine)
    assert match is not None
    assert (match.dex_id, match.how, match.also, match.complete) == (ann, "email ann.example@example.com", (), True)
    assert match.existing["contact_emails"] == [{"email": "Ann.Example@Example.com"}]


def test_the_linkedin_handle_matches_even_when_dex_holds_the_url(dex: DexClient) -> None:
    [ben] = seed(dex, {"full_name": "Ben Sample", "linkedin": "https://www.linkedin.com/in/Ben-Sample-01/"})
    mine = {"full_name": "Benjamin Sample", "linkedin": "ben-sample-01",
            "contact_emails": [email("ben@example.org")]}  # an address Dex does not know: go on to the handle
    match = index_for(dex, mine).match(mine)
    assert match is not None
    assert (match.dex_id, match.how, match.complete) == (ben, "linkedin handle ben-sample-01", False)
    assert "contact_emails" not in match.existing  # a list row: no emails, no phones


def test_name_and_company_match_together_across_case_and_spacing(dex: DexClient) -> None:
    [cara] = seed(dex, {"first_name": "Cara", "last_name": "Demo", "company": "Example Co"})
    index = index_for(dex)
    match = index.match({"full_name": "  cara  DEMO", "company": "example co "})
    assert match is not None
    assert (match.dex_id, match.how) == (cara, "name and company cara demo, example")
    assert index.match({"full_name": "Cara Demo", "company": "Other Co"}) is None
    assert index.match({"full_name": "Cara Demo"}) is None


def test_a_shared_name_alone_never_matches(dex: DexClient) -> None:
    seed(dex, {"full_name": "Dan Test"}, {"full_name": "Dan Test", "company": "Example Co"})
    index = index_for(dex)
    assert index.match({"full_name": "Dan Test"}) is None
    assert index.match({"first_name": "Dan", "last_name": "Test", "company": "Sample Ltd"}) is None


def test_two_linkedin_profiles_are_two_people_even_with_name_and_company_in_common(dex: DexClient) -> None:
    [eve] = seed(dex, {"full_name": "Eve Sample", "company": "Example Co", "linkedin": "eve-sample-1"})
    index = index_for(dex)
    assert index.match({"full_name": "Eve Sample", "company": "Example Co", "linkedin": "eve-sample-2"}) is None
    found = index.match({"full_name": "Eve Sample", "company": "Example Co"})
    assert found is not None and found.dex_id == eve


def test_email_comes_before_linkedin_and_the_oldest_of_several_wins(dex: DexClient) -> None:
    first, second, third = seed(
        dex, {"full_name": "Fay Old", "contact_emails": [email("fay@example.com")]},
        {"full_name": "Fay Linked", "linkedin": "fay-example"},
        {"full_name": "Fay Again", "contact_emails": [email("FAY@example.com")]})
    mine = {"full_name": "Fay Example", "linkedin": "fay-example", "contact_emails": [email("fay@example.com")]}
    match = index_for(dex, mine).match(mine)
    assert match == Match(first, "email fay@example.com", match.existing if match else {}, (third,), True)
    assert second not in (match.also if match else ())


def test_load_asks_50_emails_a_call_and_reads_the_list_once_page_by_page(
        dex: DexClient, server: SandboxServer) -> None:
    seed(dex, *({"full_name": f"Person {n}"} for n in range(5)))
    before = server.stats.requests
    index = AccountIndex.load(dex, emails=[f"p{n}@example.com" for n in range(60)], take=2)
    assert server.stats.requests - before == 2 + 3  # two lookups of 50 and 10, three pages of 2, 2 and 1
    assert len(index.contacts) == 5


def test_update_fills_only_what_is_empty_and_never_overwrites(dex: DexClient, server: SandboxServer) -> None:
    [gus] = seed(dex, {"full_name": "Gus Example", "company": "Example Co",
                       "contact_emails": [email("gus@example.com")]})
    mine = {"full_name": "Gustav Example", "company": "Sample Ltd", "job_title": "Engineer",
            "description": "Met at the meetup", "contact_emails": [email("gus@example.com"), email("g@example.org")],
            "contact_phone_numbers": [{"phone_number": "+1 212-555-0134", "phone_number_sanitized": "+12125550134"}],
            "birthday": "1990-04-02", "birthday_year": 1990, "starred": True}
    match = index_for(dex, mine).match(mine)
    assert match is not None
    fill = missing_fields(match.existing, mine)
    assert fill == {"job_title": "Engineer", "description": "Met at the meetup",
                    "contact_phone_numbers": mine["contact_phone_numbers"], "birthday": "1990-04-02",
                    "birthday_year": 1990}
    dex.update_contact(gus, fill)
    stored = server.store.contacts()[0]
    assert (stored["full_name"], stored["company"], stored["contact_emails"]) == (
        "Gus Example", "Example Co", [{"email": "gus@example.com"}])
    assert stored["job_title"] == "Engineer" and stored.get("starred") is False
    assert missing_fields(dex.get_contact(gus), mine) == {}  # a second run has nothing left to fill


def test_a_list_row_match_fetches_the_full_contact_before_deciding(dex: DexClient) -> None:
    [hal] = seed(dex, {"full_name": "Hal Demo", "linkedin": "hal-demo", "contact_emails": [email("hal@example.com")]})
    mine = {"full_name": "Hal Demo", "linkedin": "hal-demo", "contact_emails": [email("hal.demo@example.org")],
            "website": "example.org/hal"}
    match = index_for(dex, mine).match(mine)
    assert match is not None and not match.complete
    # the row does not show Hal's email: without the full contact nothing but what it shows may be filled
    assert missing_fields(match.existing, mine) == {}
    full = fetch_full(dex, match)
    assert full.complete and full.dex_id == hal
    assert missing_fields(full.existing, mine) == {"website": "example.org/hal"}


@pytest.mark.parametrize(("existing", "contact", "fill"), [
    ({"company": None, "job_title": "CTO"}, {"company": "Example Co", "job_title": "CEO"}, {"company": "Example Co"}),
    ({"company": "  "}, {"company": "Example Co"}, {"company": "Example Co"}),
    ({}, {"company": "Example Co"}, {}),  # a field Dex did not show is unknown, not empty
    ({"contact_emails": [email("a@example.com")]}, {"contact_emails": [email("b@example.com")]}, {}),
    ({"contact_emails": []}, {"contact_emails": [email("b@example.com")]}, {"contact_emails": [email("b@example.com")]}),
    ({"birthday": "1980-01-01", "birthday_year": None}, {"birthday": "1990-04-02", "birthday_year": 1990}, {}),
    ({"frequency": None, "never_keep_in_touch": True}, {"frequency": "3 mons"}, {}),
    ({"starred": False, "never_keep_in_touch": None}, {"starred": True, "never_keep_in_touch": True}, {}),
    ({"first_name": None, "full_name": "Ivy Sample"}, {"first_name": "Ivy", "full_name": "Ivy Sample"}, {}),
    ({"website": None, "tags_contacts": []}, {"website": "", "tags_contacts": [{"tag_id": "x"}]}, {}),
])
def test_missing_fields(existing: dict[str, Any], contact: Contact, fill: Contact) -> None:
    assert missing_fields(existing, contact) == fill


def test_a_second_record_for_the_same_contact_does_not_refill_what_the_first_filled(dex: DexClient) -> None:
    seed(dex, {"full_name": "Jo Example", "contact_emails": [email("jo@example.com")]})
    first = {"full_name": "Jo Example", "company": "Example Co", "contact_emails": [email("jo@example.com")]}
    second = {"full_name": "Jo Example", "company": "Sample Ltd", "contact_emails": [email("jo@example.com")]}
    index = index_for(dex, first)
    match = index.match(first)
    assert match is not None
    index.updated(match.dex_id, missing_fields(match.existing, first))
    again = index.match(second)
    assert again is not None and missing_fields(again.existing, second) == {}
