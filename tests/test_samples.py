"""Every export in sample_data/ previews to exactly the contacts a person would want, checked by eye.

The files are the ones `dex-import demo` shows (a NAME.mapping.yaml beside an export is its mapping). The
expectations were reviewed against each sample row: names, labels, primary values first, the business row
named after its company, the row with only an email skipped, placeholder dates (0/0/00) left out.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from importer.demo import sample_inputs
from importer.exitcodes import ExitCode
from importer.plan.inputs import ReadOptions
from importer.preview import preview
from tests.helpers import email, phone

SAMPLES = Path(__file__).parent.parent / "sample_data"
HIDDEN = "hidden LinkedIn member (LinkedIn leaves out members who hide their name)"
INVALID_PHONE = ("'555-0199' is not a valid phone number for US: kept as written, not sanitized; check the "
                 "digits or write it with its +country code")
CP1252 = "not UTF-8 (byte 0xE9 on line 2): read as Windows-1252; if names look wrong, give the file's encoding"


@dataclass(frozen=True)
class Sample:
    """One sample export and everything its preview must say."""

    file: str
    format: str
    records: int
    skipped: dict[str, int]
    labels: dict[str, int]
    warnings: list[tuple[int | None, str | None, str, str]]
    contacts: list[dict[str, Any]]


EXPECTED = [
    Sample('dex/dex-contacts-export.csv', 'dex',
           records=2, skipped={}, labels={'Investors': 1, 'Friends': 2},
           warnings=[],
           contacts=[{'full_name': 'Kwame Mensah', 'first_name': 'Kwame', 'last_name': 'Mensah',
                      'description': 'Intro via Amara.\nLast reminder: 2025-10-01T09:00:00Z',
                      'job_title': 'Founder', 'legacy_location': 'Accra', 'company': 'Example Solar',
                      'website': 'https://solar.example.com', 'linkedin': 'kwame-mensah-example',
                      'twitter': 'kwame_example', 'last_seen_at': '2025-11-02T18:30:00Z',
                      'next_reminder_at': '2026-01-15T09:00:00Z', 'birthday': '1988-02-29',
                      'birthday_year': 1988, 'contact_emails': [email('kwame@example.com', None, 0)],
                      'contact_phone_numbers': [phone('+1 646-555-0110', '+16465550110', '+1', None, 0)]},
                     {'full_name': 'Lena Fischer', 'first_name': 'Lena', 'last_name': 'Fischer',
                      'job_title': 'Product Lead', 'legacy_location': 'Berlin',
                      'company': 'Example Mobility GmbH', 'last_seen_at': '2024-06-20T12:00:00Z',
                      'contact_emails': [email('lena.fischer@example.de', None, 0)],
                      'contact_phone_numbers': [phone('+44 20 7946 0644', '+442079460644', '+44', None, 0)]}]),
    Sample('google/contacts.csv', 'google',
           records=6, skipped={'no-name': 1}, labels={'Conference': 2, 'Family': 1, 'Home services': 1},
           # row 9 holds only a note: no name, and no email or phone to name it after
           warnings=[(9, None, 'no-name', 'no name: not sent; add a name to the row to import it'),
                     (10, 'Phone 1 - Value', 'invalid-phone', INVALID_PHONE)],
           contacts=[{'full_name': 'Grace Hopper-Example', 'first_name': 'Grace',
                      'last_name': 'Hopper-Example',
                      'description': 'Met at the systems conference.\nPrefers email.',
                      'job_title': 'Rear Admiral of Code', 'company': 'Example Compilers Inc.',
                      'linkedin': 'grace-hopper-example', 'starred': True, 'birthday': '1986-12-09',
                      'birthday_year': 1986,
                      'legacy_contact_addresses': [{'formatted': '100 Example Ave, New York, NY 10001, US'}],
                      'contact_emails': [email('grace@example.com', 'Work', 0),
                                        email('grace.h@example.org', 'Home', 1)],
                      'contact_phone_numbers': [phone('+1 212-555-0134', '+12125550134', '+1', 'Mobile', 0),
                                               phone('(212) 555-0135', '+12125550135', '+1', 'Mobile', 1)]},
                     {'full_name': 'Hiro Tanaka', 'first_name': 'Hiro', 'last_name': 'Tanaka',
                      'description': 'Phonetic name: ヒロ タナカ\nSpouse: Yuki Tanaka', 'birthday': '1604-04-01',
                      'contact_phone_numbers': [phone('+44 20 7946 0321', '+442079460321', '+44', 'Mobile', 0)]},
                     {'full_name': 'Ines Moreau', 'first_name': 'Ines', 'last_name': 'Moreau',
                      'description': 'Favourite bread: Pain de campagne', 'job_title': 'Owner',
                      'company': 'Boulangerie Exemple', 'website': 'https://boulangerie.example.fr',
                      'contact_emails': [email('ines@example.fr', 'Work', 0)],
                      'contact_phone_numbers': [phone('+33 1 99 00 12 34', '+33199001234', '+33', 'Work', 0)]},
                     {'full_name': 'Example Plumbing Co.', 'company': 'Example Plumbing Co.',
                      'contact_phone_numbers': [phone('+1 415-555-0172', '+14155550172', '+1', 'Work', 0)]},
                     {'full_name': 'Jonas Berg', 'first_name': 'Jonas', 'last_name': 'Berg',
                      'description': 'Nickname: Joe', 'birthday': '1990-07-21', 'birthday_year': 1990,
                      'contact_emails': [email('jonas.berg@example.com', 'Home', 0)],
                      'contact_phone_numbers': [phone('555-0199', None, None, 'Home', 0),
                                               phone('+44 20 7946 0958', '+442079460958', '+44', 'Work', 1)]}]),
    Sample('linkedin/Connections.csv', 'linkedin',
           records=7, skipped={HIDDEN: 1}, labels={},
           warnings=[],
           contacts=[{'full_name': 'Amara Okafor', 'first_name': 'Amara', 'last_name': 'Okafor',
                      'description': 'Connected on LinkedIn: 2026-01-05', 'job_title': 'Head of Data',
                      'company': 'Northwind Analytics', 'linkedin': 'amara-okafor-example'},
                     {'full_name': 'Bruno Costa', 'first_name': 'Bruno', 'last_name': 'Costa',
                      'description': 'Connected on LinkedIn: 2025-12-28', 'job_title': 'Partner',
                      'company': 'Costa, Reis & Filhos', 'linkedin': 'bruno-costa-3b2a1c',
                      'contact_emails': [email('bruno.costa@example.com', None, 0)]},
                     {'full_name': 'Chloé Dubois 🌿', 'first_name': 'Chloé', 'last_name': 'Dubois 🌿',
                      'description': 'Connected on LinkedIn: 2025-10-02', 'job_title': 'Designer',
                      'company': 'Atelier Lumière', 'linkedin': 'chloe-dubois-example'},
                     {'full_name': 'Dev Raman', 'first_name': 'Dev', 'last_name': 'Raman',
                      'description': 'Connected on LinkedIn: 2025-08-17',
                      'job_title': 'Staff Engineer, Platform', 'company': 'Example Robotics',
                      'linkedin': 'dev-raman-example'},
                     {'full_name': 'Elif Şahin', 'first_name': 'Elif', 'last_name': 'Şahin',
                      'description': 'Connected on LinkedIn: 2024-03-03',
                      'job_title': 'Freelance Translator', 'linkedin': 'elif-sahin-example',
                      'contact_emails': [email('elif.sahin@example.org', None, 0)]},
                     # also in the Google sample (same LinkedIn handle): the demo merges the two
                     {'full_name': 'Grace Hopper-Example', 'first_name': 'Grace', 'last_name': 'Hopper-Example',
                      'description': 'Connected on LinkedIn: 2025-02-12', 'job_title': 'Rear Admiral of Code',
                      'company': 'Example Compilers Inc.', 'linkedin': 'grace-hopper-example'}]),
    Sample('outlook/contacts.csv', 'outlook',
           records=3, skipped={}, labels={'Doctors': 1, 'Family friends': 1},
           warnings=[(None, None, 'encoding-guess', CP1252)],
           contacts=[{'full_name': 'Dr. Renée Lefèvre', 'first_name': 'Renée', 'last_name': 'Lefèvre',
                      'description': "Café owner's sister – ask about the Würzburg trip.\nSpouse: Marc Lefèvre",
                      'job_title': 'Cardiologist', 'company': 'Clinique Exemple', 'birthday': '1979-03-14',
                      'birthday_year': 1979,
                      'legacy_contact_addresses': [{'formatted': "12 Rue de l'Exemple, Lyon, 69001, France"}],
                      'contact_emails': [email('renee.lefevre@example.fr', None, 0)],
                      'contact_phone_numbers': [phone('(212) 555-0147', '+12125550147', '+1', 'Mobile', 0),
                                               phone('+33 1 99 00 12 35', '+33199001235', '+33', 'Work', 1)]},
                     {'full_name': "Sam O'Neill", 'first_name': 'Sam', 'last_name': "O'Neill",
                      'job_title': 'Logistics Manager', 'company': 'Example Freight Ltd',
                      'contact_emails': [email('sam.oneill@example.co.uk', None, 0)],
                      'contact_phone_numbers': [phone('+44 20 7946 0112', '+442079460112', '+44', 'Work', 0)]},
                     {'full_name': 'Tomás Núñez', 'first_name': 'Tomás', 'last_name': 'Núñez',
                      'description': 'Anniversary: 2018-06-12', 'website': 'https://tomas.example.com',
                      'birthday': '1992-07-04', 'birthday_year': 1992,
                      'contact_emails': [email('tomas.nunez@example.com', None, 0)],
                      'contact_phone_numbers': [phone('212-555-0163', '+12125550163', '+1', 'Home', 0)]}]),
    Sample('spreadsheet/crm-export.csv', 'my-crm',
           records=2, skipped={}, labels={'print': 1, 'friends': 1, 'neighbours': 1},
           warnings=[],
           contacts=[{'full_name': 'Maja Novak', 'first_name': 'Maja', 'last_name': 'Novak',
                      'description': 'Met at the print fair', 'company': 'Example Studio',
                      'source': 'my-crm', 'contact_emails': [email('maja.novak@example.com', None, 0)],
                      'contact_phone_numbers': [phone('+1 718 555 0177', '+17185550177', '+1', 'Mobile', 0)]},
                     {'full_name': 'Nils Andersen', 'first_name': 'Nils', 'last_name': 'Andersen',
                      'description': 'Neighbour', 'source': 'my-crm',
                      'contact_emails': [email('nils@example.org', None, 0)],
                      'contact_phone_numbers': [phone('+44 20 7946 0909', '+442079460909', '+44', 'Mobile', 0)]}]),
    Sample('spreadsheet/team-list.xlsx', 'generic',
           records=3, skipped={}, labels={'volunteers': 2, 'drivers': 1, 'board': 1},
           warnings=[(1, None, 'preamble-skipped', 'skipped 1 line(s) above the header on line 2')],
           contacts=[{'full_name': 'Paloma Ibarra', 'first_name': 'Paloma', 'last_name': 'Ibarra',
                      'job_title': 'Coordinator', 'company': 'Example Food Bank', 'birthday': '1987-09-14',
                      'birthday_year': 1987, 'contact_emails': [email('paloma@example.org', None, 0)],
                      'contact_phone_numbers': [phone('+1 (347) 555-0158', '+13475550158', '+1', 'Mobile', 0)]},
                     # the number was stored as a number in the workbook: read as its digits
                     {'full_name': 'Quentin Okoro', 'first_name': 'Quentin', 'last_name': 'Okoro',
                      'job_title': 'Driver', 'contact_emails': [email('quentin.okoro@example.com', None, 0)],
                      'contact_phone_numbers': [phone('13475550163', '+13475550163', '+1', 'Mobile', 0)]},
                     {'full_name': 'Rosa Lindgren', 'first_name': 'Rosa', 'last_name': 'Lindgren',
                      'job_title': 'Treasurer', 'company': 'Example Food Bank', 'birthday': '1979-02-03',
                      'birthday_year': 1979,
                      'contact_phone_numbers': [phone('+44 20 7946 0427', '+442079460427', '+44', 'Mobile', 0)]}]),
    Sample('vcard/android.vcf', 'vcard',
           records=2, skipped={}, labels={},
           warnings=[],
           contacts=[{'full_name': 'Иван Петров', 'first_name': 'Иван', 'last_name': 'Петров',
                      'description': 'Встреча на конференции в Москве, обсуждали проект по переводу документации.',
                      'contact_emails': [email('ivan.petrov@example.com', 'Home', 0)],
                      'contact_phone_numbers': [phone('+44 20 7946 0155', '+442079460155', '+44', 'Work', 0),
                                               phone('+12125550191', '+12125550191', '+1', 'Mobile', 1)]},
                     {'full_name': 'Marisol Reyes', 'first_name': 'Marisol', 'last_name': 'Reyes',
                      'job_title': 'Guide', 'company': 'Example Tours',
                      'contact_emails': [email('marisol.reyes@example.com', None, 0)],
                      'contact_phone_numbers': [phone('+1 305 555 0127', '+13055550127', '+1', 'Mobile', 0)]}]),
    Sample('vcard/iphone.vcf', 'vcard',
           records=3, skipped={}, labels={'Design': 1, 'Friends': 1},
           warnings=[],
           contacts=[{'full_name': 'Sofia Lindqvist', 'first_name': 'Sofia', 'last_name': 'Lindqvist',
                      'description': 'Met at the design week, booth 12.\nLikes fika.\nDepartment: Studio',
                      'job_title': 'Creative Director', 'company': 'Example Design AB',
                      'linkedin': 'sofia-lindqvist-example', 'birthday': '1604-03-14',
                      'legacy_contact_addresses': [{'formatted': '12 Example Street, Brooklyn, NY, 11201, United States'}],
                      'contact_emails': [email('sofia@example.com', 'Other', 0),
                                        email('sofia.lindqvist@example.org', 'Work', 1)],
                      'contact_phone_numbers': [phone('+1 (917) 555-0142', '+19175550142', '+1', 'Mobile', 0),
                                               phone('+44 20 7946 0733', '+442079460733', '+44', 'Studio line', 1)]},
                     {'full_name': 'Example Bakery', 'company': 'Example Bakery',
                      'contact_phone_numbers': [phone('+1 212-555-0170', '+12125550170', '+1', 'Main', 0)]},
                     {'full_name': 'Tobi Okonkwo', 'first_name': 'Tobi', 'last_name': 'Okonkwo',
                      'telegram': 'tobi_example', 'birthday': '1991-11-30',  # IMPP;X-SERVICE-TYPE=Telegram
                      'birthday_year': 1991, 'contact_emails': [email('tobi@example.net', 'Home', 0)],
                      'contact_phone_numbers': [phone('(646) 555-0118', '+16465550118', '+1', 'Home', 0)]}]),
]


def test_every_sample_file_has_an_expectation() -> None:
    files = [str(path.relative_to(SAMPLES)) for path, _ in sample_inputs(SAMPLES)]
    assert files == [s.file for s in EXPECTED]


@pytest.mark.parametrize("sample", EXPECTED, ids=[s.file for s in EXPECTED])
def test_sample_previews_to_exact_contacts(sample: Sample) -> None:
    path, mapping = next((p, m) for p, m in sample_inputs(SAMPLES) if p == SAMPLES / sample.file)
    out = io.StringIO()
    summary = preview([path], ReadOptions(mapping=str(mapping) if mapping else None, region="US"), out=out,
                      description_format="text")  # the lines as read
    contacts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert summary.files[0].format == sample.format
    assert contacts == sample.contacts
    assert summary.records == sample.records
    assert dict(summary.skipped) == sample.skipped
    assert dict(summary.labels) == sample.labels
    assert [(n.line, n.column, n.kind, n.message) for n in summary.notices] == sample.warnings
    assert summary.exit_code == (ExitCode.PARTIAL if "no-name" in sample.skipped else ExitCode.OK)
