"""`preview --html` and `import --html`: one self-contained page, every value escaped, its script runs in
a real headless Chromium (skipped, with the reason shown, when the machine has none)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from importer.cli.main import main

HOSTILE = ("First Name,Last Name,Email Address,Company,Position\n"
           "<script>alert(1)</script>,Example,evil@example.com,<img src=x onerror=alert(2)>,\"</td></tr><b>x\"\n"
           "Ann,Example,ann@example.com,Acme & Sons,Head of \"Quotes\"\n"
           "Ann,Example,ANN@example.com,Acme,\n"
           ",,nobody@example.com,,\n")


class Elements(HTMLParser):
    """Collects the tags of a page, the text of its script elements, and any src/href attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def write_page(tmp_path: Path, text: str = HOSTILE, *extra: str) -> tuple[Path, str]:
    source = tmp_path / "Connections.csv"
    source.write_text(text, encoding="utf-8")
    page = tmp_path / "page.html"
    out, err = io.StringIO(), io.StringIO()
    code = main(["preview", str(source), "--html", str(page), *extra], stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    assert f"Wrote the page to {page}" in out.getvalue()
    return page, page.read_text(encoding="utf-8")


def test_hostile_cells_show_as_text_and_the_page_loads_nothing(tmp_path: Path) -> None:
    _, html = write_page(tmp_path, HOSTILE, "--format", "linkedin")
    parsed = Elements()
    parsed.feed(html)
    assert parsed.tags.count("script") == 1  # the page's own, nothing from a cell
    assert "img" not in parsed.tags and "b" not in parsed.tags
    assert "alert" not in parsed.scripts[0]
    assert parsed.links == []  # no stylesheet, script or image from anywhere
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "Acme &amp; Sons" in html


def test_the_page_holds_every_part(tmp_path: Path) -> None:
    # --skip-nameless: the last row is skipped for want of a name, not named after its email
    _, html = write_page(tmp_path, HOSTILE, "--format", "linkedin", "--skip-nameless")
    assert "Merged: records of the same person (1 groups)" in html
    assert "Connections.csv:3</th><th>Connections.csv:4" in html  # the two Anns, side by side
    assert "<h3>no-name (1)</h3>" in html and "<tr><td>Connections.csv:5</td>" in html
    assert "<h3>merged" not in html  # merges have their own part
    assert "Fix: give each of these rows a name" in html
    assert "<td>emails</td><td>2</td>" in html  # fill: 2 contacts with an email, as a bar
    # the column audit: the nameless row's email is not sent, so it is not counted as used
    assert "<td>Email Address</td><td>emails</td><td>4</td><td>3</td>" in html


def test_ten_thousand_records_stay_a_few_megabytes(tmp_path: Path) -> None:
    lines = ["First Name,Last Name,Email Address,Company,Position"]
    lines += [f"Person{i},Example,p{i}@example.com,Company {i},Title {i % 7}" for i in range(10_000)]
    page, html = write_page(tmp_path, "\n".join(lines) + "\n", "--format", "linkedin")
    assert html.count("<tr><td>Connections.csv:") == 10_000
    assert page.stat().st_size < 4_000_000


def chromium() -> str:
    """Returns the path of Chromium, or skips the test saying why there is none."""
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if path is None:
        pytest.skip("no headless Chromium on this machine (apt-get install -y chromium chromium-driver); "
                    "the HTML page was not tried in a browser")
    return path


def run_chromium(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Returns the finished headless Chromium run with `args`, in its own throwaway profile."""
    profile = tmp_path / "chromium-profile"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})


def screenshot(page: Path, png: Path, tmp_path: Path, *, size: str = "1000,800") -> None:
    """Returns nothing; writes a PNG of `page` as headless Chromium shows it."""
    done = run_chromium(chromium(), tmp_path, f"--window-size={size}", f"--screenshot={png}", page.as_uri())
    assert png.exists(), done.stderr[-2000:]


def test_the_page_in_a_real_browser(tmp_path: Path) -> None:
    browser = chromium()
    page, _ = write_page(tmp_path, HOSTILE, "--format", "linkedin", "--skip-nameless")
    done = run_chromium(browser, tmp_path, "--dump-dom", page.as_uri())
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'data-script="ran"' in dom  # the inline script ran to its end
    assert "2 of 2 contacts shown" in dom  # ... and counted the table's rows
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # still text once the browser parsed it
    assert "<img" not in dom
    png = tmp_path / "page.png"
    screenshot(page, png, tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
