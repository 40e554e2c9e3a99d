"""Returns the preview of an import: what every record becomes, counted, with the notices grouped, and with a
Dex account, what the import would do with each record.

`preview` runs the very code the import runs (open, detect, read, map) and stops before anything is sent.
Contacts stream through: only counts, the first few contacts and the notices are kept, so a large file
previews in constant memory, and ``out`` receives each contact as one JSON line, in input order.
`predict_plan` runs the import's own decisions against the account, and sends nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from importer.dex.description import sent_text
from importer.plan.inputs import Input, ReadOptions, open_files
from importer.plan.plan import Plan, make_plan
from importer.plan.summary import Summary

if TYPE_CHECKING:  # a preview with no account to check loads none of the sending machinery
    from importer.dex.client import DexClient
    from importer.report.records import RecordLog


def preview(paths: Sequence[Input], options: ReadOptions = ReadOptions(), *,
            out: TextIO | None = None, sample: int = 10, merge: bool = True, strict: bool = False,
            on_read: Callable[[int, int], None] | None = None, description_format: str = "html") -> Summary:
    """Returns the Summary of reading, mapping and deduplicating every file; writes the contacts to `out`
    as JSON lines, exactly as the import would send them, in input order (a merged contact where its last
    record stands).

    Raises InputError/MappingError/UsageError before reading anything when a file or mapping is unusable:
    every file is opened and detected first, so a bad second file stops the run before the first is read.
    `on_read(bytes read, total bytes)` follows the reading, for a progress bar (see `make_plan`); `merge`
    and `strict` say who is the same person (see `make_plan`); `description_format` is how descriptions are
    sent (importer.dex.description).
    """
    opened = open_files(paths, options)
    with make_plan(opened, merge=merge, strict=strict, sample=sample, on_read=on_read) as plan:
        if out is not None:
            write_sent(plan, out, description_format)
        return plan.summary


def write_sent(plan: Plan, out: TextIO, description_format: str = "html") -> None:
    """Writes the plan's contacts to `out` as JSON lines, each exactly as it is sent (its JSON encoded once, when
    it was spilled; the description made rich text by `description_format`), in input order."""
    write = out.write
    for text in plan.contact_texts():
        write(sent_text(text, description_format) + "\n")


def predict_plan(plan: Plan, client: DexClient | None, *, existing: str = "skip",
                 sleep: Callable[[float], None] = time.sleep) -> RecordLog:
    """Returns, record by record, what `send_plan` would do with the plan (statuses as the import's:
    created, existing, updated, skipped), using the same decisions; nothing is written to Dex."""
    from importer.plan.existing import decide_all
    from importer.report.records import RecordLog
    from importer.send.retry import patient_read

    read = patient_read(sleep)
    account_id = str(read(client.me)["id"]) if client is not None else None
    decisions = decide_all(plan, client, existing=existing, read=read, account_id=account_id)
    log = RecordLog()
    for unused in plan.unused:
        log.add(unused.record.file, unused.record.line, "skipped", message=unused.message)
    for planned in plan.contacts():
        decision = decisions.of(planned.position)
        status = {"create": "created", "update": "updated" if decision.fill else "existing"}.get(
            decision.action, "existing")
        log.add_contact(planned.records, status, decision.dex_id, decision.describe())
    return log
