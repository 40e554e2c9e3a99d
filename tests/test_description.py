"""The description is sent as Dex keeps it: HTML paragraphs, one per line, `&`, `<` and `>` escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer.dex.description import as_sent, to_html
from importer.sandbox import SandboxServer
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

HEADER = "First Name,Last Name,Email,Notes\r\n"


def export(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER + 'Ada,Example,ada@example.com,"Met at the fair\nSmith & Sons <script>x</script>"\r\n'
                    "Bo,Example,bo@example.com,\r\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "html"), [
    ("one line", "<p>one line</p>"),
    ("a\nb", "<p>a</p><p>b</p>"),
    ("a\n\nb", "<p>a</p><p></p><p>b</p>"),
    ("a\r\nb", "<p>a</p><p>b</p>"),
    ("x < y > z & w", "<p>x &lt; y &gt; z &amp; w</p>"),
    ('"quoted" it\'s', "<p>\"quoted\" it's</p>"),  # only & < > are escaped
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("<p>unclosed", "<p>&lt;p&gt;unclosed</p>"),  # not rich text: escaped like any other line
])
def test_each_line_is_one_escaped_paragraph(text: str, html: str) -> None:
    assert to_html(text) == html


def test_a_line_that_is_dex_rich_text_already_is_kept_cleaned_not_escaped_twice() -> None:
    assert to_html("<p>From <strong>Dex</strong></p><p>again</p>") == "<p>From <strong>Dex</strong></p><p>again</p>"
    assert to_html("<p>Hi</p>\nplain & simple") == "<p>Hi</p><p>plain &amp; simple</p>"
    cleaned = to_html('<p>x<script>alert(1)</script><img src=x onerror=y> <a href="javascript:alert(1)">j</a> '
                      '<a href="https://dex.example.com/a">k</a></p>')
    assert "script" not in cleaned and "onerror" not in cleaned and "javascript" not in cleaned
    assert cleaned.startswith("<p>x") and '<a href="https://dex.example.com/a">k</a>' in cleaned


def test_as_sent_leaves_the_contact_alone_and_text_keeps_plain_lines() -> None:
    contact = {"full_name": "Ada Example", "description": "a & b\nc"}
    assert as_sent(contact)["description"] == "<p>a &amp; b</p><p>c</p>"
    assert as_sent(contact, "text") == contact
    assert contact["description"] == "a & b\nc"  # not changed in place
    assert as_sent({"full_name": "No Notes"}) == {"full_name": "No Notes"}


def test_an_import_stores_html_paragraphs_and_text_on_request(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    account = ["--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY, "--quiet", "--yes"]
    code, out, err = run_cli("import", str(export(tmp_path)), *account)
    assert (code, err) == (0, "")
    stored = {c["first_name"]: c.get("description") for c in dex_sandbox.store.contacts()}
    assert stored["Ada"] == "<p>Met at the fair</p><p>Smith &amp; Sons &lt;script&gt;x&lt;/script&gt;</p>"
    assert not stored["Bo"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "contacts.csv").write_text(HEADER + 'Cy,Example,cy@example.com,"one\ntwo & three"\r\n', encoding="utf-8")
    code, out, err = run_cli("import", str(other / "contacts.csv"), *account, "--description-format", "text")
    assert (code, err) == (0, "")
    assert [c["description"] for c in dex_sandbox.store.contacts() if c["first_name"] == "Cy"] == ["one\ntwo & three"]


def test_the_preview_out_file_shows_the_description_as_it_is_sent(tmp_path: Path) -> None:
    out = tmp_path / "contacts.jsonl"
    code, text, err = run_cli("preview", str(export(tmp_path)), "--out", str(out))
    assert code == 0, err
    ada = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert ada["description"] == "<p>Met at the fair</p><p>Smith &amp; Sons &lt;script&gt;x&lt;/script&gt;</p>"
    code, text, err = run_cli("preview", str(export(tmp_path)), "--out", str(out), "--description-format", "text")
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["description"] == (
        "Met at the fair\nSmith & Sons <script>x</script>")


def test_an_unknown_description_format_is_a_usage_error(tmp_path: Path) -> None:
    code, text, err = run_cli("preview", str(export(tmp_path)), "--description-format", "markdown")
    assert code == 2 and "--description-format" in err and "invalid choice" in err
