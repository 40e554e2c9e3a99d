"""Hostile and careless command lines (issue 16, issue 10 items 7-8): the key never on screen, a one-line
answer with exit 2 or 3 where there was an internal error, a crash file for a real bug, bad output paths
refused before anything is sent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from importer.cli.safety import find_secrets, one_line
from importer.dex.client import DexClient, SurelyNotCreated
from importer.errors import ImporterError
from importer.sandbox import SandboxServer, VirtualTime
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

Start = Callable[..., SandboxServer]
KEY = "dex_live_9f8e7d6c5b4a3210"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"


def cli(*argv: str) -> tuple[int, str, str]:
    return run_cli(*argv)


def export(tmp_path: Path, count: int = 3) -> Path:
    path = tmp_path / "Connections.csv"
    rows = [f"P{n},Example,https://www.linkedin.com/in/p-{n:03d},p{n}@example.com,Co,Eng,05 Jan 2026\r\n"
            for n in range(count)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("argv", [
    ["--token", KEY, "import", "p.csv"],            # the key taken for the command: "invalid choice"
    ["import", "p.csv", "--tokn", KEY],             # a misspelt flag: "unrecognized arguments"
    ["import", "p.csv", "--api-key=" + KEY],        # a flag that does not exist, with =
    [KEY, "import"],                                 # a key pasted in place of the command
    ["import", "p.csv", "--batch-size", KEY],        # a key where a number goes
])
def test_usage_errors_never_echo_the_key(argv: list[str]) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert KEY not in out + err
    assert err.startswith("dex-import") and "[API key]" in err and err.count("\n") == 1


def test_secrets_are_found_after_key_like_flags_and_by_shape() -> None:
    secrets = find_secrets(["--tokn", "short", "--secret=abc", "import", "Connections.csv", KEY, "12"],
                           {"DEX_API_KEY": "envkey"})
    assert set(secrets.values) == {"short", "abc", KEY, "envkey"}
    assert secrets.scrub(f"x {KEY} y envkey") == "x [API key] y [API key]"


@pytest.mark.parametrize("key", [KEY + "\n", KEY + "\r\n", " " + KEY, KEY[:8] + "\t" + KEY[8:]])
def test_a_key_with_whitespace_or_a_final_newline_is_a_usage_error(tmp_path: Path, key: str) -> None:
    code, out, err = cli("import", str(export(tmp_path)), "--token", key, "--yes")
    assert (code, out) == (2, "")
    assert err == ("dex-import: the API key is empty or contains spaces or control characters: copy it again "
                   "from Dex under Settings > API\n")
    with pytest.raises(ImporterError):
        DexClient(key)


@pytest.mark.parametrize("url, message", [
    ("https://ada:hunter2pass@api.example.com/v1", "the API URL holds a user name or password"),
    ("http://[::1", "the API URL 'http://[::1' is not a URL"),
    ("https://api.example.com:99999/v1", "is not a URL"),
])
def test_bad_api_urls_are_usage_errors(tmp_path: Path, url: str, message: str) -> None:
    code, out, err = cli("import", str(export(tmp_path)), "--token", KEY, "--api-url", url, "--yes")
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert "hunter2pass" not in err and KEY not in err


@pytest.mark.parametrize("argv, message", [
    (["--rate-limit", "-5"], "--rate-limit -5.0: give requests per second above 0"),
    (["--rate-limit", "0"], "--rate-limit 0.0: give requests per second above 0"),
    (["--latency", "-100"], "--latency -100.0: give milliseconds from 0 to 600000"),
    (["--port", "99999"], "--port 99999: give a port from 1 to 65535"),
    (["--port", "-1"], "--port -1: give a port from 1 to 65535"),
])
def test_impossible_sandbox_options_are_usage_errors(argv: list[str], message: str) -> None:
    code, out, err = cli("sandbox", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"dex-import: {message}")


def test_a_wrong_encoding_is_a_one_line_answer(tmp_path: Path) -> None:
    path = export(tmp_path)
    code, out, err = cli("preview", str(path), "--encoding", "utf-32")
    assert code == 3
    assert err == (f"dex-import: {path}: cannot be read as utf-32 (UTF-32 stream does not start with BOM). "
                   "Leave out --encoding to detect it, or give the encoding the file was saved in\n")
    code, out, err = cli("preview", str(path), "--encoding", "rot13")  # a codec, but not a text encoding
    assert code == 2 and err.startswith("dex-import: unknown encoding 'rot13'")


@pytest.mark.parametrize("flag", ["--report", "--journal"])
def test_import_output_in_a_missing_folder_fails_before_sending(
        dex_sandbox: SandboxServer, tmp_path: Path, flag: str) -> None:
    target = tmp_path / "no-such-folder" / "out.csv"
    code, out, err = cli("import", str(export(tmp_path)), "--api-url", dex_sandbox.url, "--token",
                         SANDBOX_TEST_KEY, "--yes", flag, str(target))
    assert code == 2
    assert err == (f"dex-import: {flag} {target}: the folder {target.parent} does not exist; create it or "
                   "choose another path\n")
    assert dex_sandbox.store.contacts() == [] and not target.parent.exists()


def test_preview_out_under_a_file_or_at_a_folder_fails_in_one_line(tmp_path: Path) -> None:
    path = export(tmp_path)
    code, out, err = cli("preview", str(path), "--out", str(path / "x.jsonl"))
    assert (code, out) == (2, "")
    assert err == f"dex-import: --out {path / 'x.jsonl'}: {path} is a file, not a folder; choose another path\n"
    code, out, err = cli("preview", str(path), "--out", str(tmp_path))
    assert code == 2 and err == f"dex-import: --out {tmp_path}: is a folder; give a file name in it\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any folder")
def test_output_in_an_unwritable_folder_fails_before_sending(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, out, err = cli("preview", str(export(tmp_path)), "--out", str(locked / "x.jsonl"))
    assert code == 2 and "cannot be written" in err


def test_a_bug_is_one_line_naming_a_crash_file_and_the_next_run_resumes(
        dex_sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = export(tmp_path, 5)
    real = DexClient.create_contacts
    calls: list[int] = []

    def buggy(self: DexClient, contacts: Any) -> Any:
        calls.append(len(contacts))
        if len(calls) == 2:
            raise ZeroDivisionError("a planted bug")
        return real(self, contacts)

    monkeypatch.setattr(DexClient, "create_contacts", buggy)
    argv = ["import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--yes", "--quiet",
            "--batch-size", "2", "--concurrency", "1", "--initial-rate", "100"]
    code, out, err = cli(*argv)
    assert code == 3 and err.count("\n") == 1
    assert err.startswith("dex-import: internal error: ZeroDivisionError: a planted bug. This is a bug in "
                          "dex-importer; details are in ")
    crash = Path(err.split("details are in ")[1].split("; please report")[0])
    text = crash.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError" in text and "dex-importer 0.1.0" in text
    assert "python " in text and "--batch-size 2" in text
    assert SANDBOX_TEST_KEY not in text and "--token [API key]" in text
    assert crash.parent == Path(os.environ["XDG_DATA_HOME"]) / "dex-importer" / "crashes"
    created_before = len(dex_sandbox.store.contacts())
    assert created_before == 2
    monkeypatch.setattr(DexClient, "create_contacts", real)
    code, out, err = cli(*argv)
    assert code == 0, err
    assert sorted(c["linkedin"] for c in dex_sandbox.store.contacts()) == [f"p-{n:03d}" for n in range(5)]


def test_debug_prints_the_traceback_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importer.cli.commands as commands

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("planted")

    monkeypatch.setattr(commands, "_read_options", broken)
    code, out, err = cli("preview", "--debug", str(export(tmp_path)))
    assert code == 3
    assert err.startswith("Traceback (most recent call last):") and "KeyError: 'planted'" in err
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "dex-importer" / "crashes").exists()


class _Me:
    """A client whose GET /users/me answers `answers` in turn (an exception is raised)."""

    api_url = "http://127.0.0.1:1/v1"

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)

    def me(self) -> Any:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_503_on_users_me_is_retried() -> None:
    from argparse import Namespace

    from importer.cli.account import account_id as _account_id

    slept: list[float] = []
    busy = SurelyNotCreated("busy", method="GET", path="/users/me", status_code=503)
    client = _Me(busy, {"id": "user-1"})
    clock = VirtualTime()

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.sleep(seconds)

    assert _account_id(Namespace(token=KEY, sleep=sleep, clock=clock.clock), client) == "user-1"
    assert client.answers == [] and slept


@pytest.mark.parametrize("account", [KEY, "x" + KEY, "../../etc", "a" * 101, "", None, {"id": 1}, "line\nbreak"])
def test_an_account_id_that_is_not_an_id_is_never_stored(account: object) -> None:
    from argparse import Namespace

    from importer.cli.account import account_id as _account_id

    with pytest.raises(ImporterError, match="without a usable account id"):
        idle = VirtualTime()
        _account_id(Namespace(token=KEY, sleep=idle.sleep, clock=idle.clock), _Me({"id": account}))


def test_a_server_answering_the_key_as_account_id_gets_nothing_written(
        dex_sandbox_factory: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = dex_sandbox_factory()
    monkeypatch.setattr(DexClient, "me", lambda self: {"id": SANDBOX_TEST_KEY, "email": "a@example.com"})
    code, out, err = cli("import", str(export(tmp_path)), "--api-url", server.url, "--token", SANDBOX_TEST_KEY,
                         "--yes")
    assert code == 3 and "without a usable account id" in err and SANDBOX_TEST_KEY not in err
    assert server.store.contacts() == []
    for file in Path(os.environ["XDG_DATA_HOME"]).rglob("*"):
        if file.is_file():
            assert SANDBOX_TEST_KEY.encode() not in file.read_bytes()


def test_one_line_escapes_control_characters() -> None:
    assert one_line("Bad\r\nname\x1b[2J\x07") == "Bad\\r\\nname\\x1b[2J\\x07"
    assert one_line("Zoë — ok") == "Zoë — ok"


def test_a_second_import_into_the_same_account_is_refused_naming_the_holder(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    from importer.journal.account_lock import account_lock

    path = export(tmp_path)
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url) as client:
        account = str(client.me()["id"])
    argv = ["import", str(path), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--yes",
            "--journal", str(tmp_path / "other-journal.db")]
    with account_lock(dex_sandbox.url, account, what="import: elsewhere.csv"):
        code, out, err = cli(*argv)
        assert code == 3 and err.count("\n") == 1
        assert err.startswith(f"dex-import: another dex-import is working in this Dex account: process "
                              f"{os.getpid()} (import: elsewhere.csv, since ")
        assert dex_sandbox.store.contacts() == []
    code, out, err = cli(*argv)  # released: the import goes ahead
    assert code == 0, err
    assert len(dex_sandbox.store.contacts()) == 3
    import json

    run = json.loads(cli("runs", "--journal", str(tmp_path / "other-journal.db"), "--json")[1])[0]["run"]
    with account_lock(dex_sandbox.url, account, what="import: elsewhere.csv"):
        code, out, err = cli("undo", run, "--journal", str(tmp_path / "other-journal.db"), "--yes",
                             "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY)
        assert code == 3 and "another dex-import is working in this Dex account" in err
    assert len(dex_sandbox.store.contacts()) == 3
