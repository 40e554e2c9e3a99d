"""The detect index of the built-in mappings: shipped fresh, trusted only while its hashes match, and
detection parsing only the mappings whose rules a header meets (issue 15, item 4)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from importer.mapping import load
from importer.mapping.model import DetectSpec
from importer.plan.inputs import open_file

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def test_the_shipped_index_is_that_of_the_mappings() -> None:
    shipped = json.loads((resources.files("importer.builtin_mappings") / load.INDEX_FILE).read_text("utf-8"))
    # when this fails after editing a mapping: python -c "from importer.mapping.load import write_index;
    # write_index('mappings')"
    assert shipped == load.index_data()
    # every language of a mapping with `locales:` has its own entry (outlook-de ... outlook-ko)
    assert [e.detect for e in load.builtin_index()] == [m.detect for m in load.builtin_variants()]
    assert [e.name for e in load.builtin_index() if e.locale is None] == [m.name for m in load.builtin_mappings()]
    assert {"outlook-de", "outlook-zh-cn", "outlook-ko"} <= set(load.builtin_names())


def test_a_stale_entry_is_parsed_instead_of_trusted() -> None:
    text = "name: mine\ndetect: {columns: [Alpha, Beta]}\nname_parts: {full: Alpha}\n"
    entry = load.index_data({"mine.yaml": text})["mine.yaml"]
    stale = {"mine.yaml": {**entry, "detect": {"columns": ["Gamma"], "any": [], "filename": []}}}
    assert load.read_index({"mine.yaml": text}, stale)[0].detect == DetectSpec(("Gamma",))  # hash matches
    edited = text.replace("Beta", "Delta")
    assert load.read_index({"mine.yaml": edited}, stale)[0].detect == DetectSpec(("Alpha", "Delta"))


def test_detecting_a_google_export_parses_only_the_mapping_it_fits() -> None:
    load.builtin_mapping.cache_clear()
    try:
        opened = open_file(SAMPLES / "google" / "contacts.csv")
        assert opened.detection.mapping.name == "google" and len(opened.detection.candidates) == 1
        assert load.builtin_mapping.cache_info().currsize == 1  # google.yaml alone was parsed
    finally:
        load.builtin_mapping.cache_clear()
