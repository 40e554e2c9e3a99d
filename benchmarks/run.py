"""Measures the importer against the bare cost of its own libraries, on the same generated files, and its
upload against a rate-limited sandbox, and prints the ratios and whether each target holds.

    .venv/bin/python benchmarks/run.py                  # about 12 minutes
    .venv/bin/python benchmarks/run.py --sizes 10k,100k # the ratios at 100k too: a few minutes more
    .venv/bin/python benchmarks/run.py --quick          # about 2 minutes, rougher figures (its short uploads
                                                        # weigh the slow start three times as much)

- CSV preview (read, map, normalize, dedupe, write ``--out``) of the Google, LinkedIn and Outlook exports vs.
  ``pandas.read_csv`` of the file plus ``phonenumbers.parse`` and E.164 formatting of every number in it.
  Target: at most 2.5x.
- Start-up: ``python -m importer --help`` and a preview of the 10-row Google sample, each in a fresh
  interpreter, against ``python -c "import phonenumbers"``: at most 3x and 6x (best of 7).
- vCard preview vs. ``vobject.readComponents`` over the same file, every property's value touched, on four
  card mixes: iPhone 3.0 (``vcard``), Android 2.1 with quoted-printable soft breaks and a photo in every
  fifth card (``vcard-android``), iCloud 3.0 with a folded photo in every card (``vcard-photos``, 86 MB at
  10k), Google 3.0 with long folded lines (``vcard-folded``). Target: at most 1.0x on every one.
- Peak memory (RSS) of ``python -m importer preview FILE --out X --json`` in a child process (started from
  a small launcher, so that the figure is the child's own), at two sizes: flat in the input size (at most
  1.25x from the smaller to the larger), at most 300 MB.
- Upload against the sandbox rate-limited to 5 and 20 requests/s (token buckets), 20 per 1 s window, and 5/s
  and 20/s again with +-50 ms of jitter on their 100 ms of latency (see benchmarks/pacing.py): contacts/s at
  least 90% of the limit's ideal over the whole run (slow start included; "after 10 s" is printed, not
  checked), under 5% of requests answered 429, in every row; then, with no limit, how the time scales with
  the concurrency.
- With ``--import-memory 100k,300k``: the peak memory of a real ``import`` of the Google export into a
  sandbox in a process of its own (no target of its own; it should stay flat too).

The ratios are measured first, alone. The memory children then run while the uploads go on: an upload waits
on its pace most of the time (a few % of one core), and a peak RSS does not depend on the time it takes.
The files are written by benchmarks/generate.py when missing (1M rows take about 20 s).
Times are wall-clock seconds in this process, the best of a few runs for small files; a busy machine makes
both sides slower, which the ratio mostly cancels. Exits 0 when every target holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# runs from a fresh clone: the project root for `importer`, this folder for the generator
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from generate import DEFAULT_FOLDER, ensure, parse_size  # noqa: E402
from pacing import IDEAL_TARGET, REFUSED_TARGET, limited_runs, scaling_runs  # noqa: E402

CSV_TARGET = 2.5
HELP_TARGET = 3.0      # `dex-import --help` against `python -c "import phonenumbers"`
SMALL_PREVIEW_TARGET = 6.0  # a 10-row preview against the same
VCARD_TARGET = 1.0
MEMORY_TARGET_MB = 300
MEMORY_GROWTH = 1.25  # "flat": the larger file's peak at most this much above the smaller one's
# Where each CSV export keeps its phone numbers, and how pandas must be told to read it.
PHONE_COLUMNS: dict[str, Callable[[str], bool]] = {
    "google": lambda c: c.startswith("Phone ") and c.endswith(" - Value"),
    "linkedin": lambda c: False,
    "outlook": lambda c: any(w in c for w in ("Phone", "Fax", "Pager", "ISDN", "Callback", "Telex", "TTY")),
}
PANDAS_OPTIONS: dict[str, dict[str, object]] = {
    "google": {}, "linkedin": {"skiprows": 3}, "outlook": {"encoding": "cp1252"},
}


WORKERS: list[int | None] = [None]  # --workers: processes that map a large file's records (None: dex-import's own choice)
USED: list[int] = []  # the processes each preview since the last row was printed was given


def importer_preview(path: Path) -> int:
    """Return the contacts of previewing `path` with --region US, writing them as JSON lines to a temp file.
    The processes are chosen here as dex-import would choose them (`worker_count`), so the row can say."""
    from importer.plan.inputs import ReadOptions
    from importer.plan.workers import worker_count
    from importer.preview import preview

    USED.append(worker_count(WORKERS[0]))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        return preview([path], ReadOptions(region="US", workers=USED[-1]), out=out).contacts


def used_workers() -> str:
    """Return the processes the previews since the last call were given ("2", or "1-2" when they differed)."""
    low, high = min(USED, default=1), max(USED, default=1)
    USED.clear()
    return str(low) if low == high else f"{low}-{high}"


def pandas_baseline(path: Path, fmt: str) -> int:
    """Return how many numbers were sanitized after reading `path` with pandas and parsing every phone cell."""
    import pandas
    import phonenumbers

    frame = pandas.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip",
                            **PANDAS_OPTIONS[fmt])  # type: ignore[arg-type]
    parse, format_number, e164 = phonenumbers.parse, phonenumbers.format_number, phonenumbers.PhoneNumberFormat.E164
    done = 0
    for column in [c for c in frame.columns if PHONE_COLUMNS[fmt](c)]:
        for cell in frame[column]:
            for piece in cell.split(" ::: ") if cell else ():
                try:
                    format_number(parse(piece, "US"), e164)
                    done += 1
                except phonenumbers.NumberParseException:
                    pass
    return done


def vobject_baseline(path: Path, allow_qp: bool) -> int:
    """Return the cards vobject reads from `path`, each property's value touched.

    `allow_qp` (vobject's reading of 2.1 quoted-printable soft line breaks) only for a file that has them:
    it turns vobject's whole-file regex into a line-by-line loop, and the baseline is vobject at its fastest.
    """
    import vobject

    cards = 0
    with path.open(encoding="utf-8") as stream:
        for card in vobject.readComponents(stream, allowQP=allow_qp):
            for child in card.getChildren():
                child.value  # noqa: B018 - vobject decodes lazily; touching the value is the work
            cards += 1
    return cards


def has_quoted_printable(path: Path) -> bool:
    """Return whether the file declares a quoted-printable value anywhere (read once, outside the timing)."""
    with path.open("rb") as stream:
        return any(b"QUOTED-PRINTABLE" in line.upper() for line in stream)


def timed(work: Callable[[], object], repeat: int) -> float:
    """Return the best wall-clock seconds of `repeat` runs of `work`."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


# Started in a small process of its own: a child's peak RSS counts the pages it shared with the process that
# forked it, before exec, so forking from this one (pandas and vobject loaded, 120 MB) would hide the figure.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


ROOT = Path(__file__).resolve().parent.parent


def launched_rss_mb(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Return (peak RSS in MB, seconds) of `command`, run in a child of the small launcher."""
    start = time.perf_counter()
    launched = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True,
                              cwd=ROOT, check=True, env=env)
    seconds = time.perf_counter() - start
    code, maxrss = (int(x) for x in launched.stdout.split())
    if code not in (0, 1):
        raise SystemExit(f"{shlex.join(command)} exited with {code}")
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss is KB on Linux, bytes on macOS
    return maxrss * 1024 / scale / 1024, seconds


def peak_rss_mb(path: Path) -> tuple[float, float]:
    """Return (peak RSS in MB, seconds) of `python -m importer preview path --out X --json` in a child."""
    with tempfile.TemporaryDirectory() as folder:
        workers = ["--workers", str(WORKERS[0])] if WORKERS[0] else []
        return launched_rss_mb([sys.executable, "-m", "importer", "preview", str(path), "--region", "US",
                                "--out", os.path.join(folder, "contacts.jsonl"), "--json", *workers])


# A sandbox in a process of its own (its memory is not the importer's): prints its URL and key, then serves.
_SANDBOX = """
import sys, time
from importer.sandbox import serve
server = serve(db=sys.argv[1])
print(server.url, server.api_key, flush=True)
while True:
    time.sleep(3600)
"""


def import_rss_mb(path: Path) -> tuple[float, float]:
    """Return (peak RSS in MB, seconds) of a real ``python -m importer import path`` into a fresh sandbox."""
    with tempfile.TemporaryDirectory() as folder:
        sandbox = subprocess.Popen([sys.executable, "-c", _SANDBOX, os.path.join(folder, "dex.sqlite")],
                                   stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            assert sandbox.stdout is not None
            url, key = sandbox.stdout.readline().split()
            return launched_rss_mb([sys.executable, "-m", "importer", "import", str(path), "--region", "US",
                                    "--yes", "--initial-rate", "100",
                                    "--journal", os.path.join(folder, "journal.sqlite"),
                                    "--report", os.path.join(folder, "report.csv")],
                                   env={**os.environ, "DEX_API_URL": url, "DEX_API_KEY": key})
        finally:
            sandbox.kill()
            sandbox.wait()


def startup_runs(repeat: int = 7) -> list[list[str]]:
    """Return the start-up rows: --help and a 10-row preview against importing phonenumbers, fresh processes."""
    def best(command: list[str]) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times.append(time.perf_counter() - start)
        return min(times)

    # phonenumbers, installed by pip, has its bytecode compiled; so has dex-importer once installed, or once run
    # from a checkout, unless PYTHONDONTWRITEBYTECODE (set on some machines) keeps Python from writing it
    subprocess.run([sys.executable, "-m", "compileall", "-q", "importer"], cwd=ROOT, stdout=subprocess.DEVNULL,
                   check=False)
    base = best([sys.executable, "-c", "import phonenumbers"])
    rows = []
    for name, args, target in (("--help", ["--help"], HELP_TARGET),
                               ("10-row preview", ["preview", "sample_data/google/contacts.csv", "--region", "US"],
                                SMALL_PREVIEW_TARGET)):
        ours = best([sys.executable, "-m", "importer", *args])
        ratio = ours / base
        rows.append([name, f"{ours * 1000:.0f} ms", f"{base * 1000:.0f} ms", f"{ratio:.2f}x", f"<= {target:.0f}x",
                     "ok" if ratio <= target else "MISSED"])
    return rows


def machine() -> str:
    """Return one line naming the CPU, its cores, the load, Python and the OS."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{model}, {os.cpu_count()} cores, load {load}; Python {platform.python_version()}; "
            f"{platform.system()} {platform.release()}")


def row(cells: list[str], widths: list[int]) -> str:
    """Return one table row, the first cell left-aligned and the others right-aligned."""
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def table(header: list[str], rows: list[list[str]]) -> str:
    """Return a plain-text table."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join([row(header, widths), row(["-" * w for w in widths], widths),
                      *(row(r, widths) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the tables; returns 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k", help="record counts for the time ratios (10k,100k,1M)")
    parser.add_argument("--memory", default="100k,1M", help="two record counts for the memory check")
    parser.add_argument("--quick", action="store_true",
                        help="10k for the ratios, 10k and 100k for memory, shorter uploads")
    parser.add_argument("--no-upload", action="store_true", help="leave out the uploads to the sandbox")
    parser.add_argument("--import-memory", metavar="SIZES", default="",
                        help="also the peak memory of a real import of the Google export into a sandbox process, "
                             "at these sizes (e.g. 100k,300k: about 3 minutes; a million rows take about 8)")
    parser.add_argument("--data", type=Path, default=DEFAULT_FOLDER, help="where the generated files live")
    parser.add_argument("--formats", default="google,linkedin,outlook,vcard,vcard-android,vcard-photos,vcard-folded",
                        help="which generated files (see generate.py): the vCard ones are compared with vobject")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes that map a large file's records (default: dex-import's choice, "
                             "two when the load average leaves 1.5 cores idle)")
    args = parser.parse_args(argv)
    WORKERS[0] = args.workers
    sizes = ["10k"] if args.quick else [s.strip() for s in args.sizes.split(",")]
    memory_sizes = ["10k", "100k"] if args.quick else [s.strip() for s in args.memory.split(",")]
    formats = [f.strip() for f in args.formats.split(",")]

    print(f"machine: {machine()}")
    print(f"command: {shlex.join([os.path.relpath(sys.executable), *sys.argv])}")
    from importer.plan.workers import WORKERS_FROM, worker_count

    print(f"workers: {worker_count(args.workers)} (--workers {args.workers or 'not given'}; load average "
          f"{os.getloadavg()[0]:.2f} at the start), from {WORKERS_FROM:,} records a file")
    for size in dict.fromkeys(sizes + memory_sizes):
        for fmt in formats if size in sizes else ["google"]:
            path, seconds = ensure(args.data, fmt, size)
            if seconds is not None:
                print(f"generated {path} in {seconds:.1f}s", flush=True)
    importer_preview(ensure(args.data, "google", "10k")[0])  # warm: imports, mapping files, metadata
    used_workers()

    ok = True
    rows = []
    for size in sizes:
        repeat = 3 if parse_size(size) <= 10_000 else 1
        for fmt in formats:
            path = ensure(args.data, fmt, size)[0]
            if fmt.startswith("vcard"):
                allow_qp = has_quoted_printable(path)
                base = timed(lambda: vobject_baseline(path, allow_qp), repeat)
                ours = timed(lambda: importer_preview(path), repeat)
                what, target = "vobject.readComponents", VCARD_TARGET
            else:
                base = timed(lambda: pandas_baseline(path, fmt), repeat)
                ours = timed(lambda: importer_preview(path), repeat)
                what, target = "pandas.read_csv + phonenumbers", CSV_TARGET
            ratio = ours / base
            ok &= ratio <= target
            records = parse_size(size)
            rows.append([f"{fmt} preview", size, used_workers(), f"{ours:.2f}", f"{records / ours:,.0f}", what,
                         f"{base:.2f}", f"{ratio:.2f}x", f"<= {target:.1f}x", "ok" if ratio <= target else "MISSED"])
            print("  measured: " + " ".join(rows[-1]), file=sys.stderr, flush=True)
    print()
    print(table(["benchmark", "records", "workers", "ours s", "records/s", "baseline", "base s", "ratio", "target", ""],
                rows), flush=True)

    startup = startup_runs()
    print()
    print(table(["start-up (fresh process)", "ours", "import phonenumbers", "ratio", "target", ""], startup),
          flush=True)
    ok &= all(r[-1] == "ok" for r in startup)

    with ThreadPoolExecutor(1) as pool:
        memory = pool.submit(lambda: [(size, *peak_rss_mb(ensure(args.data, "google", size)[0]))
                                      for size in memory_sizes])
        if not args.no_upload:
            ok &= uploads(args.quick)
        peaks = memory.result()
    ok &= memory_table(peaks)
    if args.import_memory:
        imports = [(size, *import_rss_mb(ensure(args.data, "google", size)[0]))
                   for size in (s.strip() for s in args.import_memory.split(","))]
        print()
        print(table(["peak memory (child process)", "records", "peak RSS", "time"],
                    [["google import into a sandbox", size, f"{peak:.0f} MB", f"{seconds:.1f}s"]
                     for size, peak, seconds in imports]))
    return 0 if ok else 1


def uploads(quick: bool) -> bool:
    """Print the upload tables; returns whether every rate-limited upload met its targets."""
    print(f"\nupload to the sandbox, 100 ms latency, batches of 20, concurrency 4, pace starting at 1 request/s"
          f"{' (short runs)' if quick else ''}", flush=True)
    rows = []
    for r in limited_runs(quick=quick):
        rows.append([r.name, f"{r.contacts:,}", f"{r.seconds:.1f}", f"{r.accepted_per_second:.2f}",
                     f"{r.of_ideal:.1%}", f"{r.steady:.1%}", f"{r.refused:.1%}", "ok" if r.ok else "MISSED"])
        print("  measured: " + " ".join(rows[-1]), file=sys.stderr, flush=True)
    print(table(["rate limit", "contacts", "seconds", "accepted/s", "of ideal", "after 10 s", "answered 429",
                 f">= {IDEAL_TARGET:.0%}, < {REFUSED_TARGET:.0%}"], rows))
    scaling = []
    base = None
    for concurrency, seconds, per_second in scaling_runs(quick=quick):
        base = base or seconds
        scaling.append([str(concurrency), f"{seconds:.1f}", f"{per_second:.1f}", f"{base / seconds:.2f}x"])
    print(f"\nno rate limit, 100 ms latency, {30 if quick else 100} requests of 100 contacts")
    print(table(["concurrency", "seconds", "requests/s", "speed-up"], scaling), flush=True)
    return all(row[-1] == "ok" for row in rows)


def memory_table(peaks: list[tuple[str, float, float]]) -> bool:
    """Print the peak memory table; returns whether it is flat and under the ceiling."""
    low, high = peaks[0][1], peaks[-1][1]
    growth = high / low
    added = parse_size(peaks[-1][0]) - parse_size(peaks[0][0])
    per_record = (high - low) * 1024 * 1024 / added if added else 0.0
    highest = max(peak for _, peak, _ in peaks)
    flat = growth <= MEMORY_GROWTH and highest <= MEMORY_TARGET_MB
    print()
    print(table(["peak memory (child process)", "records", "peak RSS", "time"],
                [["google preview --out --json", size, f"{peak:.0f} MB", f"{seconds:.1f}s"]
                 for size, peak, seconds in peaks]))
    print(f"growth {peaks[0][0]} -> {peaks[-1][0]}: {growth:.2f}x, {per_record:.0f} bytes per added record; "
          f"highest {highest:.0f} MB (target: growth <= {MEMORY_GROWTH}x, <= {MEMORY_TARGET_MB} MB): "
          f"{'ok' if flat else 'MISSED'}")
    return flat


if __name__ == "__main__":
    sys.exit(main())
