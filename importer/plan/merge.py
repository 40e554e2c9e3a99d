"""Returns what makes two records the same person, and the one contact several records become.

Records are the same person when they share an email (case-insensitive) or a LinkedIn handle, or the same
phone (E.164) together with the same name (`strong_keys`); or the same name and company, unless their
LinkedIn profiles or their addresses at one domain differ (`weak_keys`; the rule is
`importer.normalize.keys`). A shared phone alone is not enough: offices and families share numbers. Merging (`merge_group`) keeps the union of emails, phones, addresses and description
lines, the first non-empty value of every other field, a description line naming the records merged, and a
notice for each value that lost to another (`merge_conflicts`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from importer.dex.fields import FIELD_ORDER
from importer.mapping.apply import Mapped
from importer.model import Contact, Notice, Record
from importer.normalize.keys import (
    NAME_AND_COMPANY,
    fold_email,
    fold_name,
    linkedin_key,
    name_company_keys,
)
from importer.normalize.nameless import named_after
from importer.plan.dedupe import Groups


@dataclass(frozen=True)
class Planned:
    """A contact to send: the records it comes from (several when merged) and the person's labels."""

    position: int
    contact: Contact
    records: tuple[Record, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Merge:
    """Records merged into one contact, and why (the key they share)."""

    records: tuple[tuple[str, int], ...]
    reason: str

    def describe(self) -> str:
        """Returns ``a.csv:3 + b.vcf:12 (same email ann@example.com)``."""
        return " + ".join(f"{f}:{line}" for f, line in self.records) + f" ({self.reason})"


def strong_keys(contact: Contact) -> list[tuple[str, str]]:
    """Returns the keys that make two records the same person: emails, LinkedIn handle, phone with name.

    >>> strong_keys({"full_name": "Ann Example", "linkedin": "Ann-Example",
    ...              "contact_phone_numbers": [{"phone_number_sanitized": "+12125550134"}]})
    [('LinkedIn handle', 'ann-example'), ('phone and name', '+12125550134 ann example')]
    """
    keys = [("email", fold_email(e["email"])) for e in contact.get("contact_emails", ())]
    if handle := linkedin_key(contact.get("linkedin")):  # a cut handle (``raj-``) is no key
        keys.append(("LinkedIn handle", handle))
    name = fold_name(str(contact.get("full_name") or ""))
    if name:
        keys += [("phone and name", f"{p['phone_number_sanitized']} {name}")
                 for p in contact.get("contact_phone_numbers", ()) if p.get("phone_number_sanitized")]
    return keys


def weak_keys(contact: Contact) -> list[tuple[str, str]]:
    """Returns the keys that make two records the same person unless their identities conflict: name and
    company (`importer.normalize.keys.name_company_keys`); none when the name is only a stand-in for the
    email or phone (`importer.normalize.nameless`): that is no person's name."""
    if named_after(contact):
        return []
    return [(NAME_AND_COMPANY, key) for key in name_company_keys(contact)]


def dedupe_keys(contact: Contact, *, names: bool = True) -> list[tuple[str, str]]:
    """Returns every dedupe key of a contact, strong ones first, then (with `names`) the weak ones.

    >>> dedupe_keys({"full_name": "Ann Example", "company": "Acme GmbH", "linkedin": "ann-example"})
    [('LinkedIn handle', 'ann-example'), ('name and company', 'ann example\x1facme')]
    """
    return strong_keys(contact) + (weak_keys(contact) if names else [])


def merge_group(group: list[tuple[Mapped, int]]) -> Planned:
    """Returns one contact made of several records' contacts (the first record's values win, but a person's
    name wins over the email or phone a nameless record was named after)."""
    records = tuple(m.record for m, _ in group)
    merged: dict[str, Any] = {}
    lines: list[str] = []
    labels: list[str] = []
    stand_in = False  # the name kept so far is only an email or phone
    for m, _ in group:
        contact = m.contact or {}
        if contact.get("full_name") and (not merged.get("full_name") or stand_in):
            if named_after(contact) is None:
                merged["full_name"], stand_in = contact["full_name"], False
            elif not merged.get("full_name"):
                merged["full_name"], stand_in = contact["full_name"], True
        for key, value in contact.items():
            if key in ("contact_emails", "contact_phone_numbers", "legacy_contact_addresses"):
                _union(merged, key, value)
            elif key == "description":
                lines += [line for line in str(value).splitlines() if line not in lines]
            elif key not in merged or merged[key] in ("", None, [], {}):
                merged[key] = value
        labels += [label for label in m.labels if label not in labels]
    sources = ", ".join(f"{os.path.basename(r.file)}:{r.line}" for r in records)
    lines.append(f"Merged by dex-import from {sources}")
    merged["description"] = "\n".join(lines)
    ordered = {k: merged[k] for k in sorted(merged, key=lambda k: FIELD_ORDER.get(k, len(FIELD_ORDER)))}
    return Planned(group[0][1], ordered, records, tuple(labels))


def merge_conflicts(group: Sequence[Mapped]) -> list[Notice]:
    """Returns a notice for each value of a later record that lost to an earlier record's value."""
    kept: dict[str, tuple[Any, Record]] = {}
    notices = []
    for m in group:
        contact = m.contact or {}
        stand_in = named_after(contact) is not None  # an email or phone as name: no name to lose
        for key, value in contact.items():
            if key == "full_name" and stand_in:
                continue
            if key in ("contact_emails", "contact_phone_numbers", "legacy_contact_addresses", "description",
                       "first_name", "last_name"):
                continue
            if key not in kept:
                kept[key] = (value, m.record)
            elif kept[key][0] != value and value not in ("", None):
                first = kept[key][1]
                notices.append(Notice(m.record.file, m.record.line, None, "merge-conflict",
                                      f"merged into the contact of {first.file}:{first.line}: kept its {key} "
                                      f"{kept[key][0]!r}, not {value!r}"))
    return notices


def _union(merged: dict[str, Any], key: str, values: list[dict[str, Any]]) -> None:
    entries: list[dict[str, Any]] = merged.setdefault(key, [])
    for value in values:
        if not any(_same_entry(key, value, e) for e in entries):
            entries.append({**value, **({"ranking": len(entries)} if "ranking" in value else {})})


def _same_entry(key: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    if key == "contact_emails":
        return fold_email(a["email"]) == fold_email(b["email"])
    if key == "contact_phone_numbers":
        def digits(p: dict[str, Any]) -> str:
            return str(p.get("phone_number_sanitized") or "".join(c for c in p["phone_number"] if c.isdigit()))
        return digits(a) == digits(b)
    return bool(a == b)


def reason_of(groups: Groups, leader: int, members: dict[int, Mapped]) -> str:
    """Returns why the group of `leader` was joined, from its first strong join and its first weak join:
    ``same email ann@example.com``, ``same name and company (Ann Example, Acme Inc.)``, or both."""
    reasons = []
    strong = groups.reason(leader)
    if strong is not None:
        position, index = strong
        keys = strong_keys(members[position].contact or {})
        if index < len(keys):
            kind, text = keys[index]
            reasons.append(f"same {kind} {text.split(' ', 1)[0]}")
        else:  # the keys after a record's own are those of the person's merge decisions
            reasons.append("accepted in the merge decisions")
    weak = groups.reason(leader, weak=True)
    if weak is not None:
        contact = members[weak[0]].contact or {}
        reasons.append(f"same {NAME_AND_COMPANY} ({contact.get('full_name')}, {contact.get('company')})")
    return "; ".join(reasons) or "same person"
