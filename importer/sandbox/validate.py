"""Strict validation of the contact objects the sandbox accepts, field by field, as in the seed contract.

Every check returns a list of problems, each a one-line message that starts with the JSON path of the bad
value (``contacts[3].birthday: expected YYYY-MM-DD, got '03/07/1984'``), so a 400 tells the importer which
contact and which field, the way a strict real API would. Unknown fields are problems too: the importer must
send only what Dex documents.
"""

from __future__ import annotations

import calendar
import difflib
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

MAX_BATCH = 100

Check = Callable[[Any, str], list[str]]

FREQUENCIES = ("7 days", "14 days", "1 mon", "42 days", "3 mons", "6 mons", "1 year")
NAME_FIELDS = ("full_name", "first_name", "last_name")

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_COUNTRY_CODE = re.compile(r"^\+[1-9]\d{0,3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def show(value: Any) -> str:
    """Return a short rendering of a JSON value for a message: ``'text'``, ``12``, ``null``, ``true``."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(expected: str, test: Callable[[Any], bool]) -> Check:
    """Return a check that `test` holds, else ``path: expected <expected>, got <value>``."""
    def check(value: Any, path: str) -> list[str]:
        return [] if test(value) else [f"{path}: expected {expected}, got {show(value)}"]
    return check


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python, but `true` is not a number in JSON
    return isinstance(value, int) and not isinstance(value, bool)


string = _kind("a string", lambda v: isinstance(v, str))
boolean = _kind("true or false", lambda v: isinstance(v, bool))
integer = _kind("an integer", _is_int)
number = _kind("a number", lambda v: _is_int(v) or isinstance(v, float))
uuid = _kind("a UUID", lambda v: isinstance(v, str) and bool(_UUID.match(v)))
e164 = _kind("an E.164 number like +12125550134", lambda v: isinstance(v, str) and bool(_E164.match(v)))
country_code = _kind("a country calling code like +1",
                     lambda v: isinstance(v, str) and bool(_COUNTRY_CODE.match(v)))
email = _kind("an email address like name@example.com", lambda v: isinstance(v, str) and bool(_EMAIL.match(v)))
frequency = _kind("one of " + ", ".join(repr(f) for f in FREQUENCIES), lambda v: v in FREQUENCIES)
birthday_year = _kind("a year between 1 and 9999", lambda v: _is_int(v) and 1 <= v <= 9999)
any_object = _kind("an object", lambda v: isinstance(v, dict))


def _any(value: Any, path: str) -> list[str]:
    """Accept anything (the seed marks these fields ``<unknown>``)."""
    return []


def _valid_date(value: str) -> bool:
    match = _DATE.match(value)
    if not match:
        return False
    year, month, day = (int(g) for g in match.groups())
    # Year 0000 is a common "year unknown" placeholder; judge the day against a leap year then
    leap_year = year if year >= 1 else 2000
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(leap_year, month)[1]


def _valid_datetime(value: str) -> bool:
    if not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


date = _kind("YYYY-MM-DD", lambda v: isinstance(v, str) and _valid_date(v))
date_time = _kind("an ISO 8601 date-time like 2023-11-07T05:31:56Z",
                  lambda v: isinstance(v, str) and _valid_datetime(v))


def obj(fields: Mapping[str, Check], *, required: tuple[str, ...] = ()) -> Check:
    """Return a check for an object with exactly these optional `fields` (and the `required` ones)."""
    def check(value: Any, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {show(value)}"]
        problems = [f"{path}.{name}: required" for name in required if name not in value]
        for name, item in value.items():
            problems += check_field(fields, name, item, f"{path}.{name}")
        return problems
    return check


def list_of(item_check: Check) -> Check:
    """Return a check for a JSON array whose every item passes `item_check`."""
    def check(value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {show(value)}"]
        return [p for i, item in enumerate(value) for p in item_check(item, f"{path}[{i}]")]
    return check


def check_field(fields: Mapping[str, Check], name: str, value: Any, path: str) -> list[str]:
    """Return the problems of one field of an object: unknown (with a did-you-mean) or badly typed."""
    if name not in fields:
        close = difflib.get_close_matches(name, list(fields), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [f"{path}: unknown field{hint}"]
    return fields[name](value, path)


_STRINGS = (
    "full_name", "first_name", "last_name", "description", "job_title", "legacy_location", "company",
    "education", "source", "image_url", "image_source", "business_card_url", "website", "linkedin", "twitter",
    "facebook", "instagram", "telegram", "tiktok", "youtube", "whatsapp_message_link",
    "whatsapp_message_snippet", "imessage_message_link", "imessage_message_snippet", "linkedin_message_link",
    "linkedin_last_message_snippet", "instagram_message_link", "instagram_message_snippet",
    "gmail_last_interaction_provider_id", "gmail_last_interaction_subject", "gmail_last_interaction_provider",
    "gcal_last_interaction_provider_id", "gcal_last_interaction_title", "gcal_last_interaction_provider",
    "phone_call_interaction_snippet",
)
_DATETIMES = (
    "last_seen_at", "next_reminder_at", "whatsapp_last_message_at", "imessage_last_message_at",
    "linkedin_last_message_at", "instagram_last_message_at", "gmail_last_interaction_at",
    "gcal_last_interaction_at", "phone_call_last_interaction_at",
)

CONTACT_FIELDS: dict[str, Check] = {
    **{name: string for name in _STRINGS},
    **{name: date_time for name in _DATETIMES},
    "id": uuid,
    "starred": boolean,
    "never_keep_in_touch": boolean,
    "birthday": date,
    "birthday_year": birthday_year,
    "frequency": frequency,
    "coordinates": obj({"operation": string,
                        "data": obj({"latitude": number, "longitude": number}, required=("latitude", "longitude"))},
                       required=("operation", "data")),
    "linkedin_data": any_object,
    "web_search_summary": any_object,
    "legacy_contact_addresses": list_of(obj({"formatted": string}, required=("formatted",))),
    "contact_emails": list_of(obj({"email": email, "label": string, "ranking": integer}, required=("email",))),
    "contact_phone_numbers": list_of(obj(
        {"phone_number": string, "country_code": country_code, "phone_number_sanitized": e164,
         "label": string, "ranking": integer}, required=("phone_number",))),
    "groups_contacts": list_of(obj({"group_id": uuid}, required=("group_id",))),
    "tags_contacts": list_of(obj({"tag_id": uuid}, required=("tag_id",))),
    "custom_fields": list_of(obj(
        {"id": uuid, "type": _kind("'input', 'autocomplete' or 'datepicker'",
                                   lambda v: v in ("input", "autocomplete", "datepicker")),
         "text_value": string, "custom_field": _any}, required=("id",))),
    "contact_birthdays": obj({"contact_id": uuid, "last_dismissal_year": integer}),
    "related_contacts": list_of(obj({"destination": uuid, "source_contact": _any, "destination_contact": _any},
                                    required=("destination",))),
}


def has_name(contact: Mapping[str, Any]) -> bool:
    """Return True when the contact has a non-blank full_name, first_name or last_name."""
    return any(isinstance(contact.get(f), str) and contact[f].strip() for f in NAME_FIELDS)


def contact_problems(value: Any, path: str, *, partial: bool = False) -> list[str]:
    """Return every problem of one contact object; `partial` (an update) does not require a name."""
    if not isinstance(value, dict):
        return [f"{path}: expected a contact object, got {show(value)}"]
    problems = [p for name, item in value.items() for p in check_field(CONTACT_FIELDS, name, item, f"{path}.{name}")]
    if not partial and not has_name(value):
        problems.append(f"{path}: a contact needs a full_name, first_name or last_name")
    return problems


def create_problems(body: Any) -> list[str]:
    """Return every problem of a create body ``{"contacts": [...]}`` (empty when it is valid).

    >>> create_problems({"contacts": [{"full_name": "Ada Vance", "birthday": "03/07/1984"}]})
    ["contacts[0].birthday: expected YYYY-MM-DD, got '03/07/1984'"]
    """
    if not isinstance(body, dict) or "contacts" not in body:
        return ['body: expected a JSON object with "contacts"']
    extra = [f"{name}: unknown field" for name in body if name != "contacts"]
    contacts = body["contacts"]
    if not isinstance(contacts, list):
        return extra + [f"contacts: expected a list, got {show(contacts)}"]
    if not 1 <= len(contacts) <= MAX_BATCH:
        return extra + [f"contacts: expected 1 to {MAX_BATCH} contacts, got {len(contacts)}"]
    return extra + [p for i, c in enumerate(contacts) for p in contact_problems(c, f"contacts[{i}]")]
