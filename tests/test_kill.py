"""Kill the importer with SIGKILL mid-import, rerun it, and find every contact in Dex exactly once.

The importer runs as a real `dex-import import` process against the sandbox over real HTTP, rate-limited so
that 429s happen; it is killed at three points (a create sent but not yet answered, halfway, during the last
batches), once more with answers dropped after the batch was stored, and then run again to the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.sandbox import Faults, SandboxServer, serve

PEOPLE = 30
BATCH = 5
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    rows = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for n in range(PEOPLE):
        email = f"member{n}@example.com" if n % 4 == 0 else ""
        rows.append(f"Member{n:03d},Example,https://www.linkedin.com/in/kill-{n:03d},{email},Example Co,"
                    f"Engineer,05 Jan 2026")
    path = tmp_path / "Connections.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def sandbox() -> Iterator[Callable[..., SandboxServer]]:
    servers: list[SandboxServer] = []

    def start(**faults: float) -> SandboxServer:
        server = serve(port=0, api_key="dex_kill_test_key", faults=Faults(rate_limit=4, burst=1, seed=2, **faults))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def importer(export: Path, server: SandboxServer, journal: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "importer", "import", str(export), "--api-url", server.url, "--token",
         server.api_key, "--journal", str(journal), "--batch-size", str(BATCH), "--concurrency", "2", "--yes",
         "--initial-rate", "4",
         "--json", "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, f"the import ended before the kill point: {process.communicate()}"
        assert time.monotonic() < deadline, "the kill point never came"
        time.sleep(0.005)


def finish(export: Path, server: SandboxServer, journal: Path, *extra: str) -> dict:
    process = importer(export, server, journal, *extra)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out)


def assert_exactly_once(server: SandboxServer) -> None:
    stored = Counter(c["linkedin"] for c in server.store.contacts())
    assert stored == Counter(f"kill-{n:03d}" for n in range(PEOPLE))


@pytest.mark.parametrize(("point", "latency"), [
    ("before the first answer", 400),
    ("halfway", 0),
    ("during the last batches", 0),
])
def test_killed_at_any_point_the_rerun_creates_each_contact_once(
        sandbox: Callable[..., SandboxServer], export: Path, tmp_path: Path, point: str, latency: float) -> None:
    server = sandbox(latency_ms=latency)
    journal = tmp_path / "journal.sqlite"
    process = importer(export, server, journal)
    conditions = {
        "before the first answer": lambda: server.stats.creates_received >= 1,
        "halfway": lambda: server.store.count() >= PEOPLE // 2,
        "during the last batches": lambda: server.store.count() >= PEOPLE - 2 * BATCH,
    }
    wait_for(conditions[point], process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = finish(export, server, journal)
    assert_exactly_once(server)
    assert result["created"] + result["existing"] == PEOPLE
    assert server.stats.created == PEOPLE  # nothing was ever created twice, not even for a moment
    if latency == 0:  # at full speed the pacer meets the rate limit (slow answers keep it under)
        assert server.stats.rate_limited > 0
    if point == "before the first answer":
        # the batch killed in flight was stored after the kill: the rerun found it instead of resending it
        assert result["existing"] >= BATCH


def test_killed_with_answers_dropped_after_store_the_rerun_creates_each_contact_once(
        sandbox: Callable[..., SandboxServer], export: Path, tmp_path: Path) -> None:
    server = sandbox(drop_after_store=0.3)
    journal = tmp_path / "journal.sqlite"
    process = importer(export, server, journal)
    wait_for(lambda: server.stats.dropped >= 1 and server.store.count() >= PEOPLE // 2, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = finish(export, server, journal)
    assert_exactly_once(server)
    assert result["created"] + result["existing"] == PEOPLE
    again = finish(export, server, journal)  # and a third run finds nothing left to do
    assert (again["created"], again["existing"]) == (0, PEOPLE)
    assert_exactly_once(server)


def test_namesakes_at_one_company_are_all_there_after_kills_and_a_rerun(
        sandbox: Callable[..., SandboxServer], tmp_path: Path) -> None:
    # pairs sharing first name, last name and company (no email, no LinkedIn): only the positions differ;
    # --no-merge keeps each pair two in the file (name and company would merge them); the account check,
    # which matches by name and company, must still never match one to the contact made for the other
    rows = ["First Name,Last Name,E-mail 1 - Value,Organization Name,Organization Title"]
    rows += [f"Seán,O'Brien García{n // 2:02d},,\"Umbrella, Ltd\",{('Engineer', 'Manager')[n % 2]}"
             for n in range(PEOPLE)]
    export = tmp_path / "contacts.csv"
    export.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    server = sandbox()
    journal = tmp_path / "journal.sqlite"
    for share in (0.25, 0.6):
        process = importer(export, server, journal, "--no-merge")
        wait_for(lambda: server.store.count() >= PEOPLE * share, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
    result = finish(export, server, journal, "--no-merge")
    stored = Counter((c["last_name"], c["job_title"]) for c in server.store.contacts())
    assert stored == Counter((f"O'Brien García{n // 2:02d}", ("Engineer", "Manager")[n % 2]) for n in range(PEOPLE))
    assert result["created"] + result["existing"] == PEOPLE
