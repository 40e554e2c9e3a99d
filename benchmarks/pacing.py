"""Benchmark the upload against a rate-limited sandbox in real time: how close to the limit, how many 429s.

    .venv/bin/python benchmarks/pacing.py            # about 5.5 minutes
    .venv/bin/python benchmarks/pacing.py --quick    # about 1 minute, rougher figures
    .venv/bin/python benchmarks/pacing.py --row 4 --row 5 --repeat 3 --no-scaling  # the jitter rows, 3 times

(benchmarks/pacing_sim.py runs the same rows in virtual time, over many seeds in seconds.)

For each rate limit (an honest token bucket: `limit` requests/s, `burst` tokens; or a fixed window: at most
`limit` requests in each second, counted afresh) with 100 ms of latency (and once more with +-50 ms of
jitter: requests reach the server bunched, as over the internet), it sends contacts with the
importer's default pacing (which starts at 1 request/s and must find the limit itself) and prints
requests/s against the limit, contacts/s as a share of the ideal (limit x batch size), and the share of
requests answered 429; "steady" leaves out the first 10 s (the slow start). Then, with no rate
limit (the pace starting at its top, so that only the workers decide), how the time scales with
--concurrency.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from importer.dex.client import DexClient  # noqa: E402
from importer.model import Contact  # noqa: E402
from importer.sandbox import Faults, serve  # noqa: E402
from importer.send.batches import send_contacts  # noqa: E402
from importer.send.outcomes import Progress, SendPolicy  # noqa: E402

WARM_UP = 10.0  # seconds of slow start left out of the "steady" figure


@dataclass(frozen=True)
class Figures:
    """What one upload achieved: requests answered and refused, contacts created, seconds."""

    requests: int
    refused: int
    created: int
    seconds: float
    steady_created: int
    steady_seconds: float


def people(count: int) -> list[tuple[int, Contact]]:
    """Return `count` fictitious contacts, one in three with an email."""
    items: list[tuple[int, Contact]] = []
    for n in range(count):
        contact: Contact = {"first_name": f"Bench{n:06d}", "last_name": "Example", "company": "Example Ltd"}
        if n % 3 == 0:
            contact["contact_emails"] = [{"email": f"bench{n}@example.com"}]
        items.append((n, contact))
    return items


def upload(faults: Faults, contacts: int, *, batch_size: int, concurrency: int,
           policy: SendPolicy | None = None) -> Figures:
    """Return the figures of sending `contacts` contacts to a fresh sandbox with `faults`, in real time."""
    server = serve(host="127.0.0.1", port=0, faults=faults)
    marks: list[tuple[float, int]] = []

    def progress(p: Progress) -> None:
        marks.append((time.monotonic(), p.created))

    try:
        with DexClient(server.api_key, api_url=server.url, timeout=30) as client:
            started = time.monotonic()
            result = send_contacts(people(contacts), client, batch_size=batch_size, concurrency=concurrency,
                                   on_progress=progress, policy=policy or SendPolicy())
            seconds = time.monotonic() - started
        if len(result.created) != contacts:
            raise SystemExit(f"only {len(result.created)} of {contacts} contacts were created: {result.stopped}")
        warm = next(((t, n) for t, n in marks if t - started >= WARM_UP), (started, 0))
        return Figures(server.stats.requests, server.stats.rate_limited, len(result.created), seconds,
                       len(result.created) - warm[1], started + seconds - warm[0])
    finally:
        server.close()


# (requests/s, token bucket size or None, fixed window seconds or None, latency jitter in ms, seconds the upload
# takes at the limit)
LIMITS: tuple[tuple[float, int | None, float | None, int, float], ...] = (
    (5.0, 2, None, 0, 60.0), (20.0, 5, None, 0, 45.0), (20.0, None, 1.0, 0, 60.0), (5.0, 2, None, 50, 60.0),
    (20.0, 5, None, 50, 45.0))
IDEAL_TARGET = 0.90   # contacts/s over the whole run, as a share of the limit's ideal: at least this
REFUSED_TARGET = 0.05  # share of requests answered 429: under this


@dataclass(frozen=True)
class Limited:
    """One upload against a rate limit: its name, size, time, and shares of the ideal and of 429s."""

    name: str
    contacts: int
    seconds: float
    accepted_per_second: float
    of_ideal: float
    steady: float
    refused: float

    @property
    def ok(self) -> bool:
        """Return whether the upload met both targets."""
        return self.of_ideal >= IDEAL_TARGET and self.refused < REFUSED_TARGET


def row_name(limit: float, burst: int | None, window: float | None, jitter_ms: int) -> str:
    """Return the name a row of `LIMITS` is printed under ("20/s, burst 5, ±50 ms")."""
    name = f"{limit:g}/s, burst {burst}" if window is None else f"{limit:g}/s, {window:g} s window"
    return name + (f", ±{jitter_ms} ms" if jitter_ms else "")


def rate_limited(limit: float, seconds: float, *, burst: int | None = None, window: float | None = None,
                 jitter_ms: int = 0, batch_size: int, concurrency: int) -> Limited:
    """Return the figures of an upload meant to take about `seconds` at the limit (a token bucket holding
    `burst`, or a fixed window of `window` seconds), each request delayed 100 ms +- `jitter_ms`."""
    contacts = int(limit * seconds) * batch_size
    f = upload(Faults(rate_limit=limit, burst=burst, window=window, latency_ms=100, jitter_ms=jitter_ms, seed=1),
               contacts, batch_size=batch_size, concurrency=concurrency)
    ideal = limit * batch_size
    steady = f.steady_created / f.steady_seconds / ideal if f.steady_seconds > 0 else float("nan")
    return Limited(row_name(limit, burst, window, jitter_ms), contacts, f.seconds, (f.requests - f.refused) / f.seconds, f.created / f.seconds / ideal,
                   steady, f.refused / f.requests)


def limited_runs(*, quick: bool = False, batch_size: int = 20, concurrency: int = 4,
                 rows: Sequence[int] = ()) -> Iterator[Limited]:
    """Yield the figures of an upload against each of `LIMITS` (only those numbered `rows`, from 1, when
    given; shorter with `quick`), one after the other."""
    scale = 0.3 if quick else 1.0
    for limit, burst, window, jitter_ms, seconds in (LIMITS[n - 1] for n in rows) if rows else LIMITS:
        yield rate_limited(limit, seconds * scale, burst=burst, window=window, jitter_ms=jitter_ms,
                           batch_size=batch_size, concurrency=concurrency)


def scaling_runs(*, quick: bool = False) -> Iterator[tuple[int, float, float]]:
    """Yield (concurrency, seconds, requests/s) of 100 requests of 100 contacts (30 with `quick`) with no
    rate limit and 100 ms of latency, at concurrency 1, 2, 4 and 8."""
    requests = 30 if quick else 100
    for concurrency in (1, 2, 4, 8):
        # the pace starts at its top: with no limit to find, the workers alone decide the speed
        f = upload(Faults(latency_ms=100), requests * 100, batch_size=100, concurrency=concurrency,
                   policy=SendPolicy(initial_rate=SendPolicy().max_rate))
        yield concurrency, f.seconds, f.requests / f.seconds


def main() -> None:
    """Print the two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (rougher figures)")
    parser.add_argument("--batch-size", type=int, default=20, help="contacts per request (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="for the rate-limited runs (default 4)")
    parser.add_argument("--row", type=int, action="append", default=[], choices=range(1, len(LIMITS) + 1),
                        help="run only this rate-limited row (from 1, in the order printed; repeatable): "
                        + "; ".join(f"{n}: {row_name(*row[:4])}" for n, row in enumerate(LIMITS, 1)))
    parser.add_argument("--repeat", type=int, default=1, help="run the rate-limited rows this many times")
    parser.add_argument("--no-scaling", action="store_true", help="leave out the table without a rate limit")
    args = parser.parse_args()
    print("Rate-limited sandbox, 100 ms latency, default pacing (starts at 1 request/s), "
          f"batches of {args.batch_size}, concurrency {args.concurrency}\n")
    print("| limit | contacts | seconds | accepted req/s | of ideal | of ideal, steady | answered 429 |")
    print("|---|---|---|---|---|---|---|")
    for _ in range(args.repeat):
        for r in limited_runs(quick=args.quick, batch_size=args.batch_size, concurrency=args.concurrency,
                              rows=args.row):
            print(f"| {r.name} | {r.contacts} | {r.seconds:.1f} | {r.accepted_per_second:.2f} | {r.of_ideal:.1%} "
                  f"| {r.steady:.1%} | {r.refused:.1%} |", flush=True)
    if args.no_scaling:
        return
    print(f"\nNo rate limit, 100 ms latency: {30 if args.quick else 100} requests of 100 contacts\n")
    print("| concurrency | seconds | requests/s | speed-up |")
    print("|---|---|---|---|")
    base = None
    for concurrency, seconds, per_second in scaling_runs(quick=args.quick):
        base = base or seconds
        print(f"| {concurrency} | {seconds:.1f} | {per_second:.1f} | {base / seconds:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
