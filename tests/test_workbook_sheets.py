"""A workbook's sheets: every one named, the one whose header looks like contacts read (and why), `--sheet` to
choose another, and a file with rows that gives no contact never called a success (exit 1, and what to do)."""

from __future__ import annotations

import json
from pathlib import Path

from importer.mapping.detect import likeness
from importer.readers.source import open_input
from importer.readers.xlsx import inspect_xlsx
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

XLSX = Path(__file__).parent / "fixtures" / "xlsx"
THIRD = str(XLSX / "contacts-on-third-sheet.xlsx")
BUDGET = str(XLSX / "no-contacts-sheet.xlsx")
TEAM = str(Path(__file__).parents[1] / "sample_data" / "spreadsheet" / "team-list.xlsx")


def test_the_sheet_that_looks_like_contacts_is_read_and_every_sheet_is_named() -> None:
    info = inspect_xlsx(open_input(THIRD), likeness=likeness)
    assert (info.sheet, info.sheets) == ("People", ("Summary", "Lookup", "People", "Chart"))
    assert info.header == ("First Name", "Last Name", "E-mail Address", "Company", "Mobile Phone")
    assert info.sheet_reason == ("its header looks like contacts: Outlook CSV (English) columns; not read: "
                                 "'Summary' (2 rows, no contact columns); 'Lookup' (3 rows, no contact columns); "
                                 "'Chart' (a chart)")
    assert info.rows_elsewhere == 5


def test_without_likeness_or_with_one_sheet_the_first_is_read_as_before() -> None:
    assert inspect_xlsx(open_input(THIRD)).sheet == "Summary"
    single = inspect_xlsx(open_input(BUDGET), likeness=likeness)
    assert (single.sheet, single.sheets, single.sheet_reason) == ("Budget", ("Budget",), "")


def test_of_two_contact_sheets_the_fuller_header_wins_and_the_other_is_said() -> None:
    info = inspect_xlsx(open_input(TEAM), likeness=likeness)
    assert info.sheet == "Team"
    assert "not read: '2025' (2 rows, Name, Email)" in info.sheet_reason


def test_preview_says_which_sheet_and_reads_its_people() -> None:
    code, out, err = run_cli("preview", THIRD, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    (f,) = data["files"]
    assert (f["sheet"], f["sheets"], f["records"], f["contacts"], f["gave_nothing"]) == (
        "People", ["Summary", "Lookup", "People", "Chart"], 2, 2, False)
    code, text, _ = run_cli("preview", THIRD)
    assert code == 0
    assert "contacts-on-third-sheet.xlsx: sheet 'People' read: its header looks like contacts" in " ".join(
        text.split())


def test_sheet_chooses_another_and_a_sheet_that_gives_nothing_exits_1() -> None:
    code, out, err = run_cli("preview", THIRD, "--sheet", "lookup")
    flat = " ".join(out.split())
    assert (code, err) == (1, "")
    assert "records 2 · contacts 0" in flat
    assert "contacts-on-third-sheet.xlsx: nothing to import: none of its 2 records can be imported" in flat


def test_a_chart_or_a_missing_sheet_is_one_line() -> None:
    code, out, err = run_cli("preview", THIRD, "--sheet", "Chart")
    assert (code, out) == (3, "")
    assert err == f"dex-import: {THIRD}: sheet 'Chart' is a chart, not a table. Choose the sheet that holds the " \
                  "contacts\n"
    code, out, err = run_cli("preview", THIRD, "--sheet", "Peple")
    assert (code, out, err.count("\n")) == (3, "", 1)
    assert "has no sheet 'Peple'; its sheets are 'Summary', 'Lookup', 'People', 'Chart'" in err
    assert "Did you mean 'People'?" in err


def test_a_workbook_without_contacts_exits_1_in_the_preview_and_the_import(dex_sandbox: SandboxServer,
                                                                           tmp_path: Path) -> None:
    code, out, _ = run_cli("preview", BUDGET, "--json")
    assert code == 1
    (f,) = json.loads(out)["files"]
    assert (f["records"], f["contacts"], f["gave_nothing"]) == (2, 0, True)
    code, out, err = run_cli("import", BUDGET, "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--yes",
                             "--report", str(tmp_path / "report.csv"))
    assert code == 1, (out, err)
    assert "no-contacts-sheet.xlsx: nothing to import" in " ".join(out.split())
    assert dex_sandbox.store.count() == 0
    assert (tmp_path / "report.csv").read_text(encoding="utf-8-sig").count("no name") == 2  # both rows in it


def test_detect_names_the_sheets() -> None:
    code, out, _ = run_cli("detect", THIRD, "--json")
    assert code == 0
    (d,) = json.loads(out) if out.lstrip().startswith("[") else [json.loads(out)]
    assert (d["sheet"], d["sheets"], d["format"]) == ("People", ["Summary", "Lookup", "People", "Chart"],
                                                      "outlook")
    code, text, _ = run_cli("detect", THIRD)
    assert "sheet: 'People' of 'Summary', 'Lookup', 'People', 'Chart'; its header looks like contacts" in " ".join(
        text.split())
