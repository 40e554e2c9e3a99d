"""The generated mapper (importer/mapping/generate.py) against the reference, `apply_mapping`.

Random rows over every built-in mapping, the samples' own mapping and one mapping that uses every feature
of the language: the two must agree on the contact, the notices (and their order), the labels, the columns
used and the skip. Header names and mapping strings that are Python code must stay data.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.mapping.apply import apply_mapping
from importer.mapping.compile import PLACEHOLDER, Compiled, compile_mapping
from importer.mapping.generate import StagedMapper, generate_mapper
from importer.mapping.load import builtin_variants, load_mapping_file
from importer.mapping.model import FieldSpec, Mapping
from importer.mapping.validate import validate_mapping
from importer.model import Notice, Record
from importer.plan.inputs import ReadOptions, open_file
from importer.readers.csvfile import read_csv
from importer.readers.vcard import read_vcard

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
OUTLOOK_LOCALES = ROOT / "tests" / "fixtures" / "outlook"

# Code in a header cell or a mapping string: if any of it reached the generated source, it would run.
HOSTILE = [
    "'); raise SystemExit('column') #", '"""\nimport os\n"""', "\\", "{value}", "c0", "K1", "t",
    "__import__('os').system('echo pwned')", "x\ny", "' + '", "%s{}",
]

# Everything the language has: fallbacks, joins, transforms, formats, labels from columns and constants,
# splits, primary markers, custom fields, constants, skip rules, blank values, ignore, names by part.
FEATURES: dict[str, object] = {
    "name": "features",
    "date_order": "DMY",
    "region": "GB",
    "skip_when_empty": {"columns": ["Given", HOSTILE[0]], "reason": "hidden \"member\" ')"},
    "name_parts": {"first": "Given", "last": [HOSTILE[0], {"column": "Surname", "transform": "upper"}],
                   "nickname": "Alias", "full": {"columns": ["Given", "Surname"], "join": HOSTILE[1]}},
    "fields": {
        "company": [{"column": "Org", "transform": ["strip_star", "lower"], "format": "Org: {value} '\""},
                    {"columns": ["Org Street", HOSTILE[2]], "join": ", "}],
        "job_title": {"column": "Title", "transform": "first_line"},
        "birthday": "Born",
        "description": {"column": "Memo", "format": HOSTILE[3] + " ({value})"},
        "last_seen_at": {"column": "Seen", "transform": "datetime"},
        "linkedin": "Profile",
        "starred": "Fav",
        "frequency": "Every",
    },
    "emails": [{"value": "Mail {n}", "label_column": "Mail {n} kind", "split": HOSTILE[7],
                "primary_marker": HOSTILE[4]},
               {"value": "Other mail", "label": HOSTILE[5]}],
    "phones": [{"value": "Tel {n}", "label_column": "Tel {n} kind", "split": ";", "primary_marker": "* "}],
    "addresses": [{"value": ["Address", {"columns": ["Street", "City"], "join": HOSTILE[8]}],
                   "label_column": "Address kind"}],
    "websites": [{"value": "Web {n}", "label_column": "Web {n} kind"}, {"value": "Home page", "label": "x"}],
    "notes": [{"value": {"column": "Met", "transform": "date", "format": "met {value}"}, "label": HOSTILE[9]},
              {"value": HOSTILE[6], "label_column": "Note kind", "label": "Note", "split": " | "}],
    "labels": [{"column": "Groups", "split": HOSTILE[7], "system_prefix": "* ", "starred": "* Starred"},
               {"column": HOSTILE[10]}],
    "custom_fields": [{"id": HOSTILE[0], "type": "input", "value": "Custom"}],
    "constants": {"source": HOSTILE[1], "tags_contacts": [{"tag": HOSTILE[3]}]},
    "ignore": ["Skip me"],
    "blank_values": ["n/a", HOSTILE[9]],
}

CELLS = [
    "", " ", "n/a", "0/0/00", "Unspecified", "ann@example.com", "Ann@EXAMPLE.com ::: bo@example.org", "nope@",
    "+1 212 555 0134", "(212) 555-0187 ext. 12", "555-0101", "020 7946 0123", "* Work", "Home", "work",
    "* myContacts ::: Choir ::: * starred", "* Starred", "https://www.linkedin.com/in/ann-example",
    "twitter.com/annex", "example.com/ann", "1984-03-04", "03/04/1984", "--0304", "not a date",
    "2026-01-05T10:00:00Z", "05 Jan 2026", "Ann Example", "Dr. Ann van der Example", "Example, Ann", "Acme Inc",
    "acme inc", "line one\nline two", "yes", "maybe", "monthly", "51.5, -0.12", "\ufeffAnn\u200b", "* Acme",
    "1 Main St\nSpringfield", "1 Main St", *HOSTILE,
]
cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=8))


def columns_of(mapping: Mapping) -> list[str]:
    """Returns every column `mapping` names, numbered groups as their 1st and 2nd column, plus two unknown."""
    names: list[str] = []

    def field(spec: FieldSpec) -> None:
        for value in spec:
            names.extend(value.columns)

    for spec in [*mapping.names.values(), *mapping.fields.values()]:
        field(spec)
    for multi in (*mapping.emails, *mapping.phones, *mapping.addresses, *mapping.websites, *mapping.notes):
        field(multi.value)
        names.extend([multi.label_column] if multi.label_column else [])
    names += [label.column for label in mapping.labels] + [*mapping.ignore]
    names += [c for custom in mapping.custom_fields for v in custom.value for c in v.columns]
    names += [*mapping.skip.when_empty] if mapping.skip else []
    numbered = [n.replace(PLACEHOLDER, str(i)) for n in names for i in (1, 2)] if PLACEHOLDER else names
    return list(dict.fromkeys([*numbered, "Unknown column", "Notes (other)"]))


def _features() -> Mapping:
    mapping, problems = validate_mapping(FEATURES, path="features.yaml")
    assert mapping is not None, [p.describe() for p in problems]
    return mapping


MAPPINGS = [*builtin_variants(), load_mapping_file(SAMPLES / "spreadsheet" / "crm-export.mapping.yaml"),
            _features()]


@functools.cache
def bound(index: int) -> tuple[Compiled, list[str]]:
    """Returns mapping `index` compiled against all its columns, and those columns."""
    columns = columns_of(MAPPINGS[index])
    return compile_mapping(MAPPINGS[index], columns), columns


@functools.cache
def generated(index: int):  # type: ignore[no-untyped-def]
    return generate_mapper(bound(index)[0])


def agree(compiled: Compiled, mapper_map, record: Record, region: str | None) -> None:  # type: ignore[no-untyped-def]
    reference = apply_mapping(record, compiled, region=region)
    ours = mapper_map(record, region)
    assert ours.contact == reference.contact
    assert ours.notices == reference.notices
    assert ours.labels == reference.labels
    assert ours.used == reference.used
    assert (ours.skip, ours.expected_skip) == (reference.skip, reference.expected_skip)
    assert ours.filled == reference.filled
    if ours.contact is not None:  # the same field order, as sent
        assert list(ours.contact) == list(reference.contact or {})


def random_record(data: st.DataObject, columns: list[str], most: int) -> Record:
    """Returns a record with up to `most` of `columns` filled with a random cell, and maybe a reader's notice."""
    filled = data.draw(st.lists(st.sampled_from(columns), unique=True, max_size=most), label="filled")
    values = {c: "" for c in columns} | {c: data.draw(cell, label=c) for c in filled}
    notice = Notice("in.csv", 7, None, "nul", "NUL removed")
    return Record("in.csv", 7, values, notices=(notice,) if data.draw(st.booleans()) else ())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_mapper_agrees_with_apply_mapping(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(MAPPINGS) - 2), label="mapping")  # the built-in and sample ones
    compiled, columns = bound(index)
    region = data.draw(st.sampled_from([None, "US", "DE"]), label="region")
    agree(compiled, generated(index).map, random_record(data, columns, 14), region)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_mapper_agrees_on_every_feature(data: st.DataObject) -> None:
    index = len(MAPPINGS) - 1
    compiled, columns = bound(index)
    agree(compiled, generated(index).map, random_record(data, columns, len(columns)), None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_mapper_agrees_on_headers_missing_columns(data: st.DataObject) -> None:
    # a header without some of the mapping's columns drops sources (and whole alternatives) at compile time
    index = data.draw(st.integers(0, len(MAPPINGS) - 1), label="mapping")
    all_columns = bound(index)[1]
    header = data.draw(st.lists(st.sampled_from(all_columns), unique=True, min_size=1), label="header")
    compiled = compile_mapping(MAPPINGS[index], header)
    values = {c: data.draw(cell, label=c) for c in header}
    agree(compiled, generate_mapper(compiled).map, Record("in.csv", 3, values), "US")


def test_hostile_names_stay_data() -> None:
    index = len(MAPPINGS) - 1
    compiled, columns = bound(index)
    mapper = generated(index)
    for text in HOSTILE:
        # every string the mapping or header holds is a constant of the namespace, never part of the code
        if len(text) > 3 and text != "{value}":  # ("{value}" is also the generator's own placeholder)
            assert text not in mapper.source, text
    assert "pwned" not in mapper.source and "SystemExit" not in mapper.source
    values = {c: "" for c in columns} | {
        "Given": "Ann", "Surname": "example", HOSTILE[6]: "one | two", "Note kind": HOSTILE[0],
        "Groups": f"Choir{HOSTILE[7]}* Starred", HOSTILE[10]: HOSTILE[4], "Custom": HOSTILE[5],
        "Met": "05/01/2026", "Org": "* ACME", "Title": "Choir lead\nand treasurer"}
    m = mapper.map(Record("in.csv", 2, values), None)
    assert m.contact is not None
    assert m.contact["full_name"] == "Ann" + " ".join(HOSTILE[1].split()) + "example"  # names: spaces tidied
    assert m.contact["company"] == "Org: acme '\""
    assert m.contact["source"] == HOSTILE[1] and m.contact["starred"] is True
    assert m.contact["job_title"] == "Choir lead"
    assert m.contact["custom_fields"] == [{"id": HOSTILE[0], "type": "input", "text_value": HOSTILE[5]}]
    assert m.contact["description"].splitlines() == [
        f"{HOSTILE[9]}: met 2026-01-05", f"{HOSTILE[0]}: one", f"{HOSTILE[0]}: two"]
    assert m.labels == ("Choir", HOSTILE[4])
    assert m == apply_mapping(Record("in.csv", 2, values), compiled)


def test_staged_mapper_switches_to_the_generated_function_after_its_threshold() -> None:
    compiled, columns = bound(0)
    staged = StagedMapper(compiled, after=3)
    reference = staged.map
    record = Record("in.csv", 2, {c: "" for c in columns} | {columns[0]: "Ann"})
    results = [staged.map(record, "US") for _ in range(5)]
    assert staged.map is not reference  # generated after the third record
    assert all(r == apply_mapping(record, compiled, region="US") for r in results)


def sample_records(path: Path) -> list[tuple[Record, Compiled]]:
    """Returns every record of a sample file with the mapping it is read with, bound to its columns."""
    own = path.with_suffix(".mapping.yaml")
    opened = open_file(path, ReadOptions(region="US", mapping=str(own) if own.exists() else None))
    if opened.compiled is None:  # vCard: cards differ in their properties; one binding per set of them
        cards = [c for c in read_vcard(opened.input.name, opened.input.open) if isinstance(c, Record)]
        return [(c, compile_mapping(opened.detection.mapping, list(c.values))) for c in cards]
    if opened.input.kind == "xlsx":
        from importer.readers.xlsx import read_xlsx

        rows = list(read_xlsx(opened.input, opened.info))  # type: ignore[arg-type]
    else:
        rows = list(read_csv(opened.input, opened.info))  # type: ignore[arg-type]
    return [(r, opened.compiled) for r in rows]


@pytest.mark.parametrize("path", [*sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".csv", ".vcf", ".xlsx")),
                                  *sorted(OUTLOOK_LOCALES.glob("*.csv"))],  # Outlook in each of its languages
                         ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_sample_record_maps_the_same_both_ways(path: Path) -> None:
    records = sample_records(path)
    assert records
    mappers: dict[int, object] = {}
    for record, compiled in records:
        mapper = mappers.setdefault(id(compiled), generate_mapper(compiled))
        agree(compiled, mapper.map, record, "US")  # type: ignore[attr-defined]
