"""What sending contacts produces and takes: each key's outcome, batches, hooks for a journal, the policy.

Every contact sent ends as exactly one of `Created(dex_id)`, `Failed(message)` (surely not in Dex: fix and
send again) or `Unknown(reason)` (it may be in Dex: check before sending again). `SendHooks` is where a journal
plugs in; `SendResult` is what `importer.send.batches.send_contacts` returns.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from importer.model import Contact

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Created:
    """The contact exists in Dex under `dex_id`; `created_at`/`updated_at` as Dex's answer gave them, when it did
    (undo compares them with Dex's later `updated_at` to tell an edited contact from an untouched one)."""

    dex_id: str
    created_at: str | None = field(default=None, compare=False)
    updated_at: str | None = field(default=None, compare=False)
    without_links: str | None = field(default=None, compare=False)
    """Dex's reason when it refused the contact's inline tags or groups and it was created without them."""
    existed: bool = field(default=False, compare=False)
    """Dex held a contact under the id the importer gave it before this run first sent it (an earlier import
    made it): found, not created by this run."""

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any], *, without_links: str | None = None) -> Created:
        """Returns the outcome of a contact Dex's create answer lists, with the timestamps it gave, if text."""
        stamps = [v if isinstance(v := answer.get(k), str) else None for k in ("created_at", "updated_at")]
        return cls(str(answer["id"]), stamps[0], stamps[1], without_links)


@dataclass(frozen=True)
class Unknown:
    """The contact may or may not have been created; `reason` says why it could not be told."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """The contact was not created: Dex's message (a 400), or why it was never sent."""

    message: str


@dataclass(frozen=True)
class NotSent(Failed):
    """The contact was never sent: the run stopped first (surely not in Dex; the next run sends it)."""


Outcome = Created | Failed | Unknown


@dataclass(frozen=True)
class Batch(Generic[K]):
    """One create request: `number` is unique within the run; `keys[i]` is the key of `contacts[i]`."""

    number: int
    keys: tuple[K, ...]
    contacts: tuple[Contact, ...]


class SendHooks(Generic[K]):
    """Callbacks of a run, for a journal; the defaults do nothing."""

    def before_send(self, batch: Batch[K]) -> None:
        """Called before `batch` goes out (a journal marks it in flight, durably, here)."""

    def settled(self, batch: Batch[K], outcomes: dict[K, Outcome]) -> None:
        """Called when `batch`'s answer decided `outcomes`; its other keys will be sent again later."""


@dataclass(frozen=True)
class SendPolicy:
    """How hard to try: retries and backoff, unknown-outcome rounds, pacing, and clock skew for lookups.

    A 429 only means "slow down": it is waited out (Retry-After) however often it comes, and never fails a
    contact; what ends a run that Dex keeps refusing is `time_limit` or the caller's stop signal.
    """

    max_attempts: int = 8            # per batch: 503s and refused connections before it is Failed
    backoff_base: float = 0.5        # seconds; full jitter over base * 2**attempt (about 2 minutes in all)
    backoff_max: float = 30.0
    time_limit: float | None = None  # seconds for the whole run (None: no limit); a 429 never gives up alone
    lookup_rounds: int = 3           # times a contact may be sent with no answer before it is given up
    initial_rate: float = 1.0        # requests per second: public clients assume about 1/s
    max_rate: float = 100.0
    min_rate: float = 0.1
    clock_skew: timedelta = timedelta(minutes=5)  # how far Dex's created_at may lag our clock


@dataclass(frozen=True)
class SendStats:
    """What the run cost: requests made, 429s met, retries, lookups, splits, seconds taken."""

    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    lookups: int = 0
    splits: int = 0
    elapsed: float = 0.0


@dataclass(frozen=True)
class Progress:
    """Where a run stands, for a progress bar: contacts settled so far by kind, and the current rate."""

    created: int
    failed: int
    unknown: int
    newly_settled: int
    rate: float


@dataclass(frozen=True)
class SendResult(Generic[K]):
    """Each key's outcome, in input order; `stopped` says why a run ended early (keys never read are absent),
    `fatal` why it could not go on at all (the key refused, Dex unreachable), when that was the reason."""

    outcomes: dict[K, Outcome]
    stats: SendStats
    stopped: str | None = None
    fatal: str | None = None

    def of_kind(self, kind: type[Created | Failed | Unknown]) -> dict[K, Outcome]:
        """Return the outcomes of one kind (Created, Failed or Unknown)."""
        return {k: o for k, o in self.outcomes.items() if isinstance(o, kind)}

    @property
    def created(self) -> dict[K, Outcome]:
        """Return the keys created, with their Dex ids."""
        return self.of_kind(Created)

    @property
    def failed(self) -> dict[K, Outcome]:
        """Return the keys not created, with the reason."""
        return self.of_kind(Failed)

    @property
    def unknown(self) -> dict[K, Outcome]:
        """Return the keys whose fate could not be decided."""
        return self.of_kind(Unknown)
