"""The pace alone, in virtual time: slow start, the cuts at 429s, the limits fitted, holding and probing."""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest

from importer.sandbox import VirtualTime
from importer.sandbox.faults import FixedWindow, TokenBucket
from importer.sandbox.rehearse import rehearse_upload
from importer.send.pacing import Pacer, Slot
from importer.send.pacing_fit import _STEP, Cycle, bucket_fits, fit_bucket, fit_window


class Server(Protocol):
    def take(self) -> float: ...


class Sliding:
    """A sliding log (neither bucket nor fixed window): at most `limit` requests in any `seconds`."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float]) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.taken: deque[float] = deque()

    def take(self) -> float:
        """Return 0.0 when the request is counted, else the seconds until the oldest one counted leaves."""
        now = self.clock()
        while self.taken and self.taken[0] <= now - self.seconds:
            self.taken.popleft()
        if len(self.taken) < self.limit:
            self.taken.append(now)
            return 0.0
        return self.taken[0] + self.seconds - now


def pacer(vt: VirtualTime, rate: float = 1.0) -> Pacer:
    """Return a pace starting at `rate` on the virtual clock."""
    return Pacer(rate=rate, min_rate=0.1, max_rate=1000, clock=vt.clock, sleep=vt.sleep)


def drive(pace: Pacer, server: Server, vt: VirtualTime, seconds: float) -> Iterator[tuple[Slot, bool]]:
    """Yield each request sent one at a time through `pace` for `seconds`, and whether `server` refused it
    (the 429 waited out with its Retry-After in whole seconds, as the sandbox gives it)."""
    started = vt.clock()
    while vt.clock() - started < seconds:
        slot = pace.wait()
        assert slot is not None
        wait = server.take()
        if wait:
            pace.throttled(slot, math.ceil(wait))
        else:
            pace.answered(slot)
        yield slot, bool(wait)


def tally(pace: Pacer, server: Server, vt: VirtualTime, seconds: float) -> tuple[int, int]:
    """Return (accepted, refused) after `seconds` of `drive`."""
    refused = [was for _, was in drive(pace, server, vt, seconds)]
    return refused.count(False), refused.count(True)


def tally_jittered(pace: Pacer, server: Server, vt: VirtualTime, seconds: float, *, seed: int,
                   jitter: float, workers: int = 4) -> tuple[int, int]:
    """Return (accepted, refused) after `seconds` of `workers` sending through `pace`, each request reaching
    `server` 50 ms plus an exponential delay of mean `jitter` after it left, and answered on arrival."""
    rng, started = random.Random(seed), vt.clock()
    events: list[tuple[float, int, Slot | None]] = [(started, n, None) for n in range(workers)]
    accepted = refused = 0
    while events and vt.clock() - started < seconds:
        at, n, slot = heapq.heappop(events)
        vt.sleep(at - vt.clock())
        if slot is None:  # a worker asks for a slot
            got = pace.take(waited=True)
            if isinstance(got, Slot):
                heapq.heappush(events, (at + 0.05 + rng.expovariate(1 / jitter), n, got))
            else:
                heapq.heappush(events, (max(got, at + 1e-6), n, None))
            continue
        wait = server.take()
        if wait:
            refused += 1
            pace.throttled(slot, math.ceil(wait))
        else:
            accepted += 1
            pace.answered(slot)
        heapq.heappush(events, (at, n, None))
    return accepted, refused


def test_slow_start_doubles_every_quarter_second_at_most_fourfold_per_answer(virtual_time: VirtualTime) -> None:
    pace = pacer(virtual_time)
    start = virtual_time.clock()
    virtual_time.sleep(0.25)
    pace.answered(Slot(start, True))
    assert pace.rate == pytest.approx(2.0)
    virtual_time.sleep(0.5)
    pace.answered(Slot(start, False))  # the workers, not the pace, held it back: no growth
    assert pace.rate == pytest.approx(2.0)
    virtual_time.sleep(3.0)  # a long gap between answers still counts for half a second
    pace.answered(Slot(start, True))
    assert pace.rate == pytest.approx(8.0)


def test_the_first_429_keeps_first_of_the_refused_pace_or_the_pace_it_started_at(
        virtual_time: VirtualTime) -> None:
    grown = pacer(virtual_time)
    for _ in range(3):
        virtual_time.sleep(0.5)
        grown.answered(Slot(virtual_time.clock(), True))
    assert grown.rate == pytest.approx(64.0)
    grown.throttled(Slot(virtual_time.clock(), True, 64.0), 1.0)
    assert grown.ceiling == 64.0 and grown.rate == pytest.approx(25.6)
    # refused at 2/s, having started at 1/s: back to 1/s rather than 0.8/s
    started = pacer(virtual_time)
    virtual_time.sleep(0.25)
    started.answered(Slot(virtual_time.clock(), True))
    started.throttled(Slot(virtual_time.clock(), True, 2.0), 1.0)
    assert started.ceiling == 2.0 and started.rate == pytest.approx(1.0)


def test_a_429_within_three_requests_of_the_pause_halves_the_pace(virtual_time: VirtualTime) -> None:
    pace = pacer(virtual_time, rate=10)
    first = pace.wait()
    assert first is not None
    pace.throttled(first, 1.0)
    assert pace.rate == pytest.approx(9.7)
    slots = [pace.wait() for _ in range(3)]
    assert slots[0] is not None and slots[0].start >= first.start + 1.0  # after the Retry-After pause
    assert slots[-1] is not None
    pace.throttled(slots[-1], 1.0)
    assert pace.ceiling == pytest.approx(9.7) and pace.rate == pytest.approx(9.7 / 2)


def test_one_cycle_leaves_the_bucket_open_and_two_of_different_shapes_pin_its_rate() -> None:
    # a bucket of 3 tokens refilled at 2/s, full at 0: requests every 0.25 s, refused at 1.25 s
    fast = Cycle.of([0.0, 0.25, 0.5, 0.75, 1.0], 1.25, since=-math.inf, spent=0)
    assert fast.held(2.0) == pytest.approx((3.0, 3.5))
    assert fast.held(1.0) == pytest.approx((4.0, 4.75))  # 4 tokens at 1/s would do as well
    assert bucket_fits([fast], 1.0) and bucket_fits([fast], 2.0)
    low, high = fit_bucket([fast], below=4.0, floor=0.1) or (0.0, 0.0)
    assert low < 0.2 and high > 3.9  # anything under the refused pace
    # then, after a pause of 2 s (full again), every 1/3 s: 7 taken, the 8th refused
    slow = Cycle.of([3.25 + k / 3 for k in range(7)], 3.25 + 7 / 3, since=1.25, spent=0)
    assert not bucket_fits([fast, slow], 1.0) and bucket_fits([fast, slow], 2.0)
    low, high = fit_bucket([fast, slow], below=4.0, floor=0.1) or (0.0, 0.0)
    assert low <= 2.0 <= high < 2.5


def test_a_window_of_a_second_fits_its_count_where_a_bucket_reads_it_lower() -> None:
    # 4 per second, counted afresh on whole seconds: 8 go in 0.8 s across a boundary, then after a pause the
    # end of one second and the whole of the next, at 5/s
    across = Cycle.of([0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3], 1.4, since=-math.inf, spent=0)
    after = Cycle.of([2.4 + k * 0.2 for k in range(7)], 3.8, since=1.4, spent=0)
    assert fit_window([across]) == 8  # alone, it could be 8 in the one window from 0.5 s
    assert fit_window([across, after]) == 4
    low, high = fit_bucket([across, after], below=10, floor=0.1) or (0.0, 0.0)
    assert 2.5 < low <= high < 3.5  # a bucket explains the burst by a slower rate
    # and what a token bucket does fits no window: 5 taken in a second, then 3 a second, refused at 3
    fast = Cycle.of([0.0, 0.25, 0.5, 0.75, 1.0], 1.25, since=-math.inf, spent=0)
    slow = Cycle.of([3.25 + k / 3 for k in range(7)], 3.25 + 7 / 3, since=1.25, spent=0)
    assert fit_window([fast, slow]) is None


@pytest.mark.parametrize("limit", [20, 5])
def test_a_window_of_a_second_is_paced_just_under_its_count(virtual_time: VirtualTime, limit: int) -> None:
    pace = pacer(virtual_time)
    accepted, refused = tally(pace, FixedWindow(limit, 1.0, clock=virtual_time.clock), virtual_time, 60)
    assert accepted >= 0.9 * limit * 60
    assert refused <= 5
    assert pace.ceiling == limit and limit * 0.97 < pace.rate < limit


def test_the_rate_the_server_took_overrules_a_bucket_with_a_burst_of_minutes(virtual_time: VirtualTime) -> None:
    # 100 in any 10 s: slow start takes 100 at once, then little comes back for seconds, as from a bucket
    # refilled at under 1/s holding 100
    pace = pacer(virtual_time)
    accepted, refused = tally(pace, Sliding(100, 10, virtual_time.clock), virtual_time, 120)
    assert accepted >= 0.85 * 10 * 120
    assert refused <= 8
    assert pace.rate > 9


@pytest.mark.parametrize(("limit", "burst"), [(5, 2), (20, 5), (1, 1), (50, 13), (20, 20), (2, 1)])
def test_the_fit_finds_a_token_bucket_within_a_few_429s(virtual_time: VirtualTime, limit: float,
                                                        burst: int) -> None:
    # two minutes: a burst of a whole second's worth makes the first cycles short, and the ceiling they leave
    # a few percent high is found out by a 429 within about a minute (the burst drains that slowly)
    pace = pacer(virtual_time)
    refused = sum(was for _, was in drive(pace, TokenBucket(limit, burst, clock=virtual_time.clock),
                                          virtual_time, 120))
    assert refused <= 5
    # the ceiling never leaves the real rate out (to within the fit's step between rates tried); the pace
    # holds within a few percent of it
    assert pace.ceiling is not None and limit / _STEP <= pace.ceiling < limit * 1.03
    assert limit * 0.97 < pace.rate < limit * 1.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jittered_arrivals_neither_hold_the_pace_far_below_a_bucket_nor_meet_many_429s(
        virtual_time: VirtualTime, seed: int) -> None:
    # requests leave evenly but reach the bucket bunched: fitted exactly, the cycles can read as a far slower
    # bucket with a big burst, which no 429 would contradict for a minute
    pace = pacer(virtual_time)
    accepted, refused = tally_jittered(pace, TokenBucket(20, 5, clock=virtual_time.clock), virtual_time, 60,
                                       seed=seed, jitter=0.05)
    assert 0.07 < pace.jitter < 0.2  # 5% to 90% of an exponential of mean 50 ms: 113 ms
    assert accepted >= 0.85 * 20 * 60
    assert refused <= 0.01 * accepted


def test_a_burst_bigger_than_a_pause_refills_is_not_met_again_and_again(virtual_time: VirtualTime) -> None:
    # 10 tokens at 3/s: after a 1 s Retry-After the bucket holds about 3 tokens, not 10
    accepted, refused = tally(pacer(virtual_time), TokenBucket(3, 10, clock=virtual_time.clock), virtual_time, 120)
    assert accepted >= 0.95 * 3 * 120
    assert refused <= 6


def test_a_window_of_ten_seconds_is_spent_fully_by_pausing_until_its_end(virtual_time: VirtualTime) -> None:
    # its Retry-After points at the next window, seconds away: no window of a second is fitted to it
    accepted, refused = tally(pacer(virtual_time), FixedWindow(50, 10, clock=virtual_time.clock), virtual_time, 300)
    assert accepted >= 0.9 * 5 * 300
    assert refused < 0.05 * (accepted + refused)


def test_the_pace_holds_under_the_ceiling_then_finds_a_raised_limit(virtual_time: VirtualTime) -> None:
    pace = pacer(virtual_time)
    bucket = TokenBucket(10, 3, clock=virtual_time.clock)
    tally(pace, bucket, virtual_time, 60)
    assert next(was for _, was in drive(pace, bucket, virtual_time, 600) if was)  # a 429 just now
    ceiling = pace.ceiling
    assert ceiling is not None and 10 <= ceiling < 10.3
    raised = TokenBucket(20, 5, clock=virtual_time.clock)
    started = virtual_time.clock()
    above = None
    for slot, _ in drive(pace, raised, virtual_time, 300):
        if slot.start - started < 55:  # less than a minute since that 429: it holds
            assert pace.rate <= ceiling * 0.99 + 1e-9
        if above is None and pace.rate > 15:
            above = slot.start - started
    assert above is not None and above < 240
    assert pace.rate > 19


def test_wait_never_sleeps_a_negative_time() -> None:
    # the clock moves 0.4 s between reading it in take() and in wait(): past the slot's time
    ticks = iter([0.0, 0.0, 0.1, 0.6, 0.7])
    slept: list[float] = []
    pace = Pacer(rate=2, min_rate=0.1, max_rate=10, clock=lambda: next(ticks), sleep=slept.append)
    assert pace.wait() is not None
    assert pace.wait() is not None
    assert slept == [0.0]


@pytest.mark.parametrize(("limit", "burst"), [(5, 2), (20, 5), (5, 1), (20, 20)])
def test_the_pace_finds_a_token_bucket_limit_with_few_429s(virtual_time: VirtualTime, limit: float,
                                                          burst: int) -> None:
    """Return nothing: over two minutes the pace keeps >= 90% of the limit with < 5% of requests refused."""
    accepted, refused = tally(pacer(virtual_time), TokenBucket(limit, burst, clock=virtual_time.clock),
                              virtual_time, 120)
    assert accepted >= 0.9 * limit * 120
    assert refused < 0.05 * (accepted + refused)


def test_slow_start_sends_at_the_pace_the_next_answer_brings_at_most_one_doubling_ahead(
        virtual_time: VirtualTime) -> None:
    pace = pacer(virtual_time)
    first = pace.take(waited=True)
    assert isinstance(first, Slot)
    virtual_time.sleep(0.1)
    pace.answered(first)  # 0.1 s of doubling: 1.32/s, which alone would hold the next request until 0.76 s
    virtual_time.sleep(0.3)
    second = pace.take(waited=True)
    assert isinstance(second, Slot)  # the next answer will double it: 2.64/s lets it go after 0.38 s
    assert second.rate == pytest.approx(2.0 ** 1.4) and second.start == pytest.approx(first.start + 2.0 ** -1.4)
    virtual_time.sleep(2.0)  # no answer for long: still one doubling ahead at most
    third = pace.take(waited=True)
    assert isinstance(third, Slot) and third.rate == pytest.approx(2.0 ** 1.4)
    assert pace.rate == pytest.approx(2.0 ** 0.4)  # the pace itself grows only with answers


def test_the_first_429_keeps_at_least_the_rate_the_server_took_in_the_last_second(
        virtual_time: VirtualTime) -> None:
    # slow start was refused at 7/s soon after passing the limit: the server had taken 6 in the second before,
    # and `first` (0.4) of the refused pace, 2.8/s, would be a long climb back
    pace = pacer(virtual_time)
    for _ in range(6):
        virtual_time.sleep(1 / 6)
        pace.answered(Slot(virtual_time.clock() - 0.1, True, pace.rate))
    assert pace.rate > 7
    pace.throttled(Slot(virtual_time.clock() - 0.05, True, 7.0), 1.0)
    assert pace.ceiling == 7.0 and pace.rate == pytest.approx(6.0)


@pytest.mark.parametrize(("limit", "burst", "seconds"), [(5, 2, 60), (20, 5, 45)])
def test_jittered_arrivals_cost_less_than_a_tenth_of_the_ideal_over_the_whole_upload(
        virtual_time: VirtualTime, limit: float, burst: int, seconds: float) -> None:
    # the benchmark's jitter rows in virtual time: requests bunched +-50 ms on 100 ms of latency, slow start
    # from 1/s included; each 429 costs a whole second's pause, so the limit must be found in few of them and
    # held just under without more (before: 88% of the ideal on average at 20/s, 92% at 5/s)
    shares = []
    for seed in range(6):
        seconds_taken, _, refused = rehearse_upload(pacer(virtual_time), TokenBucket(limit, burst,
                                                    clock=virtual_time.clock), virtual_time,
                                                    int(limit * seconds), seed=seed)
        shares.append(seconds / seconds_taken)
        assert refused < 0.05 * limit * seconds
    assert sum(shares) / len(shares) >= 0.9
    assert min(shares) >= 0.88
