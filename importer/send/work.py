"""The units of work of `send_contacts` (importer.send.batches): a batch to send, a batch whose answer was
lost and waits to be looked up, and the run's counters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from importer.send.outcomes import Batch


@dataclass
class Work:
    """Entries (indexes into the run's input) to send together, and the attempts so far."""

    entries: list[int]
    attempts: int = 0  # answers that surely created nothing, other than 429 (which never count)


@dataclass
class Pending:
    """A batch whose answer was lost, waiting for a quiet moment to be looked up."""

    batch: Batch[int]
    sent_at: datetime
    reason: str


@dataclass
class Counters:
    """What one send did, counted as it goes (the requests, 429s, retries, lookups, splits) and the batch numbers."""

    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    lookups: int = 0
    splits: int = 0
    numbers: Iterator[int] = field(default_factory=lambda: iter(range(1, 1 << 62)))
