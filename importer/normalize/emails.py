"""Email addresses: the bare address out of what address books write around it, and duplicates dropped.

The address keeps the case it was written in (the part before "@" may be case-sensitive in theory, and it is
what the person typed); only comparisons ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from importer.normalize import Problem
from importer.normalize.keys import fold_email

# A display name before the address: `Ann Example <ann@example.com>`, `"Example, Ann" <ann@example.com>`.
_ANGLE = re.compile(r"<([^<>]*)>\s*$")
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
# The part before "@": anything printable except spaces and the characters that need quoting (RFC 5322
# quoted local parts are so rare in address books that they are rejected rather than half-supported).
_LOCAL = re.compile(r"[^\s@()<>\[\]\\,;:\"]+")
# One domain label: letters (any script, for IDN), digits and inner hyphens.
_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")


def clean_email(raw: str) -> tuple[str | None, Problem | None]:
    """Return the bare address (case kept) and no problem; ``(None, problem)`` if not one; ``(None, None)`` if blank.

    >>> clean_email("Ann Example <Ann@Example.com>")
    ('Ann@Example.com', None)
    """
    text = raw.strip()
    if not text:
        return None, None
    angle = _ANGLE.search(text)
    if angle:
        text = angle.group(1).strip()
    if _MAILTO.match(text):
        # mailto: links can carry ?subject=...; the address is what comes before.
        text = text[len("mailto:"):].split("?", 1)[0].strip()
    if text.lower().startswith("/o="):
        # Outlook exports Exchange users with their X.500 directory path instead of an SMTP address.
        return None, ("invalid-email", f"{raw.strip()!r} is an Exchange directory path, not an email address: "
                      "left out; export the contacts with their SMTP (name@domain) addresses to keep it")
    if text.count("@") > 1 and re.search(r"[,;\s]", text):
        return None, ("invalid-email", f"{raw.strip()!r} holds more than one address: left out; put each address "
                      "in its own column or cell")
    if not _is_address(text):
        return None, ("invalid-email", f"{raw.strip()!r} is not an email address: left out; fix it in the file "
                      "if it should be one")
    return text, None


def dedupe_emails(emails: Iterable[str]) -> tuple[list[str], list[Problem]]:
    """Return the emails without case-insensitive repeats (the first spelling wins) and one problem per repeat.

    >>> dedupe_emails(["ann@example.com", "Ann@Example.com"])[0]
    ['ann@example.com']
    """
    kept: dict[str, str] = {}
    problems: list[Problem] = []
    for email in emails:
        if not email:
            continue
        key = fold_email(email)
        if key in kept:
            problems.append(("duplicate-email", f"{email!r} repeats {kept[key]!r} (addresses compare without "
                             "case): kept the first one only; nothing to do unless they are different people"))
        else:
            kept[key] = email
    return list(kept.values()), problems


def _is_address(text: str) -> bool:
    """Return True when `text` looks like ``local@domain.tld`` with a plausible domain."""
    if len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    # The top-level domain has letters (or is punycode: xn--...), never only digits.
    return not labels[-1].isdigit() and len(labels[-1]) >= 2
