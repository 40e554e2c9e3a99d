"""Decide whether contacts sent in a create whose answer was lost were created: look them up in Dex.

Dex has no idempotency key, so a create that timed out or lost its connection may or may not have created its
contacts. `find_created` looks: by email (``POST /contacts/by-emails``) for contacts that have one, else in the
contact list by name, then linkedin, company and job title when they were sent; either way only among contacts
created since the batch went out (minus clock skew) and not already known to this run. Each contact ends as
`Created(id)` (exactly one match), None (no match: safe to send again), or `Unknown` (several matches, or a
match Dex gives no creation time for): never a guess that could create a duplicate or claim someone else.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any, TypeVar

from importer.dex.client import EMAILS_PER_LOOKUP, MAX_TAKE, DexClient
from importer.dex.fields import parse_time
from importer.model import Contact
from importer.normalize.keys import fold_email, fold_text, name_keys
from importer.send.outcomes import Created, Unknown

T = TypeVar("T")


Found = Created | Unknown | None


def utc_now() -> datetime:
    """Return the current time in UTC (the default wall clock of a run: its batches' send times are compared
    with Dex's created_at when their contacts are looked up)."""
    return datetime.now(timezone.utc)


def _direct(call: Callable[[], T]) -> T:
    return call()


def _handle(value: Any) -> str:
    return fold_text(value).rstrip("/")


def _emails(contact: dict[str, Any]) -> set[str]:
    return {fold_email(e.get("email")) for e in contact.get("contact_emails") or [] if isinstance(e, dict)} - {""}


def list_matches(sent: Contact, row: dict[str, Any]) -> bool:
    """Return True when a contact-list row could be `sent`: same name, and the same linkedin, company and
    job title where those were sent (Dex may fill in what we left empty, never change what we gave)."""
    if not name_keys(sent) & name_keys(row):
        return False
    checks = (("linkedin", _handle), ("company", fold_text), ("job_title", fold_text))
    return all(not norm(sent.get(name)) or norm(sent.get(name)) == norm(row.get(name)) for name, norm in checks)


def _decide(candidates: list[dict[str, Any]], since: datetime, exclude: Container[str], what: str) -> Found:
    fresh, undated = [], []
    for row in candidates:
        if str(row.get("id")) in exclude:
            continue
        when = parse_time(row.get("created_at"))
        if when is None:
            undated.append(row)
        elif when >= since:
            fresh.append(row)
    if undated:
        return Unknown(f"a contact with {what} exists, and Dex did not say when it was created")
    if len(fresh) > 1:
        return Unknown(f"{len(fresh)} contacts with {what} were created since the batch was sent")
    return Created.from_answer(fresh[0]) if fresh else None


def find_created(contacts: Sequence[Contact], client: DexClient, *, since: datetime,
                 exclude: Container[str] = frozenset(),
                 read: Callable[[Callable[[], Any]], Any] = _direct) -> list[Found]:
    """Return, for each contact, Created(id), None (not in Dex: send it again) or Unknown(reason).

    `since` is when the batch was sent, less the clock skew allowed between us and Dex; `exclude` holds the
    ids this run already knows it created; `read` wraps each call (to pace and retry it).
    """
    results: list[Found] = [None] * len(contacts)
    with_email = [i for i, c in enumerate(contacts) if _emails(c)]
    if with_email:
        wanted = sorted({e for i in with_email for e in _emails(contacts[i])})
        rows: list[dict[str, Any]] = []
        for start in range(0, len(wanted), EMAILS_PER_LOOKUP):
            chunk = wanted[start:start + EMAILS_PER_LOOKUP]
            rows += read(partial(client.contacts_by_emails, chunk))
        for i in with_email:
            mine = _emails(contacts[i])
            results[i] = _decide([r for r in rows if _emails(r) & mine], since, exclude, "its email")
    has_email = set(with_email)
    without = [i for i in range(len(contacts)) if i not in has_email]
    if without:
        listed = list_since(client, since=since, read=read)
        for i in without:
            results[i] = _decide([r for r in listed if list_matches(contacts[i], r)], since, exclude,
                                 "its name")
    return _unclaim_shared(results, "the same contact in Dex matches several contacts sent")


def list_since(client: DexClient, *, since: datetime, read: Callable[[Callable[[], Any]], Any] = _direct
               ) -> list[dict[str, Any]]:
    """Return the contact-list rows created since `since`, or with no created_at (the whole list is read:
    Dex does not document its order)."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = read(partial(client.list_contacts_page, take=MAX_TAKE, cursor=cursor))
        for row in page.items:
            when = parse_time(row.get("created_at"))
            if when is None or when >= since:
                rows.append(row)
        if page.next_cursor is None or not page.items:
            return rows
        cursor = page.next_cursor


def _unclaim_shared(results: list[Found], reason: str) -> list[Found]:
    """Return `results` where any Dex id claimed by two contacts becomes Unknown for both."""
    ids = [r.dex_id for r in results if isinstance(r, Created)]
    shared = {i for i in ids if ids.count(i) > 1}
    return [Unknown(reason) if isinstance(r, Created) and r.dex_id in shared else r for r in results]


class ClaimedIds:
    """The Dex ids this run created, as their hashes: a lookup must not take one of them for a contact whose
    answer was lost. A str id costs about 110 bytes in a set, its hash about 60; two of a million ids share a
    hash with a chance under one in 10^7, and then a contact whose answer was lost would be sent again."""

    def __init__(self) -> None:
        self._hashes: set[int] = set()

    def add(self, dex_id: str) -> None:
        """Notes an id this run created."""
        self._hashes.add(hash(dex_id))

    def __contains__(self, dex_id: object) -> bool:
        return hash(dex_id) in self._hashes
