"""Returns what an encoding accident did to a text, and the repair when it is certain.

Two accidents are common in the files people really have:

- **Letters replaced by ``?``** (or by U+FFFD): a file saved through a code page that lacks the letter
  (an Excel "CSV" re-save of ``Raj Şahin`` gives ``Raj ?ahin``). The letter is lost: nothing can say which
  it was, so the value is kept as it is and the record says so (`replaced_letters`).
- **Mojibake**: UTF-8 read as Windows-1252 or Latin-1 (``RenÃ©e``, ``donâ€™t``). The bytes are all there and
  `ftfy` undoes it; the repair is taken only when ftfy changes the text and its result no longer looks
  like mojibake (`repair_mojibake`). Clean text, accents and other scripts included, is never touched.

Both checks start with one regular expression, so a clean value costs a search and nothing more.
"""

from __future__ import annotations

import re

# A `?` standing for a letter: directly before a letter ("J?rgen", "Raj ?ahin"), or, in a name, directly
# after one at its end or before a space ("Andr?"). A question mark ending a sentence is followed by a space
# or nothing and preceded by a word, so only names are checked for that second form.
_LETTER = r"[^\W\d_]"
_BEFORE_LETTER = re.compile(rf"\?{_LETTER}|\ufffd")
_IN_NAME = re.compile(rf"\?{_LETTER}|{_LETTER}\?(?:\s|$)|\ufffd")
# Mojibake of UTF-8 read as Windows-1252/Latin-1: a lead byte (Â..ô) followed by a continuation byte
# (0x80..0xBF, which Windows-1252 shows as € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ, and Latin-1
# as U+0080..U+00BF).
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
                       "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122"
                       "\u0161\u203a\u0153\u017e\u0178]")

# The characters either accident needs (a `?`, U+FFFD, a mojibake lead): one class, searched over a record's
# texts joined; an alternation of the patterns above would cost twenty times more on clean text.
_ANY = re.compile("[?\ufffd\u00c2-\u00f4]")


def suspicious(text: str) -> bool:
    """Returns whether `text` may hold either accident (cheap: a clean value costs one search).

    >>> suspicious("Ann Example\x1fExample Compilers"), suspicious("RenÃ©e"), suspicious("Why?")
    (False, True, True)
    """
    return _ANY.search(text) is not None


def replaced_letters(text: str, *, name: bool = False) -> bool:
    """Returns whether letters of `text` look replaced by ``?`` (or U+FFFD) in an encoding round-trip.

    >>> replaced_letters("Raj ?ahin"), replaced_letters("Fran?ois"), replaced_letters("Andr?", name=True)
    (True, True, True)
    >>> replaced_letters("Call her back?"), replaced_letters("Who? Acme"), replaced_letters("Zoë Łukasz")
    (False, False, False)
    """
    return bool((_IN_NAME if name else _BEFORE_LETTER).search(text))


def repair_mojibake(text: str) -> str | None:
    """Returns `text` with its mojibake undone by ftfy, or None when there is none or the repair is unsure.

    >>> repair_mojibake("RenÃ©e Example"), repair_mojibake("ÐŸÐµÑ‚Ñ€")
    ('Renée Example', 'Петр')
    >>> repair_mojibake("Renée"), repair_mojibake("Ñoño"), repair_mojibake("Петр"), repair_mojibake("東京")
    (None, None, None, None)
    """
    if not _MOJIBAKE.search(text):
        return None
    import ftfy  # loaded on the first suspicious value only: clean files never pay for it

    fixed = ftfy.fix_encoding(text)
    if fixed == text or _MOJIBAKE.search(fixed) or ftfy.badness.is_bad(fixed):
        return None
    return fixed
