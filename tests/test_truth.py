"""Issue 11: the journal is never trusted over Dex, and a contact made for one record never matches another.

Through the command line against the sandbox: contacts deleted behind the importer's back are created again
(and the run says so), a fresh empty server with the same key gets everyone, and people who share a name and a
company stay two people across a stopped run and its rerun.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from importer.cli.main import main
from importer.dex.client import DexClient
from importer.sandbox import SandboxServer, VirtualTime
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

HEADER = "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Organization Name,Organization Title\r\n"


def cli(*argv: str) -> tuple[int, dict, str]:
    code, text, err = run_cli(*argv)
    return code, (json.loads(text) if text.startswith("{") else {"text": text}), err


def google(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\r\n" for r in rows), encoding="utf-8")
    return path


def account(server: SandboxServer, *extra: str) -> list[str]:
    return ["--api-url", server.url, "--token", SANDBOX_TEST_KEY, "--json", "--quiet", *extra]


def names(server: SandboxServer) -> Counter[str]:
    return Counter(str(c.get("full_name") or f"{c.get('first_name')} {c.get('last_name')}")
                   for c in server.store.contacts())


def test_contacts_deleted_in_dex_since_are_created_again_and_the_run_says_so(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = google(tmp_path / "people.csv", [f"P{i},Example,Work,p{i}@example.com,,"
                                              for i in range(6)])
    code, first, _ = cli("import", str(export), *account(dex_sandbox))
    assert (code, first["created"]) == (0, 6)
    gone = [r["id"] for r in first["records"][:2]]
    dex_sandbox.store.delete(gone)  # deleted in Dex's web app
    code, again, _ = cli("import", str(export), *account(dex_sandbox))
    assert (code, again["created"], again["existing"]) == (0, 2, 4)
    assert [n for n in again["notes"] if "no longer in Dex" in n] == [
        f"2 contacts created by run {_first_run()} on {_day(_first_run())} are no longer in Dex: "
        "they will be created again"]
    assert names(dex_sandbox) == Counter({f"P{i} Example": 1 for i in range(6)})
    code, third, _ = cli("import", str(export), *account(dex_sandbox))  # the new ids are trusted in turn
    assert (code, third["created"], third["existing"], third["notes"]) == (0, 0, 6, [])


def test_a_fresh_empty_server_with_the_same_key_gets_everyone(
        dex_sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    export = google(tmp_path / "people.csv", [f"P{i},Example,Work,p{i}@example.com,,"
                                              for i in range(3)])
    old = dex_sandbox_factory()
    assert cli("import", str(export), *account(old))[1]["created"] == 3
    new = dex_sandbox_factory()  # the same account id and key: the same default journal
    code, result, _ = cli("import", str(export), *account(new))
    assert (code, result["created"], result["existing"]) == (0, 3, 0)
    assert new.store.count() == 3


def test_namesakes_at_one_company_stay_two_people_across_a_stop_and_a_rerun(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    # two "O'Brien García" at "Umbrella, Ltd", no email: only the name and company could match them
    rows = ["Seán,O'Brien García,,,\"Umbrella, Ltd\",Engineer",
            "Seán,O'Brien García,,,\"Umbrella, Ltd\",Manager",
            "Ana,Example,,,\"Umbrella, Ltd\",Designer"]
    export = google(tmp_path / "people.csv", rows)
    # the first run sends one contact per batch and is stopped after the first (as by a kill: a journal
    # that knows one record created and the others never sent)
    google(tmp_path / "first.csv", rows[:1])
    journal = str(tmp_path / "run.journal")
    assert cli("import", str(tmp_path / "first.csv"), *account(dex_sandbox, "--journal", journal))[1]["created"] == 1
    code, result, _ = cli("import", str(export), *account(dex_sandbox, "--journal", journal, "--no-merge"))
    statuses = [(r["line"], r["status"]) for r in result["records"]]
    assert statuses == [(2, "existing"), (3, "created"), (4, "created")]
    assert names(dex_sandbox)["Seán O'Brien García"] == 2


def test_a_contact_already_in_dex_before_the_import_still_matches(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    dex_sandbox.store.create_contacts([{"first_name": "Ana", "last_name": "Example", "company": "Umbrella, Ltd"}])
    export = google(tmp_path / "people.csv", ["Ana,Example,,,\"Umbrella, Ltd\",Designer"])
    code, result, _ = cli("import", str(export), *account(dex_sandbox))
    assert (result["created"], result["existing"]) == (0, 1)


def _first_run() -> str:
    out = io.StringIO()
    main(["runs", "--json"], stdout=out, stderr=io.StringIO())
    return str(json.loads(out.getvalue())[0]["run"])


def _day(run_id: str) -> str:
    from datetime import datetime
    when = datetime.strptime(run_id[:20], "%Y-%m-%dT%H:%M:%SZ")
    return f"{when.day} {when:%b}"


def _runs() -> list[dict]:
    out = io.StringIO()
    main(["runs", "--json"], stdout=out, stderr=io.StringIO())
    return list(json.loads(out.getvalue()))


def test_undo_takes_last_or_a_unique_prefix_and_says_when_a_run_was_undone_already(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    key = ["--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY]
    first = google(tmp_path / "first.csv", ["Ann,Example,Work,ann@example.com,,"])
    second = google(tmp_path / "second.csv", ["Bo,Example,Work,bo@example.com,,"])
    assert cli("import", str(first), *account(dex_sandbox))[1]["created"] == 1
    assert cli("import", str(second), *account(dex_sandbox))[1]["created"] == 1
    older, newer = (r["run"] for r in _runs())
    code, out, err = cli("undo", "last", *key, "--yes")
    assert (code, err) == (0, "") and "Deleted 1 contacts." in out["text"]
    assert names(dex_sandbox) == Counter({"Ann Example": 1})
    code, out, err = cli("undo", "last", *key, "--yes")  # `last` is the newest import, not the undo just run
    assert (code, out["text"]) == (0, f"Run {newer} was undone already: its 1 contacts are no longer in Dex\n")
    assert names(dex_sandbox) == Counter({"Ann Example": 1})
    shared = next(n for n in range(len(older)) if older[:n + 1] != newer[:n + 1])
    code, out, err = cli("undo", older[:shared], *key, "--yes")  # a prefix of both
    assert code != 0 and err.startswith(f"dex-import: {older[:shared]!r} names ") and "give more of the run id" in err
    code, out, err = cli("undo", older[:shared + 1], *key, "--yes")
    assert (code, err) == (0, "") and dex_sandbox.store.count() == 0
    code, out, err = cli("undo", "no-such-run", *key, "--yes")
    assert code != 0 and "no run 'no-such-run' in the journals" in err


def test_a_failed_undo_leaves_no_interrupted_run(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = google(tmp_path / "people.csv", ["Ann,Example,Work,ann@example.com,,"])
    assert cli("import", str(export), *account(dex_sandbox))[1]["created"] == 1
    code, out, err = cli("undo", "last", "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY)  # no --yes
    assert code != 0 and "confirm with --yes" in err
    assert dex_sandbox.store.count() == 1
    assert [r["state"] for r in _runs()] == ["finished", "stopped: not confirmed"]


def _stopped_import(export: Path, client: DexClient, journal_path: Path, virtual_time: VirtualTime,
                    *, stop_after: int | None) -> dict:
    import threading

    from importer.importing import SendOptions, run_import
    from importer.journal.store import Journal

    stop = threading.Event()
    settled = [0]

    def progress(p: object) -> None:
        settled[0] += getattr(p, "newly_settled", 0)
        if stop_after is not None and settled[0] >= stop_after:
            stop.set()  # what the first Ctrl-C does

    with Journal.open(journal_path, account_id="sandbox-user") as journal:
        result = run_import([str(export)], client, send=SendOptions(batch_size=2, concurrency=1),
                            journal=journal, stop=stop, on_progress=progress, sleep=virtual_time.sleep,
                            clock=virtual_time.clock)
    try:
        return result.as_dict()
    finally:
        result.records.close()


def test_a_stopped_run_accounts_for_every_record_and_the_rerun_creates_the_rest_once(
        dex_sandbox: SandboxServer, tmp_path: Path, virtual_time: VirtualTime) -> None:
    from importer.importing import STATUSES

    export = google(tmp_path / "people.csv", [f"P{i:02d},Example,Work,p{i}@example.com,," for i in range(20)]
                    + [",,Work,,,Engineer"])  # and one row with no name: skipped
    journal = tmp_path / "j.sqlite"
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        first = _stopped_import(export, client, journal, virtual_time, stop_after=4)
        assert len(first["records"]) == 21
        assert sum(first[s] for s in STATUSES) == 21
        assert Counter(r["status"] for r in first["records"]) == Counter({s: first[s] for s in STATUSES if first[s]})
        assert first["created"] == dex_sandbox.store.count() and 4 <= first["created"] < 20
        assert (first["failed"], first["skipped"], first["not_sent"] + first["created"] + first["unknown"]) == (0, 1, 20)
        assert first["report"] and first["stopped"]  # the report holds only the nameless row
        again = _stopped_import(export, client, journal, virtual_time, stop_after=None)
    assert (again["created"], again["existing"], again["not_sent"], again["stopped"]) == (
        20 - first["created"], first["created"], 0, None)
    assert names(dex_sandbox) == Counter({f"P{i:02d} Example": 1 for i in range(20)})
