"""The README's quick start stays true: two commands, the test one is what CI runs, the main one works."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

from importer.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_quick_start_is_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)


def test_ci_runs_the_readme_test_command() -> None:
    _, test_command = quick_start_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_main_command_runs_and_succeeds(tmp_path: Path, monkeypatch) -> None:
    main_command, _ = quick_start_commands()
    last = main_command.split(" && ")[-1]
    argv = shlex.split(last)
    assert argv[0] == ".venv/bin/dex-import"
    monkeypatch.chdir(ROOT)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv[1:], stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert code in (0, 1), out.getvalue()
    assert "sample_data/linkedin/Connections.csv" in out.getvalue()
