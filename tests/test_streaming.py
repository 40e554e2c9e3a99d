"""The pieces that keep a large run flat in memory: disk-backed lists, the streamed JSON, the capped notices."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from importer.dedupe import KeyIndex
from importer.model import Notice
from importer.pipeline import ReadOptions
from importer.preview import Summary, preview, write_json
from importer.spill import IntLog, Pickles, SpilledList


def test_int_log_reads_back_in_order_and_by_index_across_its_buffer() -> None:
    log = IntLog("i")
    for n in range(20_000):
        log.append(n * 3)
    assert (len(log), log[0], log[8191], log[8192], log[19_999]) == (20_000, 0, 24_573, 24_576, 59_997)
    assert list(log) == [n * 3 for n in range(20_000)]
    with pytest.raises(IndexError):
        log[20_000]
    log.close()


def test_pickles_load_any_position_and_keep_appending_after_a_load() -> None:
    pickles = Pickles()
    for n in range(10_000):
        pickles.add(("row", n))
    assert (pickles.load(9_999), pickles.load(3), pickles.load(4)) == (("row", 9_999), ("row", 3), ("row", 4))
    pickles.add("last")
    assert [pickles.load(p) for p in (10_000, 0)] == ["last", ("row", 0)]
    pickles.close()


def test_spilled_list_behaves_like_a_list_past_its_memory_part() -> None:
    items = [Notice("a.csv", n, None, "invalid-phone", f"message {n}") for n in range(7)]
    spilled: SpilledList[Notice] = SpilledList(in_memory=3)
    for item in items:
        spilled.append(item)
    assert (len(spilled), list(spilled), spilled[-1], spilled[4]) == (7, items, items[6], items[4])
    assert (spilled[1:5], spilled[:2], spilled == items, spilled == []) == (items[1:5], items[:2], True, False)
    assert SpilledList() == []


def test_write_json_writes_what_json_dumps_would_one_element_at_a_time() -> None:
    data = {"a": 1, "warnings": iter([{"file": "a.csv", "line": 2, "message": "x\ny"}, {"line": 3}]),
            "empty": iter([]), "nested": {"b": [1, 2]}, "text": "Zoë", "none": None}
    expected = {**data, "warnings": [{"file": "a.csv", "line": 2, "message": "x\ny"}, {"line": 3}], "empty": []}
    out = io.StringIO()
    write_json(data, out)
    assert out.getvalue() == json.dumps(expected, ensure_ascii=False, indent=1) + "\n"


def test_notices_past_the_cap_are_counted_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules["importer.preview"], "MAX_NOTICES", 2)
    summary = Summary()
    for n in range(5):
        summary.add_notice(Notice("a.csv", n, None, "invalid-phone", "bad"))
        summary.add_merge(f"a.csv:{n} + a.csv:{n + 10} (same email)")
    data = summary.as_dict()
    assert (len(data["warnings"]), data["warnings_truncated"], data["warnings_by_kind"]) == (
        2, 3, {"invalid-phone": 5})
    assert (data["merges"], data["merges_truncated"]) == (
        ["a.csv:0 + a.csv:10 (same email)", "a.csv:1 + a.csv:11 (same email)"], 3)


def test_groups_remember_only_the_merged_records() -> None:
    index = KeyIndex()
    for keys in ([("email", "ann@example.com")], [("email", "bo@example.com")], [],
                 [("email", "cy@example.com"), ("email", "ann@example.com")], [("email", "cy@example.com")]):
        index.add(keys)
    groups = index.groups()
    index.close()
    assert (list(groups.members), list(groups.leaders), list(groups.sizes)) == ([0, 3, 4], [0, 0, 0], [3, 3, 3])
    assert (groups.reason(0), groups.reason(3), groups.reason(1)) == ((3, 1), None, None)
    assert [groups.size(p) for p in range(5)] == [3, 1, 1, 3, 3]
    assert [groups.leader(p) for p in range(5)] == [0, 1, 2, 0, 0]
    assert [list(g) for g in groups.in_order()] == [[0, 3, 4]]
    assert [groups.is_last(i) for i in range(3)] == [False, False, True]


def test_groups_chained_through_later_records_are_led_by_the_first() -> None:
    # 0 and 2 share an email, 1 and 3 another, and 3 also has 2's phone-and-name: all four are one person,
    # joined by record 3; a group that only starts later (5 with 4) stays apart and is listed after it
    index = KeyIndex()
    for keys in ([("email", "ann@example.com")], [("email", "bo@example.com")],
                 [("email", "ann@example.com"), ("phone and name", "+12125550134 ann")],
                 [("email", "bo@example.com"), ("phone and name", "+12125550134 ann")],
                 [("LinkedIn handle", "cy")], [("LinkedIn handle", "cy")]):
        index.add(keys)
    groups = index.groups()
    index.close()
    assert [list(g) for g in groups.in_order()] == [[0, 1, 2, 3], [4, 5]]
    assert [groups.leader(p) for p in range(6)] == [0, 0, 0, 0, 4, 4]
    assert (groups.reason(0), groups.reason(4)) == ((2, 0), (5, 0))
    assert [groups.is_last(i) for i in range(6)] == [False, False, False, True, False, True]


def test_preview_json_of_a_merged_file_is_the_summary() -> None:
    path = Path(__file__).parent / "fixtures" / "dedupe" / "shared-email-case-insensitive.csv"
    summary = preview([str(path)], ReadOptions(region="US"))
    out = io.StringIO()
    write_json(summary.as_dict(lazy=True), out)
    assert out.getvalue() == json.dumps(summary.as_dict(), ensure_ascii=False, indent=1) + "\n"
    assert (summary.merged, summary.merge_groups, json.loads(out.getvalue())["warnings_truncated"]) == (1, 1, 0)
