"""Send contacts to Dex in batches: paced, retried only when surely safe, never blindly created twice.

`send_contacts` takes ``(key, contact)`` pairs; each key ends `Created(dex_id)`, `Failed(message)` or `Unknown(reason)`:

- batches of at most 100, `concurrency` requests in flight, paced by `Pacer` (AIMD: on 429 honour Retry-After
  and slow down, then ramp back up);
- a batch that surely created nothing (`SurelyNotCreated`) is sent again after a backoff with jitter;
- a batch whose outcome is unknown (`OutcomeUnknown`, or a 409 to the ids it carries) is never sent again as
  is: once no other create is in flight, its contacts are looked up (`ids.find_sent`: by id when Dex keeps ids,
  else by email or name) and only those not found are sent again; a 400 naming ``id`` sends it without ids;
- a batch answered 400 is split in halves until each bad contact is alone and `Failed` with Dex's message
  (or, refused over its inline tags or groups, sent once more without them: its `Created` says why).

A journal hooks in through `SendHooks`: `before_send` runs before each request goes out, `settled` when a
batch's answer has decided some of its keys (the keys it leaves out are surely not created and go out again in
a later batch). Hooks and `on_progress` are called one at a time, from worker threads.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Hashable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Generic, TypeVar

from importer.dex.client import (
    AuthError,
    Conflict,
    DexClient,
    DexError,
    NotFound,
    OutcomeUnknown,
    Rejected,
    SurelyNotCreated,
)
from importer.model import Contact
from importer.send.ids import IdMode, find_sent
from importer.send.lookup import ClaimedIds, utc_now
from importer.send.outcomes import (
    Batch,
    Created,
    Failed,
    NotSent,
    Outcome,
    Progress,
    SendHooks,
    SendPolicy,
    SendResult,
    SendStats,
    Unknown,
)
from importer.send.pacing import Pacer, Slot
from importer.send.stopping import counted, wait_for_workers
from importer.send.work import Counters, Pending, Work

__all__ = ["Batch", "Created", "Failed", "Outcome", "Progress", "SendHooks", "SendPolicy", "SendResult",
           "SendStats", "Unknown", "send_contacts"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
_LINKS = ("tags_contacts", "groups_contacts")


class _Run(Generic[K]):
    """The shared state of one `send_contacts` call; its workers run `work()` on threads."""

    def __init__(self, items: Iterable[tuple[K, Contact]], client: DexClient, *, batch_size: int,
                 policy: SendPolicy, pacer: Pacer, sleep: Callable[[float], None], rng: random.Random,
                 now: Callable[[], datetime], hooks: SendHooks[K], on_progress: Callable[[Progress], None] | None,
                 stop: threading.Event, keep_settled: bool, created_ids: Container[str] | None,
                 ids: IdMode) -> None:
        self.input = iter(items)
        self.client, self.batch_size, self.policy, self.pacer = client, batch_size, policy, pacer
        self.sleep, self.rng, self.now, self.hooks, self.on_progress, self.stop, self.ids = sleep, rng, now, \
            hooks, on_progress, stop, ids
        self.clock: Callable[[], float] = pacer.clock
        self.deadline = None if policy.time_limit is None else self.clock() + policy.time_limit
        self.timed_out = False
        # Entries (numbered in reading order) are held from when they are read until they are settled: memory
        # holds the contacts in flight, not the run. With `keep_settled` each settled key keeps its outcome.
        self.read_count = 0
        self.keys: dict[int, K] = {}
        self.contacts: dict[int, Contact] = {}
        self.unlinked: dict[int, str] = {}  # entries sent again without their links, and Dex's reason
        self.keep_settled = keep_settled
        self.outcomes: dict[int, tuple[K, Outcome]] = {}
        self.rounds: dict[int, int] = {}
        # the ids a lookup must not take for a contact whose answer was lost: the caller's, or our own
        self.claimed: ClaimedIds | None = None
        if created_ids is None:
            self.claimed = created_ids = ClaimedIds()
        self.exclude: Container[str] = created_ids
        self.tally: dict[type, int] = {Created: 0, Failed: 0, Unknown: 0}
        self.looked_for: set[int] = set()  # entries whose create lost its answer
        self.out: set[int] = set()  # entries whose create request is out now
        self.taken: set[int] = set()  # entries first sent in a batch answered 409: their id may predate the run
        self.queue: deque[Work] = deque()
        self.pending: list[Pending] = []
        self.in_flight, self.looking, self.exhausted, self.abandoned = 0, False, False, False
        self.aborted: str | None = None
        self.error: BaseException | None = None
        self.counters = Counters()
        self.cond, self.hook_lock = threading.Condition(), threading.Lock()

    # -- scheduling ----------------------------------------------------------------------------------------

    def halted(self) -> bool:
        """Return True once no new batch may go: the caller's stop, or the run's time limit reached."""
        if self.deadline is not None and not self.timed_out and self.clock() >= self.deadline:
            self.timed_out = True
        return self.timed_out or self.stop.is_set()

    def _next(self) -> Work | list[Pending] | None:
        """Return the next thing to do: a batch to send, unknown batches to look up, or None when done."""
        with self.cond:
            while True:
                if self.aborted or self.error:
                    return None
                if self.pending:
                    # look up only when no create is in flight: an answer still on its way could claim the
                    # very contact the lookup would find
                    if self.in_flight == 0 and not self.looking:
                        self.looking, pending, self.pending = True, self.pending, []
                        return pending
                elif not self.looking and not self.halted():
                    work = self.queue.popleft() if self.queue else self._read_input()
                    if work is not None:
                        self.in_flight += 1
                        return work
                if not self.looking and self.in_flight == 0 and not self.pending and \
                        (self.halted() or (self.exhausted and not self.queue)):
                    return None
                # a timeout too, so that a `stop` set from outside is noticed even when nothing else happens
                self.cond.wait(timeout=0.5)

    def _read_input(self) -> Work | None:
        entries: list[int] = []
        while not self.exhausted and len(entries) < self.batch_size:
            try:
                key, contact = next(self.input)
            except StopIteration:
                self.exhausted = True
                break
            entry, self.read_count = self.read_count, self.read_count + 1
            self.keys[entry], self.contacts[entry] = key, contact
            entries.append(entry)
        return Work(entries) if entries else None

    def _finish(self, *, requeue: Iterable[Work] = (), pending: Pending | None = None, sent: bool = True) -> None:
        with self.cond:
            self.queue.extendleft(reversed(list(requeue)))
            if pending is not None:
                self.pending.append(pending)
            if sent:
                self.in_flight -= 1
            else:
                self.looking = False
            self.cond.notify_all()

    def work(self) -> None:
        """Run one worker until the run is done (called on each worker thread)."""
        try:
            while (task := self._next()) is not None:
                if isinstance(task, Work):
                    self._send(task)
                else:
                    self._look_up(task)
        except BaseException as exc:  # noqa: BLE001 - a bug or a failing input: stop all, re-raised by the caller
            with self.cond:
                self.error = self.error or exc
                self.cond.notify_all()

    def _abort(self, exc: DexError) -> None:
        """Stops the run: no batch could succeed (the key refused, a wrong URL, Dex unreachable)."""
        with self.cond:
            self.aborted = self.aborted or exc.describe()
            self.cond.notify_all()

    def wake(self) -> None:
        """Lets the workers see a change of `stop` at once."""
        with self.cond:
            self.cond.notify_all()

    def abandon(self) -> None:
        """Stops at once (`abandoned`): no hook is called any more, so what is in flight stays in flight in
        the journal, for the next run to look up."""
        with self.hook_lock:
            self.abandoned = True
        self.stop.set()
        self.wake()

    # -- sending -------------------------------------------------------------------------------------------

    def _batch(self, entries: list[int]) -> Batch[int]:
        with self.cond:
            number = next(self.counters.numbers)
        return Batch(number, tuple(entries), tuple(self.ids.outgoing(self.contacts[i]) for i in entries))

    def _settle(self, batch: Batch[int], decided: dict[int, Outcome]) -> None:
        with self.hook_lock:
            if self.abandoned:  # the run has been accounted for: this answer is the next run's to find
                return
            self.out.difference_update(batch.keys)
            keys = tuple(self.keys[i] for i in batch.keys)
            settled = {self.keys[i]: o for i, o in decided.items()}
            for index, outcome in decided.items():
                key = self.keys.pop(index)
                del self.contacts[index]
                if self.keep_settled:
                    self.outcomes[index] = (key, outcome)
                if self.claimed is not None and isinstance(outcome, Created):
                    self.claimed.add(outcome.dex_id)
            self.hooks.settled(Batch(batch.number, keys, batch.contacts), settled)
            for outcome in decided.values():
                self.tally[type(outcome)] += 1
            if self.on_progress is not None and decided:
                self.on_progress(Progress(self.tally[Created], self.tally[Failed], self.tally[Unknown],
                                          len(decided), self.pacer.rate))

    def _send(self, work: Work) -> None:
        batch = self._batch(work.entries)
        with self.hook_lock:
            if self.abandoned:
                return self._finish()
            self.hooks.before_send(Batch(batch.number, tuple(self.keys[i] for i in batch.keys), batch.contacts))
            self.out.update(batch.keys)
        slot = self.pacer.wait(cancelled=self.halted)
        if slot is None:  # stopped while waiting for the pace or a Retry-After: it was never sent
            self._settle(batch, {})
            return self._finish(requeue=[work])
        sent_at = self.now()
        with self.cond:
            self.counters.requests += 1
        try:
            with counted(self.stop):
                created = self.client.create_contacts(list(batch.contacts))
        except SurelyNotCreated as exc:
            return self._retry(work, batch, exc, slot)
        except OutcomeUnknown as exc:
            self._settle(batch, {})  # nothing decided yet: the lookup will
            with self.cond:
                self.looked_for.update(batch.keys)
            return self._finish(pending=Pending(batch, sent_at, exc.describe()))
        except (AuthError, NotFound) as exc:
            # the key or the URL is wrong: every batch would meet the same answer
            self._settle(batch, {})
            self._abort(exc)
            return self._finish()
        except Rejected as exc:
            self.pacer.answered(slot)
            if isinstance(exc, Conflict) and self.ids.conflict(batch.contacts):
                self._settle(batch, {})  # an id sent is taken: each contact is asked for by its id
                with self.cond:
                    self.taken.update(set(batch.keys) - self.looked_for)
                    self.looked_for.update(batch.keys)
                return self._finish(pending=Pending(batch, sent_at, exc.describe()))
            if self.ids.refused(exc, batch.contacts):
                self._settle(batch, {})  # a 400 created nothing: the batch goes again, without ids
                return self._finish(requeue=[work])
            if exc.status_code is not None and exc.status_code < 400:
                self._settle(batch, {})  # a redirect: the API URL is wrong for every batch
                self._abort(exc)
                return self._finish()
            return self._split(work, batch, exc)
        self.pacer.answered(slot)
        self.ids.answered(batch.contacts, created)
        with self.cond:
            without = {i: self.unlinked.pop(i, None) for i in batch.keys}
        self._settle(batch, {i: Created.from_answer(c, without_links=without[i]) for i, c in zip(batch.keys, created)})
        self._finish()

    def _retry(self, work: Work, batch: Batch[int], exc: SurelyNotCreated, slot: Slot) -> None:
        with self.cond:
            self.counters.retries += 1
            self.counters.rate_limited += exc.status_code == 429
        if exc.status_code == 429:
            # "slow down", not "no": the pace waits out Retry-After for everyone, and the batch goes again
            self.pacer.throttled(slot, exc.retry_after)
            self._settle(batch, {})
            return self._finish(requeue=[work])
        work.attempts += 1
        if work.attempts >= self.policy.max_attempts and exc.status_code is None:
            self._settle(batch, {})  # Dex cannot be reached: no batch would get through; none of these was sent
            self._abort(exc)
            return self._finish()
        if work.attempts >= self.policy.max_attempts:
            message = f"not created: gave up after {work.attempts} tries: {exc.describe()}"
            self._settle(batch, {i: Failed(message) for i in work.entries})
            return self._finish()
        self._settle(batch, {})
        self._back_off(work.attempts, exc)
        self._finish(requeue=[work])

    def _back_off(self, attempt: int, exc: DexError) -> None:
        """Sleep before trying again after a 503 or a refused connection: full jitter, growing each time."""
        if exc.retry_after is not None:
            self.pacer.pause(exc.retry_after)
        cap = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** attempt)
        with self.cond:
            jitter = self.rng.uniform(0, cap)
        self.sleep(max(exc.retry_after or 0.0, jitter))

    def _split(self, work: Work, batch: Batch[int], exc: Rejected) -> None:
        if len(work.entries) == 1:
            entry, contact = work.entries[0], self.contacts[work.entries[0]]
            if entry in self.unlinked or not any(f in contact and f in exc.message for f in _LINKS):
                self._settle(batch, {entry: Failed(exc.message)})
                return self._finish()
            self._settle(batch, {})  # refused over its links: again without them (not in the journal's fingerprint)
            with self.cond:
                self.contacts[entry] = {k: v for k, v in contact.items() if k not in _LINKS}
                self.unlinked[entry] = exc.message
            return self._finish(requeue=[Work([entry])])
        self._settle(batch, {})
        half = len(work.entries) // 2
        with self.cond:
            self.counters.splits += 1
        self._finish(requeue=[Work(work.entries[:half]), Work(work.entries[half:])])

    # -- unknown outcomes ----------------------------------------------------------------------------------

    def read(self, call: Callable[[], T]) -> T:
        """Return the result of a read-only call, retried (paced, with backoff) while Dex cannot answer."""
        attempt = 0
        while True:
            slot = self.pacer.wait()
            assert slot is not None  # not cancellable
            with self.cond:
                self.counters.requests += 1
            try:
                with counted(self.stop):
                    result = call()
            except (SurelyNotCreated, OutcomeUnknown) as exc:
                with self.cond:
                    self.counters.rate_limited += exc.status_code == 429
                if exc.status_code == 429:
                    self.pacer.throttled(slot, exc.retry_after)
                    continue
                attempt += 1
                if attempt >= self.policy.max_attempts:
                    raise
                self._back_off(attempt, exc)
                continue
            self.pacer.answered(slot)
            return result

    def _look_up(self, pending: list[Pending]) -> None:
        entries = [i for p in pending for i in p.batch.keys]
        since = min(p.sent_at for p in pending) - self.policy.clock_skew
        with self.cond:
            self.counters.lookups += 1
        try:
            # no copy of the ids: a lookup runs alone (no create in flight, no other lookup), nothing adds to them
            found = find_sent([self.ids.outgoing(self.contacts[i]) for i in entries], self.client, since=since,
                              ids=self.ids, exclude=self.exclude, read=self.read)
        except DexError as exc:
            if isinstance(exc, AuthError) or (isinstance(exc, SurelyNotCreated) and exc.status_code is None):
                self._abort(exc)  # no lookup can be made: they stay in flight, for the next run to look up
                return self._finish(sent=False)
            found = [Unknown(f"no answer, and the lookup failed: {exc.describe()}") for _ in entries]
        by_entry = dict(zip(entries, found))
        resend: list[int] = []
        for p in pending:
            decided: dict[int, Outcome] = {}
            for i in p.batch.keys:
                self.rounds[i] = self.rounds.get(i, 0) + 1
                outcome = by_entry[i]
                if isinstance(outcome, Created) and i in self.taken:  # its first send met its id taken
                    outcome = replace(outcome, existed=True)
                self.taken.discard(i)
                if outcome is not None:
                    decided[i] = outcome
                elif self.rounds[i] >= self.policy.lookup_rounds:
                    decided[i] = Failed(f"not created: sent {self.rounds[i]} times without an answer ({p.reason})")
                else:
                    resend.append(i)
            self._settle(p.batch, decided)
        size = self.batch_size
        self._finish(requeue=[Work(resend[s:s + size]) for s in range(0, len(resend), size)], sent=False)


def send_contacts(items: Iterable[tuple[K, Contact]], client: DexClient, *, batch_size: int = 100,
                  concurrency: int = 4, sleep: Callable[[float], None] = time.sleep,
                  clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = utc_now,
                  rng: random.Random | None = None, on_progress: Callable[[Progress], None] | None = None,
                  hooks: SendHooks[K] | None = None, stop: threading.Event | None = None,
                  policy: SendPolicy | None = None, check_key: bool = True,
                  keep_settled: bool = True, created_ids: Container[str] | None = None,
                  ids: IdMode | None = None) -> SendResult[K]:
    """Return each key's outcome after creating the contacts in Dex, in batches, exactly once.

    The key is checked first (``GET /users/me``): AuthError before any contact is read or sent. A key refused
    or Dex unreachable mid-run stops the run (`SendResult.fatal`): keys read but not sent end `NotSent`, those
    sent and unanswered `Unknown`. Setting `stop` (a first Ctrl-C) sends no new batch; lost answers are still
    looked up; a second Ctrl-C stops at once (`wait_for_workers`). `sleep`, `clock` (monotonic),
    `now` (wall clock) and `rng` are injectable so tests run fast and repeatable. With `keep_settled` false
    the result holds only the keys no `hooks.settled` call decided (a caller that takes every outcome from
    its hook need not hold a million of them twice). `created_ids` holds every Dex id created so far, for a
    lookup never to take one for a contact whose answer was lost: a caller whose `hooks.settled` records them
    (a journal) passes its own, and the sender keeps none; by default it keeps the ids it created. `ids`
    follows what Dex does with the ``id`` contacts carry (see `importer.send.ids`); by default a new `IdMode`.
    """
    if not 1 <= batch_size <= 100:
        raise ValueError(f"batch_size must be between 1 and 100, got {batch_size}")
    policy = policy or SendPolicy()
    started = clock()
    pacer = Pacer(rate=policy.initial_rate, min_rate=policy.min_rate, max_rate=policy.max_rate,
                  clock=clock, sleep=sleep)
    run: _Run[K] = _Run(items, client, batch_size=batch_size, policy=policy, pacer=pacer, sleep=sleep,
                        rng=rng or random.Random(0), now=now, hooks=hooks or SendHooks(),
                        on_progress=on_progress, stop=stop or threading.Event(), keep_settled=keep_settled,
                        created_ids=created_ids, ids=ids or IdMode())
    if check_key:
        run.read(client.me)
    threads = [threading.Thread(target=run.work, name=f"dex-send-{n}", daemon=True)
               for n in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    wait_for_workers(threads, stop=run.stop, wake=run.wake, abandon=run.abandon)
    if run.error is not None and not run.abandoned:
        raise run.error
    with run.hook_lock, run.cond:  # abandoned, the workers may still run: they change nothing any more
        unsettled = sorted(run.keys)
        out = run.out | run.looked_for
    stopped = run.aborted
    if stopped is None and run.abandoned:
        stopped = "stopped at once, with requests in flight"
    elif stopped is None and run.halted() and (unsettled or not run.exhausted):
        stopped = f"stopped at the time limit of {policy.time_limit:g} s before every contact was sent" \
            if run.timed_out else "stopped before every contact was sent"
    ended: dict[int, tuple[K, Outcome]] = {}
    for i in unsettled:
        # its create was sent and the run ended before its answer or a lookup could tell; or it was never sent
        ended[i] = (run.keys[i], Unknown(f"no answer from Dex, and not looked up: {stopped}")
                    if i in out else NotSent(f"not sent: {stopped}"))
    outcomes = {key: outcome for _, (key, outcome) in sorted({**run.outcomes, **ended}.items())}
    c = run.counters
    stats = SendStats(c.requests, c.rate_limited, c.retries, c.lookups, c.splits, clock() - started)
    return SendResult(outcomes, stats, stopped, run.aborted)

