"""Possible duplicates (issue 13, item 2): pairs that are probably one person are shown with a score and
why, never merged; --possible-duplicates writes them to decide on, --merge-decisions honours the decisions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.cli.main import main
from importer.plan import likely
from importer.plan.likely import name_likeness, split_name

HEADER = ["Name", "Company", "Email", "Phone", "LinkedIn"]


def write(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return str(path)


def preview(*args: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    assert main(["preview", *args, "--json", "--region", "US"], stdout=out, stderr=err) == 0, err.getvalue()
    return json.loads(out.getvalue())


def pairs(result: dict) -> list[tuple[int, str, str, str]]:
    return [(p["score"], p["records"][0]["name"], p["records"][1]["name"], p["why"])
            for p in result["possible_duplicates"]]


@pytest.mark.parametrize("a, b, score, why", [
    ("Bob Example", "Robert Example", 90, "Bob and Robert are one name"),
    ("Kate Okafor", "Katherine Okafor", 90, "Kate and Katherine are one name"),
    ("Jon Dubois", "John Dubois", 90, "Jon and John are one name"),
    ("Micheal Dubois", "Michael Dubois", 85, "Micheal and Michael differ by a letter or two"),
    ("J. Tanaka", "Jun Tanaka", 80, "J. may be the initial of Jun"),
    ("Ann Beth Rossi", "Ann Rossi", 90, "a middle name only one of them has"),
    ("Lea Smith", "Lea Smyth", 80, "last names Smith and Smyth differ by a letter or two"),
])
def test_names_that_are_probably_one_person(a: str, b: str, score: int, why: str) -> None:
    found = name_likeness(split_name({"full_name": a}), split_name({"full_name": b}))  # type: ignore[arg-type]
    assert found == (score, why)


@pytest.mark.parametrize("a, b", [("Ann Example", "Ben Example"), ("Mo Rossi", "Ann Rossi"),
                                  ("Ann B. Rossi", "Ann C. Rossi"), ("Ann Example", "Ann Okafor"),
                                  ("J. Tanaka", "K. Tanaka")])
def test_names_of_two_people_are_not_a_pair(a: str, b: str) -> None:
    assert name_likeness(split_name({"full_name": a}), split_name({"full_name": b})) is None  # type: ignore[arg-type]


def test_pairs_need_a_company_a_work_domain_or_a_phone_in_common(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", [
        ["Bob Example", "Acme Inc.", "", "", ""], ["Robert Example", "ACME", "", "", ""],            # company
        ["Kate Okafor", "", "kate@okafor.example", "", ""], ["Katherine Okafor", "", "k@okafor.example", "", ""],
        ["Micheal Dubois", "", "", "+1 212 555 0101", ""], ["Michael Dubois", "", "", "+1 (212) 555-0101", ""],
        ["Lee Rossi", "", "lee@gmail.com", "", ""], ["Leo Rossi", "", "leo@gmail.com", "", ""],       # gmail: no
        ["Sam Tanaka", "Contoso", "", "", ""], ["Samuel Tanaka", "Fabrikam", "", "", ""],             # no
        ["Al Mensah", "Tailspin", "", "", "al-mensah-1"], ["Albert Mensah", "Tailspin", "", "", "al-mensah-2"],
    ])
    result = preview(path)
    assert result["contacts"] == 12  # shown, never merged
    assert pairs(result) == [
        (90, "Bob Example", "Robert Example", "Bob and Robert are one name; same company Acme Inc."),
        (90, "Kate Okafor", "Katherine Okafor", "Kate and Katherine are one name; same email domain okafor.example"),
        (85, "Micheal Dubois", "Michael Dubois", "Micheal and Michael differ by a letter or two; same phone "
                                                 "+12125550101")]
    first = result["possible_duplicates"][0]["records"]
    assert [(r["file"], r["line"]) for r in first] == [(path, 2), (path, 3)]


def test_the_text_preview_lists_them_with_score_and_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # the long temporary paths on one line
    path = write(tmp_path / "people.csv", [["Bob Example", "Acme", "", "", ""], ["Robert Example", "Acme", "", "", ""]])
    out = io.StringIO()
    assert main(["preview", path], stdout=out, stderr=io.StringIO()) == 0
    text = " ".join(out.getvalue().split())  # the terminal output wraps at its width
    assert "Possible duplicates: 1 pair probably one person, not merged" in text
    assert f"90 {path}:2 Bob Example + {path}:3 Robert Example: Bob and Robert are one name; same company Acme" in text


def test_decisions_written_by_the_preview_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # the long temporary paths on one line
    path = write(tmp_path / "people.csv", [
        ["Bob Example", "Acme", "bob@acme.example", "", ""], ["Robert Example", "Acme", "", "", ""],
        ["Kate Okafor", "Acme", "", "", ""], ["Katherine Okafor", "Acme", "", "", ""],
        ["Jon Dubois", "Acme", "", "", ""], ["John Dubois", "Acme", "", "", ""]])
    decisions = tmp_path / "pairs.csv"
    out = io.StringIO()
    assert main(["preview", path, "--possible-duplicates", str(decisions)], stdout=out, stderr=io.StringIO()) == 0
    assert f"Wrote 3 possible duplicates to {decisions}" in " ".join(out.getvalue().split())
    with decisions.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["decision", "score", "why", "record", "name", "other record", "other name"]
    assert [(r[0], r[4], r[6]) for r in rows[1:]] == [("", "Bob Example", "Robert Example"),
                                                       ("", "Kate Okafor", "Katherine Okafor"),
                                                       ("", "Jon Dubois", "John Dubois")]
    rows[1][0], rows[2][0] = "accept", "Reject"  # Jon and John left undecided
    with decisions.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = preview(path, "--merge-decisions", str(decisions))
    assert result["contacts"] == 5
    assert result["merges"] == [f"{path}:2 + {path}:3 (accepted in the merge decisions)"]
    assert [p[1:3] for p in pairs(result)] == [("Jon Dubois", "John Dubois")]


def test_a_decision_on_a_record_that_changed_is_left_out(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", [["Bob Example", "Acme", "", "", ""], ["Robert Example", "Acme", "", "", ""]])
    decisions = tmp_path / "pairs.csv"
    decisions.write_text("decision,score,why,record,name,other record,other name\n"
                         "accept,90,x,people.csv:2,Bob Example,people.csv:3,Bobby Example\n", encoding="utf-8")
    result = preview(path, "--merge-decisions", str(decisions))
    assert result["contacts"] == 2 and result["merges"] == []
    assert [w["message"] for w in result["warnings"] if w["kind"] == "stale-decision"] == [
        "people.csv:3 now holds 'Robert Example', not the person the decision was made on (the file changed "
        "since the preview): decision left out; preview again"]


def test_a_bad_decision_is_one_line_naming_the_row(tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", [["Bob Example", "Acme", "", "", ""]])
    decisions = tmp_path / "pairs.csv"
    decisions.write_text("decision,score,why,record,name,other record,other name\n"
                         "perhaps,90,x,people.csv:2,Bob Example,people.csv:3,Robert Example\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["preview", path, "--merge-decisions", str(decisions)], stdout=out, stderr=err) == 3
    assert err.getvalue().count("\n") == 1
    assert f"{decisions}:2" in err.getvalue() and "neither accept nor reject" in err.getvalue()


def test_a_block_too_big_is_not_searched_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(likely, "MAX_BLOCK", 3)
    path = write(tmp_path / "people.csv", [[f"P{i} Example", "Megacorp", "", "", ""] for i in range(4)]
                 + [["Bob Example", "Acme", "", "", ""], ["Robert Example", "Acme", "", "", ""]])
    result = preview(path)
    assert [p[1:3] for p in pairs(result)] == [("Bob Example", "Robert Example")]
    assert result["possible_duplicates_not_searched"] == ["company Megacorp (4 records)"]


def test_a_big_block_read_back_in_many_chunks_is_only_counted(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # entries go to the file 2 at a time; past MAX_BLOCK a block is counted, not held: Megacorp's 7 records
    # are named with their count, Initech's 5 (one person: one email) are not named, Acme is still searched
    monkeypatch.setattr(likely, "MAX_BLOCK", 3)
    monkeypatch.setattr(likely, "_FLUSH", 2)
    rows = [[f"P{i} Example", "Megacorp", "", "", ""] for i in range(7)]
    rows += [[f"Q{i} Sample", "Initech", "q@example.com", "", ""] for i in range(5)]
    rows += [["Bob Example", "Acme", "", "", ""], ["Robert Example", "Acme", "", "", ""]]
    result = preview(write(tmp_path / "people.csv", rows))
    assert [p[1:3] for p in pairs(result)] == [("Bob Example", "Robert Example")]
    assert result["possible_duplicates_not_searched"] == ["company Megacorp (7 records)"]


def test_the_search_compares_within_blocks_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 people at 300 companies: a pair is compared only inside a company, by last or first name
    compared = []
    real = likely.name_likeness
    monkeypatch.setattr(likely, "name_likeness", lambda a, b: compared.append(1) or real(a, b))
    first = ["Ann", "Bo", "Cai", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "Kim"]
    path = write(tmp_path / "people.csv", [[f"{first[i % 10]} Last{i // 10}", f"Company {i % 300}", "", "", ""]
                                           for i in range(3000)])
    preview(path)
    assert 0 < len(compared) < 3000 * 10  # all pairs would be 4.5 million


_NAMES = ["Bob Example", "Robert Example", "Rob Example", "Kate Sample", "Katherine Sample", "Jon Example",
          "John Example", "J. Example", "John Q. Example", "John Quincy Example", "Ann Smyth", "Ann Smith",
          "Micheal Example", "Michael Example", "bob example"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_NAMES), min_size=2, max_size=25))
def test_a_block_asks_once_per_two_names_and_finds_every_pair_asking_per_two_records_would(written: list[str]) -> None:
    names = [split_name({"full_name": w}) for w in written]
    group = [("key", "Acme", n, tuple(name), "", n) for n, name in enumerate(names)]
    every = [(i, j) for i in range(len(group)) for j in range(i + 1, len(group))
             if name_likeness(names[i], names[j]) is not None]
    assert likely._likely_positions(group) == every
    assert all((name_likeness(a, b) is None) == (name_likeness(b, a) is None) for a in names for b in names)
