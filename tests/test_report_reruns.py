"""A rerun replaces the failure report beside its input: the earlier ones move to the data folder, where
`dex-import runs` finds them; a run that fails nothing leaves no stale report; a run not confirmed moves none."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

from importer.dex.client import DexClient
from importer.importing import run_import
from importer.plan.inputs import ReadOptions
from importer.report.older import (
    earlier_reports,
    fresh_name,
    move_aside,
    reports_folder,
    where_now,
)
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

# --skip-nameless in every import: the nameless row is the one reported (not named after its email)
ROWS = "Name,Email\r\nAda Example,ada@example.com\r\n,nameless@example.com\r\nBo Example,bo@example.com\r\n"


NAMELESS = ReadOptions(skip_nameless=True)


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def import_(server: SandboxServer, *argv: str) -> tuple[int, str, str]:
    return run_cli("import", *argv, "--api-url", server.url, "--token", SANDBOX_TEST_KEY, "--yes", "--skip-nameless")


def beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".failures-" in p.name)


def test_ten_runs_leave_one_report_beside_the_input_and_nine_in_the_data_folder_listed_by_runs(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    export = tmp_path / "people.csv"
    export.write_text(ROWS, encoding="utf-8")
    written = []
    for n in range(10):
        code, out, err = run_cli("import", str(export), "--skip-nameless", "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                                 "--json", "--quiet")
        result = json.loads(out)
        assert (code, err, len(result["report"])) == (1, "", 1)
        written.append(result["report"][0])
        assert len(result["moved_reports"]) == (1 if n else 0)  # the one before it
        assert beside(tmp_path) == [Path(written[-1]).name]
    assert len(set(written)) == 10  # runs in the same second get -2, -3...: no name is used twice
    archive = reports_folder()
    assert sorted(p.name for p in archive.iterdir() if p.name != "moved.jsonl") == sorted(
        Path(p).name for p in written[:-1])
    assert dex_sandbox.store.count() == 2  # the reruns created nobody twice

    code, out, err = run_cli("runs", "--json")
    runs = [r for r in json.loads(out) if r["kind"] == "import"]
    assert len(runs) == 10
    listed = [r["reports"] for r in runs]
    assert listed == [[str(archive / Path(p).name)] for p in written[:-1]] + [[written[-1]]]
    assert all(os.path.exists(p) for (p,) in listed)

    code, text, err = run_cli("runs")
    assert (code, err) == (0, "")
    lines = text.splitlines()
    assert max(cells(line) for line in lines) <= 80, [line for line in lines if cells(line) > 80]
    assert "no longer there" not in text
    shown = text[text.index("Failure reports they wrote:"):]
    # each path is on its lines whole, however they wrap
    for (path,) in listed:
        assert path in "".join(line.strip() for line in shown.splitlines())

    # the person gives the row a name: nothing fails, and the last report moves too, saying so
    export.write_text(ROWS.replace(",nameless@", "Cem Example,nameless@"), encoding="utf-8")
    code, out, err = import_(dex_sandbox, str(export))
    assert code == 0 and beside(tmp_path) == []
    said = " ".join(out.split())
    assert (f"1 earlier failure report of the same input moved to the data folder, {archive} "
            "(dex-import runs lists each run's reports)") in said
    code, out, err = run_cli("runs", "--json")
    reports = [p for r in json.loads(out) for p in r["reports"]]
    assert len(reports) == 10 and all(Path(p).parent == archive and Path(p).exists() for p in reports)


def test_a_run_not_confirmed_moves_a_report_only_when_it_wrote_a_newer_one(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = tmp_path / "people.csv"
    export.write_text(ROWS, encoding="utf-8")
    code, out, err = run_cli("import", str(export), "--skip-nameless", "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                             "--json", "--quiet")
    (first,) = json.loads(out)["report"]
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url, timeout=10) as client:
        result = run_import([str(export)], client, confirm=lambda forecast: False, read=NAMELESS)
        # the nameless row is reported, sent or not: that report is the newest, the first one moves
        assert result.stopped == "not confirmed" and len(result.reports) == 1
        assert result.moved_reports == [(first, str(reports_folder() / Path(first).name))]
        assert beside(tmp_path) == [Path(result.reports[0]).name]
        # nothing to report and nothing sent: the report stays beside the input, current
        export.write_text(ROWS.replace(",nameless@", "Cem Example,nameless@"), encoding="utf-8")
        result = run_import([str(export)], client, confirm=lambda forecast: False, read=NAMELESS)
        assert (result.stopped, result.reports, result.moved_reports) == ("not confirmed", [], [])
        assert len(beside(tmp_path)) == 1


def test_only_the_inputs_own_reports_move(tmp_path: Path) -> None:
    names = ["people.failures-20260105-093000.csv", "people.failures-20260105-093000-2.csv",
             "people.failures-20260106-101500.csv",
             "people-2.failures-20260105-093000.csv",   # another input's
             "people.failures-latest.csv",              # not a name dex-import gives
             "people.csv", "cards.failures-20260105-093000.vcf", "cards.failures-20260105-093000.csv",
             "cards.failures-20260107-080000.vcf"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    newest = tmp_path / "people.failures-20260106-101500.csv"
    assert [p.name for p in earlier_reports(tmp_path / "people.failures-20991231-000000.csv", keep=[newest])] == [
        "people.failures-20260105-093000-2.csv", "people.failures-20260105-093000.csv"]
    # a vCard input's: its .vcf reports, and the reasons CSV an older dex-import wrote beside one
    assert [p.name for p in earlier_reports(tmp_path / "cards.failures-20991231-000000.vcf")] == [
        "cards.failures-20260105-093000.csv", "cards.failures-20260105-093000.vcf",
        "cards.failures-20260107-080000.vcf"]


def test_moved_names_are_never_given_again_and_moves_are_followed(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    report = tmp_path / "people.failures-20260105-093000.csv"
    report.write_text("first", encoding="utf-8")
    ((old, to),) = move_aside([report], folder=folder)
    assert (old, Path(to).read_text(encoding="utf-8")) == (str(report), "first") and not report.exists()
    again = fresh_name(report, folder=folder)
    assert again.name == "people.failures-20260105-093000-2.csv"  # free on disk, but the name was used
    again.write_text("second", encoding="utf-8")
    ((_, to2),) = move_aside([again], folder=folder)
    assert Path(to2).parent == folder
    assert where_now([str(report), str(again), "/elsewhere/kept.csv"], folder=folder) == [to, to2,
                                                                                         "/elsewhere/kept.csv"]
    (folder / "moved.jsonl").open("a", encoding="utf-8").write('{"from": "/cut')  # a crash mid-append
    assert where_now([str(report)], folder=folder) == [to]
