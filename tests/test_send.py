"""send_contacts against the sandbox over real HTTP, in virtual time: exactly once under every fault."""

from __future__ import annotations

import gc
import logging
import random
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from importer.dex.client import AuthError, DexClient
from importer.model import Contact
from importer.sandbox import Faults, SandboxServer, VirtualTime
from importer.send.batches import (
    Batch,
    Created,
    Failed,
    NotSent,
    Outcome,
    SendHooks,
    SendPolicy,
    SendResult,
    Unknown,
    send_contacts,
)
from importer.send.pacing import Pacer

Start = Callable[..., SandboxServer]


def people(count: int) -> list[tuple[int, Contact]]:
    """Return `count` distinct fictitious people: a third with an email, a third with a LinkedIn handle,
    a third with a name only (found again only through the contact list)."""
    items: list[tuple[int, Contact]] = []
    for n in range(count):
        contact: Contact = {"first_name": f"Person{n:04d}", "last_name": "Example"}
        if n % 3 == 0:
            contact["contact_emails"] = [{"email": f"person{n}@example.com", "ranking": 0}]
        elif n % 3 == 1:
            contact["linkedin"] = f"person-{n}"
        items.append((n, contact))
    return items


def send(server: SandboxServer, items: Any, vt: VirtualTime, **options: Any) -> SendResult[Any]:
    """Return the result of sending `items` to `server` in virtual time."""
    options.setdefault("rng", random.Random(7))
    with DexClient(options.pop("key", server.api_key), api_url=server.url, timeout=10) as client:
        return send_contacts(items, client, sleep=vt.sleep, clock=vt.clock, **options)


def test_every_valid_contact_is_created_exactly_once_under_503s_429s_and_dropped_answers(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(faults=Faults(rate_limit=5, burst=2, error_rate=0.2, drop_after_store=0.2, seed=11))
    items = people(600)
    result = send(server, items, virtual_time, batch_size=10, policy=SendPolicy(initial_rate=8))
    assert server.stats.rate_limited > 0 and server.stats.unavailable > 0 and server.stats.dropped > 0
    assert result.stopped is None
    assert (len(result.created), len(result.failed), len(result.unknown)) == (600, 0, 0)
    stored = server.store.contacts()
    assert sorted(c["first_name"] for c in stored) == [c["first_name"] for _, c in items]
    assert {k: o.dex_id for k, o in result.created.items()} == {  # type: ignore[union-attr]
        int(c["first_name"][6:]): c["id"] for c in stored}
    assert result.stats.lookups > 0 and result.stats.rate_limited > 0


def test_a_batch_with_one_invalid_contact_creates_the_others(dex_sandbox: SandboxServer,
                                                             virtual_time: VirtualTime) -> None:
    items = people(40)
    items[17] = (17, {"full_name": "Rui Costa", "birthday": "03/07/1984"})
    result = send(dex_sandbox, items, virtual_time, batch_size=20)
    assert result.failed == {17: Failed("contacts[0].birthday: expected YYYY-MM-DD, got '03/07/1984'")}
    assert len(result.created) == 39
    assert dex_sandbox.store.count() == 39
    assert result.stats.splits == 4  # 20 -> 10 -> 5 -> 3 -> 1


def test_a_contact_refused_over_its_tags_is_created_without_them_and_says_why(dex_sandbox: SandboxServer,
                                                                               virtual_time: VirtualTime) -> None:
    tag = dex_sandbox.store.create_tag("Chess")["id"]
    items = people(10)
    for n in (3, 4):  # a link to a tag Dex does not have (deleted since the run listed the tags, say)
        items[n][1]["tags_contacts"] = [{"tag_id": tag}, {"tag_id": "0b7e2f4c-0000-4000-8000-00000000dead"}]
    items[5][1]["tags_contacts"] = [{"tag_id": tag}]
    result = send(dex_sandbox, items, virtual_time, batch_size=10)
    assert (len(result.created), len(result.failed)) == (10, 0)
    assert dex_sandbox.store.count() == 10
    without = {k: o.without_links for k, o in result.created.items() if o.without_links}  # type: ignore[union-attr]
    assert sorted(without) == [3, 4] and all("tags_contacts" in why for why in without.values())
    tagged = {c["first_name"] for c in dex_sandbox.store.contacts() if dex_sandbox.store.contact_tags(c["id"])}
    assert tagged == {"Person0005"}


def test_a_bad_key_stops_before_any_contact_is_read_or_sent(dex_sandbox: SandboxServer,
                                                            virtual_time: VirtualTime) -> None:
    read: list[int] = []

    def lazily() -> Iterator[tuple[int, Contact]]:
        for key, contact in people(5):
            read.append(key)
            yield key, contact

    with pytest.raises(AuthError) as caught:
        send(dex_sandbox, lazily(), virtual_time, key="dex_revoked_0000")
    assert caught.value.status_code == 401
    assert read == []
    assert dex_sandbox.store.count() == 0 and dex_sandbox.stats.requests == 1


def test_the_key_is_found_in_no_output_log_or_result(dex_sandbox_factory: Start, virtual_time: VirtualTime,
                                                     caplog: pytest.LogCaptureFixture,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    server = dex_sandbox_factory(faults=Faults(rate_limit=5, burst=2, error_rate=0.3, drop_after_store=0.3, seed=3))
    items = people(60) + [(999, {"full_name": "Ada Vance", "birthday_year": "1984"})]
    result = send(server, items, virtual_time, batch_size=7)
    with pytest.raises(AuthError) as caught:
        send(server, people(3), virtual_time, key="dex_not_the_right_key")
    captured = capsys.readouterr()
    texts = [caplog.text, captured.out, captured.err, repr(result), str(caught.value), repr(caught.value)]
    assert all(server.api_key not in text for text in texts)
    assert all("dex_not_the_right_key" not in text for text in texts)
    assert result.failed == {999: Failed("contacts[0].birthday_year: expected a year between 1 and 9999, got '1984'")}


def test_lost_answers_are_looked_up_and_never_sent_twice(dex_sandbox_factory: Start,
                                                         virtual_time: VirtualTime) -> None:
    # every create is stored and then loses its answer: only lookups can tell what happened
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    result = send(server, people(30), virtual_time, batch_size=10)
    stored = {c["first_name"]: c["id"] for c in server.store.contacts()}
    assert len(stored) == 30 and server.store.count() == 30
    assert {k: o for k, o in result.outcomes.items()} == {
        n: Created(stored[f"Person{n:04d}"]) for n in range(30)}
    assert result.stats.lookups >= 1


def test_a_contact_that_matches_two_new_contacts_is_unknown_not_duplicated(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    twins = [(1, {"full_name": "Rui Costa"}), (2, {"full_name": "Rui Costa"})]
    result = send(server, twins, virtual_time)
    assert result.outcomes == {n: Unknown("2 contacts with its name were created since the batch was sent")
                               for n in (1, 2)}
    assert server.store.count() == 2


def test_an_older_contact_with_the_same_email_is_not_taken_for_the_new_one(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    last_year = datetime.now(timezone.utc) - timedelta(days=365)
    clock = iter([last_year])
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0),
                                 now=lambda: next(clock, datetime.now(timezone.utc)))
    ada = {"full_name": "Ada Vance", "contact_emails": [{"email": "ada.vance@example.com"}]}
    old = server.store.create_contacts([ada])[0]["id"]
    result = send(server, [("ada", ada)], virtual_time)
    new = [c["id"] for c in server.store.contacts() if c["id"] != old]
    assert result.outcomes == {"ada": Created(new[0])} and len(new) == 1


def test_a_lookup_never_takes_an_id_the_caller_says_was_created_already(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    # Rui was created a moment ago by an earlier run (its journal knows the id); a second Rui loses its
    # answer: of the two fresh Ruis in Dex the lookup must take the one that is not already claimed
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    rui = {"full_name": "Rui Costa"}
    earlier = server.store.create_contacts([rui])[0]["id"]
    asked: list[object] = []

    class Journalled:
        def __contains__(self, dex_id: object) -> bool:
            asked.append(dex_id)
            return dex_id == earlier

    result = send(server, [("rui", rui)], virtual_time, created_ids=Journalled())
    new = [c["id"] for c in server.store.contacts() if c["id"] != earlier]
    assert result.outcomes == {"rui": Created(new[0])} and earlier in asked
    alone = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    alone.store.create_contacts([rui])
    assert send(alone, [("rui", rui)], virtual_time).outcomes == {
        "rui": Unknown("2 contacts with its name were created since the batch was sent")}


def test_a_server_that_keeps_failing_gives_up_with_failed_not_unknown(dex_sandbox_factory: Start,
                                                                      virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(faults=Faults(error_rate=1.0))
    result = send(server, people(3), virtual_time, check_key=False)
    assert set(result.outcomes.values()) == {Failed(
        "not created: gave up after 8 tries: Dex answered 503 to POST /contacts/: service unavailable, try again "
        "later")}
    assert server.store.count() == 0
    # backoff grows with jitter, and never sleeps beyond its cap
    assert max(virtual_time.slept) <= SendPolicy().backoff_max


class Journal(SendHooks[int]):
    """Records the hook calls, as a journal would."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, tuple[int, ...]]] = []
        self.outcomes: dict[int, Outcome] = {}

    def before_send(self, batch: Batch[int]) -> None:
        self.events.append(("sent", batch.number, batch.keys))

    def settled(self, batch: Batch[int], outcomes: dict[int, Outcome]) -> None:
        assert ("sent", batch.number, batch.keys) in self.events
        assert not set(outcomes) & set(self.outcomes), "a key settled twice"
        self.outcomes.update(outcomes)
        self.events.append(("settled", batch.number, tuple(outcomes)))


def test_hooks_see_each_batch_before_it_is_sent_and_each_key_settle_once(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(faults=Faults(error_rate=0.2, drop_after_store=0.2, seed=5))
    journal = Journal()
    items = people(50)
    items[9] = (9, {"full_name": "Ada Vance", "starred": "yes"})
    progress: list[int] = []
    result = send(server, items, virtual_time, batch_size=8, hooks=journal,
                  on_progress=lambda p: progress.append(p.newly_settled))
    assert journal.outcomes == result.outcomes
    assert sum(progress) == 50
    sent = [e for e in journal.events if e[0] == "sent"]
    assert len({number for _, number, _ in sent}) == len(sent)


class _Tracked(dict):  # type: ignore[type-arg]
    """A contact that can be weakly referenced, to see when the sender lets go of it."""


def test_a_settled_contact_is_let_go_and_only_unsettled_keys_are_returned_without_keep_settled(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    # lost answers and 503s on the way: contacts wait for lookups and retries, and are still let go once settled
    server = dex_sandbox_factory(faults=Faults(error_rate=0.2, drop_after_store=0.2, seed=3))
    contacts = [_Tracked(c) for _, c in people(60)]
    alive = [weakref.ref(c) for c in contacts]
    settled: set[int] = set()
    held_after_settling: list[int] = []

    class Watch(SendHooks[int]):
        def before_send(self, batch: Batch[int]) -> None:
            gc.collect()
            held_after_settling.extend(k for k in settled if alive[k]() is not None)

        def settled(self, batch: Batch[int], outcomes: dict[int, Outcome]) -> None:
            settled.update(outcomes)

    def items() -> Iterator[tuple[int, Contact]]:
        for n in range(len(contacts)):
            yield n, contacts[n]
            contacts[n] = _Tracked()  # the test lets go of what it handed over

    with DexClient(server.api_key, api_url=server.url, timeout=10) as client:
        result = send_contacts(items(), client, batch_size=7, concurrency=1, hooks=Watch(), keep_settled=False,
                               clock=virtual_time.clock, sleep=virtual_time.sleep)
    assert len(settled) == 60 and result.outcomes == {} and result.stopped is None
    assert held_after_settling == []
    assert server.store.count() == 60


def test_a_stop_sends_no_new_batch(dex_sandbox: SandboxServer, virtual_time: VirtualTime) -> None:
    stop = threading.Event()
    stop.set()
    result = send(dex_sandbox, people(10), virtual_time, stop=stop)
    assert result.stopped == "stopped before every contact was sent"
    assert dex_sandbox.store.count() == 0


def test_a_429_is_waited_out_however_often_it_comes_and_never_fails_a_contact(
        dex_sandbox_factory: Start, virtual_time: VirtualTime) -> None:
    # one request a second, and a sender starting far too fast: most first tries meet a 429
    server = dex_sandbox_factory(faults=Faults(rate_limit=1, burst=1, error_rate=0.1, seed=2))
    result = send(server, people(40), virtual_time, batch_size=1, concurrency=6,
                  policy=SendPolicy(initial_rate=50, max_attempts=3))
    assert (len(result.created), len(result.failed), len(result.unknown)) == (40, 0, 0)
    assert server.store.count() == 40
    assert result.stats.rate_limited >= 10


def test_the_time_limit_stops_a_run_that_dex_keeps_refusing(dex_sandbox_factory: Start,
                                                           virtual_time: VirtualTime) -> None:
    # a token every 100 s: after the key check every create meets "Retry-After: 100"
    server = dex_sandbox_factory(faults=Faults(rate_limit=0.01, burst=1))
    started = virtual_time.clock()
    result = send(server, people(3), virtual_time, policy=SendPolicy(time_limit=60))
    assert result.stopped == "stopped at the time limit of 60 s before every contact was sent"
    assert set(result.outcomes.values()) == {NotSent("not sent: " + result.stopped)}
    assert server.store.count() == 0
    assert virtual_time.clock() - started < 100  # the Retry-After wait was cut short by the limit


def test_the_pace_cuts_once_per_round_of_429s_and_honours_retry_after(virtual_time: VirtualTime) -> None:
    pacer = Pacer(rate=10, min_rate=0.1, max_rate=100, clock=virtual_time.clock, sleep=virtual_time.sleep)
    first, second = pacer.wait(), pacer.wait()
    assert first is not None and second is not None
    assert second.start - first.start == pytest.approx(0.1)
    pacer.throttled(first, 2.0)
    pacer.throttled(second, 2.0)  # the same round: no second cut
    # refused at the pace it started at (slow start never grew it): just below, not `first` of it
    assert (pacer.ceiling, pacer.rate) == (10.0, pytest.approx(9.7))
    after = pacer.wait()
    assert after is not None and after.start >= second.start + 2.0


def test_a_stop_cuts_a_retry_after_wait_short(virtual_time: VirtualTime) -> None:
    pacer = Pacer(rate=10, min_rate=0.1, max_rate=100, clock=virtual_time.clock, sleep=virtual_time.sleep)
    slot = pacer.wait()
    assert slot is not None
    pacer.throttled(slot, 3600.0)
    stop_at = virtual_time.clock() + 2.0
    assert pacer.wait(cancelled=lambda: virtual_time.clock() >= stop_at) is None
    assert virtual_time.clock() < stop_at + 1.0
