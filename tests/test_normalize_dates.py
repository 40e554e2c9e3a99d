"""Tests for importer.normalize.dates: every export's date shape, and no guessing of day/month order."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.normalize.dates import (
    NO_YEAR,
    Birthday,
    parse_birthday,
    parse_date,
    parse_datetime,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(("raw", "order", "expected"), [
    ("1984-03-07", None, Birthday("1984-03-07", 1984)),
    ("1984-03-07T00:00:00Z", None, Birthday("1984-03-07", 1984)),   # vCard BDAY with a time
    ("19840307", None, Birthday("1984-03-07", 1984)),               # vCard 4 basic format
    ("--12-25", None, Birthday("1604-12-25", None)),                # vCard: year omitted
    ("--1225", None, Birthday("1604-12-25", None)),
    ("1604-03-14", None, Birthday("1604-03-14", None)),             # Apple: year omitted
    ("0000-03-14", None, Birthday("1604-03-14", None)),
    ("--02-29", None, Birthday("1604-02-29", None)),                # 1604 is a leap year
    ("03/07/1984", "MDY", Birthday("1984-03-07", 1984)),
    ("03/07/1984", "DMY", Birthday("1984-07-03", 1984)),
    ("84/03/07", "YMD", Birthday("1984-03-07", 1984)),
    ("1984/03/07", "DMY", Birthday("1984-03-07", 1984)),            # four digits first: year first
    ("3/7/84", "MDY", Birthday("1984-03-07", 1984)),
    ("13/7/1984", None, Birthday("1984-07-13", 1984)),              # only one reading is a date
    ("7/13/1984", None, Birthday("1984-07-13", 1984)),
    ("3/3/1984", None, Birthday("1984-03-03", 1984)),               # both readings agree
    ("07.03.1984", None, Birthday("1984-03-07", 1984)),             # dotted dates are day first
    ("07.03.1984", "MDY", Birthday("1984-03-07", 1984)),
    ("16.09.2021", None, Birthday("2021-09-16", 2021)),
    ("7 Mar 1984", None, Birthday("1984-03-07", 1984)),
    ("7 March 1984", None, Birthday("1984-03-07", 1984)),
    ("1st Jan 1990", None, Birthday("1990-01-01", 1990)),
    ("March 7, 1984", None, Birthday("1984-03-07", 1984)),
    ("Sept 9 1999", None, Birthday("1999-09-09", 1999)),
    ("March 7", None, Birthday("1604-03-07", None)),
    ("7 Mar", None, Birthday("1604-03-07", None)),
    ("5-Jan-26", None, Birthday("1926-01-05", 1926)),               # 2026 would be in the future
    ("5-Jan-25", None, Birthday("2025-01-05", 2025)),
    ("3/7/25", "MDY", Birthday("2025-03-07", 2025)),
    ("7/3/25", "MDY", Birthday("1925-07-03", 1925)),                # July 2025 is after TODAY
])
def test_birthday_shapes(raw: str, order: str | None, expected: Birthday) -> None:
    assert parse_birthday(raw, order=order, today=TODAY) == (expected, None)


@pytest.mark.parametrize("raw", ["", "  ", "0/0/00", "0.0.00", "00/00/0000"])
def test_empty_and_outlook_none_are_no_birthday_and_no_problem(raw: str) -> None:
    assert parse_birthday(raw, today=TODAY) == (None, None)


def test_ambiguous_slash_date_is_not_guessed() -> None:
    assert parse_birthday("03/07/1984", today=TODAY) == (None, (
        "ambiguous-date", "'03/07/1984' could be 3 July or 7 March: left out; set the column's date order "
        "(MDY or DMY) in the mapping"))


@pytest.mark.parametrize("raw", ["1984-02-30", "1983-02-29", "--02-30", "13/13/1984", "31.04.1984", "7 Foo 1984",
                                 "n/a", "1984", "March 1984", "1984-3", "84/03/07"])
def test_impossible_or_unknown_is_invalid_birthday(raw: str) -> None:
    assert parse_birthday(raw, today=TODAY) == (None, (
        "invalid-birthday", f"{raw!r} is not a date: left out; fix it in the file"))


def test_future_birthday_is_invalid() -> None:
    assert parse_birthday("2030-01-01", today=TODAY) == (None, (
        "invalid-birthday", "'2030-01-01' is in the future: left out; fix the year in the file"))


def test_no_year_constant() -> None:
    assert NO_YEAR == 1604 and date(NO_YEAR, 2, 29)


def test_unknown_order_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_birthday("03/07/1984", order="mdy")


@pytest.mark.parametrize(("raw", "order", "expected"), [
    ("05 Jan 2026", None, date(2026, 1, 5)),            # LinkedIn Connected On, current exports
    ("1/8/18, 6:14 PM", "MDY", date(2018, 1, 8)),       # LinkedIn 2018 exports, US order
    ("5-Jan-26", None, date(2026, 1, 5)),
    ("16.09.2021", None, date(2021, 9, 16)),
    ("2026-01-05", None, date(2026, 1, 5)),
    ("2026-01-05T10:00:00Z", None, date(2026, 1, 5)),
])
def test_parse_date(raw: str, order: str | None, expected: date) -> None:
    assert parse_date(raw, order=order, today=date(2026, 2, 1)) == (expected, None)


def test_parse_date_problems() -> None:
    assert parse_date("0/0/00") == (None, None)
    assert parse_date("") == (None, None)
    assert parse_date("1/8/18, 6:14 PM", today=TODAY) == (None, (
        "ambiguous-date", "'1/8/18, 6:14 PM' could be 1 August or 8 January: left out; set the column's date "
        "order (MDY or DMY) in the mapping"))
    assert parse_date("March 7", today=TODAY) == (None, (
        "invalid-date", "'March 7' has no year: left out; write the full date in the file"))
    assert parse_date("2021-02-29", today=TODAY) == (None, (
        "invalid-date", "'2021-02-29' is not a date: left out; fix it in the file"))


@pytest.mark.parametrize(("raw", "expected"), [
    ("2023-11-07T05:31:56Z", "2023-11-07T05:31:56Z"),
    ("2023-11-07T07:31:56+02:00", "2023-11-07T05:31:56Z"),
    ("2023-11-06T23:31:56-06:00", "2023-11-07T05:31:56Z"),
    ("2023-11-07T05:31:56.999Z", "2023-11-07T05:31:56Z"),
    ("2023-11-07 05:31:56+00", "2023-11-07T05:31:56Z"),
    ("2023-11-07", "2023-11-07T00:00:00Z"),
    ("05 Jan 2026", "2026-01-05T00:00:00Z"),
])
def test_parse_datetime(raw: str, expected: str) -> None:
    assert parse_datetime(raw) == (expected, None)


def test_datetime_without_zone_is_read_as_utc_and_reported() -> None:
    assert parse_datetime("2023-11-07 05:31:56") == ("2023-11-07T05:31:56Z", (
        "datetime-no-timezone", "'2023-11-07 05:31:56' has no time zone: read it as UTC; add Z or an offset "
        "(+02:00) in the file if it is another zone"))


def test_parse_datetime_problems() -> None:
    assert parse_datetime("") == (None, None)
    assert parse_datetime("0/0/00") == (None, None)
    assert parse_datetime("yesterday") == (None, (
        "invalid-date", "'yesterday' is not a date: left out; fix it in the file"))
    assert parse_datetime("1/8/18, 6:14 PM") == (None, (
        "invalid-date", "'1/8/18, 6:14 PM' is not a date and time this importer reads: left out; write it as "
        "ISO 8601, e.g. 2023-11-07T05:31:56Z"))
    assert parse_datetime("0001-01-01T00:30:00+01:00") == (None, (
        "invalid-date", "'0001-01-01T00:30:00+01:00' is out of range: left out; fix it in the file"))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from([None, "MDY", "DMY", "YMD"]))
def test_arbitrary_text_never_raises(raw: str, order: str | None) -> None:
    birthday, problem = parse_birthday(raw, order=order, today=TODAY)
    assert birthday is None or problem is None
    day, problem = parse_date(raw, order=order, today=TODAY)
    assert day is None or problem is None
    parse_datetime(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/.-: ,TZ+", max_size=25), st.sampled_from([None, "MDY", "DMY", "YMD"]))
def test_date_like_text_never_raises(raw: str, order: str | None) -> None:
    parse_birthday(raw, order=order, today=TODAY)
    parse_date(raw, order=order, today=TODAY)
    parse_datetime(raw)
