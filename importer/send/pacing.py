"""Pacing of requests to Dex: find the server's real rate limit without knowing it (it is not published).

`Pacer` lets requests go one at a time, evenly spaced at `rate` per second and shared by every worker
thread, so they never leave in a burst a server's token bucket would refuse, nor crowd into one of its
windows. It learns the limit from 429s:

- slow start: the pace doubles every quarter second (as answers come back, at most fourfold per answer)
  until the first 429, each request leaving at the pace the next answer will bring (at most one doubling
  ahead, so that the time from an answer to the next request is not spent at the slower pace). A bucket's
  burst hides the limit for a moment, so that 429 finds the pace well past it: the pace goes to `first` of
  the pace the refused request went out at, or to the rate the server took in the second before when that
  is more (slow start met the limit soon after passing it), or back to the pace it started at (all of them
  just below the refused pace);
- each 429 (once per round: requests sent before the last cut count once) pauses everyone for
  ``Retry-After`` and sets the `ceiling`, never above the pace the refused request went out at: the highest
  rate that a token bucket, or a fixed window of a second, allows and that fits what the server took and
  refused in the last few cycles (from one pause to the next 429; see `importer.send.pacing_fit`), whichever
  allows more: one set too high is found out by the next 429. When neither fits (the server counts
  otherwise, or its limit moved) the oldest cycles are forgotten. And when the server took more than twice
  the ceiling over those cycles (5 s or more), the ceiling is the rate it took: a bucket would have had to
  hold most of that in its burst, which is how a limit of so many requests in any minute looks to the fit.
  The pace goes just below the ceiling (`decrease` of it), or to half of it when the 429 came within 3
  requests of the pause (still far too fast to learn anything);
- requests leave evenly spaced but reach Dex bunched, each late by its own share of the network's delay:
  the `jitter`, measured as the spread of the round trips. The fits then also allow for each request to have
  arrived that much later than another, which fits the truth but much else above it, while the exact fits
  often settle far below the limit (where no 429 would correct them for a minute): the ceiling goes three
  quarters of the way from the exact one up to the loose one. When the jitter spans half a request or more
  and the ceiling is still within `decrease` of the refused pace, the pace goes to 85% of the ceiling (not
  below the floor), so that a pace far above the limit comes down in a few 429s, not dozens. Such a ceiling
  is still found a few percent above the limit: the pace holds one `decrease` lower than without jitter
  (within `decrease` squared and `decrease` of the ceiling, not below the floor), as each 429 more costs a
  second's pause;
- then the pace climbs back by `recover` per second while well below the ceiling, then by `probe` per
  second up to the pace it holds at (shares of the pace, or of the ceiling when that is lower: after slow
  start the ceiling is the pace it was refused at, far above the limit, and climbing by shares of that would
  cross the limit fast and meet the next 429 far past it): half-way from the lowest rate that fits (`floor`) to the
  ceiling, within `decrease` and 99% of the ceiling (99% when a window or the rate taken set it). Only
  after a minute without a 429 does it probe above, faster the longer none comes, so that a raised limit,
  or a ceiling found too low, is left behind within minutes: each 429 costs a whole Retry-After pause, so
  they must be rare.

Growth happens only when the pace, not the workers, held a request back: a faster pace would otherwise only
buy a later burst.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from importer.send.pacing_fit import Cycle, fit_bucket, fit_window

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
# Cycles between 429s kept to fit a limit to, and requests kept per cycle (a longer one is left out)
_CYCLES = 4
_KEEP = 100_000
# The rate the server took over at least _SPAN seconds overrules the fits when it is more than _BURSTY
# times the ceiling: a bucket would then have had to hold most of it in its burst
_SPAN = 5.0
_BURSTY = 2.0
# Round trips kept to measure the jitter by (the spread between these quantiles of them), and how far from
# the exact fit's ceiling towards the one allowing for the jitter the ceiling goes
_TRIPS = 200
_SPREAD = (0.05, 0.9)
_LOOSEN = 0.75
# The pace kept after a 429 when the jitter leaves the fit no tighter than the refused pace
_JITTERED = 0.85
# Jitter that spans this share of a request or more leaves the fits this loose (see the module's docstring)
_BUNCHED = 0.5
# Seconds before the refused request over which the rate the server took bounds the cut at the end of slow start
_TOOK_LAST = 1.0


@dataclass(frozen=True)
class Slot:
    """When a request was let go, whether the pace (rather than the workers) held it back, and the pace then."""

    start: float
    limited: bool
    rate: float = 0.0


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
        self._cycles: list[Cycle] = []
        self._accepted: deque[float] = deque(maxlen=_KEEP)  # starts of the requests answered
        self._longest_wait = 0.0  # the longest Retry-After met
        self._trips: deque[float] = deque(maxlen=_TRIPS)  # seconds from a request's start to its answer
        self._bunched = False  # whether the jitter spanned _BUNCHED of a request at the last cut

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
        """Return the lowest rate the limit fitting the 429s so far could have (the ceiling itself when a
        window or the rate taken set it), None while unknown."""
        return self._floor

    @property
    def jitter(self) -> float:
        """Return how much later than another a request may reach Dex, in seconds: the spread of the last
        round trips, from their 5th to their 90th percentile (0.0 before there are ten)."""
        if len(self._trips) < 10:
            return 0.0
        trips = sorted(self._trips)
        low, high = (trips[min(len(trips) - 1, int(q * len(trips)))] for q in _SPREAD)
        return high - low

    def take(self, *, waited: bool = False) -> Slot | float:
        """Return a slot when a request may go now, else the clock time to try again (nothing is reserved:
        whoever asks first once it is due gets it, at the pace of that moment)."""
        with self._lock:
            now = self._clock()
            rate = self._rate
            if self._ceiling is None and self._trips and now > self._pause_until:
                # slow start, once Dex has answered: at the pace the next answer will bring, at most one doubling
                # ahead (else the time from an answer to the next request is spent at the slower pace)
                rate = min(self.max_rate, rate * 2.0 ** (min(now - self._grown_at, _DOUBLING) / _DOUBLING))
            due = max(self._last + 1.0 / rate, self._pause_until)
            if now < due:
                return due
            # keep the spacing exact when a waiter wakes a little late; after idle time start afresh
            self._last = due if now - due < 1.0 / rate else now
            if self._sent is not None:
                self._sent.append(self._last)
                if len(self._sent) > _KEEP:
                    self._sent = None
            return Slot(self._last, waited, rate)

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
        """Note a request that Dex answered (not 429/503) and its round trip: speed up when the pace is what
        limits us."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._grown_at)
            self._grown_at = now
            self._accepted.append(slot.start)
            self._trips.append(now - slot.start)
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
            # a share of the pace itself while the ceiling is far above it (the pace slow start was refused at):
            # climbing by a share of that ceiling would cross the limit fast and meet the next 429 far past it
            self._rate = min(top, self.max_rate, self._rate + share * min(self._ceiling, self._rate) * elapsed)

    def _hold(self) -> float:
        """Return the pace to hold at below the ceiling: half-way from the lowest rate that fits, within
        [decrease, _HOLD] of the ceiling."""
        assert self._ceiling is not None
        if self._floor is None:
            return self._ceiling * _HOLD
        if self._bunched:
            # a ceiling fitted under jitter is found a few percent above the limit: one `decrease` lower
            return min(self._ceiling * self.decrease, max(self._floor, self._ceiling * self.decrease ** 2))
        return min(self._ceiling * _HOLD, max(self._ceiling * self.decrease, (self._floor + self._ceiling) / 2))

    def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` (a 503's Retry-After) without changing the pace."""
        with self._lock:
            self._pause_until = max(self._pause_until, self._clock() + seconds)

    def throttled(self, slot: Slot, retry_after: float | None) -> None:
        """Note a 429 for the request sent at `slot`: pause everyone, and slow down once per round."""
        with self._lock:
            now = self._clock()
            self._trips.append(now - slot.start)
            if slot.start > self._last_cut:  # else sent before the last cut: the same round of requests
                self._longest_wait = max(self._longest_wait, retry_after or 0.0)
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
            self._cycles = [*self._cycles, Cycle.of(sent, slot.start, since=self._refused,
                                                    spent=self._spent)][-_CYCLES:]
        self._refused = slot.start
        self._spent = sum(1 for start in self._sent or () if start > slot.start)
        fit = None
        jitter = self.jitter
        while len(self._cycles) >= 2:
            # fitted as if each request could have reached Dex up to `jitter` later than another: that fits
            # more often, but allows rates well above the real one
            loose = self._fit(refused, jitter)
            if loose is not None:
                exact = self._fit(refused, 0.0) if jitter else loose
                # the exact fit, thrown by the jitter, often settles far below the limit, where no 429 will
                # correct it for a minute: its ceiling goes most of the way up to the loose one's
                fit = loose if exact is None else (exact[0], exact[1] + _LOOSEN * max(0.0, loose[1] - exact[1]))
                break
            del self._cycles[0]
        if self._ceiling is None:  # the end of slow start
            share = max(self.first, min(self.decrease, self._initial / refused))
            # nor below the rate the server took in the last second: when slow start met the limit soon after
            # passing it, `first` of the refused pace would be far below the limit, a long climb back
            last = sum(1 for start in self._accepted if slot.start - _TOOK_LAST <= start < slot.start) / _TOOK_LAST
            share = max(share, min(self.decrease, last / refused))
        else:
            share = 0.5 if sent is not None and len(sent) <= _FEW else self.decrease
        self._floor, self._ceiling = fit if fit is not None else (None, refused)
        self._bunched = refused * jitter >= _BUNCHED
        if self._bunched and fit is not None and self._ceiling >= refused * self.decrease:
            # the jitter spans half a request or more, and left the fit no tighter than the refused pace: a
            # small step down from each 429 would take many of them to reach the limit; but none below the
            # lowest rate the fit allows, which would only have to be climbed back
            share = min(share, max(_JITTERED, (self._floor or 0.0) / self._ceiling))
        took = self._took(slot.start)
        if took is not None and took > self._ceiling * _BURSTY:
            self._floor = self._ceiling = min(refused, took)
        self._rate = max(self.min_rate, min(self._rate, self._ceiling * share))

    def _fit(self, refused: float, jitter: float) -> tuple[float, float] | None:
        """Return the lowest and the highest rate below `refused` at which a token bucket fits the cycles kept,
        or the count a one-second window fitting them allows when that is more (arrivals up to `jitter` apart
        from their starts); None when neither fits."""
        fit = fit_bucket(self._cycles, below=refused, floor=self.min_rate, jitter=jitter)
        # a window longer than a second says so in its Retry-After, and pausing that long spends it fully
        window = fit_window(self._cycles, jitter=jitter) if self._longest_wait <= 1.0 else None
        if window is not None and (fit is None or window > fit[1]):
            fit = (min(refused, window), min(refused, window))
        return fit

    def _took(self, until: float) -> float | None:
        """Return the rate of requests the server took from the start of the oldest cycle kept until `until`,
        None over less than _SPAN seconds (a burst would count for too much)."""
        since = self._cycles[0].starts[0] if self._cycles else until
        while self._accepted and self._accepted[0] < since:
            self._accepted.popleft()
        since = max(since, self._accepted[0]) if self._accepted else until
        if until - since < _SPAN:
            return None
        return sum(1 for start in self._accepted if start < until) / (until - since)
