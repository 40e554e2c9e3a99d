"""Returns what a record without a name is named after: its email address, or failing that its phone.

Google and Outlook rows, and Android or SOGo cards, often hold only an email address or a phone number: the
person is known, only not by name. Such a record becomes a contact whose full name is its first email address
(``ann@example.com``), or, with no email, its first valid phone number in international form
(``+1 201-555-0123``); ``--skip-nameless`` skips them instead. A stand-in name is no person's name: it is
never compared as a name (name and company, possible duplicates), and a real name wins over it in a merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from importer.normalize.keys import fold_email
from importer.normalize.phones import international

KINDS = ("email", "phone")
"""What a nameless record may be named after, in the order they are tried."""


def stand_in_name(contact: Mapping[str, Any]) -> tuple[str, str] | None:
    """Returns ``(kind, name)`` a contact without a name is named after, None when nothing identifies it.

    Only a valid value counts: the emails a mapping kept are valid ones; a phone counts when it could be
    sanitized (a valid number in E.164), and names the contact in international form.

    >>> stand_in_name({"contact_emails": [{"email": "ann@example.com"}]})
    ('email', 'ann@example.com')
    >>> stand_in_name({"contact_phone_numbers": [{"phone_number": "555-0123"},
    ...                                          {"phone_number": "(201) 555-0123", "phone_number_sanitized": "+12015550123"}]})
    ('phone', '+1 201-555-0123')
    >>> stand_in_name({"description": "met at the fair"}) is None
    True
    """
    for entry in contact.get("contact_emails") or ():
        if isinstance(entry, dict) and entry.get("email"):
            return "email", str(entry["email"])
    for entry in contact.get("contact_phone_numbers") or ():
        if isinstance(entry, dict) and entry.get("phone_number_sanitized"):
            return "phone", international(str(entry["phone_number_sanitized"]))
    return None


def named_after(contact: Mapping[str, Any]) -> str | None:
    """Returns "email" or "phone" when the contact's only name is one of its emails or phones, else None.

    >>> named_after({"full_name": "Ann@Example.com", "contact_emails": [{"email": "ann@example.com"}]})
    'email'
    >>> named_after({"full_name": "Ann Example", "contact_emails": [{"email": "ann@example.com"}]}) is None
    True
    """
    name = str(contact.get("full_name") or "").strip()
    if not name or contact.get("first_name") or contact.get("last_name"):
        return None
    if "@" in name:
        folded = fold_email(name)
        if any(isinstance(e, dict) and fold_email(e.get("email")) == folded
               for e in contact.get("contact_emails") or ()):
            return "email"
    elif name.startswith("+"):
        for entry in contact.get("contact_phone_numbers") or ():
            sanitized = entry.get("phone_number_sanitized") if isinstance(entry, dict) else None
            if sanitized and name in (sanitized, international(str(sanitized))):
                return "phone"
    return None
