"""Returns the outcome of the batches an earlier run left in flight: before a rerun sends anything, the
contacts of batches sent but never settled (the process died, or a lookup could not tell) are looked up in
Dex, exactly as for an answer lost mid-run (`settle_in_flight`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from importer.dex.client import AuthError, DexClient, DexError
from importer.journal.store import Journal
from importer.send.ids import IdMode, find_sent
from importer.send.lookup import Found
from importer.send.outcomes import SendPolicy, Unknown
from importer.send.retry import patient_read

_SKEW = SendPolicy().clock_skew  # how far Dex's created_at may lag our clock


def settle_in_flight(journal: Journal, client: DexClient, *, unknown_too: bool = True,
                     clock_skew: timedelta = _SKEW,
                     read: Callable[[Callable[[], Any]], Any] | None = None) -> dict[str, Found]:
    """Returns, by fingerprint, what became of each record an earlier run left in flight (or unknown):
    Created(id) found in Dex, None not found (it will simply be sent again), Unknown when undecidable.

    Nothing is ever sent here. A contact sent with an id is asked for by it (``GET /contacts/{id}``); the
    others are looked up, reaching back to when each batch first went out, less `clock_skew`, and never
    claiming a contact this journal already knows it created. Outcomes are written to the journal;
    when the lookup itself fails, the records stay in flight (for the next run) and come back Unknown.
    AuthError is raised: nothing can be done with that key.
    """
    pending = journal.in_flight(unknown_too=unknown_too)
    if not pending:
        return {}
    fingerprints = [fp for batch in pending for fp in batch.fingerprints]
    contacts = [contact for batch in pending for contact in batch.contacts]
    since = min(batch.first_sent_at for batch in pending) - clock_skew
    try:
        # a contact sent with an id is asked for by it; when an earlier run saw Dex keep ids, a 404 is final
        found = find_sent(contacts, client, since=since, ids=IdMode(mode=journal.id_mode()),
                          exclude=journal.created_ids(), read=read or patient_read())
    except AuthError:
        raise
    except DexError as exc:
        reason = f"sent by an earlier run that did not finish, and the lookup failed: {exc.describe()}"
        return {fp: Unknown(reason) for fp in fingerprints}
    outcomes = dict(zip(fingerprints, found))
    journal.mark_settled(outcomes)
    return outcomes


