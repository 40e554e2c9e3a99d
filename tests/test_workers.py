"""Two worker processes give what one process gives: the same preview text, --json, --out, failure report,
imported contacts and journal, over CSV, vCard and xlsx inputs with bad rows, merges and notices; errors,
Ctrl-C and a dying worker end a run as they do in one process. The threshold and the chunk size are set low
here so that small files go through the pool in many chunks."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from importer.errors import InputError
from importer.plan import workers
from importer.plan.inputs import ReadOptions, map_records, open_file
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures"

GOOGLE_HEADER = ("Name,Given Name,Family Name,Organization 1 - Name,E-mail 1 - Type,E-mail 1 - Value,"
                 "Phone 1 - Type,Phone 1 - Value,Notes\r\n")


def _google_rows() -> str:
    """A Google export of 40 fictitious people: duplicates to merge, bad phone numbers, nameless rows and
    notes with line breaks (a record spans several lines)."""
    rows = []
    for i in range(40):
        name = f"Person{i % 31} Example"  # rows 31.. repeat an earlier person: merged
        email = f"person{i % 31}@example.com"
        phone = {3: "abc", 7: "+1 201-555-01", 11: ""}.get(i, f"+1 201-555-01{i % 100:02d}")
        note = f'"met at the fair\r\nrow {i}"' if i % 5 == 0 else f"note {i}"
        if i in (13, 27):  # no name: named after the email
            rows.append(f",,,,* Home,nameless{i}@example.com,,,{note}\r\n")
        elif i == 19:  # nothing usable at all: skipped
            rows.append(",,,,,,,,\r\n")
        else:
            rows.append(f"{name},Person{i % 31},Example,Example Corp,* Work,{email},Mobile,{phone},{note}\r\n")
    return GOOGLE_HEADER + "".join(rows)


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """The inputs of a run: a Google CSV, vCard files with broken cards and photos, a workbook."""
    folder = tmp_path / "in"
    folder.mkdir()
    google = folder / "google.csv"
    google.write_text(_google_rows(), encoding="utf-8")
    files = [google]
    for name in ("vcard/mixed-good-and-broken-cards.vcf", "vcard/apple-inline-photo-folded.vcf",
                 "vcard/v21-quoted-printable-soft-breaks.vcf", "nameless/google-nameless-before-named.csv",
                 "csv/quoted-newlines.csv", "xlsx/title-row-above-header.xlsx",
                 "xlsx/numbers-dates-booleans.xlsx"):
        files.append(folder / Path(name).name)
        shutil.copy(FIXTURES / name, files[-1])
    return files


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sets the threshold to 3 records and chunks to 4; returns the list of pools started (their sizes)."""
    started: list[int] = []
    monkeypatch.setattr(workers, "WORKERS_FROM", 3)
    monkeypatch.setattr(workers, "CHUNK", 4)

    start = workers.start_pool

    def counted(count: int, make_mapper: Any) -> Any:
        started.append(count)
        return start(count, make_mapper)

    monkeypatch.setattr(workers, "start_pool", counted)
    return started


def _outputs(tmp_path: Path, files: list[Path], count: str, server: SandboxServer, *extra: str) -> dict[str, Any]:
    """Returns everything a preview and an import of `files` with `--workers count` write or print (the
    journal to a data folder of its own)."""
    os.environ["XDG_DATA_HOME"] = str(tmp_path / f"data-{count}")  # restored by the conftest's monkeypatch
    names = [str(f) for f in files]
    out: dict[str, Any] = {}
    out["text"] = run_cli("preview", *names, "--workers", count, "--limit", "50", *extra)
    code, text, err = run_cli("preview", *names, "--workers", count, "--json", *extra)
    out["json"] = (code, json.loads(text), err)
    jsonl = tmp_path / "sent.jsonl"
    out["out"] = run_cli("preview", *names, "--workers", count, "--out", str(jsonl), *extra), jsonl.read_text()
    report = tmp_path / "report.csv"
    code, text, err = run_cli("import", *names, "--workers", count, "--api-url", server.url, "--token",
                              SANDBOX_TEST_KEY, "--json", "--quiet", "--report", str(report), *extra)
    result = json.loads(text)
    out["import"] = code, {k: v for k, v in result.items() if "run" not in k and "journal" not in k}, err
    out["report"] = {path.name: path.read_bytes() for path in sorted(tmp_path.glob("report*"))}
    for path in tmp_path.glob("report*"):
        path.unlink()  # the next run writes its own
    out["stored"] = sorted((json.dumps({k: v for k, v in c.items() if k not in ("id", "created_at",
                                                                                  "updated_at")}, sort_keys=True)
                            for c in server.store.contacts()))
    journals = sorted(Path(os.environ["XDG_DATA_HOME"]).rglob("*.sqlite"))
    assert len(journals) == 1, journals
    out["journal"] = _journal(journals[0])
    return out


def _journal(path: Path) -> dict[str, Any]:
    """Returns what a journal holds, without the times, run ids and Dex ids that differ run to run."""
    with closing(sqlite3.connect(path)) as db:
        return {"records": sorted(db.execute("SELECT fingerprint, state, contact, file, line, message "
                                             "FROM records")),
                "runs": list(db.execute("SELECT inputs, counts, stopped, id_mode FROM runs")),
                "batches": list(db.execute("SELECT number FROM batches ORDER BY number")),
                "created": db.execute("SELECT count(*) FROM created").fetchall()}


@pytest.mark.parametrize("extra", [(), ("--skip-nameless", "--no-merge")])
def test_two_workers_give_every_output_one_process_gives(
        tmp_path: Path, inputs: list[Path], pools: list[int], extra: tuple[str, ...],
        dex_sandbox_factory: Callable[..., SandboxServer]) -> None:
    one = _outputs(tmp_path, inputs, "1", dex_sandbox_factory(), *extra)
    assert pools == []  # --workers 1: no pool at all
    two = _outputs(tmp_path, inputs, "2", dex_sandbox_factory(), *extra)
    assert pools and set(pools) == {2}  # the pool did the work of the second run
    for key in one:
        assert two[key] == one[key], key
    code, result, _ = one["json"]
    # the comparison is not of empty runs: merges, notices, skips, several files
    assert (result["merged"] or "--no-merge" in extra) and result["warnings"] and result["skipped"] and len(result["files"]) == len(inputs)
    assert one["report"] and one["stored"]


def test_a_file_below_the_threshold_starts_no_pool(inputs: list[Path], pools: list[int],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "WORKERS_FROM", 1_000)
    code, _, err = run_cli("preview", str(inputs[0]), "--workers", "2")
    assert (code, pools) == (1, [])  # 1: the file holds unusable rows
    opened = open_file(inputs[0], ReadOptions(workers=2, workers_from=39))  # 39 records (the blank row is none)
    assert len(list(map_records(opened))) == 39 and pools == [2]
    opened = open_file(inputs[0], ReadOptions(workers=2, workers_from=40))
    assert len(list(map_records(opened))) == 39 and pools == [2]


def test_records_come_back_in_order_across_many_chunks(inputs: list[Path], pools: list[int]) -> None:
    large = 0
    for path in inputs:
        one = list(map_records(open_file(path, ReadOptions(workers=1))))
        large += len(one) >= 3
        two = list(map_records(open_file(path, ReadOptions(workers=2))))
        assert [(m.record, m.contact, m.notices, m.labels, m.used, m.skip, m.filled) for m in two] == \
               [(m.record, m.contact, m.notices, m.labels, m.used, m.skip, m.filled) for m in one]
    assert len(pools) == large >= 3  # every file of 3 records or more went through a pool


def _failing_reader(after: int, error: BaseException) -> Callable[..., Iterator[Any]]:
    from importer.plan import inputs as module

    read = module.read_items

    def reader(opened: Any) -> Iterator[Any]:
        for n, item in enumerate(read(opened)):
            if n == after:
                raise error
            yield item
    return reader


@pytest.mark.parametrize("error", [InputError("cannot be read past here", path="google.csv", line=20,
                                              hint="fix the file"), KeyboardInterrupt()])
def test_a_reader_error_or_ctrl_c_ends_the_run_as_in_one_process(
        inputs: list[Path], pools: list[int], monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    from importer.plan import inputs as module

    monkeypatch.setattr(module, "read_items", _failing_reader(17, error))
    one = run_cli("preview", str(inputs[0]), "--workers", "1")
    two = run_cli("preview", str(inputs[0]), "--workers", "2")
    assert two == one and pools == [2]
    assert one[0] != 0 and len(one[2].strip().splitlines()) == 1 and "Traceback" not in one[2]
    assert multiprocessing.active_children() == []  # the pool is gone
    if isinstance(error, KeyboardInterrupt):
        return  # Ctrl-C stops at once: the run's records are not sent while it reads
    # the records read before the error come out first, in order, each once
    opened = open_file(inputs[0], ReadOptions(workers=2))
    seen = []
    with pytest.raises(type(error)):
        for m in map_records(opened):
            seen.append(m.record.line)
    one_process = []
    with pytest.raises(type(error)):
        for m in map_records(open_file(inputs[0], ReadOptions(workers=1))):
            one_process.append(m.record.line)
    assert len(seen) == 17 and seen == one_process


def test_a_record_whose_mapping_raises_in_a_worker_raises_as_in_one_process(
        inputs: list[Path], pools: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    from importer.plan import inputs as module

    build = module.record_mapper

    def record_mapper(opened: Any, region: str | None) -> Callable[[Any], Any]:
        one = build(opened, region)

        def mapper(record: Any) -> Any:
            if record.values.get("Given Name") == "Person23":
                raise InputError("a cell too strange to map", path=record.file, line=record.line)
            return one(record)
        return mapper

    monkeypatch.setattr(module, "record_mapper", record_mapper)
    one = run_cli("preview", str(inputs[0]), "--workers", "1")
    two = run_cli("preview", str(inputs[0]), "--workers", "2")
    assert two == one and pools == [2] and "a cell too strange to map" in one[2]
    opened = open_file(inputs[0], ReadOptions(workers=2))
    seen = []
    with pytest.raises(InputError):
        for m in map_records(opened):
            seen.append(m.record.values.get("Given Name"))
    assert seen == [f"Person{i}" if i != 13 else "" for i in range(23) if i != 19]  # 13: nameless; 19 is blank


def test_a_worker_that_dies_is_one_line(inputs: list[Path], pools: list[int],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from importer.plan import inputs as module

    build, parent = module.record_mapper, os.getpid()

    def record_mapper(opened: Any, region: str | None) -> Callable[[Any], Any]:
        one = build(opened, region)

        def mapper(record: Any) -> Any:
            if os.getpid() != parent and record.values.get("Given Name") == "Person9":
                os._exit(3)  # killed, as by the kernel's out-of-memory killer
            return one(record)
        return mapper

    monkeypatch.setattr(module, "record_mapper", record_mapper)
    code, out, err = run_cli("preview", str(inputs[0]), "--workers", "2")
    assert code != 0 and pools == [2] and out == ""
    assert err.count("\n") == 1 and "worker process" in err and "--workers 1" in err
    assert multiprocessing.active_children() == []


def test_a_small_file_loads_no_pool_module(inputs: list[Path]) -> None:
    code = (f"from importer import open_file, map_records\nlist(map_records(open_file({str(inputs[0])!r})))\n"
            "import sys\nprint(sorted(m for m in ('multiprocessing', 'concurrent.futures') if m in sys.modules))")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert probe.stdout.strip() == "[]"


@pytest.mark.parametrize(("cores", "load", "asked", "count"), [
    (2, 0.3, None, 2), (2, 0.6, None, 1), (1, 0.0, None, 1), (4, 2.4, None, 2), (2, 1.9, 2, 2), (2, 0.0, 1, 1)])
def test_unasked_two_workers_only_when_two_cores_are_idle(monkeypatch: pytest.MonkeyPatch, cores: int,
                                                          load: float, asked: int | None, count: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load), raising=False)
    monkeypatch.setattr(workers, "own_load", lambda: 0.0)
    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.worker_count(asked) == count
    monkeypatch.setattr(sys, "platform", "darwin")  # unasked, no fork where fork is not safe
    assert workers.worker_count(asked) == (count if asked else 1)


def test_this_process_own_load_is_not_counted_as_a_busy_machine(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    # A process 120 s old that used 110 s of CPU (with its reaped workers): its own share of the load average is
    # 110/120 damped by 1 - e^-2; a load of 1.0 is then mostly its own, and two workers are still chosen.
    (tmp_path / "self").mkdir()
    ticks = os.sysconf("SC_CLK_TCK")
    (tmp_path / "uptime").write_text("1000.00 1500.00\n")
    fields = ["S"] + ["0"] * 18 + [str(880 * ticks)] + ["0"] * 10
    (tmp_path / "self" / "stat").write_text(f"4242 (dex import) {' '.join(fields)}\n")
    times = os.times_result((80.0, 10.0, 15.0, 5.0, 0.0))
    monkeypatch.setattr(os, "times", lambda: times)
    expected = 110 / 120 * (1 - math.exp(-2))
    assert workers.own_load(tmp_path) == pytest.approx(expected)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(workers, "own_load", lambda: expected)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0), raising=False)
    assert workers.worker_count(None) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.0, 1.0), raising=False)  # 0.8 is somebody else's
    assert workers.worker_count(None) == 1


def test_own_load_is_zero_without_proc_or_for_a_new_process(tmp_path: Path) -> None:
    assert workers.own_load(tmp_path / "missing") == 0.0
    (tmp_path / "self").mkdir()
    ticks = os.sysconf("SC_CLK_TCK")
    (tmp_path / "uptime").write_text("1000.00 1500.00\n")
    (tmp_path / "self" / "stat").write_text(f"7 (a) S {' '.join(['0'] * 18)} {int(999.5 * ticks)} 0 0\n")
    assert workers.own_load(tmp_path) == 0.0
    (tmp_path / "self" / "stat").write_text("7 (a) S 0 0\n")  # cut short
    assert workers.own_load(tmp_path) == 0.0


def test_workers_must_be_one_or_more(inputs: list[Path]) -> None:
    code, _, err = run_cli("preview", str(inputs[0]), "--workers", "0")
    assert code == 2 and "--workers must be 1 or more" in err
