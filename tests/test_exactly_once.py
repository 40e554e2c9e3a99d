"""Exactly once across runs, through the command line against the sandbox: reruns, the account check, labels,
the predicting preview, and undo."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from importer.cli.main import main
from importer.dex.client import DexClient
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

DEDUPE = Path(__file__).parent / "fixtures" / "dedupe"
HEADER = "First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value,Organization Name,Organization Title\r\n"


def cli(*argv: str) -> tuple[int, dict, str]:
    code, text, err = run_cli(*argv)
    return code, (json.loads(text) if text.startswith(("{", "[")) else {"text": text}), err


def google(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\r\n" for r in rows), encoding="utf-8")
    return path


def account(server: SandboxServer, *extra: str) -> list[str]:
    return ["--api-url", server.url, "--token", SANDBOX_TEST_KEY, *extra]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return google(tmp_path / "contacts.csv", [
        "Ada,Example,* myContacts ::: Friends ::: Chess,Work,ada@example.com,Example Co,Engineer",
        "Bea,Example,* myContacts ::: Friends,Home,bea@example.com,,",
        "Cem,Example,* myContacts,Work,cem@example.com,Example Co,Designer",
    ])


def test_a_rerun_of_a_finished_import_sends_no_create(dex_sandbox: SandboxServer, export: Path) -> None:
    code, first, err = cli("import", str(export), *account(dex_sandbox), "--json", "--quiet")
    assert (code, first["created"], err) == (0, 3, "")
    requests = dex_sandbox.stats.requests
    code, again, err = cli("import", str(export), *account(dex_sandbox), "--json", "--quiet")
    assert (code, again["created"], again["existing"], err) == (0, 0, 3, "")
    assert {r["message"] for r in again["records"]} == {f"already imported (created by run {_first_run()})"}
    assert dex_sandbox.store.count() == 3
    assert dex_sandbox.stats.created == 3 and dex_sandbox.stats.requests > requests  # asked, never created


def _run_of(result: dict) -> str:
    """Returns the id of the newest run (the one that gave `result`)."""
    runs = json.loads(_out("runs", "--json"))
    assert runs[-1]["counts"]["created"] == result["created"]
    return str(runs[-1]["run"])


def _first_run() -> str:
    return str(json.loads(_out("runs", "--json"))[0]["run"])


def _out(*argv: str) -> str:
    out = io.StringIO()
    main(list(argv), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize(("mode", "created", "existing", "updated"), [
    ("skip", 2, 1, 0), ("update", 2, 0, 1), ("create", 3, 0, 0)])
def test_contacts_already_in_dex_follow_existing(dex_sandbox: SandboxServer, export: Path, mode: str,
                                                 created: int, existing: int, updated: int) -> None:
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        (ada,) = client.create_contacts([{"full_name": "Ada Example", "company": "Example Co",
                                          "contact_emails": [{"email": "ADA@example.com", "ranking": 0}]}])
    code, result, err = cli("import", str(export), *account(dex_sandbox, "--existing", mode), "--json", "--quiet")
    assert (code, err) == (0, "")
    assert (result["created"], result["existing"], result["updated"]) == (created, existing, updated)
    stored = [c for c in dex_sandbox.store.contacts() if c["full_name"] == "Ada Example"]
    if mode == "create":
        assert len(stored) == 2
        return
    assert len(stored) == 1 and stored[0]["id"] == ada["id"]
    line2 = next(r for r in result["records"] if r["line"] == 2)
    assert line2["id"] == ada["id"]
    if mode == "update":
        # only what was empty in Dex was filled; the name and company the person has are untouched
        assert stored[0]["job_title"] == "Engineer" and stored[0]["company"] == "Example Co"
        assert line2["message"] == "already in Dex (email ada@example.com): filled job_title"


def test_labels_become_tags_reused_and_created_once_and_the_run_tag(dex_sandbox: SandboxServer,
                                                                     export: Path) -> None:
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        chess = client.create_tag("chess")  # the person already has this tag: it is reused, not doubled
    code, result, err = cli("import", str(export), *account(dex_sandbox, "--tag", "Imported 2026-11"),
                            "--json", "--quiet")
    assert (code, err) == (0, "")
    tags = {t["name"]: t["id"] for t in dex_sandbox.store.tags()}
    assert sorted(tags) == ["Friends", "Imported 2026-11", "chess"]
    assert tags["chess"] == chess["id"]
    by_name = {c["full_name"]: c["id"] for c in dex_sandbox.store.contacts()}
    names = {v: k for k, v in tags.items()}
    assert {n: sorted(names[t] for t in dex_sandbox.store.contact_tags(i)) for n, i in by_name.items()} == {
        "Ada Example": ["Friends", "Imported 2026-11", "chess"],
        "Bea Example": ["Friends", "Imported 2026-11"],
        "Cem Example": ["Imported 2026-11"]}
    assert "Every contact this run created has the tag 'Imported 2026-11': filter by it in Dex." in result["notes"]


def test_labels_as_groups(dex_sandbox: SandboxServer, export: Path) -> None:
    code, result, err = cli("import", str(export), *account(dex_sandbox, "--labels-as", "groups"), "--json",
                            "--quiet")
    assert (code, err) == (0, "")
    groups = {g["name"]: g["id"] for g in dex_sandbox.store.groups()}
    assert sorted(groups) == ["Chess", "Friends"]
    assert len(dex_sandbox.store.group_members(groups["Friends"])) == 2
    assert dex_sandbox.store.tags() == []


def test_the_preview_predicts_what_the_import_does_record_by_record(dex_sandbox: SandboxServer,
                                                                    tmp_path: Path) -> None:
    export = google(tmp_path / "contacts.csv", [
        "Ada,Example,,Work,ada@example.com,Example Co,",
        "Bea,Example,,Home,bea@example.com,Example Studio,",
        ",,,Other,nobody@example.com,,",
        "Ada,Example,,Home,ADA@example.com,,Engineer",
        "Dev,Example,,Work,dev@example.com,,",
        ",,,,,,Engineer",  # nothing that names a person: skipped
    ])
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        client.create_contacts([{"full_name": "Bea Example",
                                 "contact_emails": [{"email": "bea@example.com", "ranking": 0}]},
                                {"full_name": "Dev Example",
                                 "contact_emails": [{"email": "dev@example.com", "ranking": 0}]}])
    code, predicted, err = cli("preview", str(export), *account(dex_sandbox, "--existing", "update"), "--json")
    assert predicted["account_checked"] == dex_sandbox.url
    code, done, err = cli("import", str(export), *account(dex_sandbox, "--existing", "update"), "--json",
                          "--quiet")
    new = ("created", "merged")  # the preview cannot know the id a contact will be created with
    simplify = [(r["line"], r["status"], r["id"] if r["status"] not in new else None)
                for r in predicted["predictions"]]
    assert simplify == [(r["line"], r["status"], r["id"] if r["status"] not in new else None)
                        for r in done["records"]]
    # the nameless row with an email is created, named after it
    assert [s for _, s, _ in simplify] == ["created", "updated", "created", "merged", "existing", "skipped"]


def test_without_a_key_the_preview_says_it_did_not_check(monkeypatch: pytest.MonkeyPatch, export: Path) -> None:
    monkeypatch.delenv("DEX_API_KEY", raising=False)
    code, result, err = cli("preview", str(export))
    assert "Dex account not checked (no API key): every contact is counted as new." in result["text"]


def test_undo_deletes_exactly_what_the_run_created(dex_sandbox: SandboxServer, export: Path) -> None:
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        client.create_contacts([{"full_name": "Someone Else"}])
    code, result, err = cli("import", str(export), *account(dex_sandbox), "--json", "--quiet")
    assert result["created"] == 3
    run = _run_of(result)
    edited = next(c["id"] for c in dex_sandbox.store.contacts() if c["full_name"] == "Cem Example")
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        client.update_contact(edited, {"description": "met again"})  # the person edited it since
    code, out, err = cli("undo", run, *account(dex_sandbox), "--yes")
    assert code == 0, err
    assert sorted(c["full_name"] for c in dex_sandbox.store.contacts()) == ["Cem Example", "Someone Else"]
    code, out, err = cli("undo", run, *account(dex_sandbox), "--yes", "--force")
    assert sorted(c["full_name"] for c in dex_sandbox.store.contacts()) == ["Someone Else"]


def test_a_label_dex_refuses_is_a_note_and_the_contacts_are_still_created(dex_sandbox: SandboxServer,
                                                                           tmp_path: Path) -> None:
    long_label = "L" * 101  # Dex's group names stop at 100 characters
    export = google(tmp_path / "contacts.csv", [f"Eda,Example,* myContacts ::: {long_label},Work,eda@example.com,,"])
    code, result, err = cli("import", str(export), *account(dex_sandbox, "--labels-as", "groups"), "--json",
                            "--quiet")
    # created, but without its group: the record says so, and the run exits 1 (issue 10)
    assert (code, result["created"], result["incomplete"]) == (1, 1, 1)
    assert result["records"][0]["message"] == (f"created without group {long_label!r} (Dex group names are at "
                                               "most 100 characters)")
    assert len(result["notes"]) == 1 and result["notes"][0].startswith(f"label {long_label!r} could not be made: ")
    assert dex_sandbox.store.groups() == []
