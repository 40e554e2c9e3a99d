"""apply_mapping: one record and one small mapping at a time, exact contacts and notices."""

from __future__ import annotations

from importer.mapping.apply import Mapped, apply_mapping, skip_nameless
from importer.mapping.compile import compile_mapping
from importer.mapping.load import parse_mapping
from importer.model import Notice, Record


def mapped(yaml_text: str, values: dict[str, str], *, region: str | None = "US") -> Mapped:
    """Returns what one record (line 2 of people.csv) becomes under the mapping in `yaml_text`."""
    mapping = parse_mapping(yaml_text, path="test.yaml")
    record = Record("people.csv", 2, values)
    return apply_mapping(record, compile_mapping(mapping, list(values)), region=region)


GOOGLE_LABELS = """
name: t
name_parts: {first: First, last: Last}
labels: [{column: Labels, split: " ::: ", system_prefix: "* ", starred: "* starred"}]
"""


def test_system_labels_are_not_groups_and_starred_is_a_flag() -> None:
    m = mapped(GOOGLE_LABELS, {"First": "Ottilie", "Last": "Brandt",
                               "Labels": "* myContacts ::: Choir ::: * starred ::: Choir"})
    assert m.contact == {"full_name": "Ottilie Brandt", "first_name": "Ottilie", "last_name": "Brandt",
                         "starred": True}
    assert m.labels == ("Choir",)
    assert m.used == frozenset({"First", "Last", "Labels"})


def test_legacy_google_starred_is_capitalised() -> None:
    # Google's legacy export writes "* Starred"; it must not be dropped as one more system group
    m = mapped(GOOGLE_LABELS, {"First": "Ottilie", "Last": "Brandt", "Labels": "* My Contacts ::: * Starred"})
    assert m.contact is not None and m.contact["starred"] is True
    assert m.labels == ()


PRIMARY = """
name: t
name_parts: {full: Name}
emails:
  - {value: "E-mail {n} - Value", label_column: "E-mail {n} - Label", split: " ::: ", primary_marker: "* "}
"""


def test_primary_marker_puts_that_value_first() -> None:
    m = mapped(PRIMARY, {"Name": "Pavel Ruiz", "E-mail 1 - Label": "Home",
                         "E-mail 1 - Value": "pavel@example.org ::: PAVEL@example.org",
                         "E-mail 2 - Label": "* Work", "E-mail 2 - Value": "pavel@example.com"})
    assert m.contact is not None
    assert m.contact["contact_emails"] == [{"email": "pavel@example.com", "label": "Work", "ranking": 0},
                                           {"email": "pavel@example.org", "label": "Home", "ranking": 1}]
    assert m.notices == ()


ADDRESS = """
name: t
name_parts: {full: Name}
addresses:
  - value: [Formatted, {columns: [Street, City], join: ", "}]
"""


def test_fallback_columns_repeating_the_chosen_value_count_as_used() -> None:
    m = mapped(ADDRESS, {"Name": "Runa Vik", "Formatted": "1 Example Road\nOslo", "Street": "1 Example Road",
                         "City": "Oslo"})
    assert m.contact is not None
    assert m.contact["legacy_contact_addresses"] == [{"formatted": "1 Example Road, Oslo"}]
    assert m.used == frozenset({"Name", "Formatted", "Street", "City"})
    assert m.notices == ()


def test_fallback_value_the_chosen_one_lacks_is_named() -> None:
    m = mapped(ADDRESS, {"Name": "Runa Vik", "Formatted": "1 Example Road", "Street": "1 Example Road",
                         "City": "Bergen"})
    assert m.used == frozenset({"Name", "Formatted", "Street"})
    assert m.notices == (Notice("people.csv", 2, "City", "unused-alternative",
                                "address: 'Bergen' not imported: 'Formatted' already gave the address; map "
                                "this column on its own to keep it"),)


NO_NAMES = """
name: t
fields: {company: Company}
emails: [Email]
"""


def test_company_without_name_parts_is_not_a_name() -> None:
    # A mapping that knows no name columns (a LinkedIn re-save without names read generically) used to
    # crash here; the row is named after its email instead of after the employer.
    m = mapped(NO_NAMES, {"Company": "Example Mills", "Email": "gideon@example.com"})
    assert m.contact == {"full_name": "gideon@example.com", "company": "Example Mills",
                         "contact_emails": [{"email": "gideon@example.com", "ranking": 0}]}
    assert m.named_after == "email"
    # --skip-nameless: skipped as nameless, as before, nothing of it used
    skipped = skip_nameless(m)
    assert (skipped.contact, skipped.skip, skipped.used) == (None, "no-name", frozenset())
    assert skipped.notices == (Notice("people.csv", 2, None, "no-name", "no name (only gideon@example.com): not "
                                      "sent; add a name to the row to import it"),)
    # with nothing that identifies a person, it stays skipped
    m = mapped(NO_NAMES, {"Company": "Example Mills", "Email": "not an address"})
    assert (m.contact, m.skip) == (None, "no-name")


def test_business_row_is_named_after_its_company() -> None:
    m = mapped("name: t\nname_parts: {first: First, last: Last}\nfields: {company: Org}\n",
               {"First": "", "Last": "", "Org": "Example Glassworks Ltd"})
    assert m.contact == {"full_name": "Example Glassworks Ltd", "company": "Example Glassworks Ltd"}


def test_blank_placeholders_are_empty_and_unmapped_columns_are_named() -> None:
    yaml_text = ("name: t\nname_parts: {full: Name}\nfields: {birthday: Birthday}\n"
                 "blank_values: [\"0/0/00\"]\n")
    m = mapped(yaml_text, {"Name": "Sunniva Lark", "Birthday": "0/0/00", "Shoe Size": "41"})
    assert m.contact == {"full_name": "Sunniva Lark", "first_name": "Sunniva", "last_name": "Lark"}
    assert m.notices == (Notice("people.csv", 2, "Shoe Size", "unmapped-column",
                                "column 'Shoe Size' is not in the mapping: '41' not imported; map it (for "
                                "example under notes) or list it under ignore"),)


def test_hidden_member_rows_are_expected_skips() -> None:
    yaml_text = ("name: t\nname_parts: {first: First, last: Last}\n"
                 "skip_when_empty: {columns: [First, Last], reason: hidden member}\n"
                 "notes: [{value: Connected, label: Connected}]\n")
    m = mapped(yaml_text, {"First": "", "Last": "", "Connected": "05 Jan 2026"})
    assert (m.contact, m.skip, m.expected_skip, m.notices) == (None, "hidden member", True, ())
