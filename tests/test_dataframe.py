"""The plan as a pandas DataFrame (issue 15, item 7): one row per contact created or merged and per record
skipped, with its outcome, its source file:line and Dex's fields; pandas imported only when asked for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from importer import ReadOptions, make_plan, open_files

pandas = pytest.importorskip("pandas")

CSV = ("Name,Email,Phone,Company\n"
       "Ann Example,ann@example.com,+1 212-555-0111,Example Co\n"
       "Bob Sample,bob@example.com,+1 212-555-0122,\n"
       ",,not a number,\n"
       "Ann Example,ANN@example.com,+1 212-555-0113,\n")


def _frame(tmp_path: Path) -> tuple[object, str]:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    with make_plan(open_files([str(path)], ReadOptions(region="US"))) as plan:
        return plan.to_dataframe(), str(path)


def test_one_row_per_outcome_with_source_and_fields(tmp_path: Path) -> None:
    frame, path = _frame(tmp_path)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns[:7]) == ["outcome", "source", "file", "line", "records", "message", "labels"]
    rows = {row.outcome: row for row in frame.itertuples()}
    assert sorted(frame["outcome"]) == ["create", "merged", "skipped"]
    assert rows["create"].source == f"{path}:3" and rows["create"].full_name == "Bob Sample"
    assert rows["merged"].source == f"{path}:2; {path}:5" and rows["merged"].records == 2
    assert rows["merged"].line == 2 and rows["merged"].file == path
    assert rows["skipped"].source == f"{path}:4" and rows["skipped"].message
    assert rows["skipped"].full_name is None  # a field a row does not fill is None, not NaN


def test_list_fields_stay_lists_of_dex_objects(tmp_path: Path) -> None:
    frame, _ = _frame(tmp_path)
    bob = frame[frame["outcome"] == "create"].iloc[0]
    assert bob["contact_emails"] == [{"email": "bob@example.com", "ranking": 0}]
    merged = frame[frame["outcome"] == "merged"].iloc[0]
    assert [p["phone_number_sanitized"] for p in merged["contact_phone_numbers"]] == ["+12125550111",
                                                                                      "+12125550113"]
    assert frame["contact_emails"].explode().dropna().map(lambda e: e["email"].lower()).nunique() == 2


def test_fields_come_in_dex_order_and_only_filled_ones(tmp_path: Path) -> None:
    from importer.dex.fields import FIELD_ORDER
    frame, _ = _frame(tmp_path)
    fields = list(frame.columns[7:])
    assert fields == sorted(fields, key=FIELD_ORDER.__getitem__)
    assert "full_name" in fields and "birthday" not in fields


def test_missing_pandas_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    with pytest.raises(ImportError) as caught:
        _frame(tmp_path)
    assert str(caught.value) == "to_dataframe needs pandas: pip install 'dex-importer[pandas]'"
