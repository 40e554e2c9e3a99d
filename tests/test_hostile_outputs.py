"""What dex-import writes stays safe under hostile input (issue 16): reports written whole or not at all and
the summary printed even on a full disk, header cells neutralised, apostrophes kept on the round trip, and
Dex's own text printed with its control characters escaped."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.dex.client import DexClient, Rejected
from importer.model import Record
from importer.report.failures import (
    neutralise,
    restore,
    restore_record,
    write_csv_report,
)
from importer.report.records import FailedRecord
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

HEADER = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value\r\n"


def cli(*argv: str) -> tuple[int, str, str]:
    return run_cli(*argv)


def export(tmp_path: Path, good: int, nameless: int) -> Path:
    """Writes a Google contacts CSV: `good` people, then `nameless` rows with only an email (never sent)."""
    rows = [f"P{n},Example,Work,p{n}@example.com\r\n" for n in range(good)]
    rows += [f",,Work,nameless{n}@example.com\r\n" for n in range(nameless)]
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Makes every atomic file write go to /dev/full, which answers each write with ENOSPC, as a full
    disk does; returns the temporary names handed out (each must be gone afterwards)."""
    import importer.report.atomic as atomic

    handed: list[str] = []

    def mkstemp(dir: str, prefix: str, suffix: str) -> tuple[int, str]:
        name = os.path.join(dir, f"{prefix}test{suffix}")
        Path(name).touch()
        handed.append(name)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    return handed


def test_a_full_disk_under_report_still_prints_the_summary_and_leaves_no_empty_report(
        dex_sandbox: SandboxServer, tmp_path: Path, full_disk: list[str]) -> None:
    report = tmp_path / "report.csv"
    argv = ["import", str(export(tmp_path, 30, 2)), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
            "--yes", "--report", str(report), "--initial-rate", "100"]
    code, out, err = cli(*argv)
    assert code == 1
    assert len(dex_sandbox.store.contacts()) == 30
    assert "the failure report of" in out and "No space left on device" in out  # the summary says so
    assert "30" in out
    assert not report.exists() and full_disk and not any(Path(p).exists() for p in full_disk)
    code, out, err = cli(*argv[:-4], "--json", "--report", str(report), "--initial-rate", "100")
    data = json.loads(out)
    assert data["created"] == 0 and data["report_errors"] and data["report"] == []
    code, out, err = cli("runs", "--json")
    assert all(run["state"] != "interrupted" for run in json.loads(out))


def test_a_full_disk_under_out_is_one_line_and_leaves_no_file(tmp_path: Path, full_disk: list[str]) -> None:
    target = tmp_path / "contacts.jsonl"
    code, out, err = cli("preview", str(export(tmp_path, 3, 0)), "--out", str(target))
    assert code == 3
    assert err == (f"dex-import: --out {target}: cannot be written (No space left on device); nothing was "
                   "sent, and no file was left\n")
    assert not target.exists() and not any(Path(p).exists() for p in full_disk)


def test_report_header_cells_are_neutralised_and_restored(tmp_path: Path) -> None:
    header = ['=HYPERLINK("http://example.com")', "+SUM(1)", "@cmd", "Name"]
    record = Record("x.csv", 2, dict(zip(header, ["a", "b", "c", ""])), "a,b,c,\r\n")
    path = tmp_path / "report.csv"
    write_csv_report(path, header, [FailedRecord(record, "no name")], mapping_ref="generic")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][3:7] == ["'=HYPERLINK(\"http://example.com\")", "'+SUM(1)", "'@cmd", "Name"]
    back = restore_record(Record("report.csv", 2, dict(zip(rows[0], rows[1])), ""))
    assert list(back.values) == header


@pytest.mark.parametrize("cell", ["'=1+1", "''+SUM(1)", "'-5", "'@me", "=1", "'plain", "it's", "'"])
def test_a_leading_apostrophe_survives_the_round_trip(cell: str) -> None:
    written = neutralise(cell)
    assert restore(written) == cell
    assert not written.startswith(("=", "+", "-", "@"))


def _answering(status: int, body: Any) -> DexClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    return DexClient(SANDBOX_TEST_KEY, api_url="https://dex.example.com/v1", transport=transport)


def test_dex_text_reaches_the_screen_with_control_characters_escaped() -> None:
    hostile = f"bad\r\ncontact\x1b[2J\x07 {SANDBOX_TEST_KEY}" + "x" * 2000
    with _answering(400, {"error": True, "message": hostile}) as client:
        with pytest.raises(Rejected) as caught:
            client.get_contact("c1")
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\x07" not in text
    assert "bad\\r\\ncontact\\x1b[2J\\x07 [API key]" in text
    assert SANDBOX_TEST_KEY not in text and len(text) < 700


@pytest.mark.parametrize("ident", [SANDBOX_TEST_KEY, f"c-{SANDBOX_TEST_KEY}", "x" * 500, "id\nwith newline"])
def test_a_created_id_holding_the_key_or_junk_is_never_accepted(ident: str) -> None:
    from importer.dex.client import OutcomeUnknown

    with _answering(200, {"error": False, "data": {"contacts": [{"id": ident}]}}) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            client.create_contacts([{"first_name": "Ada"}])
    assert SANDBOX_TEST_KEY not in str(caught.value)
