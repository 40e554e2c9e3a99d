"""Maps the records of a large file in worker processes: the results of one process, in the same order.

The parent reads the file (the readers stay the only code that opens input files, and CSV's quoted newlines
and line numbers stay theirs) and sends its records, `CHUNK` at a time, to the workers; a worker maps each
record as `importer.plan.inputs.map_records` would, encodes the contact's JSON text and computes its dedupe
keys (`prepare`: what the plan would compute next), and the parent takes the chunks back in the order it sent
them, with `IN_FLIGHT` chunks per worker at most on their way (memory stays flat whatever the file's size).
A file of fewer than `ReadOptions.workers_from` records is mapped in this process: no pool is started.

Workers are forked, so they inherit the file's compiled mapping without pickling it; where fork does not
exist, one process maps everything. A worker ignores Ctrl-C: the parent's KeyboardInterrupt stops the pool
and goes on as it would in one process. When mapping a record raises in a worker, the worker sends back the
records before it and names it; the parent maps that one record itself, so the exception (or the result) is
exactly the one-process one. A reader's error is raised after the records read before it have been yielded.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from importer.errors import ImporterError
from importer.mapping.apply import Mapped
from importer.model import (
    Notice,
    Record,
    filled_fields,
    record_from,
    record_state,
)
from importer.normalize.keys import identity_of
from importer.plan.likely import block_entries
from importer.plan.merge import strong_keys, weak_keys
from importer.plan.spill import encode_contact

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from importer.normalize.keys import Identity

WORKERS_FROM = 2_000
"""Records a file needs before workers map it. Measured on 3 December 2026 on the team's 2-core machine, a
Google preview in a fresh process, one process against two workers started from the first record (median of
3): 1,000 rows 0.91-0.92x (the pool's start and a lone chunk cost more than it saves), 2,000 rows 0.97x at
load 1.4 and 1.14x at load 1.0, 4,000 rows 1.08x, 10,000 rows 1.20x (best runs 1.49x); on a machine whose
other core is busy two workers lose at any size (see `FREE_CORES`)."""

FREE_CORES = 1.5
"""Idle cores (by the 1-minute load average) without which two workers are not started unasked: the pool
spends 15-30% more CPU in all than one process (pickling both ways, each worker warming its own mapper), so it
pays only when both cores are ours; with the other core busy it was 10-40% slower (measured, same day)."""

CHUNK = 500
"""Records sent to a worker at a time."""

IN_FLIGHT = 3
"""Chunks per worker sent and not yet taken back."""


class Prepared(NamedTuple):
    """What the plan computes from a contact, computed where the contact was mapped (`prepare`)."""

    text: str  # the JSON text it is spilled and sent as
    strong: list[tuple[str, str]]
    weak: list[tuple[str, str]]
    identity: Identity | None  # when it has weak keys
    filled: tuple[str, ...]  # the fields holding a value, in order
    blocks: tuple[tuple[Any, ...], ...]  # its possible-duplicate blocks (`importer.plan.likely.block_entries`)


def prepare(contact: dict[str, Any]) -> Prepared:
    """Returns the JSON text, dedupe keys, filled fields and blocks of `contact`."""
    weak = weak_keys(contact)
    return Prepared(encode_contact(contact), strong_keys(contact), weak, identity_of(contact) if weak else None,
                    filled_fields(contact), block_entries(contact))


def worker_count(asked: int | None) -> int:
    """Returns how many processes map the records: `asked`; when None, two on Linux if the machine has two
    cores that are free (its load average leaves `FREE_CORES` idle), else one; one where processes cannot be
    forked. Unasked, only Linux: macOS system libraries are not safe to use in a forked child (Python itself
    spawns there by default)."""
    if not hasattr(os, "fork"):
        return 1
    if asked is not None:
        return max(asked, 1)
    if not sys.platform.startswith("linux"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return 2 if cores >= 2 and cores - max(busy - own_load(), 0.0) >= FREE_CORES else 1


def own_load(proc: Path = Path("/proc")) -> float:
    """Returns the share of the 1-minute load average that is this process's own (and its reaped children's,
    such as an earlier plan's workers): its CPU seconds over its age, damped as the kernel damps the average
    (1 - e^(-age/60)). A long-lived process busy only lately is underestimated: it then keeps to one process.
    Without /proc, 0. A program planning several files in a row would otherwise count its own work as
    somebody else's and, from its second file on, map in one process on an idle machine."""
    try:
        uptime = float((proc / "uptime").read_text().split()[0])
        stat = (proc / "self" / "stat").read_text()
        started = int(stat[stat.rindex(")") + 2:].split()[19]) / os.sysconf("SC_CLK_TCK")  # field 22
    except (OSError, ValueError, IndexError):
        return 0.0
    age = uptime - started
    if age <= 1.0:
        return 0.0
    times = os.times()
    cpu = times.user + times.system + times.children_user + times.children_system
    return min(cpu / age, float(os.cpu_count() or 1)) * (1.0 - math.exp(-age / 60.0))


MakeMapper = Callable[[], Callable[[Record], Mapped]]
"""Returns the function that maps one record of a file (`importer.plan.inputs.record_mapper`)."""


def map_in_workers(name: str, items: Iterator[Record | Mapped], make_mapper: MakeMapper, *, workers: int,
                   least: int | None = None) -> Iterator[Mapped]:
    """Yields what each of `items` (the records of file `name`, or what they already map to) maps to, in
    order, mapped by `workers` processes when there are `least` (`WORKERS_FROM`) or more, else here."""
    least = WORKERS_FROM if least is None else least
    head = list(islice(items, max(least, 1)))
    local: Callable[[Record], Mapped] | None = None
    if len(head) < least:  # a small file: no pool
        local = make_mapper()
        for item in head:
            yield item if isinstance(item, Mapped) else local(item)
        return
    from concurrent.futures.process import BrokenProcessPool

    pool = start_pool(workers, make_mapper)
    pending: deque[tuple[list[Record | Mapped], Future[bytes]]] = deque()
    failure: BaseException | None = None
    try:
        chunks = _chunks(head, items)
        while True:
            while failure is None and len(pending) < workers * IN_FLIGHT:
                try:
                    chunk = next(chunks, None)
                except Exception as exc:  # the reader's: raised after the records before it
                    failure, chunk = exc, None
                if chunk is None:
                    break
                states = [record_state(i) for i in chunk if not isinstance(i, Mapped)]
                try:
                    pending.append((chunk, pool.submit(_map_chunk, states)))
                except BrokenProcessPool:  # a worker died since the last chunk came back
                    raise _stopped(name) from None
            if not pending:
                break
            chunk, future = pending.popleft()
            try:
                results = _loads(future.result())
            except BrokenProcessPool:
                raise _stopped(name) from None
            done = iter(results)
            for item in chunk:
                if isinstance(item, Mapped):
                    yield item
                    continue
                result = next(done, None)
                if result is None:  # mapping it raised in the worker: this process maps it, raising the same
                    local = local or make_mapper()
                    m = local(item)
                    yield m if m.contact is None else _with(m, prepare(m.contact))
                    done = iter(())  # the worker stopped at that record: the rest of the chunk is mapped here
                    continue
                yield _mapped(item, result)
        if failure is not None:
            raise failure
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stopped(name: str) -> ImporterError:
    return ImporterError(f"{name}: a worker process mapping its records stopped (out of memory?); "
                         "run again with --workers 1")


def start_pool(workers: int, make_mapper: MakeMapper) -> Executor:
    """Returns a pool of `workers` forked processes, each ready to map records with what `make_mapper`
    returns (`_map_chunk`).

    The pool's modules (multiprocessing, ~30 ms) are imported here: a small file never loads them.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start,
                               initargs=(make_mapper,))


def _chunks(head: list[Record | Mapped], items: Iterator[Record | Mapped]) -> Iterator[list[Record | Mapped]]:
    for start in range(0, len(head), CHUNK):
        yield head[start:start + CHUNK]
    head.clear()
    chunk: list[Record | Mapped] = []
    try:
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    except Exception:  # the reader's error: the records read before it first
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


_mapper: Callable[[Record], Mapped] | None = None


def _start(make_mapper: MakeMapper) -> None:
    """Makes this worker process ready: Ctrl-C is the parent's to handle, the file's mapper built once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()  # the objects inherited from the parent: never collected here (nor copied by touching them)
    global _mapper
    _mapper = make_mapper()


def _map_chunk(states: list[tuple[Any, ...]]) -> bytes:
    """Returns what each record maps to as plain tuples (`_mapped` reads them), pickled; stops at a record
    whose mapping raises, leaving it and the rest to the parent.

    The garbage collector waits for the end of the chunk: the chunk's results (some 100 objects a record)
    stay alive until then, and collecting while they pile up cost a third of a worker's time (measured).
    """
    assert _mapper is not None
    out: list[Any] = []
    gc.disable()
    try:
        for state in states:
            try:
                m = _mapper(record_from(state))
            except Exception:
                break
            notices = tuple((n.file, n.line, n.column, n.kind, n.message) for n in m.notices)
            out.append((m.contact, notices, m.labels, m.used, m.skip, m.expected_skip, m.filled, m.named_after,
                        tuple(prepare(m.contact)) if m.contact is not None else None))
        return pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
    finally:
        gc.enable()


def _loads(data: bytes) -> list[Any]:
    """Returns a chunk's results, unpickled with the garbage collector paused (they hold no cycle, and
    collecting while a chunk's objects are made cost ~30 µs a record, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        results: list[Any] = pickle.loads(data)
        return results
    finally:
        if enabled:
            gc.enable()


def _mapped(record: Record, result: tuple[Any, ...]) -> Mapped:
    contact, notices, labels, used, skip, expected, filled, named_after, prepared = result
    notices = tuple(Notice(*n) for n in notices) if notices else ()
    return Mapped(record, contact, notices, labels, used, skip, expected, filled, named_after,
                  Prepared._make(prepared) if prepared is not None else None)


def _with(m: Mapped, prepared: Prepared) -> Mapped:
    from dataclasses import replace

    return replace(m, extra=prepared)
