"""Issue 11 items 3-5: every record has one outcome on every path, Ctrl-C and SIGTERM stop as promised, and the
confirmation shows the truth.

Real signals go to a real `dex-import import` process against a sandbox on 127.0.0.1 whose every request waits
a little (so that a batch is in flight when the signal lands); the fatal errors mid-run are planted in-process,
in the test's virtual time.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from importer.dex.client import AuthError, DexClient, SurelyNotCreated
from importer.importing import STATUSES, Forecast
from importer.sandbox import Faults, SandboxServer, serve
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

PEOPLE = 12
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def export(path: Path, count: int = PEOPLE, *, nameless: int = 1) -> Path:
    rows = ["First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value"]
    rows += [f"P{n:03d},Example,Work,p{n}@example.com" for n in range(count)]
    rows += [",,Work,nobody@example.com"] * nameless  # skipped (no name): the only row of the failure report
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def accounted(result: dict[str, Any], records: int) -> Counter[str]:
    """Returns the statuses of a run's --json after checking each record is there once, counted right."""
    statuses = Counter(r["status"] for r in result["records"])
    assert len(result["records"]) == records
    assert len({(r["file"], r["line"]) for r in result["records"]}) == records
    assert {s: result[s] for s in STATUSES} == {s: statuses[s] for s in STATUSES}
    return statuses


@pytest.fixture
def slow_sandbox() -> Iterator[SandboxServer]:
    server = serve(port=0, api_key="dex_stop_test_key", faults=Faults(latency_ms=120))
    yield server
    server.close()


def start(path: Path, server: SandboxServer, journal: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "importer", "import", str(path), "--api-url", server.url, "--token",
         server.api_key, "--journal", str(journal), "--batch-size", "2", "--concurrency", "1",
         "--initial-rate", "100", "--yes", "--json", "--report", str(journal.with_suffix(".report.csv")), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def when_created(server: SandboxServer, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while server.store.count() < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def rerun_finishes_everyone_once(path: Path, server: SandboxServer, journal: Path) -> dict[str, Any]:
    process = start(path, server, journal, "--quiet", "--batch-size", "100")  # one create: the sandbox is slow
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err  # 1: the nameless row
    again = json.loads(out)
    accounted(again, PEOPLE + 1)
    names = Counter(c["full_name"] for c in server.store.contacts())
    assert names == Counter({f"P{n:03d} Example": 1 for n in range(PEOPLE)})
    return again


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_first_ctrl_c_or_sigterm_sends_no_new_batch_and_accounts_for_every_record(
        slow_sandbox: SandboxServer, tmp_path: Path, sent: int) -> None:
    path, journal = export(tmp_path / "people.csv"), tmp_path / "run.journal"
    process = start(path, slow_sandbox, journal)
    when_created(slow_sandbox, 2, process)
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    result = json.loads(out)
    statuses = accounted(result, PEOPLE + 1)
    assert process.returncode == 1 and "stopping: " in err and "no new batch is sent" in err
    assert statuses["failed"] == 0 and statuses["unknown"] == 0  # the batch in flight was answered and settled
    assert statuses["not_sent"] > 0 and statuses["created"] == slow_sandbox.store.count()
    assert statuses["created"] + statuses["not_sent"] == PEOPLE and statuses["skipped"] == 1
    assert result["stopped"] == "stopped before every contact was sent" and result["fatal"] is None
    report = Path(result["report"][0]).read_text(encoding="utf-8-sig")
    assert report.count("\n") == 2 and "nobody@example.com" in report  # the header and the nameless row only
    again = rerun_finishes_everyone_once(path, slow_sandbox, journal)
    assert again["created"] == statuses["not_sent"] and again["existing"] == statuses["created"]


def test_a_second_ctrl_c_stops_at_once_and_the_rerun_looks_up_what_was_in_flight(
        tmp_path: Path) -> None:
    server = serve(port=0, api_key="dex_stop_test_key", faults=Faults(latency_ms=600))  # an answer on its way
    try:
        path, journal = export(tmp_path / "people.csv"), tmp_path / "run.journal"
        process = start(path, server, journal)
        when_created(server, 2, process)
        time.sleep(0.1)  # the next batch is out, its answer 0.6 s away
        process.send_signal(signal.SIGINT)
        time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        result = json.loads(out)
        statuses = accounted(result, PEOPLE + 1)
        assert process.returncode == 1 and result["stopped"] == "stopped at once, with requests in flight"
        assert statuses["unknown"] == 2 and statuses["failed"] == 0 and statuses["created"] >= 2
        assert all("in flight when the run stopped" in r["message"] for r in result["records"]
                   if r["status"] == "unknown")
        time.sleep(0.7)  # the abandoned batch lands in Dex all the same
        rerun_finishes_everyone_once(path, server, journal)
    finally:
        server.close()


def cli_json(*argv: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(*argv)
    return code, json.loads(out), err


@pytest.mark.parametrize("refusal", [
    AuthError("the key was revoked", method="POST", path="/contacts/", status_code=401),
    SurelyNotCreated("could not connect to Dex: connection refused", method="POST", path="/contacts/"),
], ids=["key refused", "Dex unreachable"])
def test_a_fatal_error_mid_run_still_prints_every_record_then_one_line_exit_3(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: Exception) -> None:
    real, calls = DexClient.create_contacts, []

    def failing(self: DexClient, contacts: Any) -> Any:
        calls.append(len(contacts))
        if len(calls) > 2:
            raise refusal
        return real(self, contacts)

    monkeypatch.setattr(DexClient, "create_contacts", failing)
    path = export(tmp_path / "people.csv", 10)
    code, result, err = cli_json("import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                                 "--batch-size", "2", "--concurrency", "1", "--json", "--quiet",
                                 "--journal", str(tmp_path / "j.sqlite"), "--report", str(tmp_path / "r.csv"))
    statuses = accounted(result, 11)
    assert code == 3 and result["fatal"] and err.count("\n") == 1 and err.startswith("dex-import: ")
    assert str(refusal.args[0]) in err and "run the same command again to finish" in err
    assert statuses == Counter({"created": 4, "not_sent": 6, "skipped": 1})
    assert dex_sandbox.store.count() == 4
    monkeypatch.setattr(DexClient, "create_contacts", real)
    code, again, err = cli_json("import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                                "--json", "--quiet", "--journal", str(tmp_path / "j.sqlite"))
    assert (code, again["created"], again["existing"], dex_sandbox.store.count()) == (1, 6, 4, 10)


def test_the_summary_of_a_stopped_run_adds_up_and_says_to_run_it_again(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the summary's lines whole, not wrapped at 80
    real, calls = DexClient.create_contacts, []

    def failing(self: DexClient, contacts: Any) -> Any:
        calls.append(len(contacts))
        if len(calls) > 1:
            raise AuthError("the key was revoked", method="POST", path="/contacts/", status_code=401)
        return real(self, contacts)

    monkeypatch.setattr(DexClient, "create_contacts", failing)
    path = export(tmp_path / "people.csv", 6)
    code, out, err = run_cli("import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                             "--batch-size", "2", "--concurrency", "1", "--journal", str(tmp_path / "j.sqlite"),
                             "--report", str(tmp_path / "r.csv"))
    first = out.splitlines()[0]
    assert first.startswith(f"Imported into {dex_sandbox.url}: created 2 · skipped 1 · failed 0 · not sent 4 · "
                            "run the same command again to finish · ")
    assert f"Failure report: {tmp_path / 'r.csv'} (only the rows that could not be imported, not those left " \
           "unsent" in out
    assert "Fix it, then run:" not in out and "Fix them, then run:" in out and code == 3


def forecast(**changes: Any) -> Forecast:
    values: dict[str, Any] = dict(new=2188, existing=124, update=0, done=310, skipped={"no-name": 36}, merged=0,
                                  resuming="2026-12-02T09:00:00Z-3f2a", account="owner@example.com",
                                  api_url="https://api.getdex.com/v1")
    return Forecast(**{**values, **changes})


def test_the_question_shows_the_real_numbers_and_the_account(monkeypatch: pytest.MonkeyPatch) -> None:
    from importer.cli.terminal import confirmation
    from importer.plan.summary import Summary

    monkeypatch.setenv("COLUMNS", "250")  # the preview's lines whole, not wrapped at 80
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    err = io.StringIO()
    assert confirmation(Summary(), err, ask=True, show=False)(forecast()) is True
    assert asked == ["\nCreate 2,188 contacts in the Dex account of owner@example.com? [y/N] "]
    assert "2,188 new · 124 already in Dex · 36 skipped (no name) · resuming run 2026-12-02T09:00:00Z-3f2a " \
           "(310 created before)" in err.getvalue()
    assert "not checked" not in err.getvalue()
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert confirmation(Summary(), io.StringIO(), ask=True, show=False)(forecast(account=None)) is False
    shown = io.StringIO()
    assert confirmation(Summary(), shown, ask=False, show=True)(forecast(resuming=None, update=3)) is True
    assert shown.getvalue() == (
        "2,188 new · 124 already in Dex · 3 to fill · 36 skipped (no name) · 310 created by earlier runs\n"
        "Create 2,188 contacts and fill 3 already there in the Dex account of owner@example.com? yes (--yes)\n")


def test_yes_prints_the_block_after_the_account_check_resuming_a_stopped_run(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, journal = export(tmp_path / "people.csv", 6), str(tmp_path / "j.sqlite")
    real, calls = DexClient.create_contacts, []

    def failing(self: DexClient, contacts: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise AuthError("the key was revoked", method="POST", path="/contacts/", status_code=401)
        return real(self, contacts)

    monkeypatch.setattr(DexClient, "create_contacts", failing)
    argv = ["import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--batch-size", "2",
            "--concurrency", "1", "--journal", journal, "--json", "--yes"]
    code, first, err = cli_json(*argv)
    assert code == 3 and err.splitlines()[:2] == [
        "6 new · 0 already in Dex · 1 skipped (no name)",
        "Create 6 contacts in the Dex account of sandbox.user@example.com? yes (--yes)"]
    monkeypatch.setattr(DexClient, "create_contacts", real)
    code, again, err = cli_json(*argv)
    run = first["records"] and json.loads(run_cli("runs", "--journal", journal, "--json")[1])[0]["run"]
    assert err.splitlines() == [  # wrapped at 80 columns, as the rest of the output
        "4 new · 0 already in Dex · 1 skipped (no name) · resuming run",
        f"  {run} (2 created before)",
        "Create 4 contacts in the Dex account of sandbox.user@example.com? yes (--yes)"]
    assert (code, again["created"], dex_sandbox.store.count()) == (1, 4, 6)
