"""The `dex-import` command: exact messages and exit codes, help for every command, JSON equal to the library.

Commands run in-process through `importer.cli.main(argv, stdout=, stderr=)`, which sends argparse's own
messages (--help, unknown options) to those streams too; `capsys` is read as well, so nothing escapes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from importer.cli.main import build_parser, main
from importer.plan.inputs import ReadOptions
from importer.preview import preview

ROOT = Path(__file__).parent.parent
FORMATS = Path(__file__).parent / "fixtures" / "formats"
LINKEDIN = "sample_data/linkedin/Connections.csv"
GOOGLE = "sample_data/google/contacts.csv"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # messages show the paths as typed, relative to the checkout


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Returns (exit code, stdout, stderr) of one in-process run."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    captured = capsys.readouterr()
    stdout, stderr = out.getvalue() + captured.out, err.getvalue() + captured.err
    assert "Traceback" not in stderr and "internal error" not in stderr
    return code, stdout, stderr


# --- exit codes and messages ------------------------------------------------------------------------------

def test_fine_run_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "preview", LINKEDIN)
    assert (code, err) == (0, "")
    assert "records 7 · contacts 6 · skipped 1 (1 hidden LinkedIn member" in out


def test_unusable_records_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "preview", GOOGLE, "--region", "US")
    assert (code, err) == (1, "")
    assert "records 6 · contacts 5 · skipped 1 (1 without a name) · warnings 2" in out
    # the warnings as a digest: one line per kind, where (when few) and what to do
    assert ("  1 record without a name (contacts.csv:9) → give each of these rows a name,\n"
            "    then import the failure report\n") in out


@pytest.mark.parametrize("argv,message", [
    (["preview", LINKEDIN, "--bogus"], "dex-import: unrecognized arguments: --bogus (see dex-import --help)\n"),
    (["frobnicate"], "dex-import: argument COMMAND: invalid choice: 'frobnicate' (choose from 'preview', 'import', 'runs', 'undo', 'sandbox', "
                     "'detect', 'check-mapping', 'mapping', 'demo', 'formats') (see dex-import --help)\n"),
    ([], "dex-import: the following arguments are required: COMMAND (see dex-import --help)\n"),
    (["preview", LINKEDIN, "--region", "XX"],
     "dex-import: unknown phone region 'XX': use a two-letter ISO 3166 country code such as US, GB or DE\n"),
    (["preview", LINKEDIN, "--format", "linkdin"],
     "dex-import: unknown format 'linkdin' (did you mean 'linkedin'?); known formats: dex, google-legacy, "
     "google, linkedin, outlook, outlook-de, outlook-fr, outlook-es, outlook-it, outlook-pt-br, outlook-pt-pt, "
         "outlook-nl, outlook-pl, outlook-ru, outlook-zh-cn, outlook-zh-tw, outlook-ja, outlook-ko, vcard, generic\n"),
    (["preview", LINKEDIN, "--limit", "-1"], "dex-import: --limit must be 0 or more\n"),
    (["preview", LINKEDIN, "--delimiter", "x"], "dex-import: --delimiter 'x': use one of , ; | tab\n"),
    (["preview", LINKEDIN, "--encoding", "klingon"],
     "dex-import: unknown encoding 'klingon': use a Python codec name such as utf-8, cp1252 or utf-16\n"),
])
def test_bad_command_line_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = cli(capsys, *argv)
    assert (code, out, err) == (2, "", message)


def test_missing_file_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "preview", "nope.csv") == (
        3, "", "dex-import: nope.csv: no such file. Check the path and the file name\n")


def test_unreadable_file_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert cli(capsys, "preview", str(path)) == (
        3, "", f"dex-import: {path}: is a PDF document, not a contact export. Give the CSV, Excel (.xlsx) or "
               "vCard (.vcf) file you exported, or LinkedIn's data-export zip.\n")


def test_invalid_mapping_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    mapping = "tests/fixtures/mappings/misspelt-keys.yaml"
    assert cli(capsys, "preview", LINKEDIN, "--mapping", mapping) == (
        3, "", f"dex-import: {mapping}: invalid mapping: region: unknown phone region 'UK' (did you mean GB?): "
               "use a two-letter ISO 3166 country code such as US, GB or DE (and 7 more problems). Run "
               f"`dex-import check-mapping {mapping}` to list them all.\n")


def test_linkedin_resave_without_names_exits_3_saying_what_is_missing(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = "tests/fixtures/formats/linkedin-resaved-names-dropped.csv"
    code, out, err = cli(capsys, "preview", path)
    assert (code, out) == (3, "")
    assert err == (f"dex-import: {path}:1: has no column 'First Name' or 'Last Name', which the linkedin mapping "
                   "needs (columns found: URL, Email Address, Company, Position, Connected On). If a spreadsheet "
                   "renamed or dropped it, restore the header, or pass --mapping with a mapping of your own\n")


def test_check_mapping_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    mapping = "tests/fixtures/mappings/misspelt-keys.yaml"
    code, out, err = cli(capsys, "check-mapping", mapping)
    assert (code, out) == (3, "")
    lines = err.splitlines()
    assert len(lines) == 9
    assert lines[2] == f"{mapping}: name_parts.frist: unknown key (did you mean 'first'?)"
    assert lines[-1] == (f"{mapping}: 8 problems; fix them and run `dex-import check-mapping {mapping}` again")


def test_check_mapping_valid(capsys: pytest.CaptureFixture[str]) -> None:
    mapping = "tests/fixtures/formats/own-mapping.yaml"
    assert cli(capsys, "check-mapping", mapping, "--against", "tests/fixtures/formats/own-mapping-utf16.csv") == (
        0, f"{mapping}: valid mapping 'my-list'\ntests/fixtures/formats/own-mapping-utf16.csv: every column the "
           "mapping names is there\n", "")


def test_mapping_init_matches_columns_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "mapping", "init", "tests/fixtures/formats/own-mapping-pipe-delimited.csv")
    assert (code, err) == (0, "")
    body = [line for line in out.splitlines() if not line.startswith("#")]
    assert body == ["name: my-contacts", "title: Columns matched by name (my-contacts)", "name_parts:",
                    "  full: Name", "fields:", "  description: Notes", "emails:", "- value: Email", "phones:",
                    "- value: Phone"]


# --- help ---------------------------------------------------------------------------------------------------

def _commands() -> list[list[str]]:
    """Returns every command path: each subcommand, and each subcommand of a group such as `mapping`."""
    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append(path + [name])
                    walk(sub, path + [name])

    walk(build_parser(), [])
    return found


def test_every_command_is_listed() -> None:
    assert _commands() == [["preview"], ["import"], ["runs"], ["undo"], ["sandbox"], ["detect"],
                           ["check-mapping"], ["mapping"], ["mapping", "init"], ["demo"], ["formats"]]


@pytest.mark.parametrize("command", [[]] + _commands(), ids=lambda c: " ".join(c) or "dex-import")
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, err = cli(capsys, *command, "--help")
    assert (code, err) == (0, "")
    usage, _, rest = out.partition("\n\n")
    assert usage.startswith("usage: dex-import")
    description = rest.split("\n\n")[0]
    assert len(description) > 20 and not description.startswith(("positional", "options")), description


def test_python_m_importer_help() -> None:
    result = subprocess.run([sys.executable, "-m", "importer", "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (result.returncode, result.stderr) == (0, "")
    assert "Import contacts from LinkedIn, Google, Outlook, vCard and spreadsheets into Dex" in " ".join(
        result.stdout.split())


# --- JSON and --out -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [GOOGLE, LINKEDIN, "tests/fixtures/formats/outlook-desktop-92-columns-cp1252.csv"])
def test_preview_json_equals_the_library_summary(capsys: pytest.CaptureFixture[str], path: str) -> None:
    code, out, err = cli(capsys, "preview", path, "--json", "--region", "US")
    printed = json.loads(out)
    assert printed.pop("out") is None
    assert (printed.pop("account_checked"), printed.pop("predictions")) == (None, None)  # no key: not asked
    summary = preview([path], ReadOptions(region="US"))
    assert printed == json.loads(json.dumps(summary.as_dict()))
    assert code == summary.exit_code
    assert list(printed)[:6] == ["format", "mapping", "records", "contacts", "skipped", "skipped_by_reason"]
    assert all({"file", "line", "column", "message"} <= set(w) for w in printed["warnings"])


def test_out_writes_exactly_the_contacts_in_input_order(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    target = tmp_path / "contacts.jsonl"
    code, out, err = cli(capsys, "preview", GOOGLE, "--region", "US", "--out", str(target))
    assert code == 1
    assert out.endswith(f"\nWrote 5 contacts to {target}\n")
    library = io.StringIO()
    preview([GOOGLE], ReadOptions(region="US"), out=library)
    assert target.read_text(encoding="utf-8") == library.getvalue()
    names = [json.loads(line)["full_name"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert names == ["Grace Hopper-Example", "Hiro Tanaka", "Ines Moreau", "Example Plumbing Co.", "Jonas Berg"]


def test_detect_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "detect", "--json", LINKEDIN)
    assert (code, err) == (0, "")
    [found] = json.loads(out)
    assert found["format"] == "linkedin"
    assert found["preamble"] == "linkedin-notes"


# --- never a traceback --------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,suffix", [
    (b"\x00\x01\x02garbage", ".csv"), (b"PK\x03\x04broken zip", ".zip"), (b"PK\x03\x04", ".xlsx"),
    (b"BEGIN:VCARD\nFN:\nEND:VCARD\n", ".vcf"), (b"\n\n\n", ".csv"), (b'"', ".csv"), (b"a,b\n\xff\xfe", ""),
    (b"\xef\xbb\xbf", ".csv"), ("Name\n\u00e9".encode("utf-16"), ".txt"),
])
def test_no_traceback_for_odd_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes,
                                    suffix: str) -> None:
    path = tmp_path / f"odd{suffix}"
    path.write_bytes(data)
    for command in (["preview", str(path)], ["detect", str(path)], ["preview", str(path), "--json"],
                    ["mapping", "init", str(path)]):
        code, out, err = cli(capsys, *command)
        assert code in (0, 1, 2, 3)
        assert len(err.splitlines()) <= 1, err
