"""What keeps a large import flat in memory: the record log on disk, in file and line order; the failed records
kept there for the report; each contact let go once Dex's answer settled it; and the CLI output unchanged."""

from __future__ import annotations

import csv
import gc
import io
import random
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import importer.importing
from importer.cli.main import main
from importer.dex.client import DexClient
from importer.importing import SendOptions, send_plan
from importer.journal.store import Journal, RecordStatus, fingerprint
from importer.model import Contact, Notice, Record
from importer.plan.inputs import ReadOptions, open_files
from importer.plan.plan import make_plan
from importer.report.failures import write_csv_report
from importer.report.records import FailedRecord, RecordLog, RecordResult
from importer.sandbox import SandboxServer, VirtualTime
from importer.send.batches import send_contacts
from importer.send.outcomes import Batch, Created, Outcome, SendHooks
from tests.conftest import SANDBOX_TEST_KEY


def test_record_log_gives_every_result_in_file_and_line_order_whatever_order_they_came_in() -> None:
    log = RecordLog()
    expected = [RecordResult(file, line, "created", f"dex-{file}-{line}", None)
                for file in ("a.csv", "b.vcf") for line in range(2, 1_302)]  # past the log's batch of 1,000
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    for r in [*shuffled[:5], RecordResult("b.vcf", 1, "skipped", None, "no name"), *shuffled[5:]]:
        log.add(r.file, r.line, r.status, r.dex_id, r.message, failed=None if r.status == "created" else
                Record(r.file, r.line, {}))
    assert list(log) == [*expected[:1_300], RecordResult("b.vcf", 1, "skipped", None, "no name"), *expected[1_300:]]
    assert (len(log), log.count("created"), log.count("skipped"), log.count("failed"), log.problems) == (
        2_601, 2_600, 1, 0, 1)
    assert log.first(2) == expected[:2]
    assert log.first(5, status="skipped") == log.first(5, problem=True) == [
        RecordResult("b.vcf", 1, "skipped", None, "no name")]
    assert list(log) == list(log)  # read again from the start
    log.close()


def test_record_log_keeps_the_failed_records_whole_for_the_report_in_line_order(tmp_path: Path) -> None:
    log = RecordLog()
    notice = Notice("people.csv", 9, "Phone", "invalid-phone", "'555' is not a valid phone number")
    records = {line: Record("people.csv", line, {"Name": "", "Email": f"p{line}@example.com", "Column 3": "x"},
                            raw=f",p{line}@example.com,x\r\n", notices=(notice,) if line == 9 else ())
               for line in (9, 3, 5)}
    log.add("other.csv", 2, "created", "dex-1")
    for line, record in records.items():
        log.add("people.csv", line, "skipped", message=f"no name on line {line}", failed=record)
    log.add("other.csv", 4, "failed", message="refused", failed=Record("other.csv", 4, {"Name": "Ann"}))
    expected = [FailedRecord(records[line], f"no name on line {line}") for line in (3, 5, 9)]
    failures = log.failures("people.csv")
    assert (list(failures), list(failures)) == (expected, expected)  # read twice: the report needs two passes
    assert log.failed_files() == ["people.csv", "other.csv"]  # in the order of their first failure
    assert list(log.failures("nowhere.csv")) == []
    for name, given in (("from-log.csv", failures), ("from-list.csv", expected), ("from-iter.csv", iter(expected))):
        assert write_csv_report(tmp_path / name, ["Name", "Email"], given, mapping_ref="generic") == 3
    text = (tmp_path / "from-list.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[:2] == ["dex-import line,dex-import row,dex-import error,Name,Email,Column 3,"
                                     "dex-import mapping", "3,3,no name on line 3,,p3@example.com,x,generic"]
    assert (tmp_path / "from-log.csv").read_text(encoding="utf-8-sig") == text
    assert (tmp_path / "from-iter.csv").read_text(encoding="utf-8-sig") == text
    log.close()


def _people(path: Path, count: int, *, nameless: tuple[int, ...] = (), bad_id: tuple[int, ...] = ()) -> Path:
    """Writes a CSV of `count` fictitious people, line n + 2 for person n; some without a name, some whose
    Dex id Dex refuses."""
    rows = ["Name,Email,Contact Id"]
    for n in range(count):
        name = "" if n in nameless else f"Person {n:03d}"
        dex_id = "not-a-uuid" if n in bad_id else ""
        rows.append(f"{name},person{n:03d}@example.com,{dex_id}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


class _Tracked(dict):  # type: ignore[type-arg]
    """A contact that can be weakly referenced, to see when the sender lets go of it."""


def test_each_contact_is_let_go_once_dex_settled_it_and_the_journal_still_has_it_whole(
        dex_sandbox: SandboxServer, virtual_time: VirtualTime, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    export = _people(tmp_path / "people.csv", 250)
    refs: dict[int, weakref.ref[_Tracked]] = {}
    settled: set[int] = set()
    held_after_settling: list[int] = []

    def spying(items: Iterator[tuple[int, Contact]], *args: Any, **kwargs: Any) -> Any:
        # each contact goes to the sender as a copy only the sender holds; before each batch leaves, no
        # contact already settled may still be alive
        hooks = kwargs["hooks"]

        class Watch(SendHooks[int]):
            def before_send(self, batch: Batch[int]) -> None:
                gc.collect()
                held_after_settling.extend(k for k in settled if refs[k]() is not None)
                hooks.before_send(batch)

            def settled(self, batch: Batch[int], outcomes: dict[int, Outcome]) -> None:
                hooks.settled(batch, outcomes)
                settled.update(outcomes)

        def tracked() -> Iterator[tuple[int, Contact]]:
            for key, contact in items:
                copy = _Tracked(contact)
                refs[key] = weakref.ref(copy)
                yield key, copy
                del copy

        kwargs["hooks"] = Watch()
        return send_contacts(tracked(), *args, **kwargs)

    monkeypatch.setattr(importer.importing, "send_contacts", spying)
    with DexClient(dex_sandbox.api_key, api_url=dex_sandbox.url, timeout=10) as client, \
            Journal.open(tmp_path / "journal.sqlite", account_id="user-1") as journal:
        with make_plan(open_files([str(export)], ReadOptions())) as plan:
            # one worker: with more, a batch just settled is still in its worker's hands when the next leaves
            result = send_plan(plan, client, send=SendOptions(batch_size=20, concurrency=1), journal=journal,
                               clock=virtual_time.clock, sleep=virtual_time.sleep)
        assert journal.in_flight(unknown_too=True) == []  # each settled in the journal before it was let go
        assert len(journal.created_in_run(journal.run_id)) == 250
    assert (result.count("created"), result.contacts_created, dex_sandbox.store.count()) == (250, 250, 250)
    assert len(refs) == 250 and len(settled) == 250 and held_after_settling == []
    assert sorted(c["full_name"] for c in dex_sandbox.store.contacts()) == [f"Person {n:03d}" for n in range(250)]


def test_the_summary_lists_the_first_ten_problems_in_line_order_and_counts_the_rest(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one problem a line: the long temporary paths are not wrapped
    mapping = tmp_path / "ids.yaml"
    mapping.write_text("name: ids\nname_parts: {full: Name}\nfields: {id: Contact Id}\n", encoding="utf-8")
    export = _people(tmp_path / "people.csv", 40, nameless=(3, 5, 7, 9, 11, 13, 15, 17, 19), bad_id=(1, 16, 30))
    out, err = io.StringIO(), io.StringIO()
    code = main(["import", str(export), "--mapping", str(mapping), "--api-url", dex_sandbox.url, "--token",
                 SANDBOX_TEST_KEY, "--yes", "--journal", str(tmp_path / "journal.sqlite"), "--report",
                 str(tmp_path / "report.csv")], stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    refused = "failed: contacts[0].id: expected a UUID, got 'not-a-uuid'"
    skipped = "skipped: no name: not sent; add a name to the row to import it"
    assert (code, err.getvalue()) == (1, "31 new · 0 already in Dex · 9 skipped (no name)\nCreate 31 contacts in the "
                                         "Dex account of sandbox.user@example.com? yes (--yes)\n")
    assert lines[0].startswith(f"Imported into {dex_sandbox.url}: created 28 · skipped 9 · failed 3 · ")
    assert lines[1:15] == [
        f"  {export}:3: {refused}",
        *[f"  {export}:{n + 2}: {skipped}" for n in (3, 5, 7, 9, 11, 13, 15)],
        f"  {export}:18: {refused}",
        f"  {export}:19: {skipped}",
        "  … and 2 more (all of them: --json, or the report)",
        f"Failure report: {tmp_path / 'report.csv'}", "Fix it, then run:",
        f"  dex-import import {tmp_path / 'report.csv'}"]
    assert lines[15].startswith("Run ") and lines[16:18] == ["Take back the contacts it created (asks first):",
                                                             f"  dex-import undo {lines[15][4:8]}"]
    assert lines[18] == "Contact ids: kept by Dex (a lost answer is settled exactly, by id)"
    with open(tmp_path / "report.csv", encoding="utf-8-sig", newline="") as handle:
        assert [int(row[0]) for row in list(csv.reader(handle))[1:]] == [3, 5, 7, 9, 11, 13, 15, 17, 18, 19, 21, 32]


def test_the_journal_keeps_what_this_run_admitted_and_created_on_disk_and_answers_from_there(
        tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite", account_id="user-1") as journal:
        contacts = [{"full_name": f"Person {n}"} for n in range(3)]
        for n, contact in enumerate(contacts):
            assert journal.admit(contact, file="people.csv", line=n + 2) is None
        assert journal.admit(dict(contacts[1]), file="people.csv", line=9) == RecordStatus(
            "duplicate", journal.run_id, message="the same contact as people.csv:3", file="people.csv", line=3)
        journal.mark_sent(1, contacts)
        journal.mark_settled({fingerprint(contacts[0]): Created("dex-0"), fingerprint(contacts[1]): Created("dex-1")})
        ids = journal.created_ids()
        assert ("dex-0" in ids, "dex-1" in ids, "dex-2" in ids, len(ids)) == (True, True, False, 2)
        journal.mark_settled({fingerprint(contacts[2]): Created("dex-2")})
        assert "dex-2" in ids and ids == {"dex-0", "dex-1", "dex-2"}  # asked of the journal each time
        assert [(c.dex_id, c.file, c.line) for c in journal.created_in_run(journal.run_id)] == [
            ("dex-0", "people.csv", 2), ("dex-1", "people.csv", 3), ("dex-2", "people.csv", 4)]
