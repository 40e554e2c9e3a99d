"""Pacing of requests to Dex: find the server's real rate limit without knowing it (it is not published).

`Pacer` spaces request starts at `rate` per second, shared by every worker thread. Like TCP's congestion
control (AIMD): it starts slow and grows fast ("slow start") until the first 429, then grows by about
`increase` requests/s per second; each 429 multiplies the rate by `decrease` (once per round of requests,
not once per 429 of the same burst) and pauses everyone for the server's ``Retry-After``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    """When a request was let go, and whether the pace (rather than the workers) held it back."""

    start: float
    limited: bool


class Pacer:
    """A shared, adaptive request pace; `clock` is monotonic seconds and `sleep` waits (both injectable)."""

    def __init__(self, *, rate: float, min_rate: float, max_rate: float, clock: Callable[[], float],
                 sleep: Callable[[float], None], increase: float = 1.0, decrease: float = 0.7) -> None:
        self._rate = min(max(rate, min_rate), max_rate)
        self.min_rate, self.max_rate = min_rate, max_rate
        self.increase, self.decrease = increase, decrease
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = clock()
        self._pause_until = self._next
        self._last_cut = float("-inf")
        self._slow_start = True

    @property
    def rate(self) -> float:
        """Return the current pace in requests per second."""
        return self._rate

    def wait(self) -> Slot:
        """Return the slot taken, after waiting for it (and for any Retry-After pause)."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next, self._pause_until)
                self._next = start + 1.0 / self._rate
            if start > now:
                self._sleep(start - now)
            with self._lock:
                if self._pause_until <= start:
                    return Slot(start, start > now)

    def answered(self, slot: Slot) -> None:
        """Note a request that Dex answered (not 429/503): speed up when the pace is what limits us."""
        with self._lock:
            # when the workers, not the pace, held requests back, a faster pace would only be a later burst
            if not slot.limited:
                return
            step = self.increase if self._slow_start else self.increase / self._rate
            self._rate = min(self.max_rate, self._rate + step)

    def throttled(self, slot: Slot, retry_after: float | None) -> None:
        """Note a 429/503 for the request sent at `slot`: pause everyone, and slow down once per round."""
        with self._lock:
            now = self._clock()
            self._pause_until = max(self._pause_until, now + (retry_after if retry_after is not None
                                                              else 1.0 / self._rate))
            if slot.start > self._last_cut:
                self._rate = max(self.min_rate, self._rate * self.decrease)
                self._last_cut = now
                self._slow_start = False
