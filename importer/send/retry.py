"""Returns the one way every read of Dex is made: paced to Dex's limit, and retried while Dex cannot answer.

The account check, the lookups, the label calls and undo all read through `patient_read`; the sender's own
lookups go through its pacer the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from importer.dex.client import OutcomeUnknown, SurelyNotCreated, UnexpectedAnswer
from importer.send.pacing import Pacer

T = TypeVar("T")


def patient_read(sleep: Callable[[float], None] = time.sleep, *, attempts: int = 5,
                 clock: Callable[[], float] = time.monotonic, rate: float = 1.0
                 ) -> Callable[[Callable[[], T]], T]:
    """Returns a wrapper that runs read-only Dex calls paced to Dex's limit (`Pacer`, as the sends are).

    A 429 only means slow down: it is never counted against the call, which waits out Retry-After and goes
    again. A 503, an unreachable server or a lost answer is retried with backoff (0.5 s, 1 s, 2 s...) up to
    `attempts` times; then the last failure is raised. An answer of no known shape is raised at once. Reads change nothing in Dex, so asking again is safe.
    `rate` is the pace to start at, in requests per second (public clients assume about 1).
    """
    pacer = Pacer(rate=rate, min_rate=0.1, max_rate=100.0, clock=clock, sleep=sleep)

    def read(call: Callable[[], T]) -> T:
        failures = 0
        while True:
            slot = pacer.wait()
            assert slot is not None  # no cancel given: wait() always returns a slot
            try:
                result = call()
            except SurelyNotCreated as exc:
                if exc.status_code == 429:
                    pacer.throttled(slot, exc.retry_after)
                    continue
                failures += 1
                if failures >= attempts:
                    raise
                pacer.pause(exc.retry_after if exc.retry_after is not None else min(30.0, 0.5 * 2 ** (failures - 1)))
                continue
            except UnexpectedAnswer:
                raise  # Dex answered, in no shape we know: asking again would get the same answer
            except OutcomeUnknown:
                failures += 1
                if failures >= attempts:
                    raise
                pacer.pause(min(30.0, 0.5 * 2 ** (failures - 1)))
                continue
            pacer.answered(slot)
            return result
    return read
