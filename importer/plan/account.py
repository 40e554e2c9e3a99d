"""Who is already in Dex: match each contact of the input against the account, and what an update may fill.

`AccountIndex.load` asks Dex once per run: ``POST /contacts/by-emails`` (50 emails a call, never the
``createFrom...`` flags) for the input's emails, and the contact list (``GET /contacts``, paged) for LinkedIn
handles and names. `AccountIndex.match` then answers locally, by the first rule that finds someone:

1. an email in common (case-insensitive);
2. the same LinkedIn handle (case-insensitive; a URL stored in Dex counts by its handle);
3. the same name *and* the same company (both present, compared as `importer.normalize.keys` folds them:
   case, spacing, accents and legal forms), unless their identities conflict (`keys.conflict`: two LinkedIn
   profiles, or two addresses at one work domain, are two people): the very rule of the in-file merge.
   ``--merge strict`` (`match(..., strict=True)`) leaves this rule out.
4. the id the import gives the contact (derived from the account and the person: see `importer.send.ids`),
   when Dex kept it for a contact an earlier import made.

A name alone never matches (namesakes are common), and a contact whose email is not in Dex still goes on to
rules 2 and 3 (people have more than one address). When a rule finds several Dex contacts, the oldest is the
match and the others are named in `Match.also`.

`missing_fields` says what ``--existing update`` may send: only what is empty in Dex, never a value the person
has. Dex's ``PUT`` semantics for list fields are unknown (it may replace the list), so emails, phones and
addresses are filled only when Dex has none at all.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any

from importer.dex.client import EMAILS_PER_LOOKUP, MAX_TAKE, DexClient
from importer.dex.fields import parse_time
from importer.model import Contact
from importer.normalize.handles import linkedin_handle
from importer.normalize.keys import (
    conflict,
    fold_email,
    fold_text,
    identity_of,
    linkedin_key,
    name_company_keys,
)

Read = Callable[[Callable[[], Any]], Any]
"""Wraps each read-only call (to pace and retry it); the default calls it directly."""

# Never sent in an update: names (Dex always has one; a partial name could contradict its full_name), the
# links that labels.py handles, and the fields whose update semantics nobody has published.
_NEVER_UPDATE = frozenset({"id", "full_name", "first_name", "last_name", "tags_contacts", "groups_contacts",
                           "custom_fields", "related_contacts", "contact_birthdays", "created_at", "updated_at"})
# The birthday's year belongs to the birthday: both are filled together or not at all.
_BIRTHDAY = ("birthday", "birthday_year")


def _direct(call: Callable[[], Any]) -> Any:
    return call()


def _handle(value: Any) -> str:
    # Dex may hold a URL someone pasted rather than the bare handle the importer sends
    if not isinstance(value, str) or not value.strip():
        return ""
    return linkedin_key(fold_text(linkedin_handle(value) or ""))


def _emails(contact: Mapping[str, Any]) -> list[str]:
    items = contact.get("contact_emails") or []
    found = (fold_email(e.get("email")) for e in items if isinstance(e, dict))
    return [e for e in found if e]


def _age(contact: Mapping[str, Any]) -> tuple[int, datetime, str]:
    """Return a sort key putting the oldest contact first (undated ones last, then by id)."""
    when = parse_time(contact.get("created_at"))
    if when is None:
        return (1, datetime.max.replace(tzinfo=timezone.utc), str(contact.get("id")))
    return (0, when, str(contact.get("id")))


@dataclass(frozen=True)
class Match:
    """The Dex contact a contact of the input already is: its id, the rule that found it (for the preview:
    ``email ann@example.com``), the contact as Dex gave it, other Dex contacts the same rule found, and
    whether `existing` is the full contact (from by-emails or GET) or only a list row (names and work)."""

    dex_id: str
    how: str
    existing: dict[str, Any]
    also: tuple[str, ...] = ()
    complete: bool = True


@dataclass
class AccountIndex:
    """The account's contacts as this run saw them, indexed by email, LinkedIn handle, and name with company.

    Build it with `AccountIndex.load`; `match` never calls Dex."""

    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    complete: set[str] = field(default_factory=set)
    by_email: dict[str, list[str]] = field(default_factory=dict)
    by_linkedin: dict[str, list[str]] = field(default_factory=dict)
    by_name_company: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, client: DexClient, *, emails: Iterable[str], read: Read = _direct,
             take: int = MAX_TAKE) -> AccountIndex:
        """Return the index of the account: the contacts having any of `emails`, and the whole contact list.

        Each email is asked as written and lowercased: whether Dex's lookup ignores case is unknown. The list
        is read first: an empty account (the first import into it) needs no email lookup at all."""
        index = cls()
        cursor: str | None = None
        while True:
            page = read(partial(client.list_contacts_page, take=take, cursor=cursor))
            for row in page.items:
                index.add(row, complete=False)
            if page.next_cursor is None or not page.items:
                break
            cursor = page.next_cursor
        if not index.contacts:
            return index
        asked = list(dict.fromkeys(v for e in emails if e.strip() for v in (e.strip(), e.strip().lower())))
        for start in range(0, len(asked), EMAILS_PER_LOOKUP):
            chunk = asked[start:start + EMAILS_PER_LOOKUP]
            for row in read(partial(client.contacts_by_emails, chunk)):
                index.add(row, complete=True)
        return index

    def add(self, row: Mapping[str, Any], *, complete: bool) -> None:
        """Return nothing, having indexed one Dex contact (a full contact replaces a list row, never the reverse)."""
        dex_id = str(row.get("id") or "")
        if not dex_id or (dex_id in self.contacts and (dex_id in self.complete or not complete)):
            return
        self.contacts[dex_id] = dict(row)
        if complete:
            self.complete.add(dex_id)
        for email in _emails(row):
            _put(self.by_email, email, dex_id)
        if handle := _handle(row.get("linkedin")):
            _put(self.by_linkedin, handle, dex_id)
        for key in name_company_keys(row):
            _put(self.by_name_company, key, dex_id)

    def match(self, contact: Contact, *, others: Container[str] = (), strict: bool = False,
              own_id: str | None = None) -> Match | None:
        """Return the Dex contact that `contact` already is, by the first rule that finds one, or None.

        `others` are contacts this import created for other records: never a match, whatever the rule (two
        rows with the same name and company are two people the import was told about). With `strict`, name
        and company never match. `own_id` is the id the import gives `contact` (`importer.send.ids`): a
        contact of the account holding it is this person, made by an earlier import, when no other rule finds
        one (the only rule a name alone can meet)."""
        for email in _emails(contact):
            if ids := [i for i in self.by_email.get(email, ()) if i not in others]:
                return self._match(ids, f"email {email}")
        handle = _handle(contact.get("linkedin"))
        if handle and (ids := [i for i in self.by_linkedin.get(handle, ()) if i not in others]):
            return self._match(ids, f"linkedin handle {handle}")
        if not strict:
            own = identity_of(contact, handle=handle)
            for key in name_company_keys(contact):
                ids = [i for i in self.by_name_company.get(key, []) if i not in others
                       and conflict(identity_of(self.contacts[i], handle=_handle(self.contacts[i].get("linkedin"))),
                                    own) is None]
                if ids:
                    name, company = key.split("\x1f")
                    return self._match(ids, f"name and company {name}, {company}")
        if own_id and own_id in self.contacts and own_id not in others:
            return self._match([own_id], "its id, given by an earlier dex-import")
        return None

    def _match(self, ids: list[str], how: str) -> Match:
        ordered = sorted(dict.fromkeys(ids), key=lambda i: _age(self.contacts[i]))
        first = ordered[0]
        return Match(first, how, dict(self.contacts[first]), tuple(ordered[1:]), first in self.complete)

    def updated(self, dex_id: str, fields: Contact) -> None:
        """Return nothing, having noted that this run filled `fields` of a contact: a later record matching the
        same contact is then not given the same empty fields to fill (and overwrite the first one's values)."""
        if dex_id in self.contacts:
            self.contacts[dex_id].update(fields)


def _put(table: dict[Any, list[str]], key: Any, dex_id: str) -> None:
    ids = table.setdefault(key, [])
    if dex_id not in ids:
        ids.append(dex_id)


def fetch_full(client: DexClient, match: Match, *, read: Read = _direct) -> Match:
    """Return `match` with `existing` replaced by the full contact (``GET /contacts/{id}``) when it was only a
    list row: a list row has no emails or phones, so `missing_fields` could fill nothing but names and work."""
    if match.complete:
        return match
    full = read(partial(client.get_contact, match.dex_id))
    return Match(match.dex_id, match.how, dict(full), match.also, True)


def _empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, (list, dict)) and not value)


def missing_fields(existing: Mapping[str, Any], contact: Contact) -> Contact:
    """Return the fields of `contact` to send with ``PUT /contacts/{id}`` so that only what is empty in Dex
    gets filled; {} when there is nothing to fill.

    A field is empty in Dex when `existing` has it as null, "" or an empty list; a field `existing` does not
    carry at all is unknown and never filled (a list row lacks most fields: see `fetch_full`). Emails, phones
    and addresses are filled only when Dex has none (``PUT`` may replace a whole list, so never add to one).
    Names are never sent; booleans (``starred``) hold a choice even when false; ``frequency`` stays unset
    when the person chose ``never_keep_in_touch``.

    >>> missing_fields({"company": None, "job_title": "CTO"}, {"company": "Example Co", "job_title": "CEO"})
    {'company': 'Example Co'}
    """
    fill: Contact = {}
    for name, value in contact.items():
        if name in _NEVER_UPDATE or name in _BIRTHDAY or _empty(value) or isinstance(value, bool):
            continue
        if name in existing and _empty(existing[name]):
            fill[name] = value
    if existing.get("never_keep_in_touch") is True:
        fill.pop("frequency", None)
    if not _empty(contact.get("birthday")) and "birthday" in existing and _empty(existing["birthday"]) \
            and _empty(existing.get("birthday_year")):
        fill.update({k: contact[k] for k in _BIRTHDAY if not _empty(contact.get(k))})
    return fill
