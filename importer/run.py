"""Returns the result of an import: every record read, mapped and sent exactly as `preview` shows it.

`run_import` reads the files through the same `tally` the preview uses, sends the contacts with
`send_contacts` (batched, paced, never resent blindly), and writes a failure report for every file that had
records that did not make it. Each record ends as one of: created (with its Dex id), skipped (no name, an
unreadable card, a hidden LinkedIn member), failed (Dex refused it, or it could not be sent), or unknown
(it may be in Dex: its answer was lost and no lookup could tell).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from importer.client import DexClient
from importer.exitcodes import ExitCode
from importer.model import Contact
from importer.outcomes import Created, Failed, Progress, SendHooks, SendPolicy
from importer.pipeline import Input, OpenedFile, ReadOptions, open_files
from importer.plan import Plan, Planned, make_plan
from importer.preview import Summary
from importer.report import FailedRecord, default_report_path, write_csv_report, write_vcard_report
from importer.send import send_contacts

@dataclass(frozen=True)
class SendOptions:
    """How to send: batch size, requests in flight, where the failure report goes."""

    batch_size: int = 100
    concurrency: int = 4
    report: str | None = None
    policy: SendPolicy | None = None


@dataclass(frozen=True)
class RecordResult:
    """What happened to one record: created (with its Dex id), skipped, failed or unknown."""

    file: str
    line: int
    status: str
    dex_id: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form used by ``import --json``."""
        return {"file": self.file, "line": self.line, "status": self.status, "id": self.dex_id,
                "message": self.message}


@dataclass
class ImportResult:
    """The whole run: the preview's counts, each record's fate, the reports written, the time taken."""

    summary: Summary
    records: list[RecordResult] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str | None = None

    def count(self, status: str) -> int:
        """Returns how many records ended with `status`."""
        return sum(1 for r in self.records if r.status == status)

    @property
    def exit_code(self) -> ExitCode:
        """Returns OK when every record was created (or skipped as expected), PARTIAL otherwise."""
        bad = self.count("failed") + self.count("unknown") + self.summary.unusable
        return ExitCode.PARTIAL if bad or self.stopped else ExitCode.OK

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form printed by ``import --json``."""
        return {"created": self.count("created"), "skipped": self.count("skipped"),
                "failed": self.count("failed"), "unknown": self.count("unknown"),
                "report": self.reports, "seconds": round(self.seconds, 3), "stopped": self.stopped,
                "records": [r.as_dict() for r in self.records]}


def run_import(paths: Sequence[Input], client: DexClient, *, read: ReadOptions = ReadOptions(),
               send: SendOptions = SendOptions(), merge: bool = True, **sending: Any) -> ImportResult:
    """Returns the result of importing `paths` into the Dex account of `client` (see `send_plan`).

    Files are opened and detected before anything else: a bad file or mapping stops the run with nothing
    sent (InputError, MappingError).
    """
    with make_plan(open_files(paths, read), merge=merge) as plan:
        return send_plan(plan, client, send=send, **sending)


def send_plan(plan: Plan, client: DexClient, *, send: SendOptions = SendOptions(),
              on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
              hooks: SendHooks[int] | None = None, clock: Callable[[], float] = time.monotonic,
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
              sleep: Callable[[float], None] = time.sleep) -> ImportResult:
    """Returns the result of sending a plan's contacts to Dex and reporting the records that did not make it.

    The key is checked before any contact is sent (AuthError). Each record ends created (with its Dex id;
    records merged into one contact share it), skipped, failed or unknown.
    """
    started_at = now()
    started = clock()
    result = ImportResult(plan.summary)
    failures: dict[str, list[FailedRecord]] = {}
    for unused in plan.unused:
        record = unused.record
        result.records.append(RecordResult(record.file, record.line, "skipped", message=unused.message))
        if not unused.expected:
            failures.setdefault(record.file, []).append(FailedRecord(record, unused.message))
    pending: dict[int, Planned] = {}

    def items() -> Iterator[tuple[int, Contact]]:
        for planned in plan.contacts():
            pending[planned.position] = planned
            yield planned.position, planned.contact

    sent = send_contacts(items(), client, batch_size=send.batch_size, concurrency=send.concurrency,
                         on_progress=on_progress, hooks=hooks, stop=stop, policy=send.policy,
                         clock=clock, sleep=sleep, now=now)
    for key, outcome in sent.outcomes.items():
        planned = pending[key]
        first = planned.records[0]
        for record in planned.records:
            merged = f"merged into the contact of {first.file}:{first.line}" if record is not first else None
            if isinstance(outcome, Created):
                result.records.append(RecordResult(record.file, record.line, "created", outcome.dex_id, merged))
                continue
            if isinstance(outcome, Failed):
                status, message = "failed", outcome.message
            else:
                status, message = "unknown", (f"outcome unknown ({outcome.reason}): it may already be in "
                                              "Dex; look for it there before importing this row again")
            result.records.append(RecordResult(record.file, record.line, status, message=message))
            failures.setdefault(record.file, []).append(FailedRecord(record, message))
    result.records.sort(key=lambda r: (r.file, r.line))
    result.stopped = sent.stopped
    by_name = {item.name: item for item in plan.opened}
    for name, failed in failures.items():
        result.reports += _write_report(by_name[name], failed, send.report, started_at,
                                        several=len(plan.opened) > 1)
    result.seconds = clock() - started
    return result


def _write_report(opened: OpenedFile, failed: list[FailedRecord], chosen: str | None, started: datetime, *,
                  several: bool) -> list[str]:
    """Writes the failure report of one input file and returns the paths written."""
    failed.sort(key=lambda f: f.record.line)
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
