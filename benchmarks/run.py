"""Measures the importer against the bare cost of its own libraries, on the same generated files, and prints
the ratios.

    .venv/bin/python benchmarks/run.py [--sizes 10k,100k] [--memory 100k,1M] [--quick] [--data FOLDER]

- CSV preview (read, map, normalize, dedupe, write ``--out``) of the Google, LinkedIn and Outlook exports vs.
  ``pandas.read_csv`` of the file plus ``phonenumbers.parse`` and E.164 formatting of every number in it.
  Target: at most 1.5x.
- vCard preview vs. ``vobject.readComponents`` over the same file, every property's value touched.
  Target: at most 1.0x.
- Peak memory (RSS) of ``python -m importer preview FILE --out X --json`` in a child process (started from
  a small launcher, so that the figure is the child's own), at two sizes: flat in the input size (at most
  1.25x from the smaller to the larger), at most 300 MB.

The files are written by benchmarks/generate.py when missing (1M rows take about half a minute per format).
Times are wall-clock seconds in this process, the best of a few runs for small files; a busy machine makes
both sides slower, which the ratio mostly cancels.
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
from pathlib import Path

# runs from a fresh clone: the project root for `importer`, this folder for the generator
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from generate import DEFAULT_FOLDER, ensure, parse_size  # noqa: E402

CSV_TARGET = 1.5
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


def importer_preview(path: Path) -> int:
    """Return the contacts of previewing `path` with --region US, writing them as JSON lines to a temp file."""
    from importer.pipeline import ReadOptions
    from importer.preview import preview

    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        return preview([path], ReadOptions(region="US"), out=out).contacts


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


def vobject_baseline(path: Path) -> int:
    """Return the cards vobject reads from `path`, each property's value touched."""
    import vobject

    cards = 0
    with path.open(encoding="utf-8") as stream:
        for card in vobject.readComponents(stream):
            for child in card.getChildren():
                child.value  # noqa: B018 - vobject decodes lazily; touching the value is the work
            cards += 1
    return cards


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


def peak_rss_mb(path: Path) -> tuple[float, float]:
    """Return (peak RSS in MB, seconds) of `python -m importer preview path --out X --json` in a child."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "importer", "preview", str(path), "--region", "US",
                   "--out", os.path.join(folder, "contacts.jsonl"), "--json"]
        start = time.perf_counter()
        launched = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True,
                                  cwd=Path(__file__).resolve().parent.parent, check=True)
        seconds = time.perf_counter() - start
    code, maxrss = (int(x) for x in launched.stdout.split())
    if code not in (0, 1):
        raise SystemExit(f"{shlex.join(command)} exited with {code}")
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss is KB on Linux, bytes on macOS
    return maxrss * 1024 / scale / 1024, seconds


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
    """Run the benchmarks and print the table; returns 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="record counts for the time ratios (10k,100k,1M)")
    parser.add_argument("--memory", default="100k,1M", help="two record counts for the memory check")
    parser.add_argument("--quick", action="store_true", help="10k for the ratios, 10k and 100k for memory")
    parser.add_argument("--data", type=Path, default=DEFAULT_FOLDER, help="where the generated files live")
    parser.add_argument("--formats", default="google,linkedin,outlook,vcard")
    args = parser.parse_args(argv)
    sizes = ["10k"] if args.quick else [s.strip() for s in args.sizes.split(",")]
    memory_sizes = ["10k", "100k"] if args.quick else [s.strip() for s in args.memory.split(",")]
    formats = [f.strip() for f in args.formats.split(",")]

    print(f"machine: {machine()}")
    print(f"command: {shlex.join([os.path.relpath(sys.executable), *sys.argv])}")
    for size in dict.fromkeys(sizes + memory_sizes):
        for fmt in formats if size in sizes else ["google"]:
            path, seconds = ensure(args.data, fmt, size)
            if seconds is not None:
                print(f"generated {path} in {seconds:.1f}s", flush=True)
    importer_preview(ensure(args.data, "google", "10k")[0])  # warm: imports, mapping files, metadata

    ok = True
    rows = []
    for size in sizes:
        repeat = 3 if parse_size(size) <= 10_000 else 1
        for fmt in formats:
            path = ensure(args.data, fmt, size)[0]
            if fmt == "vcard":
                base = timed(lambda: vobject_baseline(path), repeat)
                ours = timed(lambda: importer_preview(path), repeat)
                what, target = "vobject.readComponents", VCARD_TARGET
            else:
                base = timed(lambda: pandas_baseline(path, fmt), repeat)
                ours = timed(lambda: importer_preview(path), repeat)
                what, target = "pandas.read_csv + phonenumbers", CSV_TARGET
            ratio = ours / base
            ok &= ratio <= target
            records = parse_size(size)
            rows.append([f"{fmt} preview", size, f"{ours:.2f}", f"{records / ours:,.0f}", what, f"{base:.2f}",
                         f"{ratio:.2f}x", f"<= {target:.1f}x", "ok" if ratio <= target else "MISSED"])
            print("  measured: " + " ".join(rows[-1]), file=sys.stderr, flush=True)
    print()
    print(table(["benchmark", "records", "ours s", "records/s", "baseline", "base s", "ratio", "target", ""],
                rows))

    peaks = []
    for size in memory_sizes:
        path = ensure(args.data, "google", size)[0]
        peak, seconds = peak_rss_mb(path)
        peaks.append([f"google preview --out", size, f"{peak:.0f} MB", f"{seconds:.1f}s"])
    low, high = float(peaks[0][2].split()[0]), float(peaks[-1][2].split()[0])
    growth = high / low
    added = parse_size(memory_sizes[-1]) - parse_size(memory_sizes[0])
    per_record = (high - low) * 1024 * 1024 / added if added else 0.0
    highest = max(float(p[2].split()[0]) for p in peaks)
    flat = growth <= MEMORY_GROWTH and highest <= MEMORY_TARGET_MB
    ok &= flat
    print()
    print(table(["peak memory (child process)", "records", "peak RSS", "time"], peaks))
    print(f"growth {memory_sizes[0]} -> {memory_sizes[-1]}: {growth:.2f}x, {per_record:.0f} bytes per added record; "
          f"highest {highest:.0f} MB (target: growth <= {MEMORY_GROWTH}x, <= {MEMORY_TARGET_MB} MB): "
          f"{'ok' if flat else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
