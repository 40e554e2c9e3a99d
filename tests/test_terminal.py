"""Terminal output (issue 14, item 2): it fits 80 columns, colours only a terminal without NO_COLOR, says
warnings as a digest, uses human field names and lists each merge once.

The width is measured in terminal cells (a wide character such as an emoji takes two) with unicodedata, not
with the library that lays the text out.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest

from importer.cli.main import main
from importer.cli.screen import Screen, draw, screen_of, styled, table
from importer.plan.forecast import Forecast

ROOT = Path(__file__).resolve().parent.parent
THREE = ["sample_data/linkedin/Connections.csv", "sample_data/google/contacts.csv", "sample_data/vcard/iphone.vcf"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cells(line: str) -> int:
    """Returns how many terminal columns `line` takes."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in line)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_three_file_preview_fits_80_columns_and_reads_as_a_digest() -> None:
    code, out, err = run("preview", *THREE)
    assert (code, err) == (1, "")  # the Google sample's nameless row
    lines = out.splitlines()
    assert max(cells(line) for line in lines) <= 80, [line for line in lines if cells(line) > 80]
    # the 75 lines of old, fitting 80 columns now (61: the nameless row's cells count as left behind)
    assert len(lines) <= 61
    assert not ANSI.search(out)  # not a terminal: no colour
    # warnings as a digest: one line per kind, with its count, where (few of them) and the fix
    assert "  3 numbers without a country code (contacts.csv:2, :10; iphone.vcf:68) → pass\n" \
           "    --region US (or their country)\n" in out
    assert out.count("has no country code and no --region was given") == 0  # not the sentence three times
    # human field names, never Dex's own
    assert "phones 8" in out and "emails 7" in out and "birthday 5" in out
    assert not re.search(r"contact_phone_numbers|contact_emails|full_name|job_title", out)
    # the merge is listed once, not again among the warnings
    assert out.count("(same LinkedIn handle") == 1 and "merged (1)" not in out
    # how many more emails and phones a contact has, never a "+1" beside a phone number
    assert "1 more email, 1 more phone" in out and not re.search(r"\s\+\d{1,2}(\s|$)", out)
    # the column audit is a table, one row per file
    assert re.search(r"^ iphone\.vcf +22 of 28 +VERSION \(3\), PRODID \(2\)", out, re.M)


def test_the_demo_fits_80_columns(tmp_path: Path) -> None:
    code, out, err = run("demo")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert max(cells(line) for line in lines) <= 80, [line for line in lines if cells(line) > 80]
    assert "The sandbox now holds 25 contacts, for example:" in out and not ANSI.search(out)


def test_columns_sets_the_width_of_text_that_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    code, out, err = run("preview", *THREE)
    assert max(cells(line) for line in out.splitlines()) <= 60


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert screen_of(io.StringIO(), {}) == Screen(80, False)
    assert screen_of(_Terminal(), {"COLUMNS": "100"}) == Screen(100, True)
    assert screen_of(_Terminal(), {"COLUMNS": "100", "NO_COLOR": "1"}) == Screen(100, False)
    assert screen_of(_Terminal(), {"COLUMNS": "100", "TERM": "dumb"}) == Screen(100, False)
    assert screen_of(_Terminal(), {"COLUMNS": "100", "NO_COLOR": ""}).color  # NO_COLOR= (empty) is not set
    assert screen_of(_Terminal(), {"COLUMNS": "12"}).width == 40  # never narrower than 40
    coloured = draw([styled("Warnings", "bold yellow")], Screen(80, True))
    assert ANSI.search(coloured) and ANSI.sub("", coloured) == "Warnings"
    assert draw([styled("Warnings", "bold yellow")], Screen(80, False)) == "Warnings"


def test_paragraphs_wrap_with_a_hanging_indent_and_commands_never_wrap() -> None:
    text = draw(["  " + "word " * 30, "$ dex-import import " + "x" * 90], Screen(40, False))
    lines = text.splitlines()
    assert lines[0].startswith("  word") and all(line.startswith("    word") for line in lines[1:-1])
    assert max(len(line) for line in lines[:-1]) <= 40
    assert lines[-1] == "  dex-import import " + "x" * 90  # pastes whole


def test_cells_are_text_not_markup() -> None:
    shown = draw(["[bold]Ada[/bold]", table(["name"], [["[red]Bo[/red]"]])], Screen(80, True))
    assert "[bold]Ada[/bold]" in ANSI.sub("", shown) and "[red]Bo[/red]" in ANSI.sub("", shown)


def test_the_readme_shows_the_three_file_preview_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("### What the terminal shows", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    code, out, err = run("preview", *THREE)
    assert shown == out.rstrip("\n")


def _long_forecast() -> Forecast:
    return Forecast(new=12188, existing=1124, update=3, done=310, skipped={"no-name": 36, "unreadable-card": 4},
                    merged=17, resuming="2026-12-02T09:00:00Z-3f2a", account="someone.with.a.long.name@example.com",
                    api_url="https://api.getdex.com/v1", notes=("2 contacts an earlier run created are no longer "
                                                                 "in Dex (deleted there since): they are created "
                                                                 "again",))


def _words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("columns", [None, "60"])
def test_the_confirmation_block_fits_the_width_with_yes(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    from importer.cli.render import forecast_lines, forecast_question
    from importer.cli.terminal import confirmation
    from importer.plan.summary import Summary

    if columns:
        monkeypatch.setenv("COLUMNS", columns)
    width = int(columns or 80)
    shown = io.StringIO()
    assert confirmation(Summary(), shown, ask=False, show=True)(_long_forecast()) is True
    lines = shown.getvalue().splitlines()
    assert max(cells(line) for line in lines) <= width, [line for line in lines if cells(line) > width]
    assert len(lines) > 3  # the block was wrapped, not cut: every word is still there, in order
    whole = [*forecast_lines(_long_forecast()), forecast_question(_long_forecast()) + " yes (--yes)"]
    assert _words(shown.getvalue()) == _words("\n".join(whole))


def test_the_question_fits_the_width_and_the_prompt_is_its_last_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from importer.cli.render import forecast_question
    from importer.cli.terminal import confirmation
    from importer.plan.summary import Summary

    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    err = io.StringIO()
    assert confirmation(Summary(), err, ask=True, show=False)(_long_forecast()) is True
    lines = err.getvalue().splitlines()
    assert max(cells(line) for line in [*lines, *asked]) <= 80
    question = forecast_question(_long_forecast()) + " [y/N]"
    above = err.getvalue().split("\n\n")[-1]  # the question's lines after the blank line that opens it
    assert _words(above + asked[0]) == _words(question) and asked[0].endswith("[y/N] ")
