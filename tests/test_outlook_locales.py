"""Outlook desktop in every language it exports: one fixture per language (tests/fixtures/outlook/, made by
make_locale_fixtures.py from each language's real column names, in the code page Outlook writes it in),
each detected as its language and previewed to exact contacts. Also the `locales:` section's validation and
the column audit of a file whose names nothing recognises.
"""

from __future__ import annotations

import io
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from importer.errors import MappingError
from importer.mapping.load import parse_mapping
from importer.mapping.validate import validate_mapping
from importer.plan.inputs import ReadOptions, open_file
from importer.preview import Summary, preview
from tests.helpers import email, phone

OUTLOOK = Path(__file__).parent / "fixtures" / "outlook"
FORMATS = Path(__file__).parent / "fixtures" / "formats"
MAKER = runpy.run_path(str(OUTLOOK / "make_locale_fixtures.py"))
TITLES = {"fr": "French", "es": "Spanish", "it": "Italian", "pt-br": "Portuguese, Brazil",
          "pt-pt": "Portuguese, Portugal", "nl": "Dutch", "pl": "Polish", "ru": "Russian",
          "zh-tw": "Chinese, traditional", "ja": "Japanese", "ko": "Korean"}
# How each language writes the birthdays of its fixture, read back.
BIRTHDAYS = {"14/07/1985": "1985-07-14", "03/02/1979": "1979-02-03", "21/09/1990": "1990-09-21",
             "30/04/1982": "1982-04-30", "11/11/1988": "1988-11-11", "5-6-1975": "1975-06-05",
             "17.03.1983": "1983-03-17", "02.08.1991": "1991-08-02", "1986/5/20": "1986-05-20",
             "1980/1/9": "1980-01-09", "1993-12-01": "1993-12-01", "1984/3/7": "1984-03-07",
             "1990/12/1": "1990-12-01", "1979/6/30": "1979-06-30", "1988/8/8": "1988-08-08"}
CJK = {"zh-tw", "ja", "ko", "zh-cn"}


def run(path: Path, **options: Any) -> tuple[Summary, list[dict[str, Any]]]:
    """Returns the preview Summary of one file and the contacts it writes to --out, in order."""
    out = io.StringIO()
    summary = preview([path], ReadOptions(region="US", **options), out=out, description_format="text")  # as read
    return summary, [json.loads(line) for line in out.getvalue().splitlines()]


def expected(person: tuple[str, ...], locale: str) -> dict[str, Any]:
    """Returns the contact one fixture person must become (family name first for Chinese, Japanese, Korean)."""
    first, last, company, job, mail, mobile, birthday, _category, notes = person
    contact: dict[str, Any] = {"full_name": last + first if locale in CJK else f"{first} {last}",
                               "first_name": first, "last_name": last}
    if notes:
        contact["description"] = notes
    if job:
        contact["job_title"] = job
    if company:
        contact["company"] = company
    if birthday:
        contact["birthday"] = BIRTHDAYS[birthday]
        contact["birthday_year"] = int(BIRTHDAYS[birthday][:4])
    if mail:
        contact["contact_emails"] = [email(mail, None, 0)]
    if mobile:
        contact["contact_phone_numbers"] = [phone(mobile, "+1" + "".join(filter(str.isdigit, mobile))[1:], "+1",
                                                  "Mobile", 0)]
    return contact


def test_fixtures_on_disk_are_what_the_generator_writes() -> None:
    for name, data in MAKER["fixtures"]().items():
        assert (OUTLOOK / name).read_bytes() == data, f"run tests/fixtures/outlook/make_locale_fixtures.py ({name})"


@pytest.mark.parametrize("locale", sorted(MAKER["PEOPLE"]))
def test_each_language_is_detected_and_read_whole(locale: str) -> None:
    code_page, people = MAKER["PEOPLE"][locale]
    path = OUTLOOK / f"outlook-{locale}-{code_page}.csv"
    opened = open_file(path)
    assert (opened.detection.format, opened.detection.mapping.title) == (
        f"outlook-{locale}", f"Outlook CSV ({TITLES[locale]})")
    assert opened.info is not None and opened.info.encoding == code_page
    summary, contacts = run(path)
    assert contacts == [expected(p, locale) for p in people]
    # French Outlook names the prefix and the job title both "Titre": said once, read as "Titre (2)"
    kinds = ["encoding-guess", "duplicate-column"] if locale == "fr" else ["encoding-guess"]
    assert summary.skipped == {} and [n.kind for n in summary.notices] == kinds
    labels = [p[7] for p in people if p[7]]
    assert dict(summary.labels) == {label: labels.count(label) for label in labels}
    # every value is used, but for the e-mail type and display name, which the mapping ignores on purpose
    assert opened.compiled is not None
    ignored = opened.compiled.ignored
    names = MAKER["NAMES"][locale]
    filled = {names.get(c, c) for c in ("E-mail Type", "E-mail Display Name")}
    with_email = len([p for p in people if p[4]])
    assert {name: counts for name, counts in summary.files[0].columns.items() if name in ignored} == {
        name: [with_email if name in filled else 0, 0] for name in ignored if name in summary.files[0].columns}
    assert all(used == values for name, (values, used) in summary.files[0].columns.items() if name not in ignored)


def test_the_chinese_export_of_the_issue_imports_all_thirteen_people() -> None:
    path = OUTLOOK / "outlook-zh-cn-gbk-13-people.csv"
    opened = open_file(path)
    assert opened.detection.format == "outlook-zh-cn"
    assert opened.detection.mapping.title == "Outlook CSV (Chinese, simplified)"
    assert opened.info is not None and opened.info.encoding == "gb18030"
    assert opened.info.encoding_reason == (
        "not UTF-8 (byte 0xCE on line 1); its header is Outlook CSV (Chinese, simplified), which is written in "
        "gb18030: read as gb18030")
    summary, contacts = run(path)
    assert (summary.records, summary.contacts, summary.skipped) == (13, 13, {})
    assert contacts[0] == {
        "full_name": "王伟", "first_name": "伟", "last_name": "王", "description": "喜欢喝茶", "job_title": "经理",
        "company": "示例科技有限公司", "birthday": "1984-03-07", "birthday_year": 1984,
        "contact_emails": [email("wangwei@example.com", None, 0)],
        "contact_phone_numbers": [phone("+1 212-555-0160", "+12125550160", "+1", "Mobile", 0)]}
    assert contacts == [expected(p, "zh-cn") for p in MAKER["ZH_CN_PEOPLE"]]
    columns = summary.files[0].columns
    assert (columns["名"], columns["姓"], columns["移动电话"], columns["电子邮件地址"]) == ([13, 13], [13, 13],
                                                                                [10, 10], [11, 11])
    # "00/0/0" (no anniversary) and "未指定" (gender not set) are Outlook's words for nothing
    assert "纪念日" not in columns or columns["纪念日"] == [0, 0]
    assert [n.kind for n in summary.notices] == ["encoding-guess"]


def test_the_chinese_export_resaved_as_utf8_is_read_the_same() -> None:
    summary, contacts = run(OUTLOOK / "outlook-zh-cn-resaved-utf8-bom.csv")
    assert summary.files[0].encoding == "utf-8" and summary.files[0].mapping == "outlook-zh-cn"
    assert contacts == [expected(p, "zh-cn") for p in MAKER["ZH_CN_PEOPLE"][:2]]
    assert summary.notices == []


def test_a_byte_the_code_page_cannot_decode_keeps_the_guess(tmp_path: Path) -> None:
    # A Chinese header over a body with a byte GBK has no character for: not certain, so not re-read.
    data = (OUTLOOK / "outlook-zh-cn-gbk-13-people.csv").read_bytes() + b'"\x80"\r\n'
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    opened = open_file(path)
    assert opened.info is not None and opened.info.encoding == "cp1252"
    assert opened.detection.format == "generic"


def test_an_encoding_given_is_never_second_guessed() -> None:
    path = OUTLOOK / "outlook-zh-cn-gbk-13-people.csv"
    opened = open_file(path, ReadOptions(encoding="cp1252"))
    assert opened.info is not None and opened.info.encoding == "cp1252" and opened.detection.format == "generic"


def test_format_outlook_reads_the_language_from_the_header() -> None:
    opened = open_file(FORMATS / "outlook-desktop-german-headers.csv", ReadOptions(fmt="outlook"))
    assert opened.detection.mapping.name == "outlook-de"
    assert opened.detection.reason.startswith("format given with --format; its Outlook CSV (German) columns: "
                                              "header has Vorname, Nachname, E-Mail-Adresse")
    forced = open_file(FORMATS / "outlook-desktop-german-headers.csv", ReadOptions(fmt="outlook-fr"))
    assert forced.detection.mapping.name == "outlook-fr"


MY_MAPPING = """
name: crm
detect: {columns: [Name]}
name_parts: {full: Name}
emails: [Mail]
locales:
  fr:
    title: French
    code_page: cp1252
    columns: {Name: Nom complet, Mail: Courriel}
"""


def test_a_mapping_of_your_own_can_have_languages_too(tmp_path: Path) -> None:
    (tmp_path / "crm.yaml").write_text(MY_MAPPING, encoding="utf-8")
    (tmp_path / "export.csv").write_bytes("Nom complet,Courriel\nZoé Exemple,zoe@example.com\n".encode("cp1252"))
    summary, contacts = run(tmp_path / "export.csv", mapping=str(tmp_path / "crm.yaml"))
    assert summary.files[0].mapping == "crm-fr" and summary.files[0].encoding == "cp1252"
    assert contacts == [{"full_name": "Zoé Exemple", "first_name": "Zoé", "last_name": "Exemple",
                         "contact_emails": [email("zoe@example.com", None, 0)]}]


def test_every_problem_of_a_locales_section_is_listed_at_once() -> None:
    data = {
        "name": "crm", "name_parts": {"first": "First Name", "last": "Last Name"}, "emails": ["Mail"],
        "locales": {
            "FR": {"title": "French", "columns": {"First Name": "Prénom"}},
            "de": {"columns": {"First Nme": "Vorname", "Last Name": "Vorname", "Mail": ""}, "code_pag": "x",
                   "code_page": "klingon", "date_order": "DDMM"},
            "nl": {"title": "Dutch"},
        },
    }
    mapping, problems = validate_mapping(data, path="crm.yaml")
    assert mapping is None
    assert [(p.key, p.message, p.suggestion) for p in problems] == [
        ("locales.FR", "a locale id is a lower-case language code, optionally with a region: de, pt-br, zh-cn",
         None),
        ("locales.de.code_pag", "unknown key", "code_page"),
        ("locales.de.title", "is required: the language's name, shown by detect (\"Chinese, simplified\")", None),
        ("locales.de.date_order", "must be MDY, DMY or YMD", None),
        ("locales.de.code_page", "is not a text encoding Python knows; use one such as cp1252, cp1251 or gb18030",
         None),
        ("locales.de.columns.First Nme", "is not a column this mapping names", "First Name"),
        ("locales.de.columns.Mail", "expected the column's name in this language, or a list of names", None),
        ("locales.nl.columns", "list the columns under their names in this language (First Name: Vorname)", None),
    ]


def test_two_columns_cannot_have_one_name_in_a_language() -> None:
    text = ("name: crm\nname_parts: {first: First Name, last: Last Name}\n"
            "locales: {de: {title: German, columns: {First Name: Name, Last Name: name}}}\n")
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, path="crm.yaml")
    assert [(p.key, p.message) for p in raised.value.problems] == [
        ("locales.de.columns.Last Name", "'name' already translates 'First Name': one name, one column")]


def test_a_row_with_no_name_uses_none_of_its_columns(tmp_path: Path) -> None:
    # Issue 13: read as an unknown CSV, the audit said "姓 13/13 used" while 0 people were imported.
    path = tmp_path / "no-names.csv"
    path.write_text("Lieblingsfarbe,Schuhgröße\nblau,42\ngrün,38\n", encoding="utf-8")
    summary, contacts = run(path)
    assert contacts == [] and summary.skipped == {"no-name": 2}
    assert summary.files[0].columns == {"Lieblingsfarbe": [2, 0], "Schuhgröße": [2, 0]}


def test_a_mapping_given_is_read_in_the_code_page_of_its_language() -> None:
    # --format outlook (or --mapping mappings/outlook.yaml) on a Korean export in code page 949
    path = OUTLOOK / "outlook-ko-cp949.csv"
    for options in (ReadOptions(fmt="outlook"), ReadOptions(mapping=str(Path(__file__).parent.parent / "mappings" / "outlook.yaml"))):
        opened = open_file(path, options)
        assert opened.info is not None and opened.info.encoding == "cp949"
        assert opened.detection.mapping.name == "outlook-ko"
