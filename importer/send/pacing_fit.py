"""Which rate limits fit what Dex took and refused: a token bucket, or a count of requests per second.

A `Cycle` is what the pace learns from: the requests sent from one resume (after a Retry-After pause) up to
the first one the server refused. Two kinds of limiter are tried against the last few cycles:

- a token bucket (`fit_bucket`): refilled at some rate, holding some burst. From one pause to the next 429
  the bucket goes from full (or from what the pause refilled, for a burst bigger than that) to empty, so
  each cycle ties its size to its rate, and two cycles of different shapes pin the rate;
- a fixed window (`fit_window`): at most N requests in each second, counted afresh at each boundary (the
  phase of which is unknown). The refused request found N taken in its second, and no second took more.
  Such a counter lets a burst through right after a boundary, so the bucket that fits it best has a bigger
  burst and a lower rate than the window really allows.

Both answer 429 with ``Retry-After: 1``, so only the counts tell them apart.

Both fits take the starts for the arrivals. Given a `jitter`, they allow each request to have reached the
server up to that much later than another instead: a bucket may then hold rate*jitter tokens more or fewer
than the starts say, and a window counts surely only what started more than `jitter` before its end, and
possibly what started up to `jitter` before it began.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Rates tried by the bucket fit are this ratio apart; a bucket fits when it is off by less than _SLACK tokens,
# which absorbs requests reaching the server a few milliseconds sooner or later than they left
_STEP = 1.002
_SLACK = 0.25
# Window boundaries tried, per window: 5 ms apart for a one-second window
_PHASES = 200


@dataclass(frozen=True)
class Cycle:
    """The requests sent from a resume up to the first one the server refused: their starts, and the lower
    convex hull of the points (start, index), which is all `held` needs."""

    starts: tuple[float, ...]  # the hull's points
    indexes: tuple[int, ...]
    paces: tuple[float, ...]  # the slopes of its edges, in requests per second: increasing
    sent: int
    last: float  # start of the last request sent before the refused one
    refused: float
    refill: float  # seconds from the request refused before (the bucket then held < 1 token) to the first start
    spent: int  # requests that went in between (in flight at that 429): tokens the refill may have gone to
    sends: tuple[float, ...]  # every start, increasing

    @classmethod
    def of(cls, starts: Sequence[float], refused: float, *, since: float, spent: int) -> Cycle:
        """Return the cycle of requests that went at `starts` (increasing) before one refused at `refused`,
        the request refused before them having gone at `since` (-inf: none, the bucket was full) and `spent`
        more after it."""
        hull: list[tuple[float, int]] = []
        for index, start in enumerate(starts):
            # drop the last point while it lies on or above the line from the one before it to this one
            while len(hull) >= 2 and ((hull[-1][0] - hull[-2][0]) * (index - hull[-2][1])
                                      - (hull[-1][1] - hull[-2][1]) * (start - hull[-2][0])) <= 0:
                hull.pop()
            hull.append((start, index))
        paces = tuple((b[1] - a[1]) / max(b[0] - a[0], 1e-9) for a, b in itertools.pairwise(hull))
        return cls(tuple(s for s, _ in hull), tuple(i for _, i in hull), paces, len(starts), starts[-1], refused,
                   starts[0] - since, spent, tuple(starts))

    def held(self, rate: float) -> tuple[float, float]:
        """Return (low, high): a bucket refilled at `rate` fits this cycle when it held b tokens at the first
        request, low <= b < high (as long as it never filled up during the cycle).

        Just before request k the bucket holds min over j <= k of b + rate*(s_k - s_j) - (k - j), the
        fullest it can be after the sends since s_j. The refused one (k = sent) found less than 1 token:
        b < 1 + sent - rate*refused + A, where A = max over j of rate*s_j - j (the hull's point where its
        pace passes `rate`, about where the sends started to outrun the bucket). The last one accepted found
        at least 1, from that same j: b >= sent - rate*last + A.
        """
        at = bisect.bisect_left(self.paces, rate)
        a = rate * self.starts[at] - self.indexes[at]
        return self.sent - rate * self.last + a, 1 + self.sent - rate * self.refused + a


def bucket_fits(cycles: Sequence[Cycle], rate: float, *, jitter: float = 0.0) -> bool:
    """Return whether one token bucket refilled at `rate` (of B >= 1 tokens) fits every cycle, its requests
    arriving up to `jitter` seconds apart from their starts.

    A cycle starts either full (B tokens, less than 1 + rate*refill: the 429 before left less than 1), or,
    when B is more than the pause refilled, with less than that and at least rate*refill - spent.
    """
    sizes = [(1.0, math.inf)]  # the B still possible, as intervals [low, high)
    slack = rate * jitter
    for cycle in cycles:
        low, high = cycle.held(rate)
        low, high = low - slack, high + _SLACK + slack
        refilled = rate * cycle.refill
        ways = [(low, min(high, refilled + 1 + slack))]
        if max(low, refilled - cycle.spent - slack) < min(high, refilled + 1 + slack):
            ways.append((max(low, refilled - cycle.spent - slack), math.inf))
        sizes = [(max(a, c), min(b, d)) for a, b in sizes for c, d in ways if max(a, c) < min(b, d)]
        if not sizes:
            return False
    return True


def fit_bucket(cycles: Sequence[Cycle], *, below: float, floor: float,
               jitter: float = 0.0) -> tuple[float, float] | None:
    """Return the lowest and the highest rate in [floor, below) at which one token bucket fits every cycle
    (arrivals up to `jitter` apart from the starts), None when none does."""
    low = high = None
    rate = below / _STEP
    while rate >= floor:
        if bucket_fits(cycles, rate, jitter=jitter):
            high = rate if high is None else high
            low = rate
        rate /= _STEP
    return None if low is None or high is None else (low, high)


def fit_window(cycles: Sequence[Cycle], *, seconds: float = 1.0, jitter: float = 0.0) -> int | None:
    """Return the most requests per window of `seconds` a fixed window could allow and fit every cycle,
    whatever the phase of its boundaries: no window took more, and each refused request found that many
    taken in its own (arrivals up to `jitter` apart from the starts); None when no phase fits.

    Of the phases that fit, the one allowing the most is kept: a window set too high is found out by the
    next 429, one set too low never is.
    """
    best = None
    for step in range(_PHASES):
        phase = seconds * step / _PHASES
        most, allowed = 0, math.inf
        for cycle in cycles:
            sends, lo = cycle.sends, 0
            first, refused = (math.floor((t - phase) / seconds) for t in (sends[0], cycle.refused))
            for k in range(first, refused + 1):  # each window up to the refused request's
                # sent in [start, end - jitter): surely counted in window k
                start = bisect.bisect_left(sends, phase + k * seconds, lo)
                end = min(cycle.refused, phase + (k + 1) * seconds) - jitter
                most = max(most, bisect.bisect_left(sends, end, start) - start)
                lo = start
            # each refused request found its window full: as many taken in it as in the fullest window; with
            # jitter, also those sent up to `jitter` before its window, and as many after it as just before it
            near = len(sends) - bisect.bisect_left(sends, cycle.refused - jitter)
            allowed = min(allowed, len(sends) - bisect.bisect_left(sends, phase + refused * seconds - jitter)
                          + (near if jitter else 0))
            if most > allowed:
                break
        if cycles and 1 <= allowed and most <= allowed:
            best = int(allowed) if best is None else max(best, int(allowed))
    return best
