"""Dates: birthdays (Dex's ``YYYY-MM-DD`` plus an optional year), general dates and UTC date-times.

Exports write dates every way there is: ISO (Google, vCard), ``--12-25`` (vCard, year omitted), ``1604-``
(Apple, year omitted), ``03/07/1984`` (Outlook, in the exporting machine's locale), ``07.03.1984``,
``05 Jan 2026`` and ``1/8/18, 6:14 PM`` (LinkedIn), ``0/0/00`` (Outlook's "no date"). A slash date whose day
and month could be swapped is never guessed: without an `order` it comes back as an ``ambiguous-date`` problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from importer.normalize import Problem

NO_YEAR = 1604
"""Placeholder year of a birthday whose year is unknown: the vCard/Apple convention, and a leap year."""
DATE_ORDERS = ("MDY", "DMY", "YMD")
"""The values `order` accepts: the order of the parts in slash dates such as 03/07/1984."""

_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")], start=1) for name in names}
# A time after a date ("1/8/18, 6:14 PM", LinkedIn's 2018 exports; "1984-03-07T00:00:00Z", some vCards).
_TIME_TAIL = r"(?:(?:,\s*|\s+|[tT])\d{1,2}:\d{2}.*)?"
_OUTLOOK_NONE = re.compile(r"0{1,2}([/.\-])0{1,2}\1(?:00|0000)")
_ISO = re.compile(r"(\d{4})([\-/.])(\d{1,2})\2(\d{1,2})" + _TIME_TAIL)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME_TAIL)
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?(?:,?[\s\-/.]*(\d{4}|\d{2}))?")
# The day and the year need a separator, or "March 1984" would read as March 19, '84.
_MONTH_DAY = re.compile(r"([a-z]+)\.?[\s\-]*(\d{1,2})(?:st|nd|rd|th)?(?:[,\s\-/.]+(\d{4}|\d{2}))?")

# (year or None, month, day); two-digit years are already resolved.
_Parts = tuple[int | None, int, int]


@dataclass(frozen=True)
class Birthday:
    """A birthday as Dex stores it: ``YYYY-MM-DD`` (year `NO_YEAR` when unknown) and the year when known."""

    birthday: str
    year: int | None


def parse_birthday(raw: str, *, order: str | None = None,
                   today: date | None = None) -> tuple[Birthday | None, Problem | None]:
    """Return the birthday and no problem, ``(None, problem)`` when unusable, or ``(None, None)`` when blank.

    >>> parse_birthday("--12-25")
    (Birthday(birthday='1604-12-25', year=None), None)
    """
    today = today or date.today()
    parts, problem = _read(raw, order, today, "invalid-birthday")
    if parts is None:
        return None, problem
    year, month, day = parts
    if year is not None and (year, month, day) > (today.year, today.month, today.day):
        return None, ("invalid-birthday", f"{raw.strip()!r} is in the future: left out; fix the year in the file")
    return Birthday(f"{year or NO_YEAR:04d}-{month:02d}-{day:02d}", year), None


def parse_date(raw: str, *, order: str | None = None,
               today: date | None = None) -> tuple[date | None, Problem | None]:
    """Return the date and no problem, ``(None, problem)`` when unusable, or ``(None, None)`` when blank.

    >>> parse_date("05 Jan 2026")
    (datetime.date(2026, 1, 5), None)
    """
    parts, problem = _read(raw, order, today or date.today(), "invalid-date")
    if parts is None:
        return None, problem
    year, month, day = parts
    if year is None:
        return None, ("invalid-date", f"{raw.strip()!r} has no year: left out; write the full date in the file")
    return date(year, month, day), None


def parse_datetime(raw: str) -> tuple[str | None, Problem | None]:
    """Return ``YYYY-MM-DDTHH:MM:SSZ`` (UTC) and maybe a problem; ``(None, problem)`` if unusable; ``(None, None)``.

    ISO 8601 with ``Z`` or an offset is converted to UTC; a plain date is midnight UTC. A date-time without
    a time zone is read as UTC and comes back *with* a ``datetime-no-timezone`` problem saying so.

    >>> parse_datetime("2023-11-07T07:31:56+02:00")
    ('2023-11-07T05:31:56Z', None)
    """
    text = raw.strip()
    if not text or _OUTLOOK_NONE.fullmatch(text):
        return None, None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        day, unread = parse_date(text) if ":" not in text else (None, None)
        if day is None:
            return None, unread or ("invalid-date", f"{text!r} is not a date and time this importer reads: left "
                                     "out; write it as ISO 8601, e.g. 2023-11-07T05:31:56Z")
        return f"{day.isoformat()}T00:00:00Z", None
    problem: Problem | None = None
    if moment.tzinfo is None:
        if re.search(r"\d[T ]\d", text):
            problem = ("datetime-no-timezone", f"{text!r} has no time zone: read it as UTC; add Z or an offset "
                       "(+02:00) in the file if it is another zone")
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None, ("invalid-date", f"{text!r} is out of range: left out; fix it in the file")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), problem


def _read(raw: str, order: str | None, today: date, invalid: str) -> tuple[_Parts | None, Problem | None]:
    """Return (year, month, day) read from `raw`, or a problem (kind `invalid` or ambiguous-date), or neither."""
    if order is not None and order not in DATE_ORDERS:
        raise ValueError(f"order must be one of {', '.join(DATE_ORDERS)} or None, not {order!r}")
    text = raw.strip().lower()
    if not text or _OUTLOOK_NONE.fullmatch(text):
        return None, None  # Outlook writes 0/0/00 for "no date"
    bad: Problem = (invalid, f"{raw.strip()!r} is not a date: left out; fix it in the file")
    year: int | None
    if match := _ISO.fullmatch(text):
        year, month, day = int(match[1]), int(match[3]), int(match[4])
    elif match := _COMPACT.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NO_YEAR.fullmatch(text):
        year, month, day = None, int(match[1]), int(match[2])
    elif match := _NUMERIC.fullmatch(text):
        first, second, last = int(match[1]), int(match[3]), match[4]
        # Dotted dates are day-first wherever they are written (07.03.1984 is 7 March).
        used = "DMY" if match[2] == "." else order or _obvious_order(first, second)
        if used is None:
            return None, ("ambiguous-date", f"{raw.strip()!r} could be {_spell(first, second)} or "
                          f"{_spell(second, first)}: left out; set the column's date order (MDY or DMY) "
                          "in the mapping")
        if used == "YMD":
            if len(last) != 2:
                return None, bad
            year, month, day = _century(first, second, int(last), today), second, int(last)
        else:
            month, day = (first, second) if used == "MDY" else (second, first)
            year = int(last) if len(last) == 4 else _century(int(last), month, day, today)
    elif (match := _DAY_MONTH.fullmatch(text)) and match[2] in _MONTHS:
        day, month, year = int(match[1]), _MONTHS[match[2]], _year(match[3], _MONTHS[match[2]], int(match[1]), today)
    elif (match := _MONTH_DAY.fullmatch(text)) and match[1] in _MONTHS:
        month, day, year = _MONTHS[match[1]], int(match[2]), _year(match[3], _MONTHS[match[1]], int(match[2]), today)
    else:
        return None, bad
    if year in (0, NO_YEAR):
        year = None  # Apple writes 1604 for "year omitted", some vCards 0000
    try:
        date(year or NO_YEAR, month, day)
    except ValueError:
        return None, bad
    return (year, month, day), None


def _obvious_order(first: int, second: int) -> str | None:
    """Return "DMY" or "MDY" when only one reading is a date (13/03, 03/13) or both agree (03/03), else None."""
    if first == second or (first > 12 and second > 12):
        return "MDY"  # same either way, or invalid either way
    if first > 12:
        return "DMY"
    return "MDY" if second > 12 else None


def _century(two_digits: int, month: int, day: int, today: date) -> int:
    """Return the four-digit year for `two_digits` that does not put the date after `today`."""
    year = today.year // 100 * 100 + two_digits
    return year - 100 if (year, month, day) > (today.year, today.month, today.day) else year


def _year(digits: str | None, month: int, day: int, today: date) -> int | None:
    """Return the year written as `digits` (two digits resolved by `_century`), or None when absent."""
    if digits is None:
        return None
    return int(digits) if len(digits) == 4 else _century(int(digits), month, day, today)


def _spell(day: int, month: int) -> str:
    """Return "7 March" for (7, 3), or the numbers when `month` is not a month."""
    names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
    return f"{day} {names[month - 1]}" if 1 <= month <= 12 else f"day {day} of month {month}"

