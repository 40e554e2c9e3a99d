"""Small builders shared by the tests: expected contact entries, and a clock for the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any


def email(address: str, label: str | None, ranking: int) -> dict[str, Any]:
    """Returns a contact_emails entry as the mapping writes it (no label key when there is none)."""
    entry: dict[str, Any] = {"email": address}
    if label:
        entry["label"] = label
    entry["ranking"] = ranking
    return entry


def phone(written: str, sanitized: str | None, country: str | None, label: str | None,
          ranking: int) -> dict[str, Any]:
    """Returns a contact_phone_numbers entry: as written, E.164, country code, label, ranking."""
    entry: dict[str, Any] = {"phone_number": written}
    if sanitized:
        entry["phone_number_sanitized"] = sanitized
    if country:
        entry["country_code"] = country
    if label:
        entry["label"] = label
    entry["ranking"] = ranking
    return entry


class Ticker:
    """A `now` for the sandbox that moves one second on every call, so each write gets its own time."""

    def __init__(self) -> None:
        self.at = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at
