"""Fuzzing the readers and the mapping loader (issue 16): random bytes as an input file and random YAML as
a mapping end in records, an InputError/MappingError/UsageError, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.errors import ImporterError
from importer.mapping.load import parse_mapping
from importer.plan.inputs import ReadOptions, map_records, open_file

# bytes that look a little like exports, so the fuzzer gets past "binary file" more often
_PIECES = st.sampled_from([b"First Name,Last Name,E-mail 1 - Value\r\n", b"BEGIN:VCARD\r\n", b"END:VCARD\r\n",
                           b"FN:Ada Example\r\n", b"N:Example;Ada\r\n", b"EMAIL:ada@example.com\r\n", b"\r\n ",
                           b"=\r\n", b"PHOTO;ENCODING=b:", b"\"", b",", b";", b"\t", b"\xef\xbb\xbf", b"\xff\xfe",
                           b"\x00", b"Ada,Example,ada@example.com\n", b"PK\x03\x04", b"Notes:\n",
                           b"\xe9", b"\r"])
_FILES = st.one_of(st.binary(max_size=400), st.lists(st.one_of(_PIECES, st.binary(max_size=8)), max_size=30)
                   .map(b"".join))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_FILES, suffix=st.sampled_from([".csv", ".vcf", ".txt", ".zip", ".xlsx"]))
def test_random_bytes_never_raise_an_internal_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            opened = open_file(path, ReadOptions(region="US"))
            for _ in map_records(opened):
                pass
        except ImporterError:
            pass


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from(["Name", "E-mail", "{n}", "2024-02-30", "utf-8"]))
_KEYS = st.sampled_from(["name", "title", "fields", "name_parts", "emails", "phones", "constants", "read",
                         "detect", "labels", "custom_fields", "notes", "ignore", "blank_values", "require",
                         "region", "date_order", "skip", "match_by_name", "full", "first", "company",
                         "starred", "birthday", "encoding", "delimiter", "column", "columns", "value", "label"])
_TREES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_KEYS, inner, max_size=5)),
                      max_leaves=15)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(_KEYS, _TREES, max_size=8))
def test_random_mappings_are_valid_or_a_mapping_error(tree: dict[str, object]) -> None:
    import yaml

    try:
        parse_mapping(yaml.safe_dump(tree), path="fuzz.yaml")
    except ImporterError:
        pass


@settings(max_examples=1500, deadline=None)
@given(text=st.text(max_size=300))
def test_random_yaml_text_is_valid_or_a_mapping_error(text: str) -> None:
    try:
        parse_mapping(text, path="fuzz.yaml")
    except ImporterError:
        pass
