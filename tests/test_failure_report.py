"""The failure report's layout: where (the input's line, the spreadsheet's row) and why first, then the row
as it was; reports of the older layout and vCard reports with their X-DEX-IMPORT-* properties re-import."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from importer.report.failures import (
    ERROR_COLUMN,
    LINE_COLUMN,
    MAPPING_COLUMN,
    ROW_COLUMN,
)
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

HEADER = "Name,Notes,Email\r\n"


def imported(server: SandboxServer, *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = run_cli("import", *argv, "--api-url", server.url, "--token", SANDBOX_TEST_KEY, "--json",
                             "--quiet")
    return code, json.loads(out) if out else {}, err


def rows_of(path: str | Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_line_row_and_reason_come_first_and_differ_where_cells_hold_line_breaks(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = tmp_path / "people.csv"
    export.write_text(HEADER
                      + 'Ada Example,"met at the fair\r\nlikes tea\r\ncall after 6",ada@example.com\r\n'  # lines 2-4
                      + ',nameless one,one@example.com\r\n'   # line 5, row 3
                      + '\r\n'                                  # line 6, row 4: a blank line is a row too
                      + ',"two\r\nlines",two@example.com\r\n'   # lines 7-8, row 5
                      + ',,three@example.com\r\n', encoding="utf-8")  # line 9, row 6
    report = tmp_path / "report.csv"
    # --skip-nameless: the rows without a name are reported, not named after their email
    code, result, err = imported(dex_sandbox, str(export), "--report", str(report), "--skip-nameless")
    assert (code, err, result["report"]) == (1, "", [str(report)])
    rows = rows_of(report)
    assert rows[0] == [LINE_COLUMN, ROW_COLUMN, ERROR_COLUMN, "Name", "Notes", "Email", MAPPING_COLUMN]
    assert [row[:2] for row in rows[1:]] == [["5", "3"], ["7", "5"], ["9", "6"]]
    assert rows[1][2].startswith("no name (only one@example.com)")
    assert rows[2][3:] == ["", "two\r\nlines", "two@example.com", "generic"]


def test_a_report_in_the_older_layout_still_reimports(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    # an older dex-import put its three columns last, and had no row column
    old = tmp_path / "people.failures-20261130-120000.csv"
    with open(old, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([
            ["Name", "Email", LINE_COLUMN, ERROR_COLUMN, MAPPING_COLUMN],
            ["Bea Example", "bea@example.com", "3", "no name (only bea@example.com)", "generic"],
            ["Cem Example", "'+1 212-555-0104", "4", "no name", "generic"]])
    code, result, err = imported(dex_sandbox, str(old))
    assert (code, err, result["created"], result["report"]) == (0, "", 2, [])
    stored = {c["full_name"]: c for c in dex_sandbox.store.contacts()}
    assert set(stored) == {"Bea Example", "Cem Example"}
    assert not any("dex-import" in json.dumps(c) for c in stored.values())  # the report's columns are left out


def test_the_new_layout_reimports_with_its_columns_left_out(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = tmp_path / "people.csv"
    export.write_text(HEADER + ',"a note",dana@example.com\r\n', encoding="utf-8")
    code, result, _ = imported(dex_sandbox, str(export), "--report", str(tmp_path / "report.csv"), "--skip-nameless")
    rows = rows_of(tmp_path / "report.csv")
    rows[1][3] = "Dana Example"  # fixed in a spreadsheet
    with open(tmp_path / "report.csv", "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, result, err = imported(dex_sandbox, str(tmp_path / "report.csv"))
    assert (code, err, result["created"]) == (0, "", 1)
    (stored,) = dex_sandbox.store.contacts()
    assert stored["full_name"] == "Dana Example" and "dex-import" not in json.dumps(stored)


def test_a_vcard_report_carries_line_and_reason_and_reimports_without_them(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    cards = tmp_path / "phone.vcf"
    good = "BEGIN:VCARD\nVERSION:3.0\nFN:Dana Example\nEND:VCARD\n"
    nameless = "BEGIN:VCARD\nVERSION:3.0\nEMAIL:erin@example.com\nNOTE:met, once; at the fair\nEND:VCARD\n"
    cards.write_text(good + nameless, encoding="utf-8")
    code, result, _ = imported(dex_sandbox, str(cards), "--report", str(tmp_path / "failed.vcf"), "--skip-nameless")
    assert (code, result["report"]) == (1, [str(tmp_path / "failed.vcf")])
    text = (tmp_path / "failed.vcf").read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCARD\nX-DEX-IMPORT-LINE:5\nX-DEX-IMPORT-ERROR:no name (only erin@example.com)")
    assert text.endswith("VERSION:3.0\nEMAIL:erin@example.com\nNOTE:met, once; at the fair\nEND:VCARD\n")

    # the person gives the card a name; its failure report is imported again
    (tmp_path / "fixed.vcf").write_text(text.replace("VERSION:3.0\n", "VERSION:3.0\nFN:Erin Example\n"),
                                        encoding="utf-8")
    code, out, err = run_cli("preview", str(tmp_path / "fixed.vcf"), "--json")
    assert (code, err) == (0, "") and "X-DEX-IMPORT" not in out  # no unmapped-column warning, no column audit
    code, result, err = imported(dex_sandbox, str(tmp_path / "fixed.vcf"))
    assert (code, err, result["created"]) == (0, "", 1)
    erin = next(c for c in dex_sandbox.store.contacts() if c["full_name"] == "Erin Example")
    assert "X-DEX" not in json.dumps(erin) and "no name" not in json.dumps(erin)


def test_a_vcard_report_imported_again_and_failing_again_holds_one_line_and_one_reason(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    cards = tmp_path / "phone.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:erin@example.com\r\nEND:VCARD\r\n", encoding="utf-8")
    imported(dex_sandbox, str(cards), "--report", str(tmp_path / "first.vcf"), "--skip-nameless")
    code, result, _ = imported(dex_sandbox, str(tmp_path / "first.vcf"), "--report", str(tmp_path / "second.vcf"),
                               "--skip-nameless")
    assert (code, result["report"]) == (1, [str(tmp_path / "second.vcf")])
    text = (tmp_path / "second.vcf").read_bytes().decode("utf-8")
    assert text.count("X-DEX-IMPORT-LINE:") == 1 and text.count("X-DEX-IMPORT-ERROR:") == 1
    assert text.startswith("BEGIN:VCARD\r\nX-DEX-IMPORT-LINE:1\r\n")  # the card's line in first.vcf
