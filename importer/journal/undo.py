"""Undo an import: delete the contacts one run created, and only those, keeping the ones edited since.

The journal gives, for each contact the run created, its Dex id and (when the create's answer was read) the
``created_at``/``updated_at`` Dex gave it. `plan_undo` looks at each in Dex now: gone already, edited since
(Dex's ``updated_at`` later than at creation; without the journal's times, later than Dex's own
``created_at``), or unchanged. Only unchanged ones are deleted, unless `force`; a contact whose timestamps
cannot tell is kept too, since deleting is permanent. `run_undo` then deletes in chunks (``DELETE /contacts/?contactIds=...``).

To save requests, the contact list (500 rows a page) is read first; a contact is fetched on its own
(``GET /contacts/{id}``) only when its list row is missing or carries no ``updated_at``.

Quirk to know: if tagging a contact after creating it bumps Dex's ``updated_at`` (unknown), every contact
tagged that way looks edited. That errs on the safe side (kept, and counted), and tags put inline at
create time avoid it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from importer.dex.client import MAX_TAKE, AuthError, DexClient, DexError, NotFound
from importer.dex.fields import parse_time
from importer.errors import UsageError
from importer.journal.store import Journal
from importer.send.retry import patient_read

Call = Callable[[Callable[[], Any]], Any]
"""Wraps each call (to pace it, and retry it while Dex cannot answer); the default calls it directly."""

DELETE_CHUNK = 100  # ids go in the query string: 100 UUIDs keep the URL under 4 KB


def _direct(call: Callable[[], Any]) -> Any:
    return call()


@dataclass(frozen=True)
class CreatedContact:
    """A contact a run created: its Dex id, and the created_at/updated_at of the create's answer if known."""

    dex_id: str
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class UndoPlan:
    """What undo will do: the ids to delete, the ones kept because they were edited since the run (or cannot
    be told apart from edited), and those no longer in Dex."""

    delete_ids: tuple[str, ...]
    kept_edited: tuple[str, ...] = ()
    already_gone: tuple[str, ...] = ()
    kept_unknown: tuple[str, ...] = ()

    @property
    def kept(self) -> int:
        """Return how many contacts of the run undo keeps."""
        return len(self.kept_edited) + len(self.kept_unknown)


@dataclass(frozen=True)
class UndoFailure:
    """Contacts whose delete call failed, and why: running undo again retries them."""

    contact_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class UndoResult:
    """What undo did: the ids Dex deleted, those it was asked to delete but did not report, and failures."""

    deleted: tuple[str, ...]
    not_deleted: tuple[str, ...] = ()
    failures: tuple[UndoFailure, ...] = ()


def _state(created: CreatedContact, now: dict[str, Any]) -> str:
    """Return "unchanged", "edited" or "unknown" for a contact as Dex has it `now`."""
    # At creation updated_at equals created_at: so the journal's created_at stands in for its updated_at, and
    # Dex's own created_at for both when the journal has neither (a contact settled by a lookup)
    then = parse_time(created.updated_at) or parse_time(created.created_at) or parse_time(now.get("created_at"))
    current = parse_time(now.get("updated_at"))
    if then is None or current is None:
        return "unknown"
    return "edited" if current > then else "unchanged"


def plan_undo(client: DexClient, created: Sequence[CreatedContact], *, force: bool = False,
              call: Call = _direct, take: int = MAX_TAKE) -> UndoPlan:
    """Return what undoing a run would do to the contacts it `created` (nothing is deleted here).

    With `force`, contacts edited since (or that cannot be told) are deleted too."""
    wanted = {c.dex_id: c for c in created if c.dex_id}
    rows: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while wanted:
        page = call(partial(client.list_contacts_page, take=take, cursor=cursor))
        rows.update({str(r.get("id")): r for r in page.items if str(r.get("id")) in wanted})
        if page.next_cursor is None or not page.items or len(rows) == len(wanted):
            break
        cursor = page.next_cursor
    delete: list[str] = []
    edited: list[str] = []
    gone: list[str] = []
    unknown: list[str] = []
    for dex_id, contact in wanted.items():
        row = rows.get(dex_id)
        if row is None or parse_time(row.get("updated_at")) is None:
            # not listed (the list may leave archived contacts out) or no updated_at on list rows: ask for it
            try:
                row = call(partial(client.get_contact, dex_id))
            except NotFound:
                gone.append(dex_id)
                continue
        state = _state(contact, row)
        if state == "unchanged" or force:
            delete.append(dex_id)
        else:
            (edited if state == "edited" else unknown).append(dex_id)
    return UndoPlan(tuple(delete), tuple(edited), tuple(gone), tuple(unknown))


def run_undo(client: DexClient, plan: UndoPlan, *, call: Call = _direct, chunk: int = DELETE_CHUNK) -> UndoResult:
    """Return what was deleted of `plan.delete_ids`, `chunk` ids a call (deleting is idempotent: `call` may
    retry it). A failed chunk is a value in the result; only a refused key (AuthError) stops it."""
    deleted: list[str] = []
    failures: list[UndoFailure] = []
    ids = list(dict.fromkeys(plan.delete_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        try:
            deleted += call(partial(client.delete_contacts, part))
        except AuthError:
            raise
        except DexError as exc:
            failures.append(UndoFailure(tuple(part), exc.describe()))
    done = set(deleted)
    failed = {i for f in failures for i in f.contact_ids}
    return UndoResult(tuple(deleted), tuple(i for i in ids if i not in done and i not in failed), tuple(failures))


@dataclass(frozen=True)
class UndoOutcome:
    """An undo from start to end: how many contacts the run created, the plan, and what was done (None when
    nothing was deleted: nothing to delete, or not confirmed)."""

    created: int
    plan: UndoPlan
    result: UndoResult | None = None
    stopped: str | None = None
    undone_before: int = 0
    """How many contacts of the run were gone already before this undo (an earlier undo deleted them)."""


def undo_run(client: DexClient, journal: str | os.PathLike[str], run_id: str, *, force: bool = False,
             confirm: Callable[[int, UndoPlan], bool] = lambda created, plan: True,
             call: Call | None = None, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic, account_id: str | None = None,
             email: str | None = None) -> UndoOutcome:
    """Returns the outcome of undoing run `run_id` of the journal file `journal`, the journal kept right.

    `account_id` is the id GET /users/me gave, when the caller has read (and checked) it already; `email`
    the account's email it gave, written down with the run for ``runs`` to show.

    The undo is itself a run of the journal: it ends "finished" whatever happens (nothing to delete, `confirm`
    said no or raised, a delete failed), so `runs` never shows an undo as interrupted; the contacts Dex
    deleted are forgotten, so that the next import creates their records again. `confirm(created, plan)` is
    asked before anything is deleted.

    Every call goes through `call`; by default the one paced, retrying path of every read (`patient_read`,
    on `sleep` and `clock`): a 429 waits out Retry-After, a 503 is tried again. Deleting is idempotent, so
    the deletes go through it too.
    """
    call = call or patient_read(sleep, clock=clock)
    if account_id is None:
        account_id = str(call(client.me).get("id", ""))
    with Journal.open(journal, account_id=account_id, kind="undo", api_url=client.api_url, email=email) as book:
        created = [CreatedContact(c.dex_id, c.created_at, c.updated_at) for c in book.created_in_run(run_id)]
        kept = {"deleted": 0, "kept": len(created)}
        undone = book.undone_in_run(run_id)
        if not created and undone:
            book.finish(kept, stopped="undone already")
            return UndoOutcome(0, UndoPlan(()), stopped="undone already", undone_before=undone)
        try:
            plan = plan_undo(client, created, force=force, call=call)
            if not plan.delete_ids:
                book.finish(kept, stopped="nothing to delete")
                return UndoOutcome(len(created), plan, stopped="nothing to delete")
            if not confirm(len(created), plan):
                book.finish(kept, stopped="cancelled")
                return UndoOutcome(len(created), plan, stopped="cancelled")
            result = run_undo(client, plan, call=call)
        except BaseException as exc:
            why = ("not confirmed" if isinstance(exc, UsageError) else
                   "interrupted" if isinstance(exc, KeyboardInterrupt) else f"failed ({type(exc).__name__})")
            book.finish(kept, stopped=why)
            raise
        book.forget_created(result.deleted)
        book.finish({"deleted": len(result.deleted), "kept": len(created) - len(result.deleted)})
        return UndoOutcome(len(created), plan, result)
