"""The rate-limited rows of benchmarks/pacing.py in virtual time: many seeds in seconds, to try a pacing change.

    .venv/bin/python benchmarks/pacing_sim.py                  # every row, 16 seeds (about 25 s)
    .venv/bin/python benchmarks/pacing_sim.py --row 5 --seeds 32

Each row's limit (the sandbox's own TokenBucket or FixedWindow) takes `limit x seconds` requests from
`--concurrency` workers sending through the importer's `Pacer` (starting at 1 request/s), as send_contacts
does: each request reaches the limiter 100 ms +- the row's jitter (uniform, from the seed) after it left and
is answered 3 ms later; a 429 (``Retry-After`` the whole seconds the limiter says, at least 1) pauses everyone
and the request goes again. Rows without jitter get 4 ms, about what threads and localhost add in real
time, so that seeds differ. Printed: the share of the ideal over the whole run (slow start included), min and
mean over the seeds, and the highest share of requests answered 429. The real-time benchmark stays the
measure; this one agreed with it within about 1% on every row when it was written (see /work/notes/h25.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from pacing import LIMITS, row_name  # noqa: E402

from importer.sandbox import VirtualTime  # noqa: E402
from importer.sandbox.faults import rate_limiter  # noqa: E402
from importer.sandbox.rehearse import rehearse_upload  # noqa: E402
from importer.send.outcomes import SendPolicy  # noqa: E402
from importer.send.pacing import Pacer  # noqa: E402


def upload(limit: float, burst: int | None, window: float | None, jitter: float, requests: int, *, seed: int,
           workers: int = 4, latency: float = 0.1) -> tuple[float, float]:
    """Return (seconds, share of requests refused) for `requests` to be taken, in virtual time."""
    vt = VirtualTime()
    policy = SendPolicy()
    pace = Pacer(rate=policy.initial_rate, min_rate=policy.min_rate, max_rate=policy.max_rate, clock=vt.clock,
                 sleep=vt.sleep)
    server = rate_limiter(limit, burst=burst, window=window, clock=vt.clock)
    seconds, accepted, refused = rehearse_upload(pace, server, vt, requests, seed=seed, latency=latency,
                                                 jitter=jitter, workers=workers)
    return seconds, refused / (accepted + refused)


def main() -> None:
    """Print one line per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row", type=int, action="append", default=[], choices=range(1, len(LIMITS) + 1),
                        help="only this row of benchmarks/pacing.py (from 1; repeatable)")
    parser.add_argument("--seeds", type=int, default=16, help="seeds per row (default 16)")
    parser.add_argument("--concurrency", type=int, default=4, help="workers (default 4)")
    args = parser.parse_args()
    for number in args.row or range(1, len(LIMITS) + 1):
        limit, burst, window, jitter_ms, seconds = LIMITS[number - 1]
        jitter = (jitter_ms or 4) / 1000
        runs = [upload(limit, burst, window, jitter, int(limit * seconds), seed=seed, workers=args.concurrency)
                for seed in range(args.seeds)]
        shares = [seconds / taken for taken, _ in runs]
        print(f"{number}: {row_name(limit, burst, window, jitter_ms)}: of ideal min {min(shares):.1%} mean {statistics.mean(shares):.1%}, "
              f"answered 429 at most {max(r for _, r in runs):.1%} ({args.seeds} seeds)", flush=True)


if __name__ == "__main__":
    main()
