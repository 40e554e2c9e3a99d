"""The mapping validator: every problem at once, with its key path and a did-you-mean; data only."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.errors import MappingError
from importer.mapping.load import (
    builtin_mappings,
    get_mapping,
    load_mapping_file,
    parse_mapping,
)

FIXTURES = Path(__file__).parent / "fixtures" / "mappings"


def problems(name: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_mapping_file(FIXTURES / name)
    return [p.describe() for p in caught.value.problems]


def test_misspelt_keys_are_all_listed_with_suggestions() -> None:
    assert problems("misspelt-keys.yaml") == [
        "region: unknown phone region 'UK' (did you mean GB?): use a two-letter ISO 3166 country code such as "
        "US, GB or DE",
        "date_order: must be MDY, DMY or YMD (did you mean 'DMY'?)",
        "name_parts.frist: unknown key (did you mean 'first'?)",
        "fields.emial: is not a field of Dex's contact (did you mean 'emails'?)",
        "fields.company.transform: unknown transform 'uper' (did you mean 'upper'?)",
        "fields.birthday.colum: unknown key (did you mean 'column'?)",
        "fields.birthday: give exactly one of 'column' or 'columns'",
        "phones[0].lable: unknown key (did you mean 'label'?)",
    ]


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = Path("/tmp/dex-importer-pwned")
    marker.unlink(missing_ok=True)
    assert problems("python-tag.yaml") == [
        "line 3: !!python/object/apply:os.system is not allowed: a mapping holds plain text, lists and "
        "keys only, nothing that runs code or builds objects"]
    assert not marker.exists()


def test_anchors_and_aliases_are_refused() -> None:
    assert problems("anchors.yaml") == [
        "line 4: anchors and aliases (&name, *name) are not allowed in a mapping; write the value out"]


def test_duplicate_keys_are_refused() -> None:
    assert problems("duplicate-key.yaml") == ["line 4: key 'company' appears twice (first on line 3); keep one"]


def test_a_list_is_not_a_mapping() -> None:
    assert problems("not-a-mapping.yaml") == [
        "a mapping file holds keys such as name: and fields:, not a list"]


def test_error_message_is_one_line_and_says_what_to_do() -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping_file(FIXTURES / "misspelt-keys.yaml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith("(and 7 more problems). Run `dex-import check-mapping "
                            f"{FIXTURES / 'misspelt-keys.yaml'}` to list them all.")


def test_a_valid_mapping_reaches_structured_fields() -> None:
    mapping = load_mapping_file(FIXTURES / "valid-custom.yaml")
    assert mapping.region == "US"
    assert mapping.date_order == "DMY"
    assert mapping.read.delimiter == ";"
    assert set(mapping.fields) == {"company", "description", "birthday", "starred", "frequency",
                                   "coordinates"}
    assert mapping.custom_fields[0].id == "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    assert mapping.constants["tags_contacts"] == [{"tag_id": "3c90c3cc-0d44-4b50-8888-8dd25736052b"}]


def test_name_fields_point_to_name_parts() -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping("name: x\nfields:\n  first_name: Given\n", path="x.yaml")
    assert [p.describe() for p in caught.value.problems] == [
        "fields.first_name: names are assembled from name_parts (full, first, middle, last, ...) "
        "(did you mean 'name_parts.first'?)"]


def test_missing_file_and_bad_utf8(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no such file"):
        load_mapping_file(tmp_path / "absent.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(MappingError, match="not UTF-8 text"):
        load_mapping_file(bad)


def test_every_builtin_mapping_is_valid() -> None:
    names = [m.name for m in builtin_mappings()]
    assert names == ["dex", "google-legacy", "google", "linkedin", "outlook", "vcard"]


def test_unknown_builtin_name_suggests() -> None:
    from importer.errors import UsageError

    with pytest.raises(UsageError, match="did you mean 'linkedin'"):
        get_mapping("linkdin")


def test_a_folder_named_like_a_builtin_mapping_does_not_stand_for_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # exports kept beside folders called vcard/ and google/: the vCard reader and --mapping google still
    # mean the built-in mappings; a mapping file of that name is still reachable as ./google
    from tests.helpers import run_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "vcard").mkdir()
    (tmp_path / "google").mkdir()
    (tmp_path / "people.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nEND:VCARD\r\n")
    (tmp_path / "people.csv").write_text("First Name,Last Name,E-mail 1 - Value\nBo,Example,bo@example.com\n")
    assert get_mapping("vcard").name == "vcard"
    code, out, err = run_cli("preview", "people.vcf")
    assert (code, err) == (0, "") and "contacts 1" in out
    code, out, err = run_cli("preview", "people.csv", "--mapping", "google")
    assert (code, err) == (0, "") and "contacts 1" in out
    with pytest.raises(MappingError):
        get_mapping("./google")  # the folder, named as a path, is read (and is no mapping file)
