"""Returns the forms in which two values count as "the same": one rule per kind of value, used everywhere.

The account check, the lookups that settle an unknown outcome and the labels all compare through these, so
that "is this the person (or the tag) we mean?" has one answer in the whole importer.

- Text (names, companies, tag names): Unicode NFC, whitespace collapsed, case folded (`fold_text`).
- Email addresses: trimmed and lower-cased, but *not* case-folded (`fold_email`): casefold would make
  ``strasse@example.com`` and ``straße@example.com`` one address, and they are two mailboxes. A name folds
  ``Straße`` to ``strasse``, as a person reading it would.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any


def fold_text(value: Any) -> str:
    """Returns `value` as text for comparing: NFC, whitespace collapsed, casefolded; "" for None.

    >>> fold_text("  Ann   EXAMPLE ")
    'ann example'
    >>> fold_text("Weiß") == fold_text("WEISS")
    True
    """
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(text.split()).casefold()


def fold_email(value: Any) -> str:
    """Returns an email address as compared: trimmed, NFC, lower-cased (not casefolded); "" for None.

    >>> fold_email(" Ann@Example.COM ")
    'ann@example.com'
    >>> fold_email("straße@example.com") == fold_email("strasse@example.com")
    False
    """
    return unicodedata.normalize("NFC", str(value or "")).strip().lower()


def name_keys(contact: Mapping[str, Any]) -> set[str]:
    """Returns the folded ways a contact's name reads: its full_name, and first + last ("" left out).

    >>> sorted(name_keys({"full_name": "Ann Example", "first_name": "Ann", "last_name": "Example-Smith"}))
    ['ann example', 'ann example-smith']
    """
    joined = fold_text(f"{contact.get('first_name') or ''} {contact.get('last_name') or ''}")
    return {n for n in (fold_text(contact.get("full_name")), joined) if n}
