"""Small builders shared by the tests: expected contact entries, a clock for the sandbox, and `run_cli`.

`run_cli` runs `dex-import` in this process with the test's virtual time (the `virtual_time` fixture, which
the sandbox fixtures share; tests/conftest.py hands it over before each test), so a command's backoff, pacing
and Retry-After waits move a virtual clock instead of sleeping.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

from importer.sandbox import VirtualTime


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


class _Now:
    """The virtual time of the test running now (set by tests/conftest.py for each test)."""

    time: VirtualTime = VirtualTime()


NOW = _Now()


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Returns (exit code, stdout, stderr) of one in-process `dex-import` run in the test's virtual time."""
    from importer.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, sleep=NOW.time.sleep, clock=NOW.time.clock)
    return code, out.getvalue(), err.getvalue()
