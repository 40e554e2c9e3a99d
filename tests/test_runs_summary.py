"""`runs` and the end of the import summary (issue 14, item 5): which Dex account (URL and email) each run went
to, import or undo, short ids that `undo` takes; the summary ends with the run id, the undo command, the tags
it made and the warning counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

HEADER = "First Name,Last Name,Phone,Labels\n"


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "Ada,Example,555-0101,Chess\nBo,Example,555-0102,Rowing\n", encoding="utf-8")
    return path


def test_the_summary_ends_with_the_run_the_undo_command_the_tags_made_and_the_warnings(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    journal = tmp_path / "journal.sqlite"
    code, out, err = run_cli("import", str(_export(tmp_path)), "--api-url", dex_sandbox.url, "--token",
                             SANDBOX_TEST_KEY, "--yes", "--journal", str(journal), "--tag", "from-csv")
    assert (code, err) == (0, "2 new · 0 already in Dex\nCreate 2 contacts in the Dex account of "
                              "sandbox.user@example.com? yes (--yes)\n")  # the --yes block
    [short] = re.findall(r"^Run ([0-9a-f]{4}) \(\S+-\1\):$", out, re.M)
    tail = out.splitlines()[-6:]
    assert tail == ["Take back the contacts it created (asks first):", f"  dex-import undo {short}",
                    "Contact ids: kept by Dex (a lost answer is settled exactly, by id)",
                    "It made 3 tags in Dex: Chess, Rowing, from-csv",
                    "Warnings 2: 2 numbers without a country code (each with its row and the fix:",
                    "  dex-import preview, --json or --html)"]
    assert max(len(line) for line in out.splitlines()) <= 80

    code, out, err = run_cli("runs", "--journal", str(journal))
    assert (code, err) == (0, "")
    assert re.search(rf"^ {short} +\d{{4}}-\d\d-\d\d \d\d:\d\d +import +sandbox\.user@example\.com +finished",
                     out, re.M), out
    assert "people.csv" in out and dex_sandbox.url[:20] in out
    assert f"Contact ids (kept, ignored or refused by Dex): {short} keep" in out.splitlines()
    [run] = json.loads(run_cli("runs", "--journal", str(journal), "--json")[1])
    assert (run["short_id"], run["kind"], run["api_url"], run["email"]) == (
        short, "import", dex_sandbox.url, "sandbox.user@example.com")

    # undo takes the short id, and is listed as a run of its own kind
    code, out, err = run_cli("undo", short, "--journal", str(journal), "--api-url", dex_sandbox.url, "--token",
                             SANDBOX_TEST_KEY, "--yes")
    assert (code, dex_sandbox.store.count()) == (0, 0), err
    runs = json.loads(run_cli("runs", "--journal", str(journal), "--json")[1])
    assert [(r["kind"], r["email"]) for r in runs] == [("import", "sandbox.user@example.com"),
                                                      ("undo", "sandbox.user@example.com")]
