"""The pieces that keep a large run flat in memory: disk-backed lists, the streamed JSON, the capped notices."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest

from importer.cli.output import write_json
from importer.mapping.apply import Mapped
from importer.model import Notice, Record
from importer.plan.dedupe import KeyIndex
from importer.plan.inputs import ReadOptions
from importer.plan.spill import IntLog, Pickles, Spill, SpilledList
from importer.plan.summary import Summary
from importer.preview import preview


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
    monkeypatch.setattr(sys.modules["importer.plan.summary"], "MAX_NOTICES", 2)
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


@pytest.mark.parametrize("flush", [1024, 4])
def test_groups_are_those_of_joining_record_by_record_in_memory(flush: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # a few hundred records drawing keys from a small pool, so that groups chain and meet; the reference
    # joins each record to the first holder of each of its keys, as a dict of every key would (with a tiny
    # buffer, the keys also go through the file in many chunks per bucket)
    monkeypatch.setattr(sys.modules["importer.plan.dedupe"], "_FLUSH", flush)
    rng = random.Random(7)
    pool = [("email", f"p{n}@example.com") for n in range(300)] + [("LinkedIn handle", f"h{n}") for n in range(150)]
    records = [rng.sample(pool, rng.choice((0, 1, 1, 1, 2))) for _ in range(400)]
    index = KeyIndex()
    for keys in records:
        index.add(keys)
    groups = index.groups()
    index.close()

    parent: dict[int, int] = {}
    reasons: dict[int, tuple[int, int]] = {}
    holder: dict[tuple[str, str], int] = {}

    def root(p: int) -> int:
        while parent.get(p, p) != p:
            p = parent[p]
        return p

    for position, keys in enumerate(records):
        for i, key in enumerate(keys):
            a, b = root(holder.setdefault(key, position)), root(position)
            if a != b:
                parent[max(a, b)] = min(a, b)
                reasons.setdefault(min(a, b), (position, i))
    expected: dict[int, list[int]] = {}
    for position in range(len(records)):
        expected.setdefault(root(position), []).append(position)
    merged = [members for members in expected.values() if len(members) > 1]
    assert len(merged) > 10 and max(map(len, merged)) > 3  # the draw does chain groups
    assert [list(g) for g in groups.in_order()] == merged
    assert [groups.leader(p) for p in range(len(records))] == [root(p) for p in range(len(records))]
    assert [groups.size(p) for p in range(len(records))] == [len(expected[root(p)]) for p in range(len(records))]
    assert {m[0]: groups.reason(m[0]) for m in merged} == {m[0]: reasons[m[0]] for m in merged}


def test_spill_gives_back_every_record_whatever_its_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    # rows of one file share their columns (written once); a ragged row and vCards' own columns do not, and
    # past the table's size the cells are written as they are
    monkeypatch.setattr(Spill, "_COLUMN_SETS", 2)
    notice = Notice("a.csv", 3, "Phone", "invalid-phone", "bad")
    records = [Record("a.csv", 2, {"Name": "Ann Example", "Phone": ""}, "Ann Example,"),
               Record("a.csv", 3, {"Name": "Bo Example", "Phone": "555-0199"}, "Bo Example,555-0199", (notice,)),
               Record("a.csv", 4, {"Name": "Cy Example", "Phone": "", "_extra_1": "x"}, "Cy Example,,x"),
               Record("b.vcf", 1, {"FN": "Di Example", "EMAIL": "di@example.com"}, "BEGIN:VCARD..."),
               Record("a.csv", 5, {"Name": "Ed Example", "Phone": "555-0100"}, "Ed Example,555-0100")]
    spill = Spill()
    try:
        for n, record in enumerate(records):
            spill.append(Mapped(record, {"full_name": record.values.get("Name") or "Di"}, labels=(f"l{n}",)))
        back = [spill.read_at(p) for p in (4, 0, 3, 1, 2)]
    finally:
        spill.close()
    assert [m.record for m in back] == [records[p] for p in (4, 0, 3, 1, 2)]
    assert [list(m.record.values) for m in back] == [list(records[p].values) for p in (4, 0, 3, 1, 2)]
    assert [m.labels for m in back] == [("l4",), ("l0",), ("l3",), ("l1",), ("l2",)]
