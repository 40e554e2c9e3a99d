"""Stopping a run: the stop signal that counts the requests in flight, and the wait for the sending threads that
turns a first Ctrl-C into "no new batch" and a second into "stop at once".

A first Ctrl-C (or SIGTERM, in the CLI) sets the run's `Stop`: no new request goes out, the ones in flight are
answered and settled. A second one abandons them: the run ends at once and its journal keeps those batches as
in flight, for the next run to look up before it sends anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager


class Stop(threading.Event):
    """A run's stop signal that also counts the requests out now: once set (a first Ctrl-C, SIGTERM) no new
    request goes out, and `in_flight` says how many are still awaited ("stopping: waiting for 3 requests")."""

    def __init__(self) -> None:
        super().__init__()
        self._count_lock = threading.Lock()
        self._out = 0

    @property
    def in_flight(self) -> int:
        """Returns how many requests are out now."""
        with self._count_lock:
            return self._out

    @contextmanager
    def request(self) -> Iterator[None]:
        """Counts one request as out while the block runs."""
        with self._count_lock:
            self._out += 1
        try:
            yield
        finally:
            with self._count_lock:
                self._out -= 1


@contextmanager
def counted(stop: threading.Event) -> Iterator[None]:
    """Counts one request out on `stop` while the block runs, when it is a `Stop` (a plain Event counts nothing)."""
    if isinstance(stop, Stop):
        with stop.request():
            yield
    else:
        yield


def wait_for_workers(threads: Sequence[threading.Thread], *, stop: threading.Event, wake: Callable[[], None],
                     abandon: Callable[[], None]) -> None:
    """Returns when every thread is done, or at once after a second Ctrl-C (then `abandon` has been called).

    A KeyboardInterrupt while `stop` is clear is the first Ctrl-C: `stop` is set (`wake` tells the threads) and
    the wait goes on for the requests in flight. One while `stop` is set (by this first one, or by the caller's
    own signal handler) is the second: `abandon`, and return.
    """
    def join() -> None:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.2)

    try:
        return join()
    except KeyboardInterrupt:
        again = stop.is_set()
    if not again:
        stop.set()
        wake()
        try:
            return join()
        except KeyboardInterrupt:
            pass
    abandon()
