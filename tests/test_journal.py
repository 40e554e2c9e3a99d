"""The run journal: durable states, bad files refused with a message, in-flight batches settled against the
sandbox over real HTTP, and imports killed with SIGKILL at each point that, rerun, create everyone once."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from importer.dex.client import DexClient, OutcomeUnknown
from importer.errors import InputError
from importer.journal.resume import settle_in_flight
from importer.journal.runs import default_journal_path, list_runs
from importer.journal.store import (
    CreatedRecord,
    Journal,
    JournalBusy,
    RecordStatus,
    fingerprint,
)
from importer.model import Contact
from importer.sandbox import Faults, SandboxServer, VirtualTime
from importer.send.batches import send_contacts
from importer.send.outcomes import Batch, Created, Failed, SendPolicy, Unknown
from importer.send.retry import patient_read
from tests.conftest import SANDBOX_TEST_KEY
from tests.journal_child import ACCOUNT_ID, BATCH_SIZE, KILL_AT_BATCH, people

Start = Callable[..., SandboxServer]
ACCOUNT = "0b7e4c2a-5f3d-4e1a-9c8b-2d6f0a1e3b5c"  # a fictitious Dex user id
T0 = datetime(2026, 11, 26, 4, 30, tzinfo=timezone.utc)
FIX = "Pass --journal with another file, or --fresh to start over (the old journal is kept beside it)"
ADA: Contact = {"first_name": "Ada", "last_name": "Example", "contact_emails": [{"email": "ada@example.com",
                                                                                  "ranking": 0}]}
BEA: Contact = {"first_name": "Bea", "last_name": "Example", "birthday": "1990-02-30"}
CEM: Contact = {"full_name": "Cem Sample", "company": "Example Co"}
DAN: Contact = {"full_name": "Dan Sample", "linkedin": "dan-sample"}
EVE: Contact = {"full_name": "Eve Sample", "contact_phone_numbers": [{"phone_number": "+1 212-555-0134"}]}


class Clock:
    """A wall clock for the journal that only moves when told."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def open_journal(path: Path, clock: Callable[[], datetime] | None = None, *, fresh: bool = False) -> Journal:
    return Journal.open(path, account_id=ACCOUNT, inputs=["/data/people.csv"], now=clock or Clock(), fresh=fresh)


def after_crash(path: Path, tmp: Path) -> Journal:
    """Returns the journal as a new process would find it had this one been killed now: a copy of the file
    and its write-ahead log, taken while the journal is still open, opened again."""
    copy = tmp / f"copy-{len(list(tmp.iterdir()))}" / path.name
    copy.parent.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    return open_journal(copy, Clock(T0 + timedelta(hours=1)))


def states(journal: Journal, *contacts: Contact) -> list[RecordStatus | None]:
    return [journal.status(fingerprint(c)) for c in contacts]


def test_fingerprint_is_the_canonical_json_of_the_contact_as_sent() -> None:
    canonical = json.dumps(ADA, sort_keys=True, separators=(",", ":")).encode()
    assert fingerprint(ADA) == fingerprint(dict(reversed(list(ADA.items())))) == hashlib.sha256(canonical).hexdigest()
    # tag and group ids are Dex's, not the person's: a rerun with another --tag is the same person
    assert fingerprint({**ADA, "tags_contacts": [{"tag_id": "0c5c8a2e-tag"}]}) == fingerprint(ADA)
    assert fingerprint({**ADA, "last_name": "Sample"}) != fingerprint(ADA)


def test_every_state_change_is_durable_the_moment_it_returns(tmp_path: Path) -> None:
    path, clock = tmp_path / "journal.sqlite", Clock()
    journal = open_journal(path, clock)
    run = journal.run_id
    assert run.startswith("2026-11-26T04:30:00Z-") and len(run) == len("2026-11-26T04:30:00Z-3f2a")
    for line, contact in enumerate((ADA, BEA, CEM, DAN, EVE), start=2):
        assert journal.admit(contact, file="people.csv", line=line) is None
    hooks = journal.hooks()
    first: Batch[int] = Batch(1, (0, 1, 2, 3), (ADA, BEA, CEM, DAN))
    hooks.before_send(first)
    sent = [RecordStatus("in_flight", run, batch=1, file="people.csv", line=n) for n in (2, 3, 4, 5)]
    assert states(after_crash(path, tmp_path), ADA, BEA, CEM, DAN, EVE) == [*sent, None]

    hooks.settled(first, {0: Created("dex-ada"), 1: Failed("birthday: not a date"), 2: Unknown("no answer")})
    settled = [RecordStatus("created", run, dex_id="dex-ada", batch=1, file="people.csv", line=2),
               RecordStatus("failed", run, message="birthday: not a date", batch=1, file="people.csv", line=3),
               RecordStatus("unknown", run, message="no answer", batch=1, file="people.csv", line=4),
               sent[3]]  # left out of the answer: still in flight until it is sent again
    crashed = after_crash(path, tmp_path)
    assert states(crashed, ADA, BEA, CEM, DAN, EVE) == [*settled, None]
    assert crashed.created_in_run(run) == [CreatedRecord("dex-ada", fingerprint(ADA), "people.csv", 2, None, None)]

    clock.at = T0 + timedelta(seconds=30)
    hooks.before_send(Batch(2, (3, 4), (DAN, EVE)))
    flights = after_crash(path, tmp_path).in_flight()
    # Dan keeps the time he first went out: a lookup must reach back to it
    assert [(f.batch, f.number, f.first_sent_at, f.contacts) for f in flights] == [(2, 2, T0, (DAN, EVE))]
    journal.finish({"created": 1, "failed": 1, "unknown": 1})
    journal.close()
    [info] = list_runs(path)
    assert (info.run_id, info.state, info.finished_at, info.counts, info.inputs) == (
        run, "finished", "2026-11-26T04:30:30.000Z", {"created": 1, "failed": 1, "unknown": 1}, ("/data/people.csv",))


def test_the_journal_is_private_and_synced_on_every_commit(tmp_path: Path) -> None:
    with open_journal(tmp_path / "journals" / "journal.sqlite") as journal:
        pragmas = [journal._conn.execute(f"PRAGMA {name}").fetchone()[0]
                   for name in ("journal_mode", "synchronous", "locking_mode")]
        assert pragmas == ["wal", 2, "exclusive"]  # 2: FULL, the WAL is fsync'd at every commit
    assert (tmp_path / "journals" / "journal.sqlite").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "journals").stat().st_mode & 0o777 == 0o700


def test_a_rerun_admits_only_what_is_not_surely_in_dex(tmp_path: Path) -> None:
    with open_journal(tmp_path / "journal.sqlite") as journal:
        for contact in (ADA, BEA, CEM, DAN):
            journal.admit(contact)
        hooks = journal.hooks()
        batch: Batch[int] = Batch(1, (0, 1, 2, 3), (ADA, BEA, CEM, DAN))
        hooks.before_send(batch)
        hooks.settled(batch, {0: Created("dex-ada"), 1: Failed("birthday: not a date"), 2: Unknown("no answer")})
        first = journal.run_id
    with open_journal(tmp_path / "journal.sqlite") as journal:
        assert journal.admit(ADA) == RecordStatus("created", first, dex_id="dex-ada", batch=1)
        assert journal.admit(BEA) is None  # failed: Dex surely does not have it, so it is sent again
        assert journal.admit(CEM) == RecordStatus("unknown", first, message="no answer", batch=1)
        assert journal.admit(DAN) == RecordStatus("in_flight", first, batch=1)
        assert journal.admit(EVE, file="people.csv", line=6) is None
        assert journal.admit(dict(EVE), file="people.csv", line=9) == RecordStatus(
            "duplicate", journal.run_id, message="the same contact as people.csv:6", file="people.csv", line=6)


def test_what_undo_deleted_is_created_again_by_the_next_import(tmp_path: Path) -> None:
    with open_journal(tmp_path / "journal.sqlite") as journal:
        hooks = journal.hooks()
        batch: Batch[int] = Batch(1, (0, 1), (ADA, DAN))
        hooks.before_send(batch)
        hooks.settled(batch, {0: Created("dex-ada"), 1: Created("dex-dan")})
        imported = journal.run_id
    with open_journal(tmp_path / "journal.sqlite") as journal:  # dex-import undo
        assert [c.dex_id for c in journal.created_in_run(imported)] == ["dex-ada", "dex-dan"]
        journal.forget_created(["dex-ada"])
        journal.finish({"deleted": 1, "kept": 1})
    with open_journal(tmp_path / "journal.sqlite") as journal:
        assert [c.dex_id for c in journal.created_in_run(imported)] == ["dex-dan"]
        assert journal.admit(ADA) is None
        assert journal.admit(DAN) == RecordStatus("created", imported, dex_id="dex-dan", batch=1)
        assert journal.created_ids() == {"dex-ada", "dex-dan"}


def sqlite_of_someone_else(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.close()


def newer_journal(path: Path) -> None:
    open_journal(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"BEGIN:VCARD\r\n" * 400),
     "not a dex-import journal, or damaged (file is not a database). " + FIX),
    (sqlite_of_someone_else, "not a dex-import journal. " + FIX),
    (newer_journal, ("the journal was written by a newer dex-import (schema 99, this one reads up to 2). "
                    "Upgrade dex-import, or pass --journal with another file, or --fresh to start over (the old "
                    "journal is kept beside it)")),
])
def test_a_file_that_is_not_a_journal_it_can_read_is_one_line_saying_what_to_do(
        tmp_path: Path, make: Callable[[Path], None], message: str) -> None:
    path = tmp_path / "journal.sqlite"
    make(path)
    with pytest.raises(InputError) as caught:
        open_journal(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_journal_of_another_account_or_in_use_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with open_journal(path):
        with pytest.raises(JournalBusy) as busy:
            open_journal(path)
        assert str(busy.value) == f"{path}: the journal is in use by another dex-import. Wait for it to finish, " \
                                  f"or pass --journal with another file, or --fresh to start over (the old " \
                                  f"journal is kept beside it)"
    with pytest.raises(InputError) as other:
        Journal.open(path, account_id="another-account")
    assert str(other.value) == f"{path}: the journal belongs to another Dex account than this API key's. {FIX}"


def test_fresh_moves_the_old_journal_aside_and_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with open_journal(path) as journal:
        journal.hooks().before_send(Batch(1, (0,), (ADA,)))
        old = journal.run_id
    (tmp_path / "broken.sqlite").write_bytes(b"\0garbage" * 100)
    later = Clock(T0 + timedelta(days=1))
    with open_journal(path, later, fresh=True) as journal:
        assert journal.status(fingerprint(ADA)) is None and journal.in_flight() == []
        new = journal.run_id
        runs = list_runs(tmp_path)
    archived = tmp_path / "journal.archived-20261127T043000000000Z.sqlite"
    assert journal.archived == archived
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.sqlite", archived.name, "journal.sqlite"]
    assert [(r.run_id, r.journal, r.state, dict(r.counts)) for r in runs] == [
        (old, archived, "interrupted", {"created": 0, "failed": 0, "unknown": 1}),
        ("-", tmp_path / "broken.sqlite", ("unreadable: not a dex-import journal, or damaged (file is not a "
                                          "database)"), {}),
        ("-", path, "in use by a running import", {})]
    assert [r.state for r in list_runs(tmp_path) if r.journal == path] == ["interrupted"] and new


def test_the_default_journal_is_one_per_account_and_input_content(tmp_path: Path) -> None:
    export, other = tmp_path / "Connections.csv", tmp_path / "contacts.vcf"
    export.write_text("First Name,Last Name\nAda,Example\n", encoding="utf-8")
    other.write_text("BEGIN:VCARD\r\nFN:Bea Example\r\nEND:VCARD\r\n", encoding="utf-8")
    folder = tmp_path / "journals"
    path = default_journal_path(ACCOUNT, [str(export)], folder=folder)
    assert path.parent == folder and path.name.startswith("Connections-") and path.suffix == ".sqlite"
    assert default_journal_path(ACCOUNT, [export], folder=folder) == path  # the same export again
    assert default_journal_path("another-account", [export], folder=folder) != path
    both = default_journal_path(ACCOUNT, [export, other], folder=folder)
    assert both == default_journal_path(ACCOUNT, [other, export], folder=folder) != path
    export.write_text("First Name,Last Name\nAda,Example\nBea,Example\n", encoding="utf-8")
    assert default_journal_path(ACCOUNT, [export], folder=folder) != path  # an edited file is another import
    assert ACCOUNT not in str(path)
    with pytest.raises(InputError):
        default_journal_path(ACCOUNT, [tmp_path / "missing.csv"], folder=folder)


# -- settling in-flight batches against the sandbox, over real HTTP ---------------------------------------


@pytest.fixture
def client(dex_sandbox_factory: Start) -> Iterator[DexClient]:
    """Returns a client of a sandbox that stores every create and then drops the connection."""
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    with DexClient(SANDBOX_TEST_KEY, api_url=server.url, timeout=10) as dex:
        dex.server = server  # type: ignore[attr-defined]
        yield dex


def lose_answer(journal: Journal, dex: DexClient, contacts: tuple[Contact, ...], number: int = 1) -> None:
    """Sends one batch through the journal whose answer is lost, as a process killed while waiting would."""
    journal.hooks().before_send(Batch(number, tuple(range(len(contacts))), contacts))
    with pytest.raises(OutcomeUnknown):
        dex.create_contacts(list(contacts))


def test_a_batch_stored_but_unanswered_is_found_by_the_next_run(client: DexClient, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal.open(path, account_id=ACCOUNT) as journal:
        lose_answer(journal, client, (ADA, CEM, DAN))
        crashed = journal.run_id
    with Journal.open(path, account_id=ACCOUNT) as journal:
        [flight] = journal.in_flight()
        assert (flight.run_id, flight.contacts) == (crashed, (ADA, CEM, DAN))
        found = settle_in_flight(journal, client)
        stored = {c["full_name"]: c["id"] for c in client.server.store.contacts()}  # type: ignore[attr-defined]
        ids = [stored["Ada Example"], stored["Cem Sample"], stored["Dan Sample"]]
        assert found == {fingerprint(c): Created(i) for c, i in zip((ADA, CEM, DAN), ids)}
        assert [s.dex_id for s in states(journal, ADA, CEM, DAN) if s] == ids
        assert journal.in_flight() == [] and all(journal.admit(c) is not None for c in (ADA, CEM, DAN))
        # the contacts belong to the run that sent them, for undo
        assert [c.dex_id for c in journal.created_in_run(crashed)] == ids
        assert settle_in_flight(journal, client) == {}  # nothing left to look up: no request


def test_contacts_never_stored_are_simply_sent_again(dex_sandbox: SandboxServer, virtual_time: VirtualTime,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal.open(path, account_id=ACCOUNT) as journal:
        journal.hooks().before_send(Batch(1, (0, 1), (ADA, DAN)))  # killed before the request went out
    with Journal.open(path, account_id=ACCOUNT) as journal, \
            DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url, timeout=10) as dex:
        assert settle_in_flight(journal, dex) == {fingerprint(ADA): None, fingerprint(DAN): None}
        assert states(journal, ADA, DAN) == [None, None]
        items = [(n, c) for n, c in enumerate((ADA, DAN)) if journal.admit(c) is None]
        result = send_contacts(items, dex, hooks=journal.hooks(), sleep=virtual_time.sleep, clock=virtual_time.clock)
        assert [s.dex_id for s in states(journal, ADA, DAN) if s] == \
            [o.dex_id for o in result.outcomes.values() if isinstance(o, Created)]
    assert sorted(c["full_name"] for c in dex_sandbox.store.contacts()) == ["Ada Example", "Dan Sample"]


def test_a_contact_that_cannot_be_told_apart_stays_unknown_and_is_never_sent(client: DexClient,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal.open(path, account_id=ACCOUNT) as journal:
        lose_answer(journal, client, (ADA,))
        with pytest.raises(OutcomeUnknown):  # someone else creates Ada too, meanwhile
            client.create_contacts([{**ADA, "job_title": "Engineer"}])
    for _ in range(2):  # and again on the next run: still unknown, still not sent
        with Journal.open(path, account_id=ACCOUNT) as journal:
            reason = "2 contacts with its email were created since the batch was sent"
            assert settle_in_flight(journal, client) == {fingerprint(ADA): Unknown(reason)}
            assert journal.admit(ADA) == RecordStatus("unknown", journal.status(fingerprint(ADA)).run_id,  # type: ignore[union-attr]
                                                      message=reason, batch=1)


def test_a_lookup_that_fails_leaves_the_batch_in_flight(dex_sandbox_factory: Start, virtual_time: VirtualTime,
                                                        tmp_path: Path) -> None:
    server = dex_sandbox_factory()
    url = server.url
    path = tmp_path / "journal.sqlite"
    with Journal.open(path, account_id=ACCOUNT) as journal:
        journal.hooks().before_send(Batch(1, (0,), (CEM,)))
    server.close()  # Dex cannot be reached
    with Journal.open(path, account_id=ACCOUNT) as journal, DexClient(SANDBOX_TEST_KEY, api_url=url) as dex:
        read = patient_read(virtual_time.sleep, clock=virtual_time.clock)
        [outcome] = settle_in_flight(journal, dex, read=read).values()
        assert isinstance(outcome, Unknown) and outcome.reason.startswith(
            "sent by an earlier run that did not finish, and the lookup failed: GET /contacts failed: could not connect")
        # five tries, backing off 0.5 s, 1 s, 2 s, 4 s between them (paced: slept in slices)
        assert sum(virtual_time.slept) >= 0.5 + 1.0 + 2.0 + 4.0
        assert [f.contacts for f in journal.in_flight()] == [(CEM,)]


def test_a_flaky_import_through_the_journal_leaves_every_record_settled_and_the_key_nowhere(
        dex_sandbox_factory: Start, virtual_time: VirtualTime, tmp_path: Path) -> None:
    server = dex_sandbox_factory(faults=Faults(error_rate=0.2, drop_after_store=0.2, seed=1))
    path = tmp_path / "journal.sqlite"
    items = people(60)
    with Journal.open(path, account_id=ACCOUNT) as journal, \
            DexClient(SANDBOX_TEST_KEY, api_url=server.url, timeout=10) as dex:
        admitted = [(k, c) for k, c in items if journal.admit(c, file="people", line=k) is None]
        result = send_contacts(admitted, dex, batch_size=7, hooks=journal.hooks(), sleep=virtual_time.sleep,
                               clock=virtual_time.clock)
        assert server.stats.dropped and server.stats.unavailable  # answers lost: looked up mid-run
        assert journal.in_flight() == []
        ids = {k: o.dex_id for k, o in result.outcomes.items() if isinstance(o, Created)}
        assert len(ids) == 60
        assert [journal.status(fingerprint(c)).dex_id for k, c in items] == [ids[k] for k, c in items]  # type: ignore[union-attr]
        assert {c.dex_id for c in journal.created_in_run(journal.run_id)} == set(ids.values())
        first = journal.run_id
    with Journal.open(path, account_id=ACCOUNT) as journal:
        again = [journal.admit(c) for _, c in items]
        assert [(s.state, s.run_id, s.dex_id) for s in again if s] == [("created", first, ids[k]) for k, _ in items]
    for file in tmp_path.iterdir():
        assert SANDBOX_TEST_KEY.encode() not in file.read_bytes()


# -- kill -9 at each point, then rerun --------------------------------------------------------------------


@pytest.mark.parametrize("point, found", [
    ("sent", {"unsent": 4}),      # batch 2 was written down, its request never went out
    ("stored", {"created": 4}),   # Dex stored batch 2 and answered; the answer died with the process
    ("settled", {}),              # the answer was in the journal: nothing to look up
    ("finished", {}),             # the run finished: the rerun sends no create at all
])
def test_killed_at_any_point_the_rerun_creates_everyone_exactly_once(
        dex_sandbox: SandboxServer, virtual_time: VirtualTime, tmp_path: Path, point: str, found: dict[str, int]
        ) -> None:
    path = tmp_path / "journal.sqlite"
    child = subprocess.run([sys.executable, "-m", "tests.journal_child", dex_sandbox.url, SANDBOX_TEST_KEY,
                            str(path), point], check=False, cwd=Path(__file__).parent.parent, capture_output=True, timeout=60)
    assert child.returncode == (0 if point == "finished" else -signal.SIGKILL), child.stderr.decode()
    before = dex_sandbox.stats.created
    assert before == {"sent": BATCH_SIZE, "stored": 2 * BATCH_SIZE}.get(point, before)

    with Journal.open(path, account_id=ACCOUNT_ID) as journal, \
            DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url, timeout=10) as dex:
        settled = settle_in_flight(journal, dex)
        assert Counter("created" if isinstance(o, Created) else "unsent" for o in settled.values()) == found
        items = [(k, c) for k, c in people() if journal.admit(c) is None]
        send_contacts(items, dex, batch_size=BATCH_SIZE, hooks=journal.hooks(), sleep=virtual_time.sleep,
                      clock=virtual_time.clock, policy=SendPolicy(initial_rate=100))
        statuses = [journal.status(fingerprint(c)) for _, c in people()]
    stored = dex_sandbox.store.contacts()
    assert Counter(c["linkedin"] for c in stored) == Counter(f"kim-{n:02d}" for n in range(10))  # each once
    assert dex_sandbox.stats.created - before == len(items)  # the rerun sent only what was not in Dex
    assert len(items) == {"sent": 6, "stored": 2, "settled": 2, "finished": 0}[point]
    by_handle = {c["linkedin"]: c["id"] for c in stored}
    assert [(s.state, s.dex_id) for s in statuses if s] == [("created", by_handle[f"kim-{n:02d}"]) for n in range(10)]
    assert KILL_AT_BATCH == 2
