"""When two values are "the same": the one rule the account check, the lookups and the labels share."""

from __future__ import annotations

import pytest

from importer.normalize.keys import fold_email, fold_text, name_keys
from importer.plan.account import AccountIndex
from importer.plan.merge import dedupe_keys


@pytest.mark.parametrize("a, b", [
    ("  Ann   EXAMPLE ", "ann example"),
    ("Weiß", "WEISS"),                       # a name: ß reads as ss
    ("Zoe\u0308", "Zoë"),                    # decomposed and composed ë
    ("Ann\tExample", "ann example"),
])
def test_text_that_reads_the_same_folds_the_same(a: str, b: str) -> None:
    assert fold_text(a) == fold_text(b)


def test_text_that_reads_differently_stays_apart() -> None:
    assert fold_text("Zoe") != fold_text("Zoë")
    assert fold_text(None) == "" and fold_text("   ") == ""


def test_emails_fold_case_but_never_merge_two_mailboxes() -> None:
    assert fold_email(" Ann@Example.COM ") == "ann@example.com"
    assert fold_email("straße@example.com") != fold_email("strasse@example.com")


def test_a_name_reads_as_its_full_name_and_as_first_plus_last() -> None:
    contact = {"full_name": "Ann  Example", "first_name": "ANN", "last_name": "Example-Smith"}
    assert name_keys(contact) == {"ann example", "ann example-smith"}
    assert name_keys({"full_name": "", "first_name": "", "last_name": ""}) == set()


def test_the_in_file_merge_and_the_account_check_agree_on_emails() -> None:
    def emails(*addresses: str) -> dict[str, list[dict[str, str]]]:
        return {"contact_emails": [{"email": a} for a in addresses]}

    assert dedupe_keys(emails("Ann@Example.COM")) == dedupe_keys(emails("ann@example.com"))
    assert dedupe_keys(emails("straße@example.com")) != dedupe_keys(emails("strasse@example.com"))
    index = AccountIndex()
    index.add({"id": "dex-1", "full_name": "Ann Example", **emails("straße@example.com")}, complete=True)
    assert index.match(emails("STRASSE@example.com")) is None
    assert index.match(emails("Straße@Example.com")) is not None
