"""Tests for importer.normalize.names: whitespace tidying and full/first/last names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.normalize.names import Name, build_name, clean_text, split_full_name


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Ann Example  ", "Ann Example"),
    ("Ann\t\tExample", "Ann Example"),
    ("Ann\r\nExample", "Ann Example"),
    ("Ann\u00a0Example", "Ann Example"),               # NBSP from a web copy-paste
    ("Ann\u2009\u3000Example", "Ann Example"),         # thin and ideographic spaces
    ("\ufeffAnn Example", "Ann Example"),              # byte-order mark left at the start of a cell
    ("Ann\u200bExample", "AnnExample"),                # zero-width space
    ("Ann\x00 Example", "Ann Example"),                # control character
    ("Rene\u0301e", "Renée"),                          # decomposed accent (macOS) becomes NFC
    ("Ann 🎉 Example", "Ann 🎉 Example"),
    ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),  # the joiner inside an emoji stays
    ("", ""),
])
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(("full", "expected"), [
    ("Ann Example", Name("Ann Example", "Ann", "Example")),
    ("  Ann   Example ", Name("Ann Example", "Ann", "Example")),
    ("Mary Ann Example", Name("Mary Ann Example", "Mary Ann", "Example")),
    ("Ann B. Example", Name("Ann B. Example", "Ann B.", "Example")),
    ("Example, Ann", Name("Ann Example", "Ann", "Example")),
    ("Example, Dr. Ann", Name("Dr. Ann Example", "Ann", "Example")),
    ("Example Jr., Ann", Name("Ann Example Jr.", "Ann", "Example")),
    ("Ludwig van Beethoven", Name("Ludwig van Beethoven", "Ludwig", "van Beethoven")),
    ("Anna van der Example", Name("Anna van der Example", "Anna", "van der Example")),
    ("Maria de la Cruz", Name("Maria de la Cruz", "Maria", "de la Cruz")),
    ("Dr. Ann Example", Name("Dr. Ann Example", "Ann", "Example")),
    ("Prof. Dr. Ann Example", Name("Prof. Dr. Ann Example", "Ann", "Example")),
    ("Mr Ann Example", Name("Mr Ann Example", "Ann", "Example")),
    ("Ann Example Jr.", Name("Ann Example Jr.", "Ann", "Example")),
    ("Ann Example III", Name("Ann Example III", "Ann", "Example")),
    ("Ann Example, PhD", Name("Ann Example, PhD", "Ann", "Example")),
    ("Ann Example, Jr., Ph.D.", Name("Ann Example, Jr., Ph.D.", "Ann", "Example")),
    ("Dr. Example", Name("Dr. Example", None, "Example")),
    ("Madonna", Name("Madonna", "Madonna", None)),
    ("van Example", Name("van Example", "van", "Example")),   # a particle first is a first name
    ("Ann Ma", Name("Ann Ma", "Ann", "Ma")),                  # Ma is a surname, not a degree
    ("山田太郎", Name("山田太郎", "山田太郎", None)),
])
def test_split_full_name(full: str, expected: Name) -> None:
    assert split_full_name(full) == expected
    assert build_name(full=full) == expected


def test_parts_are_joined_for_full_name() -> None:
    assert build_name(prefix="Dr.", first="Ann", middle="B.", last="Example", suffix="PhD") == Name(
        "Dr. Ann B. Example PhD", "Ann", "Example")


@pytest.mark.parametrize(("parts", "expected"), [
    ({"first": "Ann"}, Name("Ann", "Ann", None)),
    ({"last": "Example"}, Name("Example", None, "Example")),
    ({"first": " Ann\t", "last": "Example\n"}, Name("Ann Example", "Ann", "Example")),
    # A given full name wins for full_name; given parts win for first/last.
    ({"full": "Annie Example", "first": "Ann", "last": "Example"}, Name("Annie Example", "Ann", "Example")),
    ({"full": "Ann Example", "first": "Annie"}, Name("Ann Example", "Annie", "Example")),
    ({"full": "Example, Ann", "nickname": "Annie"}, Name("Ann Example", "Ann", "Example")),
    ({"nickname": "Annie"}, Name("Annie", None, None)),
    ({"nickname": "Annie", "last": "Example"}, Name("Example", None, "Example")),
    ({"middle": "B."}, Name("B.", "B.", None)),
])
def test_build_name(parts: dict[str, str], expected: Name) -> None:
    assert build_name(**parts) == expected


def test_nothing_is_none() -> None:
    assert build_name() is None
    assert build_name(full=" ", first="\t", last="\u00a0", nickname="") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_clean_text_is_idempotent_and_never_raises(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once
    assert once == unicodedata.normalize("NFC", once)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=10), st.text(max_size=10), st.text(max_size=10))
def test_build_name_never_raises(full: str, first: str, last: str, nickname: str) -> None:
    name = build_name(full=full, first=first, last=last, nickname=nickname)
    if name is not None:
        assert name.full_name
