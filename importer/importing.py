"""Returns the result of an import: every record read, mapped and sent exactly as `preview` shows it.

`run_import` reads the files through the same `tally` the preview uses, sends the contacts with
`send_contacts` (batched, paced, never resent blindly), and writes a failure report for every file that had
records that did not make it. Each record ends as one of: created (with its Dex id), skipped (no name, an
unreadable card, a hidden LinkedIn member), failed (Dex refused it, or it could not be sent), or unknown
(it may be in Dex: its answer was lost and no lookup could tell).

Memory holds only the contacts in flight: each record's outcome goes to a `RecordLog` on disk as soon as Dex's
answer settles its batch, and the records that failed wait there for the failure report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from importer.dex.client import DexClient, OutcomeUnknown, Rejected, SurelyNotCreated
from importer.exitcodes import ExitCode
from importer.journal.resume import settle_in_flight
from importer.journal.store import Journal
from importer.model import Contact, Record, record_from, record_state
from importer.plan.existing import decide_all
from importer.plan.inputs import Input, OpenedFile, ReadOptions, open_files
from importer.plan.merge import Planned
from importer.plan.plan import Plan, make_plan
from importer.plan.spill import Pickles
from importer.plan.summary import Summary
from importer.report.failures import (
    default_report_path,
    write_csv_report,
    write_vcard_report,
)
from importer.report.records import FailedRecord, RecordLog, RecordResult
from importer.send.batches import send_contacts
from importer.send.labels import ensure_labels, inline_links
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

__all__ = ["STATUSES", "ImportResult", "RecordLog", "RecordResult", "SendOptions", "run_import", "send_plan"]

STATUSES = ("created", "updated", "existing", "skipped", "failed", "unknown", "not_sent")
"""What becomes of a record: created; updated or existing (already in Dex, from the account or an earlier
run); skipped (no name, unreadable, hidden member); failed (surely not in Dex); unknown (may be in Dex);
not_sent (the run stopped first: the next run sends it). A record in flight when the run stopped is unknown,
and neither it nor a not_sent one goes to the failure report: running the same command again settles both."""


@dataclass(frozen=True)
class SendOptions:
    """How to send: batch size, requests in flight, where the failure report goes."""

    batch_size: int = 100
    concurrency: int = 4
    report: str | None = None
    policy: SendPolicy | None = None


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

    def count(self, status: str) -> int:
        """Returns how many records ended with `status`."""
        return self.records.count(status)

    @property
    def exit_code(self) -> ExitCode:
        """Returns OK when every record was created with all it carries (or skipped as expected), PARTIAL
        otherwise."""
        bad = self.count("failed") + self.count("unknown") + self.summary.unusable + self.incomplete
        return ExitCode.PARTIAL if bad or self.stopped else ExitCode.OK

    def as_dict(self, *, lazy: bool = False) -> dict[str, Any]:
        """Returns the JSON form printed by ``import --json``; with `lazy`, "records" is an iterator, each
        record's JSON made as it is read (see `importer.preview.write_json`)."""
        records = (r.as_dict() for r in self.records)
        return {**{status: self.count(status) for status in STATUSES}, "contacts_created": self.contacts_created,
                "incomplete": self.incomplete, "run_id": self.run_id,
                "tags_created": list(self.tags_created), "groups_created": list(self.groups_created),
                "report": self.reports, "seconds": round(self.seconds, 3), "stopped": self.stopped,
                "notes": self.notes, "report_errors": self.report_errors,
                "records": records if lazy else list(records)}


def run_import(paths: Sequence[Input], client: DexClient, *, read: ReadOptions = ReadOptions(),
               send: SendOptions = SendOptions(), merge: bool = True, **sending: Any) -> ImportResult:
    """Returns the result of importing `paths` into the Dex account of `client` (see `send_plan`).

    Files are opened and detected before anything else: a bad file or mapping stops the run with nothing
    sent (InputError, MappingError).
    """
    with make_plan(open_files(paths, read), merge=merge) as plan:
        return send_plan(plan, client, send=send, **sending)


def send_plan(plan: Plan, client: DexClient, *, send: SendOptions = SendOptions(), existing: str = "skip",
              labels_as: str = "tags", tag: str | None = None, journal: Journal | None = None,
              on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
              on_phase: Callable[[str, int], None] | None = None, clock: Callable[[], float] = time.monotonic,
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
              sleep: Callable[[float], None] = time.sleep) -> ImportResult:
    """Returns the result of sending a plan's contacts to Dex and reporting the records that did not make it.

    `on_phase(name, count)` is told when the run starts "checking" the account (count: the plan's contacts)
    and "sending" (count: the contacts to create), for a progress display.

    In order: the key is checked (AuthError before anything is sent); batches an earlier run left in flight
    are settled from the journal; who is already in the account is found (`--existing`); the person's labels
    and the run's `tag` are ensured as tags (or groups) and go inline with the contacts; the contacts are
    sent; matched contacts are filled (`existing="update"`); the failure reports are written.
    """
    started_at = now()
    started = clock()
    read = patient_read(sleep, clock=clock, rate=(send.policy or SendPolicy()).initial_rate)
    read(client.me)
    if on_phase is not None:
        on_phase("checking", plan.summary.contacts)
    if journal is not None:
        settle_in_flight(journal, client, read=read)
    decisions = decide_all(plan, client, existing=existing, journal=journal, read=read)
    if journal is not None and decisions.gone:  # deleted in Dex since: the journal must not hold them back
        journal.forget_created([gone.dex_id for gone in decisions.gone])
    if on_phase is not None:
        on_phase("sending", plan.summary.contacts - len(decisions.by_position))
    # labels are side effects: when Dex cannot make one, the contacts are created without it, and say so
    ensured = ensure_labels(client, decisions.labels, as_groups=labels_as == "groups", call=read) \
        if decisions.labels else None
    run_tagged = ensure_labels(client, [tag], call=read) if tag else None
    run_tag = run_tagged.id_of(tag) if run_tagged is not None and tag else None
    result = ImportResult(plan.summary, notes=decisions.gone_notes(), run_id=journal.run_id if journal else None)
    made = [e for e in (ensured, run_tagged) if e is not None]
    result.tags_created = tuple(dict.fromkeys(n for e in made if e.kind == "tag" for n in e.created))
    result.groups_created = tuple(dict.fromkeys(n for e in made if e.kind == "group" for n in e.created))
    label_failures = (ensured.failures if ensured else ()) + (run_tagged.failures if run_tagged else ())
    result.notes += [f"{'the run tag' if run_tagged and f in run_tagged.failures else 'label'} {f.label!r} "
                     f"could not be made: {f.message}" for f in label_failures]
    run_tag_missing = run_tagged.not_applied([tag]) if run_tagged is not None and tag else []
    log = result.records

    def fail(record: Record, status: str, message: str) -> None:
        log.add(record.file, record.line, status, message=message, failed=record)

    for unused in plan.unused:
        if unused.expected:
            log.add(unused.record.file, unused.record.line, "skipped", message=unused.message)
        else:
            fail(unused.record, "skipped", unused.message)
    # Only the contacts sent and not yet settled are held (a few batches); each is let go with its outcome.
    pending: dict[int, Planned] = {}
    reached: set[int] = set()  # the positions items() has decided: the others were never sent if the run stops
    lock = threading.Lock()
    updates = Pickles("dex-import-updates-")  # the records and decision of each contact to fill, on disk

    def items() -> Iterator[tuple[int, Contact]]:
        for planned in plan.contacts():
            reached.add(planned.position)
            decision = decisions.of(planned.position)
            if decision.action == "update" and decision.fill:
                updates.add(([record_state(r) for r in planned.records], decision))
                continue
            if decision.action != "create":
                log.add_contact(planned.records, "existing", decision.dex_id, decision.describe())
                continue
            first = planned.records[0]
            held = journal.admit(planned.contact, file=first.file, line=first.line) if journal else None
            if held is not None and held.state in ("created", "duplicate"):
                log.add_contact(planned.records, "existing", held.dex_id,
                      held.message or f"created by run {held.run_id}")
                continue
            if held is not None:
                for record in planned.records:
                    fail(record, "unknown", f"outcome unknown since run {held.run_id} ("
                         f"{held.message or 'its answer was lost'}): look for it in Dex before importing it again")
                continue
            links = inline_links(planned.labels, ensured, run_tag_id=run_tag) if ensured else \
                ({"tags_contacts": [{"tag_id": run_tag}]} if run_tag else {})
            body = {**planned.contact, **links}
            with lock:
                pending[planned.position] = planned
            yield planned.position, body

    def settle(outcomes: dict[int, Outcome], *, ended: bool = False) -> None:
        for key, outcome in outcomes.items():
            with lock:
                planned = pending.pop(key, None)
                if planned is not None and isinstance(outcome, Created):
                    result.contacts_created += 1
            if planned is None:
                continue  # settled already, as it happened
            if isinstance(outcome, Created):
                missing = (ensured.not_applied(planned.labels) if ensured else []) + run_tag_missing
                if outcome.without_links:
                    missing.append(f"its tags and groups (Dex refused them: {outcome.without_links})")
                if not missing:
                    log.add_contact(planned.records, "created", outcome.dex_id)
                    continue
                # created, but without some of what it should carry: a problem, in the report, exit code 1
                with lock:
                    result.incomplete += len(planned.records)
                text = f"created without {'; '.join(missing)}"
                for record in planned.records:
                    log.add(record.file, record.line, "created", outcome.dex_id, text, failed=record)
                continue
            for record in planned.records:
                if isinstance(outcome, NotSent):
                    log.add(record.file, record.line, "not_sent", message=outcome.message)
                elif isinstance(outcome, Failed):
                    fail(record, "failed", outcome.message)
                elif ended:  # in flight when the run stopped: the next run looks it up before sending anything
                    log.add(record.file, record.line, "unknown", message=f"in flight when the run stopped "
                            f"({outcome.reason}): run the same command again, it looks it up in Dex first")
                else:
                    fail(record, "unknown", f"outcome unknown ({outcome.reason}): it may already be in Dex; "
                         "look for it there before importing this row again")

    try:
        sent = send_contacts(items(), client, batch_size=send.batch_size, concurrency=send.concurrency,
                             on_progress=on_progress, hooks=_Settling(journal.hooks() if journal else None, settle),
                             stop=stop, policy=send.policy, clock=clock, sleep=sleep, now=now, check_key=False,
                             keep_settled=False, created_ids=journal.created_ids() if journal else None)
        settle(sent.outcomes, ended=True)  # those the run ended without settling: never sent, or never looked up
        if sent.stopped:  # the contacts the run never reached: not sent either
            for planned in plan.contacts():
                if planned.position not in reached:
                    for record in planned.records:
                        log.add(record.file, record.line, "not_sent", message=f"not sent: {sent.stopped}")
        for position in range(len(updates)):
            states, decision = updates.load(position)
            records = tuple(record_from(state) for state in states)
            assert decision.dex_id is not None  # an update always names the Dex contact it matched
            try:
                read(partial(client.update_contact, decision.dex_id, decision.fill))
            except (Rejected, SurelyNotCreated, OutcomeUnknown) as exc:
                for record in records:
                    fail(record, "failed", f"could not fill {', '.join(sorted(decision.fill))} of the Dex "
                         f"contact it matched ({decision.how}): {exc.message}")
                continue
            log.add_contact(records, "updated", decision.dex_id, decision.describe().replace("will fill", "filled"))
    finally:
        updates.close()
    result.stopped = sent.stopped
    by_name = {item.name: item for item in plan.opened}
    for name in log.failed_files():
        try:
            result.reports += _write_report(by_name[name], log.failures(name), send.report, started_at,
                                            several=len(plan.opened) > 1)
        except OSError as exc:
            # a full disk after 1,000 creates must not cost the summary or the journal's end: say it instead
            result.notes.append(f"the failure report of {name} could not be written ({exc.strerror or exc}); "
                                "the failed records are listed in the summary and in --json")
            result.report_errors.append(f"{name}: {exc.strerror or exc}")
    result.seconds = clock() - started
    if tag and result.count("created"):
        result.notes.append(f"Every contact this run created has the tag {tag!r}: filter by it in Dex.")
    if journal is not None:
        journal.finish({s: result.count(s) for s in STATUSES}, stopped=result.stopped, reports=result.reports)
    return result


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


def _write_report(opened: OpenedFile, failed: Iterable[FailedRecord], chosen: str | None, started: datetime, *,
                  several: bool) -> list[str]:
    """Writes the failure report of one input file (`failed` in line order) and returns the paths written."""
    if opened.info is None:  # vCard: the failed cards themselves, and why
        vcf = _report_path(opened.name, chosen, started, ".vcf", several)
        reasons = vcf.with_name(vcf.stem + ".csv")
        write_vcard_report(vcf, reasons, failed)
        return [str(vcf), str(reasons)]
    path = _report_path(opened.name, chosen, started, ".csv", several)
    mapping = opened.detection.mapping
    ref = mapping.name if mapping.builtin or opened.detection.format == "generic" else mapping.path
    header = [c for c in opened.info.header if not c.startswith("dex-import ")]
    write_csv_report(path, header, failed, mapping_ref=ref)
    return [str(path)]


def _report_path(name: str, chosen: str | None, started: datetime, suffix: str, several: bool) -> Path:
    if chosen is None:
        return default_report_path(name, started=started, suffix=suffix)
    path = Path(chosen)
    if several:  # one report per input file: name each after its input
        return path.with_name(f"{path.stem}-{Path(name).stem}{path.suffix or suffix}")
    return path if path.suffix else path.with_suffix(suffix)
