"""Writes the contacts a preview would send to a file for other programs: a spreadsheet CSV or vCard 4.0.

`--out` follows its extension. ``.jsonl``: each contact exactly as Dex receives it, one JSON object a line
(written by `importer.preview.write_sent`, from the JSON text each contact was spilled as). ``.csv``: Dex's fields as columns a person reads (lists joined with "; "), formula-like cells neutralised
as in the failure report, UTF-8 with a BOM so that spreadsheets open it right. ``.vcf``: one vCard 4.0
card per contact (written with vobject), so the cleaned, merged address book can go to any other program;
this importer reads it back to the same contacts. Dex's own fields that vCard has no property for
(starred, keep-in-touch, reminders, ...) are written as ``X-DEX-*`` properties.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from importer.dex.fields import FIELD_ORDER
from importer.errors import UsageError
from importer.model import EMPTY, Contact
from importer.report.failures import neutralise

OUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".vcf": "vcard"}
"""The extensions `--out` takes and the format each writes."""

ContactOut = tuple[Contact, tuple[str, ...]]
"""A contact and the person's own labels (kept for tagging)."""


def out_format(path: str | os.PathLike[str]) -> str:
    """Returns the format `--out PATH` writes (by its extension); UsageError for any other extension.

    >>> out_format("contacts.VCF")
    'vcard'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in OUT_FORMATS:
        raise UsageError(f"--out {os.fspath(path)}: write a .jsonl (JSON lines), .csv (a spreadsheet) or .vcf "
                         "(vCard 4.0) file; the extension says which")
    return OUT_FORMATS[suffix]


def encoding_for(fmt: str) -> str:
    """Returns the text encoding a format is written in (a BOM for the spreadsheet)."""
    return "utf-8-sig" if fmt == "csv" else "utf-8"


def write_contacts(handle: TextIO, contacts: Iterable[ContactOut], fmt: str) -> int:
    """Writes every contact to `handle` in `fmt` ("csv" or "vcard") and returns how many. JSON lines are the
    contacts as sent, written by `importer.preview.write_sent`."""
    writers: dict[str, Callable[[TextIO, Iterable[ContactOut]], int]] = {"csv": _csv, "vcard": _vcards}
    return writers[fmt](handle, contacts)


def _joined(entries: Any, key: str) -> str:
    return "; ".join(str(e[key]) for e in entries or () if e.get(key))


def _birthday(contact: Contact) -> str:
    """Returns the birthday as a person writes it: ``1985-07-14``, or ``--07-14`` when Dex holds no year."""
    value = str(contact.get("birthday") or "")
    if value.startswith("1604-") and not contact.get("birthday_year"):  # Dex's "year omitted"
        return "--" + value[5:]
    return value


# The spreadsheet's columns: a person's name for each, and how it is read from the contact.
CSV_COLUMNS: tuple[tuple[str, Callable[[Contact, tuple[str, ...]], str]], ...] = (
    ("Full name", lambda c, _: str(c.get("full_name") or "")),
    ("First name", lambda c, _: str(c.get("first_name") or "")),
    ("Last name", lambda c, _: str(c.get("last_name") or "")),
    ("Company", lambda c, _: str(c.get("company") or "")),
    ("Job title", lambda c, _: str(c.get("job_title") or "")),
    ("Emails", lambda c, _: _joined(c.get("contact_emails"), "email")),
    ("Phones", lambda c, _: _joined(c.get("contact_phone_numbers"), "phone_number")),
    ("Addresses", lambda c, _: _joined(c.get("legacy_contact_addresses"), "formatted")),
    ("Birthday", lambda c, _: _birthday(c)),
    ("Website", lambda c, _: str(c.get("website") or "")),
    ("LinkedIn", lambda c, _: str(c.get("linkedin") or "")),
    ("X (Twitter)", lambda c, _: str(c.get("twitter") or "")),
    ("Facebook", lambda c, _: str(c.get("facebook") or "")),
    ("Instagram", lambda c, _: str(c.get("instagram") or "")),
    ("Telegram", lambda c, _: str(c.get("telegram") or "")),
    ("TikTok", lambda c, _: str(c.get("tiktok") or "")),
    ("YouTube", lambda c, _: str(c.get("youtube") or "")),
    ("Location", lambda c, _: str(c.get("legacy_location") or "")),
    ("Education", lambda c, _: str(c.get("education") or "")),
    ("Description", lambda c, _: str(c.get("description") or "")),
    ("Labels", lambda _, labels: "; ".join(labels)),
)
_IN_COLUMNS = {"full_name", "first_name", "last_name", "company", "job_title", "contact_emails",
               "contact_phone_numbers", "legacy_contact_addresses", "birthday", "birthday_year", "website",
               "linkedin", "twitter", "facebook", "instagram", "telegram", "tiktok", "youtube",
               "legacy_location", "education", "description"}


def _other(contact: Contact) -> str:
    """Returns the fields no column holds (starred, keep-in-touch, custom fields...), as ``field: value``."""
    rest = sorted((k for k in contact if k not in _IN_COLUMNS and contact[k] not in EMPTY),
                  key=lambda k: FIELD_ORDER.get(k, 999))
    return "; ".join(f"{k}: {_text(contact[k])}" for k in rest)


def _text(value: Any) -> str:
    """Returns a field's value as text: JSON for lists, objects and true/false."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list, bool)) else str(value)


def _csv(handle: TextIO, contacts: Iterable[ContactOut]) -> int:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS] + ["Other Dex fields"])
    count = 0
    for contact, labels in contacts:
        row = [read(contact, labels) for _, read in CSV_COLUMNS] + [_other(contact)]
        writer.writerow([neutralise(cell) for cell in row])  # "=cmd|..." must not run in a spreadsheet
        count += 1
    return count


# Dex labels -> vCard TYPE values (RFC 6350, and the ones phones commonly write); others go as X-<label>.
_TEL_TYPES = {"mobile": ["cell"], "work": ["work"], "home": ["home"], "main": ["main"], "pager": ["pager"],
              "other": ["other"], "iphone": ["iphone"], "fax": ["fax"], "work fax": ["fax", "work"],
              "home fax": ["fax", "home"]}
_PROFILES = {"linkedin": "https://www.linkedin.com/in/{}", "twitter": "https://x.com/{}",
             "facebook": "https://www.facebook.com/{}", "instagram": "https://www.instagram.com/{}",
             "telegram": "https://t.me/{}", "tiktok": "https://www.tiktok.com/@{}",
             "youtube": "https://www.youtube.com/{}"}
_IN_CARD = {"full_name", "first_name", "last_name", "company", "job_title", "contact_emails",
            "contact_phone_numbers", "legacy_contact_addresses", "birthday", "birthday_year", "website",
            "description", "coordinates", *_PROFILES}


def _labelled(card: Any, name: str, value: str, label: str | None, groups: list[int]) -> None:
    """Adds one EMAIL or TEL: a usual label as its TYPE; another one, as written, as Apple's item label
    (``item1.TEL`` with ``item1.X-ABLabel``), which address books read and TYPE would upper-case."""
    if not label or label.casefold() in _TEL_TYPES:
        prop = card.add(name)
        if label:
            prop.params["TYPE"] = _TEL_TYPES[label.casefold()]
    else:
        groups.append(len(groups) + 1)
        group = f"item{groups[-1]}"
        prop = card.add(name, group=group)
        card.add("x-ablabel", group=group).value = label
    prop.value = value


def _card(contact: Contact, labels: tuple[str, ...]) -> Any:
    """Returns the vobject vCard 4.0 of one contact."""
    import vobject  # type: ignore[import-untyped]  # only when a .vcf is written; untyped: the card is Any

    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("fn").value = str(contact.get("full_name") or "")
    if contact.get("first_name") or contact.get("last_name"):
        card.add("n").value = vobject.vcard.Name(family=str(contact.get("last_name") or ""),
                                                 given=str(contact.get("first_name") or ""))
    if contact.get("company"):
        card.add("org").value = [str(contact["company"])]
    if contact.get("job_title"):
        card.add("title").value = str(contact["job_title"])
    groups: list[int] = []
    for entry in sorted(contact.get("contact_emails") or (), key=lambda e: e.get("ranking", 0)):
        _labelled(card, "email", entry["email"], entry.get("label"), groups)
    for entry in sorted(contact.get("contact_phone_numbers") or (), key=lambda e: e.get("ranking", 0)):
        # as written: Dex keeps it so, and the reader sanitizes it to E.164 again
        _labelled(card, "tel", entry["phone_number"], entry.get("label"), groups)
    for entry in contact.get("legacy_contact_addresses") or ():
        card.add("adr").value = vobject.vcard.Address(street=str(entry["formatted"]))  # Dex keeps one line
    if contact.get("birthday"):
        birthday = _birthday(contact)
        card.add("bday").value = birthday.replace("-", "") if not birthday.startswith("--") else \
            "--" + birthday[2:].replace("-", "")
    if contact.get("website"):
        card.add("url").value = str(contact["website"])
    for field, template in _PROFILES.items():
        if contact.get(field):
            card.add("url").value = template.format(str(contact[field]))
    if contact.get("description"):
        card.add("note").value = str(contact["description"])
    coordinates = contact.get("coordinates")
    if isinstance(coordinates, dict) and {"latitude", "longitude"} <= coordinates.keys():
        card.add("geo").value = f"geo:{coordinates['latitude']},{coordinates['longitude']}"
    if labels:
        card.add("categories").value = list(labels)
    for field in sorted((k for k in contact if k not in _IN_CARD and contact[k] not in EMPTY),
                        key=lambda k: FIELD_ORDER.get(k, 999)):
        card.add("x-dex-" + field.replace("_", "-")).value = _text(contact[field])
    return card


def _vcards(handle: TextIO, contacts: Iterable[ContactOut]) -> int:
    count = 0
    for contact, labels in contacts:
        handle.write(_card(contact, labels).serialize())
        count += 1
    return count
