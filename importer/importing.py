"""Returns the result of an import: every record read, mapped and sent exactly as `preview` shows it.

`run_import` reads the files through the same `tally` the preview uses, sends the contacts with
`send_contacts` (batched, paced, never resent blindly), and writes a failure report for every file that had
records that did not make it. Each record ends with exactly one of the `STATUSES`, on every path: finished,
stopped (Ctrl-C, SIGTERM: `stop`), stopped at once (a second Ctrl-C), or a fatal error once the key was
checked (the key refused mid-run, Dex unreachable): what was not decided then is in flight (unknown, looked
up by the next run) or not sent, and the result says why (`ImportResult.fatal`).

Memory holds only the contacts in flight: each record's outcome goes to a `RecordLog` on disk as soon as Dex's
answer settles its batch, and the records that failed wait there for the failure report.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any

from importer.dex.client import DexClient, OutcomeUnknown, Rejected, SurelyNotCreated
from importer.errors import DexError, ImporterError
from importer.exitcodes import ExitCode
from importer.journal.resume import settle_in_flight
from importer.journal.store import NOT_CONFIRMED, Journal
from importer.model import Contact, Record, record_from, record_state
from importer.plan.existing import Decisions, decide_all
from importer.plan.forecast import Forecast, forecast
from importer.plan.inputs import Input, ReadOptions, open_files
from importer.plan.merge import Planned
from importer.plan.plan import Plan, make_plan
from importer.plan.reports import write_reports
from importer.plan.spill import Pickles
from importer.plan.summary import Summary
from importer.report.records import RecordLog, RecordResult
from importer.send.batches import send_contacts
from importer.send.ids import IdDeriver, IdMode
from importer.send.labels import Ensured, ensure_labels, inline_links
from importer.send.outcomes import (
    Batch,
    Created,
    Failed,
    NotSent,
    Outcome,
    Progress,
    SendHooks,
    SendPolicy,
)
from importer.send.retry import patient_read
from importer.send.stopping import Stop, counted

__all__ = ["STATUSES", "Forecast", "ImportResult", "RecordLog", "RecordResult", "SendOptions", "Stop",
           "run_import", "send_plan"]

STATUSES = ("created", "merged", "updated", "existing", "skipped", "failed", "unknown", "not_sent")
"""What becomes of a record: created (its Dex id); merged (into the contact of another record, which says
which); updated or existing (already in Dex, from the account or an earlier run: which contact, matched how);
skipped (no name, unreadable, hidden member: why); failed (surely not in Dex: Dex's reason); unknown (may be
in Dex); not_sent (the run stopped first: the next run sends it). A record in flight when the run stopped is
unknown, and neither it nor a not_sent one goes to the failure report: running the same command again
settles both."""


@dataclass(frozen=True)
class SendOptions:
    """How to send: batch size, requests in flight, where the failure report goes, and whether the inputs'
    earlier reports move to the data folder (`importer.report.older`; not for the demo's sample files)."""

    batch_size: int = 100
    concurrency: int = 4
    report: str | None = None
    policy: SendPolicy | None = None
    move_earlier: bool = True


@dataclass
class ImportResult:
    """The whole run: the preview's counts, each record's fate, the reports written, the time taken.

    `records` iterates each record's `RecordResult` in file and line order; they are kept on disk, not in
    memory (see `RecordLog`), as a run may have a million of them.
    """

    summary: Summary
    records: RecordLog = field(default_factory=RecordLog)
    reports: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)
    report_errors: list[str] = field(default_factory=list)
    moved_reports: list[tuple[str, str]] = field(default_factory=list)
    """The earlier failure reports of the inputs, moved from beside them to the data folder: (from, to)."""
    fatal: str | None = None
    """Why the run could not go on (the key refused mid-run, Dex unreachable, the journal unwritable): exit 3."""
    contacts_created: int = 0
    """How many Dex contacts were created (records merged into one contact share its id)."""
    incomplete: int = 0
    """How many created records went without a side effect (a tag or group Dex could not make): each says
    which, and is in the failure report."""
    run_id: str | None = None
    """The journal's name for this run (``dex-import undo`` takes it), None without a journal."""
    tags_created: tuple[str, ...] = ()
    groups_created: tuple[str, ...] = ()
    """The tags and groups this run made in Dex (the person's labels, and the run's ``--tag``)."""
    contact_ids: str | None = None
    """What Dex did with the id each contact was sent with: keep, ignore or refuse (`importer.send.ids`);
    None when no create was answered."""

    def count(self, status: str) -> int:
        """Returns how many records ended with `status`."""
        return self.records.count(status)

    @property
    def exit_code(self) -> ExitCode:
        """Returns OK when every record was created with all it carries (or skipped as expected), FATAL when
        the run could not go on, PARTIAL otherwise."""
        if self.fatal:
            return ExitCode.FATAL
        bad = (self.count("failed") + self.count("unknown") + self.summary.unusable + self.incomplete
               + len(self.summary.empty_files))
        return ExitCode.PARTIAL if bad or self.stopped else ExitCode.OK

    def as_dict(self, *, lazy: bool = False) -> dict[str, Any]:
        """Returns the JSON form printed by ``import --json``; with `lazy`, "records" is an iterator, each
        record's JSON made as it is read (see `importer.preview.write_json`)."""
        records = (r.as_dict() for r in self.records)
        return {**{status: self.count(status) for status in STATUSES}, "contacts_created": self.contacts_created,
                "incomplete": self.incomplete, "named_after": dict(self.summary.named_after), "run_id": self.run_id, "contact_ids": self.contact_ids,
                "tags_created": list(self.tags_created), "groups_created": list(self.groups_created),
                "report": self.reports, "seconds": round(self.seconds, 3), "stopped": self.stopped,
                "fatal": self.fatal,
                "notes": self.notes, "report_errors": self.report_errors,
                "moved_reports": [{"from": a, "to": b} for a, b in self.moved_reports],
                "records": records if lazy else list(records)}


def run_import(paths: Sequence[Input], client: DexClient, *, read: ReadOptions = ReadOptions(),
               send: SendOptions = SendOptions(), merge: bool = True, strict: bool = False,
               **sending: Any) -> ImportResult:
    """Returns the result of importing `paths` into the Dex account of `client` (see `send_plan`); `merge`
    and `strict` say who is the same person (see `importer.plan.plan.make_plan`).

    Files are opened and detected before anything else: a bad file or mapping stops the run with nothing
    sent (InputError, MappingError).
    """
    with make_plan(open_files(paths, read), merge=merge, strict=strict) as plan:
        return send_plan(plan, client, send=send, **sending)


def send_plan(plan: Plan, client: DexClient, *, send: SendOptions = SendOptions(), existing: str = "skip",
              labels_as: str = "tags", tag: str | None = None, journal: Journal | None = None,
              on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
              on_phase: Callable[[str, int], None] | None = None,
              confirm: Callable[[Forecast], bool] | None = None, clock: Callable[[], float] = time.monotonic,
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
              sleep: Callable[[float], None] = time.sleep) -> ImportResult:
    """Returns the result of sending a plan's contacts to Dex and reporting the records that did not make it.

    `on_phase(name, count)` is told when the run starts "checking" the account (count: the plan's contacts)
    and "sending" (count: the contacts to create), for a progress display. `confirm(forecast)`, when given, is
    asked once the account is checked, before anything is sent: False sends nothing (`stopped` "not
    confirmed"). Setting `stop` (a `Stop` counts the requests in flight) sends no new request; a
    KeyboardInterrupt stops at once. Either way, and on a fatal error after the key check, every record still
    gets its outcome.

    In order: the key is checked (AuthError before anything is sent); batches an earlier run left in flight
    are settled from the journal; who is already in the account is found (`--existing`); the person's labels
    and the run's `tag` are ensured as tags (or groups) and go inline with the contacts; the contacts are
    sent; matched contacts are filled (`existing="update"`); the failure reports are written.
    """
    started_at = now()
    started = clock()
    halt = stop if stop is not None else Stop()
    patient = patient_read(sleep, clock=clock, rate=(send.policy or SendPolicy()).initial_rate)
    user = patient(client.me)
    account_id = str(user["id"])
    read = _guarded(patient, halt)
    result = ImportResult(plan.summary, run_id=journal.run_id if journal else None)
    run = _Sending(plan, result, journal)
    try:
        if on_phase is not None:
            on_phase("checking", plan.summary.contacts)
        if journal is not None:
            settle_in_flight(journal, client, read=read)
        run.decisions = decisions = decide_all(plan, client, existing=existing, journal=journal, read=read,
                                               account_id=account_id)
        if journal is not None and decisions.gone:  # deleted in Dex since: the journal must not hold them back
            journal.forget_created([gone.dex_id for gone in decisions.gone])
        result.notes = decisions.gone_notes()
        if confirm is not None and not confirm(forecast(plan, decisions, journal, user, client.api_url)):
            result.stopped = NOT_CONFIRMED
            run.account_rest("not sent: the import was not confirmed")
        else:
            if on_phase is not None:
                on_phase("sending", plan.summary.contacts - len(decisions.by_position))
            run.label(client, labels_as, tag, read)
            run.deriver = IdDeriver(account_id)  # each contact's id, the same as decide_all gave it
            sent = send_contacts(run.items(), client, batch_size=send.batch_size, concurrency=send.concurrency,
                                 on_progress=on_progress, hooks=_Settling(journal.hooks() if journal else None,
                                                                          run.settle),
                                 stop=halt, policy=send.policy, clock=clock, sleep=sleep, now=now, check_key=False,
                                 keep_settled=False, created_ids=journal.created_ids() if journal else None,
                                 ids=run.ids)
            run.settle(sent.outcomes, ended=True)  # those the run ended without settling: never sent, or never looked up
            result.stopped, result.fatal = sent.stopped, sent.fatal
            if sent.stopped:  # the contacts the run never reached, and the fills: not sent either
                run.account_rest(f"not sent: {sent.stopped}")
            else:
                run.fill(client, read)
    except (_Stopped, KeyboardInterrupt, ImporterError) as exc:
        halt.set()  # a worker still running sends nothing more
        if isinstance(exc, ImporterError):
            result.fatal = exc.describe() if isinstance(exc, DexError) else str(exc)
        result.stopped = result.fatal or ("stopped at once" if isinstance(exc, KeyboardInterrupt)
                                          else "stopped before every contact was sent")
        run.account_rest(f"not sent: {result.stopped}")
    finally:
        run.updates.close()
        if run.deriver is not None:
            run.deriver.close()
        result.contact_ids = run.ids.mode
    # a run not confirmed sent nothing: an earlier report stays current unless this run wrote a newer one
    move = "none" if not send.move_earlier else "replaced" if result.stopped == NOT_CONFIRMED else "all"
    written = write_reports(plan.opened, result.records, send.report, started_at, move=move)
    result.reports, result.moved_reports = written.reports, written.moved
    result.notes += written.notes
    result.report_errors += written.errors
    result.seconds = clock() - started
    if tag and result.count("created"):
        result.notes.append(f"Every contact this run created has the tag {tag!r}: filter by it in Dex.")
    if journal is not None:
        journal.finish({s: result.count(s) for s in STATUSES}, stopped=result.stopped, reports=[os.path.abspath(p) for p in result.reports])
    return result


class _Stopped(Exception):
    """Raised instead of a new read once the run's stop is set: no new request goes out."""


def _guarded(read: Callable[[Callable[[], Any]], Any], stop: threading.Event) -> Callable[[Callable[[], Any]], Any]:
    """Returns `read` that first checks `stop` (raising _Stopped) and counts the request in flight on it."""
    def guarded(call: Callable[[], Any]) -> Any:
        if stop.is_set():
            raise _Stopped()
        with counted(stop):
            return read(call)
    return guarded


class _Sending:
    """One import's bookkeeping while it sends: the contacts in flight, how far the plan was read, the fills
    to make; and, however the run ends, an outcome for every record (`account_rest`)."""

    def __init__(self, plan: Plan, result: ImportResult, journal: Journal | None) -> None:
        self.plan, self.result, self.log, self.journal = plan, result, result.records, journal
        self.decisions = Decisions()
        self.ensured: Ensured | None = None
        self.run_tag: str | None = None
        self.run_tag_missing: list[str] = []
        # Only the contacts sent and not yet settled are held (a few batches); each is let go with its outcome.
        self.pending: dict[int, Planned] = {}
        self.reached = 0  # contacts of the plan given an outcome, or sent: the others were never sent
        self.filled = 0  # fills made (or failed): the others were never sent
        self.filling = False
        self.closed = False  # every record has its outcome: a late answer changes nothing
        self.lock = threading.Lock()
        self.updates = Pickles("dex-import-updates-")  # the records and decision of each contact to fill, on disk
        self.deriver: IdDeriver | None = None  # the id each contact is sent with (importer.send.ids)
        self.ids = IdMode(on_decided=journal.note_id_mode if journal is not None else None)
        for unused in plan.unused:
            failed = None if unused.expected else unused.record
            self.log.add(unused.record.file, unused.record.line, "skipped", message=unused.message, failed=failed)

    def fail(self, record: Record, status: str, message: str) -> None:
        self.log.add(record.file, record.line, status, message=message, failed=record)

    def label(self, client: DexClient, labels_as: str, tag: str | None, read: Callable[[Callable[[], Any]], Any]
              ) -> None:
        """Ensures the labels of the contacts to create and the run's tag; when Dex cannot make one, the
        contacts are created without it, and say so."""
        wanted = self.decisions.labels
        self.ensured = ensure_labels(client, wanted, as_groups=labels_as == "groups", call=read) if wanted else None
        tagged = ensure_labels(client, [tag], call=read) if tag else None
        self.run_tag = tagged.id_of(tag) if tagged is not None and tag else None
        made = [e for e in (self.ensured, tagged) if e is not None]
        self.result.tags_created = tuple(dict.fromkeys(n for e in made if e.kind == "tag" for n in e.created))
        self.result.groups_created = tuple(dict.fromkeys(n for e in made if e.kind == "group" for n in e.created))
        failures = (self.ensured.failures if self.ensured else ()) + (tagged.failures if tagged else ())
        self.result.notes += [f"{'the run tag' if tagged and f in tagged.failures else 'label'} {f.label!r} "
                              f"could not be made: {f.message}" for f in failures]
        self.run_tag_missing = tagged.not_applied([tag]) if tagged is not None and tag else []

    def items(self) -> Iterator[tuple[int, Contact]]:
        """Yields the contacts to create; notes the outcome of the others (already in Dex, to fill later)."""
        journal, log = self.journal, self.log
        for planned in self.plan.contacts():
            with self.lock:
                if self.closed:
                    return
            # every contact's id is derived, in plan order, as decide_all derived them (occurrences count)
            derived = self.deriver.id_for(planned.contact) if self.deriver is not None else None
            decision = self.decisions.of(planned.position)
            first = planned.records[0]
            if decision.action == "update" and decision.fill:
                self.updates.add(([record_state(r) for r in planned.records], decision))
            elif decision.action != "create":
                log.add_contact(planned.records, "existing", decision.dex_id, decision.describe())
            elif (held := journal.admit(planned.contact, file=first.file, line=first.line) if journal else None) \
                    is not None and held.state in ("created", "duplicate"):
                log.add_contact(planned.records, "existing", held.dex_id,
                                held.message or f"created by run {held.run_id}")
            elif held is not None:
                for record in planned.records:
                    self.fail(record, "unknown", f"outcome unknown since run {held.run_id} ("
                              f"{held.message or 'its answer was lost'}): look for it in Dex before importing it "
                              "again")
            else:
                links = inline_links(planned.labels, self.ensured, run_tag_id=self.run_tag) if self.ensured else \
                    ({"tags_contacts": [{"tag_id": self.run_tag}]} if self.run_tag else {})
                with self.lock:
                    self.pending[planned.position] = planned
                    self.reached += 1
                contact_id = self.decisions.ids.get(planned.position, derived)
                yield planned.position, {**planned.contact, **links, **({"id": contact_id} if contact_id else {})}
                continue
            with self.lock:
                self.reached += 1

    def settle(self, outcomes: dict[int, Outcome], *, ended: bool = False) -> None:
        """Notes the outcome of each contact sent (`ended`: the run ended before it was decided)."""
        log = self.log
        for key, outcome in outcomes.items():
            with self.lock:
                planned = None if self.closed else self.pending.pop(key, None)
                if planned is not None and isinstance(outcome, Created) and not outcome.existed:
                    self.result.contacts_created += 1
            if planned is None:
                continue  # settled already, as it happened
            if isinstance(outcome, Created) and outcome.existed:
                log.add_contact(planned.records, "existing", outcome.dex_id, "already in Dex under the id this "
                                "import gives it (an earlier import made it)")
                continue
            if isinstance(outcome, Created):
                missing = (self.ensured.not_applied(planned.labels) if self.ensured else []) + self.run_tag_missing
                if outcome.without_links:
                    missing.append(f"its tags and groups (Dex refused them: {outcome.without_links})")
                if not missing:
                    log.add_contact(planned.records, "created", outcome.dex_id)
                    continue
                # created, but without some of what it should carry: a problem, in the report, exit code 1
                with self.lock:
                    self.result.incomplete += len(planned.records)
                first = planned.records[0]
                for record in planned.records:
                    merged = "" if record is first else f"merged into the contact of {first.file}:{first.line}, "
                    log.add(record.file, record.line, "created" if record is first else "merged", outcome.dex_id,
                            f"{merged}created without {'; '.join(missing)}", failed=record)
                continue
            for record in planned.records:
                if isinstance(outcome, NotSent):
                    log.add(record.file, record.line, "not_sent", message=outcome.message)
                elif isinstance(outcome, Failed):
                    self.fail(record, "failed", outcome.message)
                elif ended:  # in flight when the run stopped: the next run looks it up before sending anything
                    log.add(record.file, record.line, "unknown", message=_in_flight(outcome.reason))
                else:
                    self.fail(record, "unknown", f"outcome unknown ({outcome.reason}): it may already be in Dex; "
                              "look for it there before importing this row again")

    def fill(self, client: DexClient, read: Callable[[Callable[[], Any]], Any]) -> None:
        """Fills the empty fields of the matched contacts (`--existing update`)."""
        for position in range(len(self.updates)):
            states, decision = self.updates.load(position)
            records = tuple(record_from(state) for state in states)
            assert decision.dex_id is not None  # an update always names the Dex contact it matched
            self.filling = True
            try:
                read(partial(client.update_contact, decision.dex_id, decision.fill))
            except (Rejected, SurelyNotCreated, OutcomeUnknown) as exc:
                for record in records:
                    self.fail(record, "failed", f"could not fill {', '.join(sorted(decision.fill))} of the Dex "
                              f"contact it matched ({decision.how}): {exc.message}")
            else:
                self.log.add_contact(records, "updated", decision.dex_id,
                                     decision.describe().replace("will fill", "filled"))
            self.filling, self.filled = False, position + 1

    def account_rest(self, why: str) -> None:
        """Gives each record that has no outcome yet its own: in flight (unknown, looked up by the next run),
        or not sent (`why`)."""
        with self.lock:
            self.closed = True
            pending, self.pending = list(self.pending.values()), {}
            reached = self.reached
        log = self.log
        for planned in pending:
            for record in planned.records:
                log.add(record.file, record.line, "unknown", message=_in_flight(why.removeprefix("not sent: ")))
        for index, planned in enumerate(self.plan.contacts()):
            if index >= reached:
                for record in planned.records:
                    log.add(record.file, record.line, "not_sent", message=why)
        for position in range(self.filled, len(self.updates)):
            states, decision = self.updates.load(position)
            for state in states:
                record = record_from(state)
                if position == self.filled and self.filling:  # its fill was out when the run stopped at once
                    log.add(record.file, record.line, "unknown", decision.dex_id, _in_flight(why))
                else:
                    log.add(record.file, record.line, "not_sent", decision.dex_id,
                            f"{decision.describe()}: {why}")


def _in_flight(reason: str) -> str:
    return f"in flight when the run stopped ({reason}): run the same command again, it looks it up in Dex first"


class _Settling(SendHooks[int]):
    """The journal's hooks (when there is one), then `settle` with each batch's outcomes as they are decided."""

    def __init__(self, journal: SendHooks[int] | None, settle: Callable[[dict[int, Outcome]], None]) -> None:
        self.journal, self.settle = journal, settle

    def before_send(self, batch: Batch[int]) -> None:
        """Writes the batch down as sent, when there is a journal."""
        if self.journal is not None:
            self.journal.before_send(batch)

    def settled(self, batch: Batch[int], outcomes: dict[int, Outcome]) -> None:
        """Writes the outcomes down (journal first: it must be durable before they count), then notes them."""
        if self.journal is not None:
            self.journal.settled(batch, outcomes)
        self.settle(outcomes)
