"""Pacing of requests to Dex: find the server's real rate limit without knowing it (it is not published).

`Pacer` lets requests go one at a time, evenly spaced at `rate` per second and shared by every worker
thread, so they never leave in a burst a server's token bucket would refuse. It learns the limit from 429s,
like TCP's congestion control but tuned for a limit that does not move:

- slow start: the pace doubles each second until the first 429;
- each 429 (once per round: requests sent before the last cut count once) pauses everyone for
  ``Retry-After`` and sets the `ceiling`: the pace the refused request went out at, or less when the requests
  accepted since the previous pause show the server's rate is lower (`_measured`); the pace goes just below;
- after that the pace climbs back quickly while well below the ceiling, then probes slowly near it (by
  `probe` of the ceiling per second): each 429 costs a whole Retry-After pause, so they must be rare.

Growth happens only when the pace, not the workers, held a request back: a faster pace would otherwise only
buy a later burst.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Waits are slept in slices at most this long, so that a faster pace or a stop is noticed soon
_SLICE = 0.25
# Cycles between 429s are compared only when their lengths differ by this many seconds: a count is +-1 off
_FIT_SPREAD = 0.5
# A 429 this many seconds after the last cut, with too few requests between to measure, cuts deeper
_SOON = 5.0
# Seconds without a 429 after which the probe above the ceiling has doubled its speed (then tripled...)
_QUICKEN = 60.0
# Seconds in which slow start doubles the pace
_DOUBLING = 1.0


@dataclass(frozen=True)
class Slot:
    """When a request was let go, whether the pace (rather than the workers) held it back, and the pace then."""

    start: float
    limited: bool
    rate: float = 0.0


class Pacer:
    """A shared, adaptive request pace; `clock` is monotonic seconds and `sleep` waits (both injectable).

    `decrease` is how far below the ceiling a 429 puts the pace; `recover` and `probe` are the growth per
    second, as a share of the ceiling, while well below it and once near it.
    """

    def __init__(self, *, rate: float, min_rate: float, max_rate: float, clock: Callable[[], float],
                 sleep: Callable[[float], None], decrease: float = 0.95, recover: float = 0.1,
                 probe: float = 0.002) -> None:
        self._rate = min(max(rate, min_rate), max_rate)
        self.min_rate, self.max_rate = min_rate, max_rate
        self.decrease, self.recover, self.probe = decrease, recover, probe
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self._last = now - 1.0 / self._rate  # start of the last request let go
        self._pause_until = now
        self._last_cut = float("-inf")
        self._grown_at = now
        self._ceiling: float | None = None
        self._resumed: float | None = None  # when sending resumed after the last 429's pause
        self._accepted: deque[float] = deque(maxlen=100_000)  # starts of requests answered since then
        self._cycles: deque[tuple[float, int]] = deque(maxlen=4)  # (seconds, requests) between 429s
        self._paused = 0.0  # how long the last pause was

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
            return Slot(self._last, waited, self._rate)

    def wait(self, cancelled: Callable[[], bool] | None = None) -> Slot | None:
        """Return the slot taken, after waiting for it (and for any Retry-After pause); None when
        `cancelled` became true while waiting."""
        waited = False
        while not isinstance(got := self.take(waited=waited), Slot):
            if cancelled is not None and cancelled():
                return None
            waited = True
            self._sleep(min(got - self._clock(), _SLICE))
        return got

    def answered(self, slot: Slot) -> None:
        """Note a request that Dex answered (not 429/503): speed up when the pace is what limits us."""
        with self._lock:
            now = self._clock()
            elapsed = min(max(0.0, now - self._grown_at), 1.0)
            self._grown_at = now
            if self._resumed is not None and slot.start >= self._resumed:
                self._accepted.append(slot.start)
            if not slot.limited:
                return
            if self._ceiling is None:
                # slow start: double each second (by the clock, so that more workers do not mean faster)
                self._rate = min(self.max_rate, self._rate * 2.0 ** (elapsed / _DOUBLING))
                return
            # near the ceiling the probe starts slow and quickens the longer no 429 comes (a ceiling measured
            # too low, or a limit raised, is left behind within minutes)
            share = self.recover if self._rate < self._ceiling * self.decrease ** 2 else \
                self.probe * (1.0 + (now - self._last_cut) / _QUICKEN)
            self._rate = min(self.max_rate, self._rate + share * self._ceiling * elapsed)

    def _measured(self, refused_at: float) -> float:
        """Return the server's rate as far as the requests it took since the last pause tell, else inf.

        The bucket was empty at the last 429 and is empty again at this one; in between it refilled during
        the pause to some b >= 1 tokens, then at the server's rate r while we sent: the N requests accepted
        over the T seconds since sending resumed give N = b + r*T. One cycle bounds r by (N - 1) / T; two
        cycles of different lengths (b is the same after pauses of the same length) give r itself.
        """
        if self._resumed is None:
            return float("inf")  # the first 429: the bucket started full, nothing to learn
        took = sum(1 for start in self._accepted if start < refused_at)
        span = refused_at - self._resumed
        if took < 2 or span <= 0:
            return float("inf")
        bound = (took - 1) / span
        fitted = [(span - t, took - n) for t, n in self._cycles if abs(span - t) >= _FIT_SPREAD]
        self._cycles.append((span, took))
        if not fitted:
            return bound
        slope = sum(n / t for t, n in fitted) / len(fitted)
        return min(bound, max(slope, took / (span + self._paused)))
    def pause(self, seconds: float) -> None:
        """Hold every request back for `seconds` (a 503's Retry-After) without changing the pace."""
        with self._lock:
            self._pause_until = max(self._pause_until, self._clock() + seconds)

    def throttled(self, slot: Slot, retry_after: float | None) -> None:
        """Note a 429 for the request sent at `slot`: pause everyone, and slow down once per round."""
        with self._lock:
            now = self._clock()
            if slot.start > self._last_cut:  # else sent before the last cut: the same round of requests
                measured = self._measured(slot.start)
                if measured == float("inf") and now - self._last_cut < _SOON:
                    # refused again right after a pause, too soon to measure: well above the limit still
                    measured = (slot.rate or self._rate) * self.decrease ** 2
                self._ceiling = min(slot.rate or self._rate, measured)
                self._rate = max(self.min_rate, min(self._rate, self._ceiling * self.decrease))
                self._last_cut = self._grown_at = now
            self._pause_until = max(self._pause_until, now + (retry_after if retry_after is not None
                                                              else 1.0 / self._rate))
            self._paused = self._pause_until - now
            # only what is accepted after the pause tells the server's rate
            self._resumed = self._pause_until
            self._accepted.clear()
