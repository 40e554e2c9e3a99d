"""Undo: delete exactly what a run created, keep what the person edited since (unless forced)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.dex.client import DexClient
from importer.journal.runs import list_runs
from importer.journal.store import Journal
from importer.journal.undo import (
    CreatedContact,
    UndoFailure,
    UndoPlan,
    UndoResult,
    plan_undo,
    run_undo,
    undo_run,
)
from importer.sandbox import Faults, SandboxServer, VirtualTime
from importer.send.batches import send_contacts
from importer.send.retry import patient_read


def journal(answer: list[dict[str, Any]]) -> list[CreatedContact]:
    """Return what the journal keeps from a create's answer."""
    return [CreatedContact(c["id"], c["created_at"], c["updated_at"]) for c in answer]


def test_undo_deletes_exactly_what_the_run_created(dex: DexClient, server: SandboxServer) -> None:
    before = dex.create_contacts([{"full_name": "Already There"}])
    run = journal(dex.create_contacts([{"full_name": f"Imported {n}"} for n in range(4)]))
    after = dex.create_contacts([{"full_name": "Added Later"}])
    plan = plan_undo(dex, run, force=False)
    assert plan == UndoPlan(tuple(c.dex_id for c in run))
    assert run_undo(dex, plan) == UndoResult(tuple(sorted(c.dex_id for c in run)))
    assert [c["id"] for c in server.store.contacts()] == [before[0]["id"], after[0]["id"]]


def test_edited_contacts_are_kept_unless_forced(dex: DexClient, server: SandboxServer) -> None:
    run = journal(dex.create_contacts([{"full_name": "Lee Example"}, {"full_name": "Mo Sample"}]))
    dex.update_contact(run[1].dex_id, {"description": "Call about the cabin"})  # the person's own note
    assert plan_undo(dex, run, force=False) == UndoPlan((run[0].dex_id,), kept_edited=(run[1].dex_id,))
    assert plan_undo(dex, run, force=True) == UndoPlan((run[0].dex_id, run[1].dex_id))


def test_contacts_already_deleted_are_reported_not_asked_for(dex: DexClient, server: SandboxServer) -> None:
    run = journal(dex.create_contacts([{"full_name": "Ned Demo"}, {"full_name": "Ola Demo"}]))
    dex.delete_contacts([run[0].dex_id])
    plan = plan_undo(dex, run, force=False)
    assert plan == UndoPlan((run[1].dex_id,), already_gone=(run[0].dex_id,))
    assert run_undo(dex, plan).deleted == (run[1].dex_id,)
    assert server.store.count() == 0


def test_without_the_journals_times_dex_own_created_at_is_the_baseline(dex: DexClient) -> None:
    made = dex.create_contacts([{"full_name": "Pat Example"}, {"full_name": "Ray Example"}])
    dex.update_contact(made[1]["id"], {"job_title": "Pilot"})
    run = [CreatedContact(c["id"], None, None) for c in made]
    assert plan_undo(dex, run, force=False) == UndoPlan((made[0]["id"],), kept_edited=(made[1]["id"],))


def test_a_contact_no_timestamp_can_judge_is_kept_as_unknown() -> None:
    row = {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "full_name": "Sam Example"}  # no times at all

    def handler(request: httpx.Request) -> httpx.Response:
        data = {"items": [row], "nextCursor": None} if request.url.path == "/v1/contacts" else row
        return httpx.Response(200, json={"error": False, "data": data})

    dex = DexClient("dex_test_key", api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))
    assert plan_undo(dex, [CreatedContact(row["id"], None, None)], force=False) == UndoPlan(
        (), kept_unknown=(row["id"],))
    assert plan_undo(dex, [CreatedContact(row["id"], "2024-03-01T09:00:01Z", None)], force=False) == UndoPlan(
        (), kept_unknown=(row["id"],))
    assert plan_undo(dex, [CreatedContact(row["id"], None, None)], force=True).delete_ids == (row["id"],)


def test_the_list_is_read_page_by_page_and_stops_once_every_contact_is_seen(
        dex: DexClient, server: SandboxServer) -> None:
    run = journal(dex.create_contacts([{"full_name": f"Imported {n}"} for n in range(5)]))
    dex.create_contacts([{"full_name": f"Later {n}"} for n in range(6)])
    before = server.stats.requests
    assert len(plan_undo(dex, run, force=False, take=2).delete_ids) == 5
    assert server.stats.requests - before == 3  # pages of 2, 2 and 1 hold the five; no GET per contact


def test_list_rows_without_updated_at_are_fetched_one_by_one() -> None:
    contact = {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "full_name": "Quinn Example",
               "created_at": "2024-03-01T09:00:01.000Z", "updated_at": "2024-03-02T10:00:00Z"}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/v1/contacts":  # as Dex may list: no updated_at on rows
            row = {k: contact[k] for k in ("id", "full_name", "created_at")}
            return httpx.Response(200, json={"error": False, "data": {"items": [row], "nextCursor": None}})
        return httpx.Response(200, json={"error": False, "data": contact})

    dex = DexClient("dex_test_key", api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))
    plan = plan_undo(dex, [CreatedContact(contact["id"], "2024-03-01T09:00:01Z", "2024-03-01T09:00:01.000+00:00")],
                     force=False)
    assert plan == UndoPlan((), kept_edited=(contact["id"],))
    assert seen == ["GET /v1/contacts", f"GET /v1/contacts/{contact['id']}"]


def test_deletes_go_in_chunks_and_ids_dex_did_not_report_are_named(dex: DexClient, server: SandboxServer) -> None:
    ids = [c.dex_id for c in journal(dex.create_contacts([{"full_name": f"P {n}"} for n in range(5)]))]
    calls: list[int] = []

    def call(fn: Callable[[], Any]) -> Any:
        calls.append(len(calls))
        return [] if len(calls) == 2 else fn()  # the second chunk: Dex answers that it deleted nothing

    result = run_undo(dex, UndoPlan(tuple(ids)), call=call, chunk=2)
    assert calls == [0, 1, 2]
    assert result == UndoResult(tuple(sorted(ids[:2])) + (ids[4],), not_deleted=(ids[2], ids[3]))
    assert sorted(c["id"] for c in server.store.contacts()) == sorted(ids[2:4])


def test_a_refused_delete_is_reported_with_its_ids() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": True, "message": "internal error"})

    dex = DexClient("dex_test_key", api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))
    result = run_undo(dex, UndoPlan(("a", "b")))
    assert result == UndoResult((), failures=(UndoFailure(("a", "b"),
                                                          "Dex answered 500 to DELETE /contacts/: internal error"),))


def _import(dex: DexClient, path: Path, names: list[str], virtual_time: VirtualTime) -> str:
    """Imports `names` through the journal at `path` as `dex-import import` would; returns the run id."""
    account = str(dex.me()["id"])
    with Journal.open(path, account_id=account) as book:
        send_contacts([(n, {"full_name": name}) for n, name in enumerate(names)], dex, hooks=book.hooks(),
                      sleep=virtual_time.sleep, clock=virtual_time.clock)
        book.finish({"created": len(names)})
        return book.run_id


def test_the_journal_keeps_the_timestamps_of_dex_create_answer(dex: DexClient, tmp_path: Path,
                                                               virtual_time: VirtualTime) -> None:
    run = _import(dex, tmp_path / "j.sqlite", ["Ann Example", "Bo Sample"], virtual_time)
    with Journal.open(tmp_path / "j.sqlite", account_id=str(dex.me()["id"])) as book:
        created = book.created_in_run(run)
    in_dex = {c["id"]: c for c in dex.list_contacts()}
    assert [(c.created_at, c.updated_at) for c in created] == [
        (in_dex[c.dex_id]["created_at"], in_dex[c.dex_id]["updated_at"]) for c in created]
    assert all(c.created_at for c in created)


def test_a_library_undo_leaves_the_journal_right(dex: DexClient, server: SandboxServer, tmp_path: Path,
                                                 virtual_time: VirtualTime) -> None:
    path = tmp_path / "j.sqlite"
    run = _import(dex, path, ["Ann Example", "Bo Sample"], virtual_time)
    outcome = undo_run(dex, path, run, sleep=virtual_time.sleep, clock=virtual_time.clock)
    assert (outcome.created, outcome.stopped, server.store.count()) == (2, None, 0)
    assert outcome.result is not None and len(outcome.result.deleted) == 2
    again = undo_run(dex, path, run, sleep=virtual_time.sleep, clock=virtual_time.clock)  # deleted: undone already
    assert (again.created, again.stopped, again.undone_before) == (0, "undone already", 2)
    assert [r.state for r in list_runs(path)] == ["finished", "finished", "stopped: undone already"]


def test_a_refused_or_failed_undo_still_ends_its_run(dex: DexClient, server: SandboxServer, tmp_path: Path,
                                                     virtual_time: VirtualTime) -> None:
    path = tmp_path / "j.sqlite"
    run = _import(dex, path, ["Ann Example"], virtual_time)
    assert undo_run(dex, path, run, confirm=lambda created, plan: False, sleep=virtual_time.sleep,
                    clock=virtual_time.clock).stopped == "cancelled"

    def interrupted(created: int, plan: UndoPlan) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        undo_run(dex, path, run, confirm=interrupted, sleep=virtual_time.sleep, clock=virtual_time.clock)
    assert server.store.count() == 1
    assert [r.state for r in list_runs(path)][1:] == ["stopped: cancelled", "stopped: interrupted"]


def test_undo_waits_out_429s_and_503s_on_the_same_paced_path_as_every_read(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime, tmp_path: Path) -> None:
    # 1 request a second and many answered 503: before issue 10, undo stopped at the first 429
    # a quarter answered 503: a read gives up after 5 failures in a row (0.1% of the time at this rate)
    server = dex_sandbox_factory(faults=Faults(rate_limit=1, burst=1, error_rate=0.25, seed=1))
    path = tmp_path / "j.sqlite"
    with DexClient(server.api_key, api_url=server.url) as dex:
        account = str(patient_read(virtual_time.sleep, clock=virtual_time.clock)(dex.me)["id"])
        with Journal.open(path, account_id=account) as book:
            # ids of our own: the requests, and so the seeded faults they meet, are the same on every run
            people = [(n, {"full_name": f"Person{n} Example", "id": f"00000000-0000-4000-8000-{n:012d}"})
                      for n in range(5)]
            send_contacts(people, dex, hooks=book.hooks(),
                          sleep=virtual_time.sleep, clock=virtual_time.clock, batch_size=1)
            book.finish({"created": 5})
            run = book.run_id
        assert server.store.count() == 5
        before = (server.stats.rate_limited, server.stats.unavailable)
        outcome = undo_run(dex, path, run, sleep=virtual_time.sleep, clock=virtual_time.clock)
    assert outcome.result is not None and len(outcome.result.deleted) == 5 and not outcome.result.failures
    assert server.store.count() == 0
    assert server.stats.rate_limited > before[0] and server.stats.unavailable > before[1]
