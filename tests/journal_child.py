"""An import that kills itself: run by tests/test_journal.py as ``python -m tests.journal_child URL KEY
JOURNAL POINT`` to SIGKILL the process at POINT of batch 2 (of 3):

- ``sent``: the journal has the batch as sent, the request has not gone out;
- ``stored``: Dex stored the batch and answered, the answer is not in the journal yet;
- ``settled``: the answer is in the journal;
- ``finished``: no kill, the run finishes.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from importer.dex.client import DexClient
from importer.journal.store import Journal
from importer.model import Contact
from importer.sandbox import VirtualTime
from importer.send.batches import send_contacts
from importer.send.outcomes import Batch, Outcome, SendHooks, SendPolicy

ACCOUNT_ID = "sandbox-user"
PEOPLE = 10
BATCH_SIZE = 4
KILL_AT_BATCH = 2


def people(count: int = PEOPLE) -> list[tuple[int, Contact]]:
    """Returns `count` fictitious people: half with an email, half found again only by name and LinkedIn."""
    items: list[tuple[int, Contact]] = []
    for n in range(count):
        contact: Contact = {"first_name": f"Kim{n:02d}", "last_name": "Example", "linkedin": f"kim-{n:02d}"}
        if n % 2 == 0:
            contact["contact_emails"] = [{"email": f"kim{n}@example.com", "ranking": 0}]
        items.append((n, contact))
    return items


def die() -> None:
    """Returns never: the process is killed as ``kill -9`` would, with no cleanup at all."""
    os.kill(os.getpid(), signal.SIGKILL)


class KillingClient(DexClient):
    """A client that dies once Dex has answered the create of batch `at` (point ``stored``)."""

    def __init__(self, *args: Any, at: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at = at
        self.creates = 0

    def create_contacts(self, contacts: Sequence[Contact]) -> list[dict[str, Any]]:
        created = super().create_contacts(contacts)
        self.creates += 1
        if self.creates == self.at:
            die()
        return created


class KillingHooks(SendHooks[int]):
    """The journal's hooks, dying right after writing batch `at` as sent or as settled."""

    def __init__(self, journal: Journal, point: str) -> None:
        self.inner = journal.hooks()
        self.point = point

    def before_send(self, batch: Batch[int]) -> None:
        self.inner.before_send(batch)
        if self.point == "sent" and batch.number == KILL_AT_BATCH:
            die()

    def settled(self, batch: Batch[int], outcomes: dict[int, Outcome]) -> None:
        self.inner.settled(batch, outcomes)
        if self.point == "settled" and batch.number == KILL_AT_BATCH and outcomes:
            die()


def main(argv: Sequence[str]) -> int:
    """Returns 0 after importing `people()` through the journal, unless killed on the way."""
    url, key, path, point = argv
    vt = VirtualTime()
    with Journal.open(path, account_id=ACCOUNT_ID, inputs=["people"]) as journal, \
            KillingClient(key, api_url=url, timeout=10, at=KILL_AT_BATCH if point == "stored" else None) as client:
        items = [(k, c) for k, c in people() if journal.admit(c, file="people", line=k) is None]
        result = send_contacts(items, client, batch_size=BATCH_SIZE, concurrency=1,
                               hooks=KillingHooks(journal, point), sleep=vt.sleep, clock=vt.clock,
                               policy=SendPolicy(initial_rate=100))
        journal.finish({"created": len(result.created), "failed": len(result.failed),
                        "unknown": len(result.unknown)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
