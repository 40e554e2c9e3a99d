"""Returns the id each contact is sent with, and what Dex does with it (the run's id mode).

Dex's create body takes an ``id`` (a UUID: see the seed); whether Dex keeps an id the client chose is not
published. Every contact gets one before it is sent, written in the journal with it (`IdDeriver`): a UUID
derived (uuid5) from the Dex account and the contact's strongest identity (its first email, else its LinkedIn
handle, else its name) with its occurrence number among the run's contacts of that identity, so that the same
person gets the same id in every run and every journal. The first create answer shows what Dex does with it
(`IdMode`):

- ``keep``: the ids sent come back; a create whose answer was lost is settled exactly, contact by contact,
  with ``GET /contacts/{id}`` (`find_sent`): found is created, 404 is not (sent again, with the same id); a
  409 means a contact with that id exists, which the same GET tells;
- ``ignore``: other ids come back: ids are left out of every later batch, and lost answers are looked up
  (`importer.send.lookup`) as when Dex has no ids at all;
- ``refuse``: a 400 naming ``id``: the batch goes again without ids (a 400 created nothing), and so does every
  later one; lost answers are looked up.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Container, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from importer.dex.client import DexClient, Rejected
from importer.model import Contact
from importer.normalize.handles import linkedin_handle
from importer.normalize.keys import fold_email, fold_text
from importer.send.lookup import Found, find_created
from importer.send.outcomes import Created

MODES = ("keep", "ignore", "refuse")
"""What Dex does with the ids sent: keeps them, ignores them (assigns its own), or refuses them (400)."""

# Fixed for ever: changing it would give every person a new id, and a rerun could not find them by it
NAMESPACE = uuid.UUID("9b3f6c1e-52d4-4e0a-8f7b-3c2a1d0e5f64")
# A 400 about the contact's own id: "contacts[0].id: ...", "contacts.0.id", "id: unknown field", "'id' is not
# allowed"; not "tag_id", "contact_id", a custom field's "custom_fields[0].id" nor "no tag with id ..."
_NAMES_ID = re.compile(r"(?:^|\bcontacts\[\d+\]\.|\bcontacts\.\d+\.|[\"'`])id\b(?![\[.])")


def identity(contact: Contact) -> str:
    """Returns the strongest identity of a contact: ``email:<first email>``, else ``linkedin:<handle>``, else
    ``name:<name>`` (each folded as the account check compares them).

    >>> identity({"full_name": "Ann Example", "contact_emails": [{"email": "Ann@Example.com"}]})
    'email:ann@example.com'
    >>> identity({"full_name": "Ann  EXAMPLE"})
    'name:ann example'
    """
    for item in contact.get("contact_emails") or ():
        if isinstance(item, dict) and (email := fold_email(item.get("email"))):
            return f"email:{email}"
    linkedin = contact.get("linkedin")
    if isinstance(linkedin, str) and (handle := linkedin_handle(linkedin)):
        return f"linkedin:{fold_text(handle)}"
    joined = f"{contact.get('first_name') or ''} {contact.get('last_name') or ''}"
    return f"name:{fold_text(contact.get('full_name')) or fold_text(joined)}"


class IdDeriver:
    """Gives the contacts of one pass over a plan their ids, in plan order (two passes give the same ids).

    The occurrence count of each identity is kept in a private temporary SQLite file, not in memory: a run
    may hold a million people."""

    def __init__(self, account_id: str) -> None:
        self._account = account_id
        self._lock = threading.Lock()
        # "" opens a temporary database, on disk past SQLite's small cache; one open transaction, never
        # committed: it is thrown away with the connection
        self._seen = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._seen.execute("CREATE TABLE seen (key BLOB PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        self._seen.execute("BEGIN")

    def close(self) -> None:
        """Throws the counts away."""
        with self._lock:
            self._seen.close()

    def __enter__(self) -> IdDeriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def id_for(self, contact: Contact) -> str:
        """Returns the id to send `contact` with: the one a mapping gave it, else the derived one. Call it once
        for each contact of the pass, in order: the occurrence number counts the calls."""
        who = identity(contact)
        key = hashlib.blake2b(who.encode("utf-8"), digest_size=16).digest()
        with self._lock:
            n = self._seen.execute("INSERT INTO seen VALUES (?, 0) ON CONFLICT (key) DO UPDATE SET n = n + 1 "
                                   "RETURNING n", (key,)).fetchone()[0]
        given = contact.get("id")
        if isinstance(given, str) and given.strip():
            return given
        return derive_id(self._account, who, n)


def derive_id(account_id: str, who: str, occurrence: int = 0) -> str:
    """Returns the UUID of the `occurrence`-th contact (from 0) with identity `who` in the account `account_id`.

    >>> derive_id("acct-1", "email:ann@example.com") == derive_id("acct-1", "email:ann@example.com")
    True
    >>> derive_id("acct-1", "name:ann example", 0) != derive_id("acct-1", "name:ann example", 1)
    True
    """
    return str(uuid.uuid5(NAMESPACE, f"{account_id}\0{who}\0{occurrence}"))


def record_id(account_id: str, fingerprint: str) -> str:
    """Returns the id of a record to create whose derived id a contact of the account already holds for
    someone else (a namesake an earlier import made): derived from the record's own fingerprint instead, so
    that it stays the same from run to run while the row does.

    >>> record_id("acct-1", "ab12") == derive_id("acct-1", "record:ab12")
    True
    """
    return derive_id(account_id, f"record:{fingerprint}")


def _carries_id(contact: Contact) -> bool:
    return isinstance(contact.get("id"), str)


def _is_uuid(value: str) -> bool:
    try:
        return len(value) == 36 and uuid.UUID(value) is not None
    except ValueError:
        return False


class IdMode:
    """What Dex does with the ids sent, as far as this run has seen: `mode` is None until an answer shows it.

    `mode` may be given (an earlier run's, to settle what it left in flight); `on_decided(mode)` is told each
    time the mode is found or changes (the journal writes it down). Safe to share between threads."""

    def __init__(self, *, mode: str | None = None, on_decided: Callable[[str], None] | None = None) -> None:
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self._on_decided = on_decided
        self._lock = threading.Lock()

    def _decide(self, mode: str) -> None:
        with self._lock:
            changed, self.mode = self.mode != mode, mode
        if changed and self._on_decided is not None:
            self._on_decided(mode)

    @property
    def sends_ids(self) -> bool:
        """Returns False once Dex is known to ignore or refuse the ids: they are left out from then on."""
        return self.mode not in ("ignore", "refuse")

    def outgoing(self, contact: Contact) -> Contact:
        """Returns `contact` as it is to be sent now: without its id when Dex ignores or refuses ids."""
        if self.sends_ids or "id" not in contact:
            return contact
        return {k: v for k, v in contact.items() if k != "id"}

    def answered(self, sent: Sequence[Contact], created: Sequence[dict[str, Any]]) -> None:
        """Notes what a create answer shows: the ids sent came back (keep), or others did (ignore)."""
        pairs = [(c["id"], row.get("id")) for c, row in zip(sent, created) if _carries_id(c)]
        if not pairs:
            return
        if all(mine == theirs for mine, theirs in pairs):
            if self.mode is None:
                self._decide("keep")
        elif self.mode != "refuse":
            self._decide("ignore")  # Dex assigned its own (to some at least): the ids sent tell nothing

    def refused(self, exc: Rejected, sent: Sequence[Contact]) -> bool:
        """Returns True when a 400 refused the batch over the ids it carries (Dex is then taken to refuse
        ids: the batch goes again without them); False for any other refusal, or once Dex kept an id.

        Only a batch whose every id is a well-formed UUID can be refused over ids: a mapping may give a
        contact a bad one, and that contact alone then fails with Dex's message (the batch is split)."""
        carried = [c["id"] for c in sent if _carries_id(c)]
        if self.mode == "keep" or exc.status_code != 400 or not carried or not all(map(_is_uuid, carried)):
            return False
        if not _NAMES_ID.search(exc.message):
            return False
        self._decide("refuse")
        return True

    def conflict(self, sent: Sequence[Contact]) -> bool:
        """Returns True when a 409 to a batch sent with ids says one of them is taken: Dex keeps ids."""
        if not any(_carries_id(c) for c in sent) or not self.sends_ids:
            return False
        self.kept()
        return True

    def kept(self) -> None:
        """Notes that Dex holds a contact under an id the importer chose (unless a later answer said otherwise)."""
        if self.mode is None:
            self._decide("keep")


def find_sent(contacts: Sequence[Contact], client: DexClient, *, since: datetime, ids: IdMode,
              exclude: Container[str] = frozenset(), read: Callable[[Callable[[], Any]], Any]) -> list[Found]:
    """Returns, for each contact of a create whose answer was lost, Created(id), None (not in Dex: send it
    again) or Unknown(reason).

    A contact sent with an id is asked for by it (``GET /contacts/{id}``), unless Dex is known to ignore or
    refuse ids: found is created (whatever the mode: the id is ours alone); not found is surely not created
    when Dex keeps ids, and otherwise looked up as the others are (`find_created`)."""
    results: list[Found] = [None] * len(contacts)
    rest: list[int] = []
    for i, contact in enumerate(contacts):
        if not (_carries_id(contact) and ids.sends_ids):
            rest.append(i)
            continue
        row = read(partial(client.contact_with_id, contact["id"]))
        if row is not None:
            ids.kept()
            results[i] = Created.from_answer(row)
        elif ids.mode != "keep":
            rest.append(i)
    if rest:
        found = find_created([contacts[i] for i in rest], client, since=since, exclude=exclude, read=read)
        for i, outcome in zip(rest, found):
            results[i] = outcome
    return results
