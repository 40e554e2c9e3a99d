"""Names and free text: whitespace tidied, and a person's name as Dex's full/first/last fields.

Dex has `full_name`, `first_name` and `last_name` only. Exports give either the parts (Google, Outlook,
vCard N) or one display name (LinkedIn pairs, spreadsheets, vCard FN); `build_name` takes whichever exists.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Words that join the last name when they stand before it: "Ludwig van Beethoven", "Maria de la Cruz".
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "do", "du", "la", "le",
              "ter", "ten", "bin", "binti", "al", "el", "af", "zu", "zur", "st.", "saint"}
# Titles before a name; compared without dots and case ("Dr." == "dr").
_PREFIXES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "hon", "fr", "capt",
             "herr", "frau", "mme", "mlle"}
# Generational and academic suffixes after a name. Ambiguous ones that are also surnames (Ma, Do, V) are
# left out on purpose: mistaking a surname for a degree loses the name.
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa", "dds", "dmd", "rn", "msc", "bsc",
             "mphil", "dphil", "obe", "mbe", "cbe", "kbe", "pe", "pmp", "cfa", "llm", "jd", "dvm", "frcs"}


@dataclass(frozen=True)
class Name:
    """A person's name as Dex stores it; `full_name` is set whenever any part is."""

    full_name: str | None
    first_name: str | None
    last_name: str | None


def clean_text(raw: str) -> str:
    """Return `raw` trimmed, NFC-normalized, with every run of whitespace (tabs, newlines, NBSP) as one space.

    Zero-width spaces and byte-order marks (invisible debris from copy-paste and Excel) are removed, other
    control characters too; emoji and the zero-width joiner inside them are kept.

    >>> clean_text("  Ann\\u00a0\\tExample \\n")
    'Ann Example'
    """
    if raw.isprintable():
        # Nothing to remove: no control, format (zero-width, BOM) or non-space whitespace character. Most
        # cells are like this, and the character filter below is the costliest step for them.
        return " ".join(raw.split()) if raw.isascii() else unicodedata.normalize("NFC", " ".join(raw.split()))
    text = "".join(ch for ch in raw if ch not in "\u200b\ufeff" and
                   (ch.isspace() or unicodedata.category(ch) != "Cc"))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def build_name(*, full: str = "", first: str = "", middle: str = "", last: str = "", prefix: str = "",
               suffix: str = "", nickname: str = "") -> Name | None:
    """Return the Dex name from whichever parts exist, or None when there are none.

    A given full name wins for `full_name` (else the parts are joined: prefix first middle last suffix);
    given first/last parts win over the ones split from the full name (see `split_full_name`). A nickname
    is the full name only when nothing else exists.

    >>> build_name(full="Dr. Ann van der Example")
    Name(full_name='Dr. Ann van der Example', first_name='Ann', last_name='van der Example')
    """
    full, first, middle, last = clean_text(full), clean_text(first), clean_text(middle), clean_text(last)
    prefix, suffix, nickname = clean_text(prefix), clean_text(suffix), clean_text(nickname)
    if full:
        split = split_full_name(full)
        return Name(split.full_name, first or split.first_name, last or split.last_name)
    if first or last:
        if _east_asian(first + middle + last):
            # Chinese, Japanese and Korean names are written family name first, without spaces: 王伟, 김민준
            return Name("".join(part for part in (last, middle, first) if part), first or None, last or None)
        joined = " ".join(part for part in (prefix, first, middle, last, suffix) if part)
        return Name(joined, first or None, last or None)
    if middle or prefix or suffix:
        return Name(" ".join(part for part in (prefix, middle, suffix) if part), middle or None, None)
    if nickname:
        return Name(nickname, None, None)
    return None


def split_full_name(full: str) -> Name:
    """Return `full` split into first and last name; ``full_name`` is `full`, reordered for "Last, First".

    The last word is the last name, with particles before it (van der, de la); every word before it is
    the first name (so "Mary Ann Example" keeps "Mary Ann"). Titles (Dr., Mr.) and suffixes (Jr., III,
    PhD) are neither. "Example, Ann" is the sorted form and becomes "Ann Example"; "Ann Example, PhD" is not
    (the part after the comma is a suffix). "Dr. Example" is a last name; "Madonna" a first name.

    >>> split_full_name("Example, Ann")
    Name(full_name='Ann Example', first_name='Ann', last_name='Example')
    """
    full = clean_text(full)
    segments = [seg.strip() for seg in full.split(",")]
    # Trailing comma segments made only of suffixes: "Ann Example, Jr., PhD".
    while len(segments) > 1 and segments[-1] and all(_is_suffix(w) for w in segments[-1].split()):
        segments.pop()
    segments = [seg for seg in segments if seg]
    if len(segments) == 2:
        # "Last, First" (Outlook's File As, sorted exports): reorder for the full name.
        last_part, first_part = segments
        first_words = _drop_titles(first_part.split())
        last_words = [w for w in _drop_titles(last_part.split()) if not _is_suffix(w)]
        first = " ".join(first_words) or None
        last = " ".join(last_words) or None
        return Name(" ".join(p for p in (first_part, last_part) if p), first, last)
    words = _drop_titles(" ".join(segments).split())
    titled = len(words) < len(" ".join(segments).split())
    while len(words) > 1 and _is_suffix(words[-1]):
        words.pop()
    if not words:
        return Name(full, None, None)
    if len(words) == 1:
        # "Dr. Example", "Mr. Example": a title goes with the family name; a lone word is a first name.
        return Name(full, None, words[0]) if titled else Name(full, words[0], None)
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return Name(full, " ".join(words[:start]), " ".join(words[start:]))


def _drop_titles(words: list[str]) -> list[str]:
    """Return `words` without leading titles (Dr., Mr., Prof.), keeping at least one word."""
    while len(words) > 1 and _key(words[0]) in _PREFIXES:
        words = words[1:]
    return words


def _is_suffix(word: str) -> bool:
    """Return True when `word` is a generational or academic suffix (Jr., III, Ph.D.)."""
    return _key(word) in _SUFFIXES


def _key(word: str) -> str:
    """Return `word` lower-cased without dots and commas, for comparing titles and suffixes."""
    return word.lower().replace(".", "").replace(",", "")


def _east_asian(text: str) -> bool:
    """Return True when `text` is written only in Han, kana or Hangul (spaces and dots aside)."""
    letters = [ch for ch in text if not ch.isspace() and ch not in "·・."]
    return bool(letters) and all(_is_cjk(ch) for ch in letters)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x2FA1F)
