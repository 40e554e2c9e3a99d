"""An upload through a pace against one of the sandbox's rate limiters, in virtual time: the importer's
pacing tried over many seeds in seconds (tests/test_pacing.py, benchmarks/pacing_sim.py).

`workers` senders ask the pace (`Pace`: an `importer.send.pacing.Pacer`, which the sandbox does not import)
for slots, as send_contacts does; each request reaches the limiter `latency` +- `jitter`
(uniform, from the seed) after it left and is answered 3 ms later; a 429 (``Retry-After`` the whole seconds
the limiter says, at least 1, as the sandbox answers) and the request goes again.
"""

from __future__ import annotations

import heapq
import math
import random
from typing import Any, NamedTuple, Protocol

from importer.sandbox.faults import VirtualTime


class Limiter(Protocol):
    """A rate limiter (`importer.sandbox.faults.TokenBucket` or `FixedWindow`): 0.0 when a request is
    taken, else the seconds until one will be."""

    def take(self) -> float: ...


class Pace(Protocol):
    """What the senders ask for slots and tell of each answer (`importer.send.pacing.Pacer`)."""

    def take(self, *, waited: bool = False) -> Any: ...  # a slot, or the clock time to try again (a float)

    def answered(self, slot: Any) -> None: ...

    def throttled(self, slot: Any, retry_after: float | None) -> None: ...


class Rehearsal(NamedTuple):
    """How an upload went: virtual seconds from the first request to the last one taken, and the requests
    taken and refused."""

    seconds: float
    accepted: int
    refused: int


def rehearse_upload(pace: Pace, limiter: Limiter, vt: VirtualTime, requests: int, *, seed: int,
                    latency: float = 0.1, jitter: float = 0.05, workers: int = 4) -> Rehearsal:
    """Returns how sending until `limiter` has taken `requests` went, on `vt`'s clock."""
    rng, started = random.Random(seed), vt.clock()
    # (time, worker, what: 0 asks for a slot, 1 reaches the limiter, 2 is answered, slot, waited or Retry-After)
    events: list[tuple[float, int, int, Any, float]] = [(started, n, 0, None, 0.0) for n in range(workers)]
    accepted = refused = 0
    while accepted < requests:
        at, n, what, slot, wait = heapq.heappop(events)
        vt.sleep(at - vt.clock())
        if what == 0:
            got = pace.take(waited=bool(wait))
            if not isinstance(got, float):  # a slot (else the time it will be due)
                heapq.heappush(events, (at + latency + rng.uniform(-jitter, jitter), n, 1, got, 0.0))
            else:  # as Pacer.wait: sleeps of at most a quarter second
                heapq.heappush(events, (at + max(1e-6, min(got - at, 0.25)), n, 0, None, 1.0))
        elif what == 1:
            heapq.heappush(events, (at + 0.003, n, 2, slot, limiter.take()))
        else:
            if wait:
                refused += 1
                pace.throttled(slot, max(1, math.ceil(wait)))
            else:
                accepted += 1
                pace.answered(slot)
            heapq.heappush(events, (at, n, 0, None, 0.0))
    return Rehearsal(vt.clock() - started, accepted, refused)
