"""Property (issue 11 item 6): the whole promise, under any sequence of kills, Ctrl-Cs, faults and reruns.

Each example draws the sandbox's faults (503s, answers dropped after the store, a rate limit answered 429) and a
few runs that each end early: killed (as ``kill -9``: from the chosen request on nothing more reaches Dex or
comes back, the request itself either never sent or stored with its answer lost) or stopped (the first Ctrl-C:
`stop` set at the chosen request). Then one run to the end under the same faults, and one without faults.
All in one process, in virtual time, against the sandbox over real HTTP on 127.0.0.1.

After every run that returned: its JSON has each record read exactly once, and the count of each status is
its number of entries, adding up to the records read. After the run to the end: nobody is in Dex twice, each
record said created or already there is in Dex under that id, and each failed or unknown one is in the
failure report with the reason. After the run without faults: each person is in Dex exactly once, and the one
contact Dex refuses is in the report with Dex's own message.
"""

from __future__ import annotations

import csv
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from importer.dex.client import DexClient
from importer.importing import STATUSES, SendOptions, send_plan
from importer.journal.store import Journal
from importer.plan.inputs import ReadOptions, open_files
from importer.plan.plan import Plan, make_plan
from importer.report.failures import ERROR_COLUMN, LINE_COLUMN
from importer.sandbox import Faults, SandboxServer, VirtualTime, serve
from importer.sandbox.faults import FaultState
from importer.send.outcomes import SendPolicy
from tests.conftest import SANDBOX_TEST_KEY

MAPPING = """name: promise
name_parts: {first: First, last: Last}
fields: {company: Company, job_title: Title, linkedin: Profile, id: Contact Id}
emails:
  - value: Email
labels:
  - column: Labels
"""
HEADER = "First,Last,Email,Company,Title,Profile,Contact Id,Labels"
ROWS = [
    "Ann,Example,ann@example.com,,Engineer,,,Friends",
    "Bo,Example,bo@example.com,,Baker,,,",
    "Cy,Example,,,Chef,https://www.linkedin.com/in/cy-example,,Friends",
    "Di,Example,,Example Co,Designer,,,",
    "Ed,Example,,,Engineer,,,",               # a name and nothing else: two namesakes
    "Ed,Example,,,Manager,,,",
    "Fay,Example,,,Pilot,,,",                 # a name and nothing else
    "Gil,Example,gil@example.com,,Writer,,not-a-uuid,",  # Dex refuses its id: the one failure Dex decides
    ",,,,Nobody,,,",                          # no name: skipped
    "Hal,Example,hal@example.com,,Nurse,https://www.linkedin.com/in/hal-example,,Chess",
]
REFUSED = ("Gil Example", "Writer")
PEOPLE = Counter((f"{r.split(',')[0]} {r.split(',')[1]}", r.split(",")[4]) for r in ROWS if r.split(",")[0])
LINES = {n + 2: row for n, row in enumerate(ROWS)}  # the header is line 1


class Killed(BaseException):
    """The importer's process died here: nothing after this reaches Dex, the journal or the caller."""


class Fate(httpx.BaseTransport):
    """The transport of one run, which ends it at its `at`-th request: `kill` (before the request goes out,
    or, with `stored`, once Dex has handled it and before the answer is read) or `stop` (the first Ctrl-C)."""

    def __init__(self, how: str | None, at: int, stored: bool, stop: threading.Event) -> None:
        self.inner = httpx.HTTPTransport()
        self.how, self.at, self.stored, self.stop = how, at, stored, stop
        self.requests = 0
        self.dead = False
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            if self.dead:
                raise Killed()
            self.requests += 1
            mine = self.requests == self.at
            if mine and self.how == "stop":
                self.stop.set()
            if mine and self.how == "kill" and not self.stored:
                self.dead = True
                raise Killed()
        response = self.inner.handle_request(request)
        response.read()
        with self.lock:
            if mine and self.how == "kill":
                self.dead = True
            if self.dead:  # the answer arrived after the process died: nobody reads it
                response.close()
                raise Killed()
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plan]:
    """The plan of the export, read once for every example (a plan can be sent any number of times)."""
    folder = tmp_path_factory.mktemp("promise")
    mapping = folder / "promise.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    export = folder / "people.csv"
    export.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    with make_plan(open_files([str(export)], ReadOptions(mapping=str(mapping)))) as made:
        yield made


@contextmanager
def data_folder(path: Path) -> Iterator[None]:
    """The user's data folder (the journals every import consults) at `path` for one example."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = before


def one_run(plan: Plan, server: SandboxServer, vt: VirtualTime, folder: Path,
            ending: tuple[str, int, bool] | None) -> dict[str, Any] | None:
    """Returns the JSON of one import of `plan` with the journal in `folder`, None when it was killed."""
    journal_path = folder / "journal.sqlite"
    report = folder / f"failures-{len(list(folder.glob('failures-*')))}.csv"  # a report never overwrites one
    stop = threading.Event()
    how, at, stored = ending or (None, 0, False)
    fate = Fate(how, at, stored, stop)
    with DexClient(SANDBOX_TEST_KEY, api_url=server.url, transport=fate, timeout=10) as client, \
            Journal.open(journal_path, account_id="sandbox-user") as journal:
        try:
            result = send_plan(plan, client, journal=journal, stop=stop, clock=vt.clock, sleep=vt.sleep,
                               send=SendOptions(batch_size=2, concurrency=2, report=str(report),
                                                policy=SendPolicy(initial_rate=20)))
        except Killed:
            return None
    try:
        return result.as_dict()
    finally:
        result.records.close()


def assert_accounts_for_every_record(result: dict[str, Any], plan: Plan) -> None:
    lines = [r["line"] for r in result["records"]]
    assert sorted(lines) == sorted(LINES) and len(lines) == plan.summary.records
    assert Counter(r["status"] for r in result["records"]) == Counter({s: result[s] for s in STATUSES if result[s]})
    assert sum(result[s] for s in STATUSES) == plan.summary.records


def stored(server: SandboxServer) -> Counter[tuple[str, str]]:
    return Counter((str(c.get("full_name")), str(c.get("job_title"))) for c in server.store.contacts())


def reported(result: dict[str, Any]) -> dict[int, str]:
    """Returns the failure report's rows: line -> reason."""
    rows: dict[int, str] = {}
    for path in result["report"]:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                rows[int(row[LINE_COLUMN])] = row[ERROR_COLUMN]
    return rows


def person(line: int) -> tuple[str, str]:
    first, last, _, _, title, *_ = LINES[line].split(",")
    return f"{first} {last}", title


_ENDING = st.tuples(st.sampled_from(["kill", "stop"]), st.integers(1, 24), st.booleans())


# No shrinking: each example is a few imports, and a failure is read as drawn (the faults and endings are few)
@settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(error_rate=st.sampled_from([0.0, 0.15, 0.3]), drop=st.sampled_from([0.0, 0.2, 0.4]),
       rate_limit=st.sampled_from([None, 4.0]), seed=st.integers(0, 999),
       endings=st.lists(_ENDING, min_size=1, max_size=3))
def test_every_record_ends_in_dex_once_or_in_the_report_whatever_befalls_the_runs(
        plan: Plan, tmp_path_factory: pytest.TempPathFactory, error_rate: float, drop: float,
        rate_limit: float | None, seed: int, endings: list[tuple[str, int, bool]]) -> None:
    vt = VirtualTime()
    folder = tmp_path_factory.mktemp("example")
    faults = Faults(error_rate=error_rate, drop_after_store=drop, rate_limit=rate_limit, seed=seed)
    server = serve(port=0, api_key=SANDBOX_TEST_KEY, faults=faults, clock=vt.clock, sleep=vt.sleep)
    try:
        with data_folder(folder / "data"):
            for ending in endings:
                result = one_run(plan, server, vt, folder, ending)
                if result is not None:  # stopped, or the chosen request never came: it had its say
                    assert_accounts_for_every_record(result, plan)
                assert max(stored(server).values(), default=0) <= 1  # never anyone twice, not even for a while
            last = one_run(plan, server, vt, folder, None)
            assert last is not None
            assert_accounts_for_every_record(last, plan)
            in_dex = {c["id"]: (str(c.get("full_name")), str(c.get("job_title"))) for c in server.store.contacts()}
            assert max(stored(server).values(), default=0) <= 1
            problems = reported(last)
            for record in last["records"]:
                line, status = record["line"], record["status"]
                if status in ("created", "existing", "updated"):
                    assert in_dex.get(record["id"]) == person(line), record
                elif status in ("failed", "unknown"):
                    assert record["message"] and problems.get(line) == record["message"], record
                    if status == "failed":
                        assert person(line) not in stored(server), record
                else:
                    assert (status, line) == ("skipped", 10), record
            server.faults = FaultState(Faults(), clock=vt.clock, sleep=vt.sleep)  # Dex is well again
            clean = one_run(plan, server, vt, folder, None)
            assert clean is not None
            assert_accounts_for_every_record(clean, plan)
            assert stored(server) == PEOPLE - Counter([REFUSED])
            failed = {r["line"]: r["message"] for r in clean["records"] if r["status"] in ("failed", "unknown")}
            assert failed == {9: "contacts[0].id: expected a UUID, got 'not-a-uuid'"}
            skipped = {r["line"]: r["message"] for r in clean["records"] if r["status"] == "skipped"}
            assert list(skipped) == [10] and skipped[10].startswith("no name")
            assert reported(clean) == {**failed, **skipped}, (clean["report"], clean["report_errors"])
    finally:
        server.close()
