"""Returns a starting mapping for an unknown file, matching its column names to Dex fields by name.

Used by `dex-import mapping init FILE` (printed as YAML for the person to edit), for CSVs that no built-in
mapping recognises, and for the columns of Dex's own export that are not published. Columns that match
nothing become note lines ("Column: value" in the description), so nothing is lost until the person
decides otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from importer.dex.fields import SCALAR_FIELDS

# Column names squashed to lower-case letters and digits -> where their values go.
_NAME_PARTS = {
    "full": ("name", "fullname", "displayname", "contactname", "contact", "person", "fn"),
    "first": ("firstname", "givenname", "first", "forename", "vorname", "prenom"),
    "middle": ("middlename", "additionalname", "middle"),
    "last": ("lastname", "surname", "familyname", "last", "nachname", "nom"),
    "prefix": ("nameprefix", "prefix", "salutation", "honorific", "anrede"),
    "suffix": ("namesuffix", "suffix"),
    "nickname": ("nickname", "nick", "alias"),
}
_FIELDS = {
    "company": ("company", "organization", "organisation", "org", "companyname", "employer",
                "organizationname", "firma", "business"),
    "job_title": ("jobtitle", "title", "position", "role", "occupation", "organizationtitle", "job"),
    "description": ("notes", "note", "description", "comments", "comment", "about", "bio", "notizen"),
    "birthday": ("birthday", "dob", "dateofbirth", "birthdate", "bday", "geburtstag"),
    "linkedin": ("linkedin", "linkedinurl", "linkedinprofile", "linkedinhandle"),
    "twitter": ("twitter", "twitterhandle", "xhandle", "twitterurl"),
    "facebook": ("facebook", "facebookurl"),
    "instagram": ("instagram", "instagramhandle"),
    "telegram": ("telegram",),
    "tiktok": ("tiktok",),
    "youtube": ("youtube",),
    "website": ("website", "web", "homepage", "url", "webpage", "site", "webseite"),
    "legacy_location": ("location", "city", "town", "ort"),
    "education": ("education", "school", "schools", "university"),
    "starred": ("starred", "favorite", "favourite", "star"),
    "frequency": ("frequency", "keepintouch", "keepintouchfrequency"),
    "last_seen_at": ("lastseen", "lastseenat", "lastcontacted", "lastcontact"),
    "next_reminder_at": ("nextreminder", "nextreminderat"),
    "image_url": ("photo", "photourl", "picture", "avatar", "imageurl", "image"),
}
_MULTI = {
    "emails": ("email", "emailaddress", "mail", "emails", "emailadresse"),
    "phones": ("phone", "phonenumber", "mobile", "mobilephone", "cell", "cellphone", "telephone",
               "tel", "phones", "telefon", "mobiltelefon", "handy"),
    "addresses": ("address", "streetaddress", "mailingaddress", "postaladdress", "adresse"),
}
_LABEL_WORDS = ("work", "home", "personal", "private", "business", "office", "mobile", "cell", "other",
                "main")
_LABELS = ("tags", "labels", "groups", "category", "categories", "groupmembership", "lists")


def squash(column: str) -> str:
    """Returns the column name as lower-case letters and digits only: ``E-mail Address`` -> ``emailaddress``."""
    return re.sub(r"[\W_]+", "", column.casefold())


def suggest_mapping(columns: Sequence[str], *, name: str = "my-contacts") -> dict[str, Any]:
    """Returns mapping data (ready for YAML) that sends each column where its name says.

    >>> suggest_mapping(["Name", "Email", "Mobile Phone"])["phones"]
    [{'value': 'Mobile Phone', 'label': 'Mobile'}]
    """
    data: dict[str, Any] = {"name": name, "title": f"Columns matched by name ({name})"}
    name_parts: dict[str, str] = {}
    fields: dict[str, str] = {}
    multis: dict[str, list[dict[str, str]]] = {"emails": [], "phones": [], "addresses": []}
    labels: list[str] = []
    notes: list[dict[str, str]] = []
    for column in columns:
        key = squash(column)
        bare = re.sub(r"\d+$", "", key)
        target = _match(key, bare)
        if target is None:
            multi, label = _match_multi(bare)
            if multi:
                entry = {"value": column}
                if label:
                    entry["label"] = label
                multis[multi].append(entry)
            elif key in _LABELS:
                labels.append(column)
            else:
                notes.append({"value": column, "label": column.strip()})
        elif target[0] == "name_parts" and target[1] not in name_parts:
            name_parts[target[1]] = column
        elif target[0] == "fields" and target[1] not in fields:
            fields[target[1]] = column
        else:
            notes.append({"value": column, "label": column.strip()})
    for key, value in (("name_parts", name_parts), ("fields", fields)):
        if value:
            data[key] = value
    for key, items in multis.items():
        if items:
            data[key] = items
    if labels:
        data["labels"] = [{"column": c, "split": ","} for c in labels]
    if notes:
        data["notes"] = notes
    return data


def mapping_yaml(columns: Sequence[str], *, source: str, name: str = "my-contacts") -> str:
    """Returns the text of a starting mapping for a file with these columns, with comments."""
    data = suggest_mapping(columns, name=name)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return (f"# Mapping for {source}, matched by column name by `dex-import mapping init`.\n"
            "# Check each line, then use it with: dex-import preview FILE --mapping THIS.yaml\n"
            "# Columns that matched no Dex field are under notes: (each becomes a 'Label: value' line\n"
            "# in the description). Move them to a field, or list them under ignore: to drop them.\n"
            "# The mapping language is described in docs/mappings.md.\n" + body)


def _match(key: str, bare: str) -> tuple[str, str] | None:
    for part, names in _NAME_PARTS.items():
        if key in names:
            return "name_parts", part
    for field, names in _FIELDS.items():
        if key in names:
            return "fields", field
    for field in SCALAR_FIELDS:
        # A spreadsheet's own "ID" or "Source" column is not Dex's contact id or source.
        if key == squash(field) and field not in ("id", "source", "image_source"):
            return "fields", field
    return None


def _match_multi(bare: str) -> tuple[str | None, str | None]:
    for multi, names in _MULTI.items():
        for word in _LABEL_WORDS:
            for name in names:
                if bare in (word + name, name + word):
                    return multi, word.title()
        if bare in names:
            label = "Mobile" if bare in ("mobile", "mobilephone", "cell", "cellphone", "mobiltelefon",
                                         "handy") else None
            return multi, label
    return None, None
