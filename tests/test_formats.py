"""Every CSV flavour of issue 2, one fixture per quirk (tests/fixtures/formats/), previewed to exact contacts.

Each case runs `preview` exactly as `dex-import preview FILE --region US --out x.jsonl` does and compares
the whole contact objects written to `out`, the skip counts, the labels kept for tagging and the warnings.
The last tests check that nothing is lost silently: every non-empty cell is used, warned about, or ignored
on purpose by the mapping.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from importer.demo import sample_inputs
from importer.errors import InputError
from importer.exitcodes import ExitCode
from importer.mapping.apply import Mapped
from importer.plan.inputs import OpenedFile, ReadOptions, map_records, open_file
from importer.preview import Summary, preview
from tests.helpers import email, phone

FORMATS = Path(__file__).parent / "fixtures" / "formats"
XLSX = Path(__file__).parent / "fixtures" / "xlsx"
SAMPLES = Path(__file__).parent.parent / "sample_data"
HIDDEN = "hidden LinkedIn member (LinkedIn leaves out members who hide their name)"


def run(path: Path | str, **options: Any) -> tuple[Summary, list[dict[str, Any]]]:
    """Returns the preview Summary of one file and the contacts it writes to --out, in order."""
    out = io.StringIO()
    summary = preview([path], ReadOptions(region="US", **options), out=out, description_format="text")  # as read: the lines
    return summary, [json.loads(line) for line in out.getvalue().splitlines()]


@dataclass(frozen=True)
class Case:
    """One fixture: its own mapping (if any), the format detected, and everything the preview must say."""

    fixture: str
    mapping: str | None
    format: str
    skipped: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    warnings: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)


CASES = [
    Case('google-multi-value-cells.csv', None, 'google',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Odalys Pemberton', 'first_name': 'Odalys', 'last_name': 'Pemberton',
                    'contact_emails': [email('odalys@example.com', 'Home', 0),
                                      email('odalys.p@example.org', 'Home', 1)],
                    'contact_phone_numbers': [phone('+1 212-555-0141', '+12125550141', '+1', 'Mobile', 0),
                                             phone('+1 212-555-0142', '+12125550142', '+1', 'Mobile', 1)]}]),
    Case('google-primary-marker.csv', None, 'google',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Lucan Ashworth', 'first_name': 'Lucan', 'last_name': 'Ashworth',
                    'contact_emails': [email('lucan@example.com', 'Work', 0),
                                      email('lucan.home@example.org', 'Home', 1)],
                    'contact_phone_numbers': [phone('+1 212-555-0152', '+12125550152', '+1', 'Mobile', 0),
                                             phone('+1 212-555-0151', '+12125550151', '+1', 'Home', 1)]}]),
    Case('google-system-labels.csv', None, 'google',
         skipped={}, labels={'Book club': 1, 'Neighbours': 1},
         warnings=[],
         contacts=[{'full_name': 'Marisol Quenby', 'first_name': 'Marisol', 'last_name': 'Quenby',
                    'starred': True, 'contact_emails': [email('marisol@example.com', 'Home', 0)]},
                   {'full_name': 'Thaddeus Wrenfield', 'first_name': 'Thaddeus', 'last_name': 'Wrenfield',
                    'contact_emails': [email('thaddeus@example.org', 'Work', 0)]}]),
    Case('google-numbered-groups-reordered.csv', None, 'google',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Philippa Vantreight', 'first_name': 'Philippa', 'last_name': 'Vantreight',
                    'contact_emails': [email('philippa@example.com', 'Work', 0),
                                      email('pip@example.org', 'Home', 1),
                                      email('pip4@example.net', 'Other', 2)],
                    'contact_phone_numbers': [phone('+1 212-555-0161', '+12125550161', '+1', 'Mobile', 0)]}]),
    Case('google-business-organization-only.csv', None, 'google',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Example Glassworks Ltd', 'company': 'Example Glassworks Ltd',
                    'contact_phone_numbers': [phone('+1 212-555-0171', '+12125550171', '+1', 'Work', 0)]}]),
    Case('google-email-only-row.csv', None, 'google',
         skipped={}, labels={},
         warnings=[(3, None, 'named-after-email')],
         contacts=[{'full_name': 'Rosalind Fairweather', 'first_name': 'Rosalind',
                    'last_name': 'Fairweather',
                    'contact_emails': [email('rosalind@example.com', 'Home', 0)]},
                   {'full_name': 'no.name@example.net',
                    'contact_emails': [email('no.name@example.net', 'Other', 0)]}]),
    Case('google-legacy-format.csv', None, 'google-legacy',
         skipped={}, labels={'Orchestra': 1, 'Friends': 1},
         warnings=[],
         contacts=[{'full_name': 'Cornelius Abernethy-Vale', 'first_name': 'Cornelius',
                    'last_name': 'Abernethy-Vale',
                    'description': 'Met at the spring concert.\nNickname: Neil\nDepartment: Workshop\nHobby: Cello',
                    'job_title': 'Luthier', 'company': 'Example Strings LLC', 'starred': True,
                    'birthday': '1975-11-30', 'birthday_year': 1975,
                    'contact_emails': [email('neil@example.org', 'Home', 0),
                                      email('c.vale@example.com', 'Work', 1)],
                    'contact_phone_numbers': [phone('+1 212-555-0181', '+12125550181', '+1', 'Mobile', 0)]},
                   {'full_name': 'Wilhelmina Osei', 'first_name': 'Wilhelmina', 'last_name': 'Osei',
                    'contact_emails': [email('mina@example.com', 'Home', 0)]}]),
    Case('outlook-desktop-92-columns-cp1252.csv', None, 'outlook',
         skipped={}, labels={'Neighbours': 1},
         warnings=[(None, None, 'encoding-guess')],
         contacts=[{'full_name': 'Björn Ødegård', 'first_name': 'Björn', 'last_name': 'Ødegård',
                    'description': 'Owes me 20 € – ask in spring', 'job_title': 'Skipper',
                    'company': 'Fjordlys AS', 'birthday': '1970-02-28', 'birthday_year': 1970,
                    'contact_emails': [email('bjorn@example.com', None, 0)],
                    'contact_phone_numbers': [phone('(212) 555-0112', '+12125550112', '+1', 'Mobile', 0)]},
                   {'full_name': 'Céleste Marchetti', 'first_name': 'Céleste', 'last_name': 'Marchetti',
                    'legacy_contact_addresses': [{'formatted': '4 Example Row, Springfield, IL, 62701'}],
                    'contact_phone_numbers': [phone('212-555-0113', '+12125550113', '+1', 'Home', 0)]}]),
    Case('outlook-desktop-german-headers.csv', None, 'outlook-de',
         skipped={}, labels={'Lieferanten': 1},
         warnings=[(None, None, 'encoding-guess')],
         contacts=[{'full_name': 'Jürgen Weißmüller', 'first_name': 'Jürgen', 'last_name': 'Weißmüller',
                    'job_title': 'Meister', 'company': 'Beispiel Bäckerei GmbH', 'birthday': '1984-03-07',
                    'birthday_year': 1984, 'contact_emails': [email('juergen@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0121', '+12125550121', '+1', 'Mobile', 0)]},
                   {'full_name': 'Anneliese Größer', 'first_name': 'Anneliese', 'last_name': 'Größer',
                    'description': 'Nachbarin, gießt die Blumen',
                    'contact_phone_numbers': [phone('+1 212-555-0122', '+12125550122', '+1', 'Home', 0)]}]),
    Case('outlook-com-layout.csv', None, 'outlook',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Ingrid Halvorsen', 'first_name': 'Ingrid', 'last_name': 'Halvorsen',
                    'description': 'Nickname: Inga\nPersonal web page: https://ingrid.example.org\nDepartment: Studio',
                    'job_title': 'Architect', 'company': 'Example Design Co',
                    'website': 'https://design.example.com/ingrid', 'birthday': '1988-05-17',
                    'birthday_year': 1988, 'contact_emails': [email('ingrid@example.com', None, 0),
                                      email('inga.h@example.org', None, 1)],
                    'contact_phone_numbers': [phone('+1 212-555-0131', '+12125550131', '+1', 'Mobile', 0)]}]),
    Case('google-outlook-csv-layout.csv', None, 'outlook',
         skipped={}, labels={'Hiking': 1},
         warnings=[],
         contacts=[{'full_name': 'Tobias Eberhart', 'first_name': 'Tobias', 'last_name': 'Eberhart',
                    'job_title': 'Mapmaker', 'company': 'Example Cartography', 'birthday': '1981-10-02',
                    'birthday_year': 1981,
                    'legacy_contact_addresses': [{'formatted': '9 Example Lane, Portland, OR 97201, US'}],
                    'contact_emails': [email('tobias@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0132', '+12125550132', '+1', 'Mobile', 0)]}]),
    Case('outlook-utf8-bom-cp1252-body.csv', None, 'outlook',
         skipped={}, labels={},
         warnings=[(None, None, 'encoding-guess')],
         contacts=[{'full_name': 'Renée Vaillancourt', 'first_name': 'Renée', 'last_name': 'Vaillancourt',
                    'company': 'Café Exemple', 'contact_emails': [email('renee.v@example.org', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0114', '+12125550114', '+1', 'Work', 0)]}]),
    Case('linkedin-current-preamble.csv', None, 'linkedin',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Aurelio Fenwick', 'first_name': 'Aurelio', 'last_name': 'Fenwick',
                    'description': 'Connected on LinkedIn: 2026-01-05', 'job_title': 'Partner',
                    'company': 'Fenwick, Hale & Co', 'linkedin': 'aurelio-fenwick-7c1d2e'},
                   {'full_name': 'Beatrix Oyelaran', 'first_name': 'Beatrix', 'last_name': 'Oyelaran',
                    'description': 'Connected on LinkedIn: 2024-03-14', 'job_title': 'Research Lead',
                    'company': 'Example Labs', 'linkedin': 'beatrixoyelaran',
                    'contact_emails': [email('beatrix@example.com', None, 0)]}]),
    Case('linkedin-2021-no-url.csv', None, 'linkedin',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Casimir Threlkeld', 'first_name': 'Casimir', 'last_name': 'Threlkeld',
                    'description': 'Connected on LinkedIn: 2022-02-11', 'job_title': 'Dispatcher',
                    'company': 'Example Freight'}]),
    Case('linkedin-2018-us-dates.csv', None, 'linkedin',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Delphine Arkwright', 'first_name': 'Delphine', 'last_name': 'Arkwright',
                    'description': 'Connected on LinkedIn: 2018-01-08', 'job_title': 'Analyst',
                    'company': 'Example Bank', 'contact_emails': [email('delphine@example.org', None, 0)]}]),
    Case('linkedin-hidden-members.csv', None, 'linkedin',
         skipped={'hidden LinkedIn member (LinkedIn leaves out members who hide their name)': 2}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Ezekiel Marchbanks', 'first_name': 'Ezekiel', 'last_name': 'Marchbanks',
                    'description': 'Connected on LinkedIn: 2026-01-05', 'job_title': 'Engineer',
                    'company': 'Example Optics', 'linkedin': 'ezekiel-marchbanks'}]),
    Case('linkedin-resaved-semicolon-cp1252.csv', None, 'linkedin',
         skipped={}, labels={},
         warnings=[(None, None, 'encoding-guess')],
         contacts=[{'full_name': 'Hélène Straßburger', 'first_name': 'Hélène', 'last_name': 'Straßburger',
                    'description': 'Connected on LinkedIn: 2021-09-16', 'job_title': 'Geschäftsführerin',
                    'company': 'Müller & Söhne', 'linkedin': 'helene-strassburger'}]),
    Case('linkedin-resaved-dd-mon-yy-dates.csv', None, 'linkedin',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Felicity Drummond', 'first_name': 'Felicity', 'last_name': 'Drummond',
                    'description': 'Connected on LinkedIn: 2026-01-05', 'job_title': 'Editor',
                    'company': 'Example Press', 'linkedin': 'felicity-drummond'}]),
    Case('dex-export.csv', None, 'dex',
         skipped={}, labels={'Museums': 1, 'Board': 1},
         warnings=[],
         contacts=[{'full_name': 'Juniper Ashcombe', 'first_name': 'Juniper', 'last_name': 'Ashcombe',
                    'description': 'Met at the gala.', 'job_title': 'Curator', 'legacy_location': 'Boston',
                    'company': 'Example Museum', 'linkedin': 'juniper-ashcombe',
                    'last_seen_at': '2025-09-14T10:00:00Z', 'next_reminder_at': '2026-02-01T09:00:00Z',
                    'birthday': '1979-06-30', 'birthday_year': 1979,
                    'contact_emails': [email('juniper@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0193', '+12125550193', '+1', None, 0)]}]),
    Case('own-mapping-headerless.csv', 'own-mapping-headerless.yaml', 'my-headerless-list',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Marius Okonkwo-Hale', 'first_name': 'Marius', 'last_name': 'Okonkwo-Hale',
                    'contact_emails': [email('marius@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0196', '+12125550196', '+1', None, 0)]},
                   {'full_name': 'Nerissa Quaye', 'first_name': 'Nerissa', 'last_name': 'Quaye',
                    'contact_emails': [email('nerissa@example.org', None, 0)]}]),
    Case('own-mapping-utf16.csv', 'own-mapping.yaml', 'my-list',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Isolde Brannigan', 'first_name': 'Isolde', 'last_name': 'Brannigan',
                    'description': 'Chess club', 'contact_emails': [email('isolde@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0191', '+12125550191', '+1', 'Mobile', 0)]}]),
    Case('own-mapping-pipe-delimited.csv', 'own-mapping.yaml', 'my-list',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Konrad Ellery', 'first_name': 'Konrad', 'last_name': 'Ellery',
                    'description': 'Pipe-separated',
                    'contact_emails': [email('konrad@example.org', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0194', '+12125550194', '+1', 'Mobile', 0)]}]),
    Case('own-mapping-quoted-newlines.csv', 'own-mapping.yaml', 'my-list',
         skipped={}, labels={},
         warnings=[],
         contacts=[{'full_name': 'Leocadia Pryce', 'first_name': 'Leocadia', 'last_name': 'Pryce',
                    'description': 'Line one.\nLine two, with a comma.',
                    'contact_emails': [email('leocadia@example.com', None, 0)],
                    'contact_phone_numbers': [phone('+1 212-555-0195', '+12125550195', '+1', 'Mobile', 0)]}]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.fixture for c in CASES])
def test_fixture_previews_to_exact_contacts(case: Case) -> None:
    mapping = str(FORMATS / case.mapping) if case.mapping else None
    summary, contacts = run(FORMATS / case.fixture, mapping=mapping)
    assert summary.files[0].format == case.format
    assert contacts == case.contacts
    assert dict(summary.skipped) == case.skipped
    assert dict(summary.labels) == case.labels
    assert [(n.line, n.column, n.kind) for n in summary.notices] == case.warnings
    assert summary.records == len(case.contacts) + sum(case.skipped.values())
    partial = "no-name" in case.skipped
    assert summary.exit_code == (ExitCode.PARTIAL if partial else ExitCode.OK)


def test_hidden_linkedin_members_are_counted_not_failures() -> None:
    summary, _ = run(FORMATS / "linkedin-hidden-members.csv")
    assert (summary.records, summary.contacts, summary.unusable) == (3, 1, 0)
    assert summary.as_dict()["skipped_by_reason"] == {HIDDEN: 2}
    assert summary.exit_code == ExitCode.OK


def test_google_row_with_only_an_email_is_named_after_it_or_skipped_with_skip_nameless() -> None:
    summary, contacts = run(FORMATS / "google-email-only-row.csv")
    assert (summary.unusable, summary.named_after, contacts[1]["full_name"]) == (0, {"email": 1}, "no.name@example.net")
    assert [n.message for n in summary.notices] == [
        "no name: named after its email no.name@example.net; give the row a name to name it, or pass "
        "--skip-nameless to leave such rows out"]
    summary, contacts = run(FORMATS / "google-email-only-row.csv", skip_nameless=True)
    assert (summary.unusable, summary.named_after, len(contacts)) == (1, {}, 1)
    assert [n.message for n in summary.notices] == [
        "no name (only no.name@example.net): not sent; add a name to the row to import it"]


def test_linkedin_resave_without_name_columns_fails_with_what_is_missing() -> None:
    path = FORMATS / "linkedin-resaved-names-dropped.csv"
    with pytest.raises(InputError) as caught:
        run(path)
    assert str(caught.value) == (
        f"{path}:1: has no column 'First Name' or 'Last Name', which the linkedin mapping needs (columns found: "
        "URL, Email Address, Company, Position, Connected On). If a spreadsheet renamed or dropped it, restore "
        "the header, or pass --mapping with a mapping of your own")


def test_linkedin_data_export_zip_reads_connections_csv(tmp_path: Path) -> None:
    archive = tmp_path / "Basic_LinkedInDataExport_01-05-2026.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Profile.csv", "First Name,Last Name\nMe,Myself\n")
        z.write(FORMATS / "linkedin-current-preamble.csv", "Connections.csv")
    summary, contacts = run(archive)
    _, expected = run(FORMATS / "linkedin-current-preamble.csv")
    assert summary.files[0].file == f"{archive}/Connections.csv"
    assert summary.files[0].format == "linkedin"
    assert contacts == expected
    assert [c["full_name"] for c in contacts] == ["Aurelio Fenwick", "Beatrix Oyelaran"]


def test_xlsx_sheet_chosen_by_name() -> None:
    summary, contacts = run(XLSX / "two-sheets.xlsx", sheet="Contacts")
    assert summary.files[0].format == "generic"
    assert contacts == [{"full_name": "Fenella Ostrowski", "first_name": "Fenella", "last_name": "Ostrowski",
                         "contact_emails": [email("fenella@example.com", None, 0)]}]
    assert summary.notices == []


def test_xlsx_unknown_sheet_names_the_sheets() -> None:
    path = XLSX / "two-sheets.xlsx"
    with pytest.raises(InputError) as caught:
        run(path, sheet="contact")
    assert str(caught.value) == (f"{path}: has no sheet 'contact'; its sheets are 'Summary', 'Contacts'. "
                                 "Did you mean 'Contacts'?")


# --- no silent loss ---------------------------------------------------------------------------------------

def _inputs() -> list[tuple[Path, str | None]]:
    found = [(path, str(m) if m else None) for path, m in sample_inputs(SAMPLES)]
    for case in CASES:
        found.append((FORMATS / case.fixture, str(FORMATS / case.mapping) if case.mapping else None))
    return found


def _address_labels(opened: OpenedFile) -> set[str]:
    """Returns the address label columns: Dex's address has no label, so they are knowingly not sent."""
    assert opened.compiled is not None
    return {s.label_column for s in opened.compiled.addresses if s.label_column}


def _lost(opened: OpenedFile, m: Mapped) -> list[str]:
    """Returns each non-empty cell of the record that is neither used, nor warned about, nor ignored."""
    if m.contact is None:  # a skipped record: counted (hidden members) or named in a notice (no name)
        return [] if m.expected_skip or any(n.line == m.record.line for n in m.notices) else ["(record)"]
    compiled = opened.compiled
    if compiled is None:  # vCards: the reader's pseudo-columns differ per card
        return []
    warned = {n.column for n in m.notices if n.line == m.record.line}
    exempt = compiled.ignored | _address_labels(opened)
    return [f"{column}={value!r}" for column, value in m.record.values.items()
            if not compiled.is_empty(value) and column not in m.used and column not in warned
            and column not in exempt]


@pytest.mark.parametrize("path,mapping", _inputs(), ids=lambda v: Path(v).name if v else "")
def test_every_value_is_used_warned_about_or_ignored(path: Path, mapping: str | None) -> None:
    opened = open_file(path, ReadOptions(mapping=mapping, region="US"))
    lost = {m.record.line: cells for m in map_records(opened, region="US") if (cells := _lost(opened, m))}
    assert lost == {}


def test_column_counts_say_how_many_values_were_used() -> None:
    summary, _ = run(FORMATS / "outlook-com-layout.csv")
    columns = summary.as_dict()["files"][0]["columns"]
    filled = {c: v for c, v in columns.items() if v["values"]}
    assert filled == {c: {"values": 1, "used": 1} for c in (
        "First Name", "Last Name", "Nickname", "E-mail Address", "E-mail 2 Address", "Mobile Phone",
        "Job Title", "Department", "Company", "Personal Web Page", "Web Page", "Birthday")}
