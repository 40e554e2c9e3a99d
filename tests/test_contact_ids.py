"""Contact ids chosen before sending: derived the same in every run, written in the journal first, and what
happens in each of Dex's three possible modes (keeps them, ignores them, refuses them)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.cli.main import main
from importer.dex.client import DexClient, Rejected
from importer.importing import SendOptions, run_import
from importer.journal.resume import settle_in_flight
from importer.journal.runs import journal_folder
from importer.journal.store import Journal, fingerprint
from importer.sandbox import Faults, SandboxServer, VirtualTime
from importer.send.batches import send_contacts
from importer.send.ids import IdDeriver, IdMode, derive_id, identity
from importer.send.outcomes import Created, SendPolicy
from tests.conftest import SANDBOX_TEST_KEY

ACCOUNT = "00000000-0000-4000-8000-000000000001"  # the sandbox user's id
MODES = ("keep", "ignore", "refuse")
FAST = SendPolicy(initial_rate=1000.0, max_rate=1000.0)


def people(n: int, *, emails: bool = True) -> list[dict]:
    """Returns `n` fictitious contacts (every third without an email, so both kinds of lookup are needed)."""
    out = []
    for i in range(n):
        contact: dict = {"full_name": f"Person{i:03d} Example", "first_name": f"Person{i:03d}", "last_name": "Example"}
        if emails and i % 3:
            contact["contact_emails"] = [{"email": f"person{i:03d}@example.com"}]
        out.append(contact)
    return out


def with_ids(contacts: list[dict]) -> list[dict]:
    with IdDeriver(ACCOUNT) as deriver:
        return [{**c, "id": deriver.id_for(c)} for c in contacts]


def logged(start: Callable[..., SandboxServer], **options: object) -> tuple[SandboxServer, list[str]]:
    lines: list[str] = []
    return start(log=lines.append, **options), lines


def client_of(server: SandboxServer) -> DexClient:
    return DexClient(SANDBOX_TEST_KEY, api_url=server.url, timeout=10)


# -- the ids ---------------------------------------------------------------------------------------------------

def test_an_id_is_derived_from_the_account_and_the_strongest_identity() -> None:
    ann = {"full_name": "Ann Example", "linkedin": "ann-example", "contact_emails": [{"email": "Ann@Example.com"}]}
    assert identity(ann) == "email:ann@example.com"
    assert identity({"full_name": "Ann Example", "linkedin": "https://www.linkedin.com/in/Ann-Example/"}) == \
        "linkedin:ann-example"
    assert identity({"first_name": "Ann", "last_name": "EXAMPLE"}) == "name:ann example"
    first, second = IdDeriver(ACCOUNT), IdDeriver(ACCOUNT)
    run1 = [first.id_for(c) for c in (ann, {"full_name": "Bo Example"}, {"full_name": "bo  example"})]
    run2 = [second.id_for(c) for c in (ann, {"full_name": "Bo Example"}, {"full_name": "bo  example"})]
    assert run1 == run2  # the same people in the same order: the same ids, whatever the journal
    assert len(set(run1)) == 3  # two namesakes: two ids (the occurrence number tells them apart)
    assert all(uuid.UUID(i).version == 5 for i in run1)
    assert run1[0] == derive_id(ACCOUNT, "email:ann@example.com", 0) != derive_id("another-account",
                                                                                 "email:ann@example.com", 0)
    assert IdDeriver(ACCOUNT).id_for({"full_name": "Cy", "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}) == \
        "3c90c3cc-0d44-4b50-8888-8dd25736052a"  # a mapping's own id is kept


@pytest.mark.parametrize("message, names_id", [
    ("contacts[0].id: unknown field", True),
    ("contacts.3.id: Unrecognized key", True),
    ("id: not allowed", True),
    ("Unrecognized key(s) in object: 'id'", True),
    ("contacts[0].tags_contacts[0].tag_id: no tag with id '3c90c3cc'", False),
    ("contacts[1].custom_fields[0].id: expected a UUID", False),
    ("contacts[0].birthday: expected YYYY-MM-DD", False),
])
def test_only_a_400_naming_the_contacts_own_id_counts_as_refusing_ids(message: str, names_id: bool) -> None:
    mode = IdMode()
    sent = with_ids(people(2))
    exc = Rejected(message, method="POST", path="/contacts/", status_code=400)
    assert mode.refused(exc, sent) is names_id
    assert mode.mode == ("refuse" if names_id else None)
    assert IdMode(mode="keep").refused(exc, sent) is False  # Dex kept ids before: a 400 is about the contact


def test_the_journal_records_each_id_before_the_request_and_its_fingerprint_ignores_it(tmp_path: Path) -> None:
    contact = with_ids(people(1))[0]
    assert fingerprint(contact) == fingerprint({k: v for k, v in contact.items() if k != "id"})
    with Journal.open(tmp_path / "j.sqlite", account_id=ACCOUNT) as journal:
        journal.mark_sent(1, [contact])
        (batch,) = journal.in_flight()
        assert batch.contacts[0]["id"] == contact["id"]


# -- every mode, with answers lost after the store -------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_dropped_answers_in_each_mode_never_duplicate_or_lose_anyone(
        mode: str, dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    server, lines = logged(dex_sandbox_factory, contact_ids=mode, faults=Faults(drop_after_store=0.6, seed=4))
    contacts = with_ids(people(36))
    ids = IdMode()
    with client_of(server) as client:
        result = send_contacts(enumerate(contacts), client, batch_size=6, concurrency=2, ids=ids, policy=FAST,
                               clock=virtual_time.clock, sleep=virtual_time.sleep)
    assert server.stats.dropped >= 2  # the faults really struck
    assert ids.mode == mode
    stored = server.store.contacts()
    assert sorted(c["full_name"] for c in stored) == sorted(c["full_name"] for c in contacts)  # once each
    assert set(result.created) == set(range(36)) and not result.failed and not result.unknown
    assert {o.dex_id for o in result.outcomes.values() if isinstance(o, Created)} == {c["id"] for c in stored}
    gets = [line for line in lines if '"GET /v1/contacts/' in line]
    searched = [line for line in lines if "by-emails" in line or '"GET /v1/contacts?' in line]
    if mode == "keep":  # Dex kept the ids: every lost answer settled exactly, by id, with no search at all
        assert {c["id"] for c in stored} == {c["id"] for c in contacts}
        assert gets and not searched
    else:  # the ids told nothing: the lookups of old (ids are asked for only while the mode was not known)
        assert not {c["id"] for c in stored} & {c["id"] for c in contacts}
        assert searched and len(gets) <= (12 if mode == "ignore" else 0)


def test_a_refused_batch_goes_again_without_ids_and_so_does_every_later_one(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    server, lines = logged(dex_sandbox_factory, contact_ids="refuse")
    sent: list[bool] = []

    class Watch:
        def before_send(self, batch) -> None:  # type: ignore[no-untyped-def]
            sent.append(all("id" in c for c in batch.contacts))

        def settled(self, batch, outcomes) -> None:  # type: ignore[no-untyped-def]
            pass

    with client_of(server) as client:
        result = send_contacts(enumerate(with_ids(people(30))), client, batch_size=10, concurrency=1,
                               hooks=Watch(), policy=FAST, clock=virtual_time.clock,  # type: ignore[arg-type]
                               sleep=virtual_time.sleep)
    assert sent == [True, False, False, False]  # refused once, then never an id again
    assert server.store.count() == 30 and len(result.created) == 30
    assert sum(" 400 " in line for line in lines) == 1


def test_a_resend_answered_409_was_created_and_is_told_by_its_id(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory()
    contacts = with_ids(people(4))
    server.store.create_contacts(contacts[:2])  # created by an earlier import: their ids are taken
    with client_of(server) as client:
        result = send_contacts(enumerate(contacts), client, batch_size=4, policy=FAST, ids=(ids := IdMode()),
                               clock=virtual_time.clock, sleep=virtual_time.sleep)
    assert ids.mode == "keep" and server.store.count() == 4
    outcomes = [result.outcomes[i] for i in range(4)]
    assert [o.dex_id for o in outcomes if isinstance(o, Created)] == [c["id"] for c in contacts]
    assert [o.existed for o in outcomes if isinstance(o, Created)] == [True, True, False, False]


# -- across runs -------------------------------------------------------------------------------------------------

def write_people(path: Path, n: int) -> Path:
    """Returns a CSV of `n` people with a name and nothing else: only their id can find them again."""
    path.write_text("Name\n" + "".join(f"Person{i:03d} Example\n" for i in range(n)), encoding="utf-8")
    return path


def cli(*argv: str) -> tuple[int, dict]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, json.loads(out.getvalue())


def test_with_every_journal_gone_the_people_an_earlier_run_created_are_found_by_their_id(
        dex_sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    server = dex_sandbox_factory(faults=Faults(drop_after_store=0.5, seed=4))
    data = write_people(tmp_path / "names.csv", 12)  # names and nothing else: no other rule could find them
    flags = ["--api-url", server.url, "--token", SANDBOX_TEST_KEY, "--json", "--quiet", "--batch-size", "3",
             "--initial-rate", "100"]
    code, first = cli("import", str(data), *flags)
    assert (code, first["created"], first["contact_ids"]) == (0, 12, "keep")
    assert server.stats.dropped >= 1
    code, runs = cli("runs", "--json")
    assert [r["contact_ids"] for r in runs] == ["keep"]
    shutil.rmtree(journal_folder())  # the data folder lost: no journal remembers the first run
    code, again = cli("import", str(data), "--fresh", *flags)
    assert (code, again["created"], again["existing"]) == (0, 0, 12)
    assert {r["message"] for r in again["records"]} == \
        {"already in Dex (its id, given by an earlier dex-import): left alone"}
    assert server.store.count() == 12
    code, runs = cli("runs", "--json")
    assert [r["contact_ids"] for r in runs] == [None]  # this run sent nothing


@pytest.mark.parametrize("mode", MODES)
def test_the_import_says_which_mode_it_used(mode: str, dex_sandbox_factory: Callable[..., SandboxServer],
                                             tmp_path: Path, virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(contact_ids=mode, faults=Faults(drop_after_store=0.4, seed=1))
    data = write_people(tmp_path / "names.csv", 20)
    with client_of(server) as client:
        result = run_import([str(data)], client, send=SendOptions(batch_size=5, policy=FAST),
                            clock=virtual_time.clock, sleep=virtual_time.sleep)
    assert server.stats.dropped >= 1
    assert (result.contact_ids, result.count("created"), server.store.count()) == (mode, 20, 20)
    assert len({c["full_name"] for c in server.store.contacts()}) == 20
    assert result.as_dict()["contact_ids"] == mode


def test_a_run_killed_in_flight_is_settled_by_id_on_the_next_one(
        dex_sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    server, lines = logged(dex_sandbox_factory)
    contacts = with_ids(people(6))
    path = tmp_path / "j.sqlite"
    with Journal.open(path, account_id=ACCOUNT) as journal:
        journal.note_id_mode("keep")
        journal.mark_sent(1, contacts)  # then killed: three of them had been stored
    server.store.create_contacts(contacts[:3])
    with Journal.open(path, account_id=ACCOUNT) as journal, client_of(server) as client:
        found = settle_in_flight(journal, client, read=lambda call: call())
    by_name = {c["full_name"]: found[fingerprint(c)] for c in contacts}
    assert [isinstance(o, Created) and o.dex_id == c["id"] for c, o in zip(contacts, by_name.values())] == \
        [True, True, True, False, False, False]
    assert list(by_name.values())[3:] == [None, None, None]  # surely not in Dex: sent again, with the same id
    assert not [line for line in lines if "by-emails" in line or '"GET /v1/contacts?' in line]


def test_a_contact_found_under_its_id_is_not_created_by_the_run_and_undo_leaves_it(
        dex_sandbox_factory: Callable[..., SandboxServer], tmp_path: Path, virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory()
    data = write_people(tmp_path / "names.csv", 3)
    earlier = with_ids([{"full_name": "Person000 Example"}])
    server.store.create_contacts(earlier)  # made by an import whose journal is gone
    with client_of(server) as client, Journal.open(tmp_path / "j.sqlite", account_id=ACCOUNT) as journal:
        result = run_import([str(data)], client, existing="create", journal=journal,
                            send=SendOptions(policy=FAST), clock=virtual_time.clock, sleep=virtual_time.sleep)
        created = journal.created_in_run(journal.run_id)
    statuses = [(r.line, r.status, r.dex_id == earlier[0]["id"]) for r in result.records]
    assert statuses == [(2, "existing", True), (3, "created", False), (4, "created", False)]
    assert result.contacts_created == 2 and server.store.count() == 3
    assert earlier[0]["id"] not in {c.dex_id for c in created}  # undo of this run never deletes it


def test_an_old_journal_gains_the_id_mode_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with Journal.open(path, account_id=ACCOUNT):
        pass
    conn = sqlite3.connect(path)  # as the first schema had it
    conn.executescript("ALTER TABLE runs DROP COLUMN id_mode; PRAGMA user_version=1;")
    conn.close()
    with Journal.open(path, account_id=ACCOUNT) as journal:
        assert journal.id_mode() is None
        journal.note_id_mode("ignore")
        assert journal.id_mode() == "ignore"


def test_the_sandbox_command_takes_the_id_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}
    monkeypatch.setattr("importer.sandbox.run_sandbox", lambda **options: seen.update(options))
    assert main(["sandbox", "--port", "0", "--contact-ids", "refuse"], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    assert seen["contact_ids"] == "refuse"
    err = io.StringIO()
    assert main(["sandbox", "--contact-ids", "maybe"], stdout=io.StringIO(), stderr=err) == 2
    assert "--contact-ids" in err.getvalue()
