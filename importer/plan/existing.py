"""Returns what an import will do with each contact, given who is already in the Dex account.

The predictive preview and the import call the same `decide`, so they agree record by record:

- ``create``: nobody in Dex matches; the contact will be created;
- ``exists``: already in Dex (which contact, and how it matched); `--existing skip` leaves it alone;
- ``update``: already in Dex and `--existing update` fills the fields that are empty there (which ones);
- ``create`` again with `--existing create`, which sends matches anyway.

A record the journal says an earlier run created is ``done`` when the account still has that contact, so a
rerun reports it as created earlier rather than as found in Dex; one deleted since is created again. The runs
of the account's other journals count too (`importer.journal.earlier`): the same contact as one they created,
or a record with a name and nothing else that they created a contact of that name for, is ``done``. Reads of the account (lookups, the contact list)
are retried on 429 and 5xx (`resume.patient_read`): they change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from importer.dex.client import MAX_TAKE, DexClient
from importer.errors import UsageError
from importer.model import Contact
from importer.plan.account import AccountIndex, Match, fetch_full, missing_fields

EXISTING_MODES = ("skip", "update", "create")

if TYPE_CHECKING:
    from importer.journal.earlier import Earlier
    from importer.journal.store import Journal
    from importer.plan.plan import Plan


@dataclass(frozen=True)
class Decision:
    """What will happen to one contact: `action`, the Dex contact it matched, and the fields to fill."""

    action: str
    dex_id: str | None = None
    how: str = ""
    fill: Contact = field(default_factory=dict)

    def describe(self) -> str:
        """Returns the decision in words, as the preview shows it."""
        if self.action == "done":
            return f"already imported ({self.how})"
        if self.action == "exists":
            return f"already in Dex ({self.how}): left alone"
        if self.action == "update" and not self.fill:
            return f"already in Dex ({self.how}): nothing of it is empty there, left alone"
        if self.action == "update":
            return f"already in Dex ({self.how}): will fill {', '.join(sorted(self.fill))}"
        return "will be created"


CREATE = Decision("create")


def load_account(client: DexClient, contacts: Iterable[Contact], *, existing: str,
                 read: Callable[[Callable[[], Any]], Any]) -> AccountIndex | None:
    """Returns the index of who is in the account, or None when `--existing create` makes it moot."""
    if existing not in EXISTING_MODES:
        raise UsageError(f"--existing {existing!r}: use skip, update or create")
    if existing == "create":
        return None
    # a generator: the emails are read only when the account has contacts, never a list of a million of them
    emails = (e["email"] for c in contacts for e in c.get("contact_emails", ()))
    return AccountIndex.load(client, emails=emails, read=read)


def decide(contact: Contact, index: AccountIndex | None, *, existing: str, client: DexClient,
           read: Callable[[Callable[[], Any]], Any], others: Container[str] = (), strict: bool = False,
           own_id: str | None = None) -> Decision:
    """Returns what the import does with `contact`: create it, leave it, or fill its empty fields.

    `others`: the Dex contacts this import created for other records, which `contact` never matches;
    `strict`: name and company alone matches no one (``--merge strict``); `own_id`: the id the import sends
    it with (a Dex contact holding it is this person, see `AccountIndex.match`)."""
    match: Match | None = index.match(contact, others=others, strict=strict, own_id=own_id) \
        if index is not None else None
    if match is None:
        return CREATE
    if existing == "skip":
        return Decision("exists", match.dex_id, match.how)
    full = fetch_full(client, match, read=read)
    fill = missing_fields(full.existing, contact)
    if index is not None and fill:
        index.updated(match.dex_id, fill)  # a second record of the same person must not fill it again
    return Decision("update", match.dex_id, match.how, fill)


@dataclass(frozen=True)
class Gone:
    """A contact an earlier run created that Dex no longer has (deleted since): its record is created again."""

    fingerprint: str
    dex_id: str
    run_id: str | None


@dataclass
class Decisions:
    """The decision for every contact of a plan that will not simply be created, the labels of those that
    will (the tags or groups to ensure before sending), and the contacts earlier runs created that are gone."""

    by_position: dict[int, Decision] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)
    """The id to send with in place of the derived one, for the few contacts to create whose derived id a
    contact of the account holds that is not theirs (it went to another record: `importer.send.ids.record_id`)."""

    def of(self, position: int) -> Decision:
        """Returns the decision for the contact at `position`."""
        return self.by_position.get(position, CREATE)

    def gone_notes(self) -> list[str]:
        """Returns one sentence per earlier run whose contacts are gone from Dex: "60 contacts created by run
        2026-12-02T09:00:00Z-3f2a on 2 Dec are no longer in Dex: they will be created again"."""
        runs: dict[str | None, int] = {}
        for gone in self.gone:
            runs[gone.run_id] = runs.get(gone.run_id, 0) + 1
        return [f"{n} contact{'s' if n != 1 else ''} created by run {run}{_on_day(run)} "
                f"{'are' if n != 1 else 'is'} no longer in Dex: {'they' if n != 1 else 'it'} will be created again"
                for run, n in runs.items()]


def _on_day(run_id: str | None) -> str:
    """Returns " on 2 Dec" for a run id starting with its UTC start time, "" when it does not."""
    try:
        when = datetime.strptime((run_id or "")[:20], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return ""
    return f" on {when.day} {when:%b}"


def account_ids(client: DexClient, *, read: Callable[[Callable[[], Any]], Any]) -> set[str]:
    """Returns the id of every contact of the account, read from the contact list (500 a page)."""
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = read(partial(client.list_contacts_page, take=MAX_TAKE, cursor=cursor))
        ids.update(str(row.get("id")) for row in page.items if row.get("id"))
        if page.next_cursor is None or not page.items:
            return ids
        cursor = page.next_cursor


def decide_all(plan: Plan, client: DexClient | None, *, existing: str = "skip", journal: Journal | None = None,
               read: Callable[[Callable[[], Any]], Any], account_id: str | None = None) -> Decisions:
    """Returns what the import will do with each contact of `plan` (see `decide`).

    A contact the journal says an earlier run created is ``done`` only when Dex still has it (the journal is
    never trusted over Dex): one deleted since is listed in `Decisions.gone` and decided like any other. With a
    journal, what the runs of every journal of the account created counts too (`importer.journal.earlier`): a
    record whose contact exactly as sent a run created is ``done``, and so is a record with a name and nothing
    else when a run created a contact of that name that no other record of this run has (in reading order).
    A contact a run created is never matched to two records of this run. With `account_id`, a contact the
    account holds under the id the import gives the record (`importer.send.ids`: an earlier import made it,
    whatever its journal) is already in Dex, name-only records included. Without a client nothing is known of
    the account: every contact not done by an earlier run is a create.
    """
    from importer.journal.earlier import Earlier

    earlier = Earlier.load(journal) if journal is not None else None
    try:
        return _decide_all(plan, client, existing=existing, journal=journal, read=read, account_id=account_id,
                           earlier=earlier if earlier is not None and len(earlier) else None)
    finally:
        if earlier is not None:
            earlier.close()


def _decide_all(plan: Plan, client: DexClient | None, *, existing: str, journal: Journal | None,
                read: Callable[[Callable[[], Any]], Any], account_id: str | None, earlier: Earlier | None
                ) -> Decisions:
    from importer.journal.earlier import name_only
    from importer.journal.store import fingerprint
    from importer.send.ids import IdDeriver, record_id

    found = Decisions()

    def not_done() -> Iterator[Contact]:  # what an earlier run created needs no lookup in the account
        for planned in plan.contacts():
            fp = fingerprint(planned.contact)
            held = journal.status(fp) if journal is not None else None
            if earlier is not None:
                earlier.note(planned.position, fp, held.dex_id if held is not None and held.state == "created"
                             else None)
            if held is None or held.state != "created":
                yield planned.contact

    noting = not_done()
    index = load_account(client, noting, existing=existing, read=read) if client is not None else None
    present: set[str] | None = None  # the account's ids, read only when a journal claims a contact

    def account_present() -> set[str] | None:
        nonlocal present
        if client is not None and present is None:
            present = set(index.contacts) if index is not None else account_ids(client, read=read)
        return present

    if earlier is not None:
        for _ in noting:  # every record noted, even when the account check needed none of the emails
            pass
        if (known := account_present()) is not None:
            earlier.keep_only(known)  # a contact deleted in Dex since is nobody's any more
        earlier.settle()
    labels: dict[str, None] = {}
    taken_ids: dict[int, str] = {}  # records whose derived id the account holds: the id should they be created
    with IdDeriver(account_id or "") as deriver:  # the ids in plan order, as the import will send them
        for planned in plan.contacts():
            own_id = deriver.id_for(planned.contact) if account_id is not None else None
            fp = fingerprint(planned.contact)
            held = journal.status(fp) if journal is not None else None
            if held is not None and held.state == "created" and held.dex_id:
                known = account_present()
                if known is None or held.dex_id in known:
                    found.by_position[planned.position] = Decision("done", held.dex_id,
                                                                   f"created by run {held.run_id}")
                    continue
                found.gone.append(Gone(fp, held.dex_id, held.run_id))
            made = earlier.done_at(planned.position) if earlier is not None else None
            if made is not None:  # the very same contact, created by a run of another journal of the account
                found.by_position[planned.position] = Decision("done", made.dex_id, f"created by run {made.run_id}")
                continue
            others: Container[str] = earlier.others(fp) if earlier is not None else ()
            taken = index is not None and own_id is not None and own_id in index.contacts
            if taken and account_id is not None:  # in case it is created: never under another's id
                taken_ids[planned.position] = record_id(account_id, fp)
            if earlier is not None and name_only(planned.contact) and not (taken and own_id not in others):
                earlier.want(planned.position, fp, planned.contact, planned.labels)  # by name, once all others chose
                continue
            decision = decide(planned.contact, index, existing=existing, client=client, read=read, others=others,
                              strict=plan.strict, own_id=own_id) if client is not None else CREATE
            if decision.action == "create":
                labels.update(dict.fromkeys(planned.labels))
                if planned.position in taken_ids:
                    found.ids[planned.position] = taken_ids[planned.position]
                continue
            found.by_position[planned.position] = decision
            if earlier is not None and decision.dex_id:
                earlier.claim(decision.dex_id, fp)  # a contact a run made for this record is nobody else's now
    for position, made, wanted in earlier.by_name() if earlier is not None else ():
        if made is None:
            labels.update(dict.fromkeys(wanted))
            if position in taken_ids:
                found.ids[position] = taken_ids[position]
        else:
            found.by_position[position] = Decision(
                "done", made.dex_id, f"created by run {made.run_id} for a record of the same name")
    found.labels = list(labels)
    return found
