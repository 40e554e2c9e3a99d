"""Pacing of requests to Dex: find the server's real rate limit without knowing it (it is not published).

`Pacer` lets requests go one at a time, evenly spaced at `rate` per second and shared by every worker
thread, so they never leave in a burst a server's token bucket would refuse. It learns the limit from 429s:

- slow start: the pace doubles every quarter second (as answers come back, at most fourfold per answer)
  until the first 429. A bucket's burst hides the limit for a moment, so that 429 finds the pace well past
  it: the pace goes to `first` of the pace the refused request went out at, or back to the pace it started
  at when that is more (then just below the refused pace);
- each 429 (once per round: requests sent before the last cut count once) pauses everyone for
  ``Retry-After`` and sets the `ceiling`: the highest rate at which a token bucket fits what the server took
  and refused (`_fit`), never above the pace the refused request went out at. From one pause to the next
  429 the bucket goes from full (or from what the pause refilled, for a burst bigger than that) to empty,
  so each such cycle ties its size to its rate, and two cycles of different shapes pin the rate; when no
  bucket fits (the server counts otherwise, or its limit moved) the oldest cycles are forgotten. The pace
  goes just below the ceiling (`decrease` of it), or to half of it when the 429 came within 3 requests of
  the pause (still far too fast to learn anything);
- then the pace climbs back by `recover` of the ceiling per second while well below it, then by `probe` of
  it per second up to the pace it holds at: half-way from the lowest rate that fits (`floor`) to the
  ceiling, within `decrease` and 99% of the ceiling. Only after a minute without a 429 does it probe above,
  faster the longer none comes, so that a raised limit, or a ceiling found too low, is left behind within
  minutes: each 429 costs a whole Retry-After pause, so they must be rare.

Growth happens only when the pace, not the workers, held a request back: a faster pace would otherwise only
buy a later burst.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Waits are slept in slices at most this long, so that a faster pace or a stop is noticed soon
_SLICE = 0.25
# Seconds in which slow start doubles the pace, and the most of them one answer counts for
_DOUBLING = 0.25
_GROWN = 0.5
# Seconds without a 429 before the pace probes above the ceiling (and the probe's speed doubles, then triples)
_QUICKEN = 60.0
# The pace holds at most this share of the ceiling until _QUICKEN seconds pass without a 429
_HOLD = 0.99
# A 429 at most this many requests after a pause halves the pace
_FEW = 3
# Cycles between 429s kept to fit a bucket to, and requests kept per cycle (a longer one is left out)
_CYCLES = 4
_KEEP = 100_000
# Rates tried by the fit are this ratio apart; a bucket fits when it is off by less than _SLACK tokens, which
# absorbs requests reaching the server a few milliseconds sooner or later than they left
_STEP = 1.002
_SLACK = 0.25


@dataclass(frozen=True)
class Slot:
    """When a request was let go, whether the pace (rather than the workers) held it back, and the pace then."""

    start: float
    limited: bool
    rate: float = 0.0


@dataclass(frozen=True)
class _Cycle:
    """The requests sent from a resume up to the first one the server refused, kept as the lower convex hull
    of the points (start, index), which is all `held` needs."""

    starts: tuple[float, ...]  # the hull's points
    indexes: tuple[int, ...]
    paces: tuple[float, ...]  # the slopes of its edges, in requests per second: increasing
    sent: int
    last: float  # start of the last request sent before the refused one
    refused: float
    refill: float  # seconds from the request refused before (the bucket then held < 1 token) to the first start
    spent: int  # requests that went in between (in flight at that 429): tokens the refill may have gone to

    @classmethod
    def of(cls, starts: Sequence[float], refused: float, *, since: float, spent: int) -> _Cycle:
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
                   starts[0] - since, spent)

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


def _fits(cycles: Sequence[_Cycle], rate: float) -> bool:
    """Return whether one token bucket refilled at `rate` (of B >= 1 tokens) fits every cycle.

    A cycle starts either full (B tokens, less than 1 + rate*refill: the 429 before left less than 1), or,
    when B is more than the pause refilled, with less than that and at least rate*refill - spent.
    """
    sizes = [(1.0, math.inf)]  # the B still possible, as intervals [low, high)
    for cycle in cycles:
        low, high = cycle.held(rate)
        high += _SLACK
        refilled = rate * cycle.refill
        ways = [(low, min(high, refilled + 1))]
        if max(low, refilled - cycle.spent) < min(high, refilled + 1):
            ways.append((max(low, refilled - cycle.spent), math.inf))
        sizes = [(max(a, c), min(b, d)) for a, b in sizes for c, d in ways if max(a, c) < min(b, d)]
        if not sizes:
            return False
    return True


def _fit(cycles: Sequence[_Cycle], *, below: float, floor: float) -> tuple[float, float] | None:
    """Return the lowest and the highest rate in [floor, below) at which one token bucket fits every cycle,
    None when none does."""
    low = high = None
    rate = below / _STEP
    while rate >= floor:
        if _fits(cycles, rate):
            high = rate if high is None else high
            low = rate
        rate /= _STEP
    return None if low is None or high is None else (low, high)


class Pacer:
    """A shared, adaptive request pace; `clock` is monotonic seconds and `sleep` waits (both injectable).

    `first` is the share of the pace kept at the first 429, `decrease` how far below the ceiling a later one
    puts the pace; `recover` and `probe` are the growth per second, as a share of the ceiling, while well
    below it and once near it.
    """

    def __init__(self, *, rate: float, min_rate: float, max_rate: float, clock: Callable[[], float],
                 sleep: Callable[[float], None], first: float = 0.4, decrease: float = 0.97,
                 recover: float = 0.03, probe: float = 0.002) -> None:
        self._rate = self._initial = min(max(rate, min_rate), max_rate)
        self.min_rate, self.max_rate = min_rate, max_rate
        self.first, self.decrease, self.recover, self.probe = first, decrease, recover, probe
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self._last = now - 1.0 / self._rate  # start of the last request let go
        self._pause_until = now
        self._last_cut = float("-inf")
        self._grown_at = now
        self._ceiling: float | None = None
        self._floor: float | None = None  # the lowest rate the fit allows, None until it has two cycles
        self._sent: list[float] | None = []  # starts since sending resumed (None: more than _KEEP)
        self._refused = -math.inf  # start of the request refused by the last round's first 429
        self._spent = 0  # requests that went after that one, before the pause
        self._cycles: list[_Cycle] = []

    @property
    def rate(self) -> float:
        """Return the current pace in requests per second."""
        return self._rate

    @property
    def clock(self) -> Callable[[], float]:
        """Return the monotonic clock the pace is kept by."""
        return self._clock

    @property
    def ceiling(self) -> float | None:
        """Return the pace the server's limit was last found below, None before any 429."""
        return self._ceiling

    @property
    def floor(self) -> float | None:
        """Return the lowest rate a token bucket fitting the 429s so far could have, None while unknown."""
        return self._floor

    def take(self, *, waited: bool = False) -> Slot | float:
        """Return a slot when a request may go now, else the clock time to try again (nothing is reserved:
        whoever asks first once it is due gets it, at the pace of that moment)."""
        with self._lock:
            now = self._clock()
            due = max(self._last + 1.0 / self._rate, self._pause_until)
            if now < due:
                return due
            # keep the spacing exact when a waiter wakes a little late; after idle time start afresh
            self._last = due if now - due < 1.0 / self._rate else now
            if self._sent is not None:
                self._sent.append(self._last)
                if len(self._sent) > _KEEP:
                    self._sent = None
            return Slot(self._last, waited, self._rate)

    def wait(self, cancelled: Callable[[], bool] | None = None) -> Slot | None:
        """Return the slot taken, after waiting for it (and for any Retry-After pause); None when
        `cancelled` became true while waiting."""
        waited = False
        while not isinstance(got := self.take(waited=waited), Slot):
            if cancelled is not None and cancelled():
                return None
            waited = True
            # the clock may already have passed `got` (this thread was descheduled): never sleep < 0
            self._sleep(max(0.0, min(got - self._clock(), _SLICE)))
        return got

    def answered(self, slot: Slot) -> None:
        """Note a request that Dex answered (not 429/503): speed up when the pace is what limits us."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._grown_at)
            self._grown_at = now
            if not slot.limited:
                return
            if self._ceiling is None:
                # slow start, by the clock so that more workers do not mean faster; at most fourfold per answer,
                # as at a slow pace answers come far apart (a server limited to 1/s would otherwise meet 16/s)
                self._rate = min(self.max_rate, self._rate * 2.0 ** (min(elapsed, _GROWN) / _DOUBLING))
                return
            elapsed = min(elapsed, 1.0)
            quiet = now - self._last_cut
            if self._rate < self._ceiling * self.decrease ** 2:
                share = self.recover
            else:
                share = self.probe * (1.0 + max(0.0, quiet - _QUICKEN) / _QUICKEN)
            top = self.max_rate if quiet > _QUICKEN else max(self._rate, self._hold())
            self._rate = min(top, self.max_rate, self._rate + share * self._ceiling * elapsed)

    def _hold(self) -> float:
        """Return the pace to hold at below the ceiling: half-way from the lowest rate that fits, within
        [decrease, _HOLD] of the ceiling."""
        assert self._ceiling is not None
        if self._floor is None:
            return self._ceiling * _HOLD
        return min(self._ceiling * _HOLD, max(self._ceiling * self.decrease, (self._floor + self._ceiling) / 2))

    def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` (a 503's Retry-After) without changing the pace."""
        with self._lock:
            self._pause_until = max(self._pause_until, self._clock() + seconds)

    def throttled(self, slot: Slot, retry_after: float | None) -> None:
        """Note a 429 for the request sent at `slot`: pause everyone, and slow down once per round."""
        with self._lock:
            now = self._clock()
            if slot.start > self._last_cut:  # else sent before the last cut: the same round of requests
                self._cut(slot)
                self._last_cut = self._grown_at = now
            self._pause_until = max(self._pause_until, now + (retry_after if retry_after is not None
                                                              else 1.0 / self._rate))
            # the next cycle starts when sending resumes, after the pause
            self._sent = []

    def _cut(self, slot: Slot) -> None:
        """Set the ceiling and slow down after the first 429 of a round (see the module's docstring)."""
        refused = slot.rate or self._rate
        sent = [start for start in self._sent if start < slot.start] if self._sent is not None else None
        if sent:
            self._cycles = [*self._cycles, _Cycle.of(sent, slot.start, since=self._refused,
                                                     spent=self._spent)][-_CYCLES:]
        self._refused = slot.start
        self._spent = sum(1 for start in self._sent or () if start > slot.start)
        fit = None
        while len(self._cycles) >= 2 and (fit := _fit(self._cycles, below=refused, floor=self.min_rate)) is None:
            del self._cycles[0]
        if self._ceiling is None:  # the end of slow start
            share = max(self.first, min(self.decrease, self._initial / refused))
        else:
            share = 0.5 if sent is not None and len(sent) <= _FEW else self.decrease
        self._floor, self._ceiling = fit if fit is not None else (None, refused)
        self._rate = max(self.min_rate, min(self._rate, self._ceiling * share))
