"""The sandbox's fault switches: a rate limit answered 429, random 503s, slow answers, dropped connections.

`Faults` is the configuration (a value, CLI-friendly: plain numbers); `FaultState` is what a running server
keeps: the rate limiter (a token bucket, or a fixed window counter), a seeded random source and counters.
Clock and sleep are injected so that tests run a rate-limited server in virtual time.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    """What the sandbox does wrong on purpose.

    - `rate_limit`: requests per second allowed: an honest token bucket refilled at that rate, holding
      `burst` tokens (by default a quarter of a second's worth, at least 1), so a client cannot go faster
      than the limit for long by bursting; beyond it the answer is 429 with ``Retry-After`` (whole seconds
      until a token is back). None: no limit.
    - `window`: count requests in fixed windows of this many seconds instead (aligned on the clock: a window
      starts at each multiple of it), at most ``rate_limit * window`` in each, as many servers do. A client
      may then send twice that in a moment across a boundary; beyond it the answer is 429 with
      ``Retry-After`` the whole seconds until the next window. None: the token bucket.
    - `error_rate`: probability that a request is answered 503 before anything is done.
    - `latency_ms`: how long every request waits before the server looks at it (the rate limit included).
    - `jitter_ms`: how much more or less than `latency_ms` each waits, uniformly at random (from the seed, in
      the order requests arrive), as over the internet: requests sent evenly then reach the rate limit
      bunched together. At most `latency_ms`.
    - `drop_after_store`: probability that a create stores its batch and then closes the connection
      without answering (the client cannot know whether anything was created).
    - `fail_paths`: paths below ``/v1`` (``"/tags"``, ``"/groups"``) whose every call, and every call below
      them, is answered 500 before anything is done: a side effect that always fails.
    - `seed`: the random source of the two probabilities. Whether a request meets a fault depends only on
      the seed, the request itself and how many times that same request came before, never on the order
      requests from several threads arrive in: a run is repeatable, whatever the thread timing.
    """

    rate_limit: float | None = None
    burst: int | None = None
    window: float | None = None
    error_rate: float = 0.0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    drop_after_store: float = 0.0
    fail_paths: tuple[str, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_after_store"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError(f"rate_limit must be positive, got {self.rate_limit}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"burst must be 1 or more, got {self.burst}")
        if self.window is not None:
            if self.rate_limit is None or self.burst is not None:
                raise ValueError("window needs a rate_limit, and no burst (that is the token bucket's)")
            if self.window <= 0 or self.rate_limit * self.window < 1 - 1e-9:
                raise ValueError(f"window must let at least 1 request through: {self.rate_limit:g}/s for "
                                 f"{self.window:g} s")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must be 0 or more, got {self.latency_ms}")
        if not 0 <= self.jitter_ms <= self.latency_ms:
            raise ValueError(f"jitter_ms must be between 0 and latency_ms ({self.latency_ms:g}), got {self.jitter_ms}")


class VirtualTime:
    """A monotonic clock that only moves when someone sleeps; `slept` lists every sleep asked for.

    Give the same one to the sandbox and to the sender: a rate-limited, slow, flaky import then runs in
    a fraction of a second, and the same way every time.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        """Return the current virtual time in seconds."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Return at once, having moved the clock forward by `seconds`."""
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)


class TokenBucket:
    """A token bucket of `capacity` tokens refilled at `rate` per second on an injected monotonic clock."""

    def __init__(self, rate: float, capacity: int, *, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = float(capacity)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Return 0.0 when a token was taken, else the seconds until one will be available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


class FixedWindow:
    """A counter of the requests in each window of `window` seconds (from each multiple of it on an injected
    clock), letting `limit` of them through."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._index = math.floor(clock() / window)
        self._count = 0
        self._lock = threading.Lock()

    def take(self) -> float:
        """Return 0.0 when the request fits in the current window, else the seconds until the next one."""
        with self._lock:
            now = self._clock()
            index = math.floor(now / self.window)
            if index != self._index:
                self._index, self._count = index, 0
            if self._count < self.limit:
                self._count += 1
                return 0.0
            return (index + 1) * self.window - now


def rate_limiter(rate_limit: float, *, burst: int | None = None, window: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> TokenBucket | FixedWindow:
    """Returns the limiter the sandbox enforces for `rate_limit` requests a second: a fixed window of `window`
    seconds when given, else a token bucket holding `burst` tokens (a quarter second's worth by default)."""
    if window is not None:
        # a hair of tolerance, so that 20/s over 0.1 s is 2, not 1
        return FixedWindow(math.floor(rate_limit * window + 1e-9), window, clock=clock)
    return TokenBucket(rate_limit, burst or max(1, math.ceil(rate_limit / 4)), clock=clock)


@dataclass
class FaultStats:
    """Counters of what the sandbox answered, for tests and benchmarks."""

    requests: int = 0
    creates_received: int = 0   # create calls that arrived, answered or not (tests time a kill with it)
    rate_limited: int = 0
    unavailable: int = 0
    dropped: int = 0
    created: int = 0


class FaultState:
    """The faults of one running server: decides, per request, what goes wrong."""

    def __init__(self, faults: Faults, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.faults = faults
        self.stats = FaultStats()
        self._sleep = sleep
        self._seen: dict[tuple[str, bytes], int] = {}
        self._lock = threading.Lock()
        self._bucket: TokenBucket | FixedWindow | None = None
        self._jitter = random.Random(f"{faults.seed}:jitter")
        if faults.rate_limit is not None:
            self._bucket = rate_limiter(faults.rate_limit, burst=faults.burst, window=faults.window, clock=clock)

    def _chance(self, kind: str, p: float, request: bytes) -> bool:
        """Return True with probability `p`, drawn from the seed, `kind`, `request` and its repeat count."""
        if p <= 0:
            return False
        digest = hashlib.sha256(request).digest()
        with self._lock:
            n = self._seen.get((kind, digest), 0)
            self._seen[(kind, digest)] = n + 1
        return random.Random(f"{self.faults.seed}:{kind}:{digest.hex()}:{n}").random() < p

    def count(self, name: str, n: int = 1) -> None:
        """Add `n` to the counter `name` of `stats`."""
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + n)

    def delay(self) -> None:
        """Wait the configured latency, give or take the jitter."""
        latency = self.faults.latency_ms
        if self.faults.jitter_ms:
            with self._lock:
                latency += self._jitter.uniform(-self.faults.jitter_ms, self.faults.jitter_ms)
        if latency:
            self._sleep(latency / 1000)

    def retry_after(self) -> int | None:
        """Return None when the request is within the rate limit, else the whole seconds for Retry-After."""
        if self._bucket is None:
            return None
        wait = self._bucket.take()
        if wait == 0.0:
            return None
        self.count("rate_limited")
        return max(1, math.ceil(wait))

    def broken(self, path: str) -> bool:
        """Return True when `path` (below /v1) is one of `fail_paths`, or below one: it is answered 500."""
        path = "/" + path.strip("/")
        return any(path == f or path.startswith(f.rstrip("/") + "/") for f in self.faults.fail_paths)

    def unavailable(self, request: bytes = b"") -> bool:
        """Return True when `request` (method, path and body) is to be answered 503 this time."""
        hit = self._chance("503", self.faults.error_rate, request)
        if hit:
            self.count("unavailable")
        return hit

    def drop(self, request: bytes = b"") -> bool:
        """Return True when `request`, a create just stored, is to be left without an answer this time."""
        hit = self._chance("drop", self.faults.drop_after_store, request)
        if hit:
            self.count("dropped")
        return hit
