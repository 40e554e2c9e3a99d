"""Tests for importer.normalize.emails: the bare address out of its wrapping, and duplicates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.normalize.emails import clean_email, dedupe_emails


@pytest.mark.parametrize(("raw", "expected"), [
    ("ann@example.com", "ann@example.com"),
    ("  ann@example.com\t\n", "ann@example.com"),
    ("Ann.Example@Example.COM", "Ann.Example@Example.COM"),        # case kept as written
    ("mailto:ann@example.com", "ann@example.com"),
    ("MAILTO:ann@example.com?subject=Hello", "ann@example.com"),
    ("<ann@example.com>", "ann@example.com"),
    ("<mailto:ann@example.com>", "ann@example.com"),
    ("Ann Example <ann@example.com>", "ann@example.com"),
    ('"Example, Ann" <ann@example.com>', "ann@example.com"),
    ("ann+crm@mail.example.co.uk", "ann+crm@mail.example.co.uk"),
    ("o'brien@example.org", "o'brien@example.org"),
    ("josé@example.org", "josé@example.org"),
    ("ann@bücher.example", "ann@bücher.example"),
    ("ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"),
])
def test_addresses_are_unwrapped(raw: str, expected: str) -> None:
    assert clean_email(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["", "   ", "\t"])
def test_blank_is_neither_value_nor_problem(raw: str) -> None:
    assert clean_email(raw) == (None, None)


@pytest.mark.parametrize("raw", [
    "n/a", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann example@example.com",
    "ann.@example.com", ".ann@example.com", "ann..example@example.com", "ann@-example.com", "ann@exa_mple.com",
    "ann@example.c", "ann@example.123", "ann@example..com", "Ann Example <>", "ann@[192.0.2.1]",
])
def test_non_addresses_are_rejected(raw: str) -> None:
    assert clean_email(raw) == (None, ("invalid-email", f"{raw.strip()!r} is not an email address: left out; "
                                       "fix it in the file if it should be one"))


def test_two_addresses_in_one_cell_are_rejected_with_advice() -> None:
    assert clean_email("ann@example.com; bob@example.org") == (None, (
        "invalid-email", "'ann@example.com; bob@example.org' holds more than one address: left out; put each "
        "address in its own column or cell"))


def test_outlook_exchange_path_is_rejected_with_advice() -> None:
    raw = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann"
    assert clean_email(raw) == (None, (
        "invalid-email", f"{raw!r} is an Exchange directory path, not an email address: left out; export the "
        "contacts with their SMTP (name@domain) addresses to keep it"))


def test_dedupe_ignores_case_and_keeps_first_spelling() -> None:
    assert dedupe_emails(["Ann@Example.com", "bob@example.org", "ann@example.com", "", "ANN@EXAMPLE.COM"]) == (
        ["Ann@Example.com", "bob@example.org"],
        [("duplicate-email", "'ann@example.com' repeats 'Ann@Example.com' (addresses compare without case): kept "
          "the first one only; nothing to do unless they are different people"),
         ("duplicate-email", "'ANN@EXAMPLE.COM' repeats 'Ann@Example.com' (addresses compare without case): kept "
          "the first one only; nothing to do unless they are different people")])


def test_dedupe_of_nothing() -> None:
    assert dedupe_emails([]) == ([], [])
    assert dedupe_emails(iter(["ann@example.com"])) == (["ann@example.com"], [])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_raises(raw: str) -> None:
    value, problem = clean_email(raw)
    assert value is None or problem is None
    if value is not None:
        assert value.count("@") == 1 and value == value.strip()
    elif raw.strip():
        assert problem is not None and problem[0] == "invalid-email"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=10)))
def test_dedupe_never_raises_and_keeps_order(emails: list[str]) -> None:
    kept, problems = dedupe_emails(emails)
    assert len({email.lower() for email in kept}) == len(kept)
    assert len(kept) + len(problems) == len([email for email in emails if email])
