"""Turn one decoded vCard property value into the text of its pseudo-column(s).

Text escapes (``\\n``, ``\\,``, ``\\;``, Google's ``http\\://``), dates with and without a year (Apple's
``X-APPLE-OMIT-YEAR=1604``, ``19800322``), ``tel:`` and ``geo:`` URIs, IMPP handles, addresses whose street
holds the whole address, and labels from Apple's ``X-ABLabel`` or from TYPE parameters.
"""

from __future__ import annotations

import re

from importer.readers.vcard_property import Property

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", ":": ":", "\\": "\\"}
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_", re.DOTALL)
_DATE = re.compile(r"(\d{4}|--)-?(\d{2})-?(\d{2})(?:T[0-9:.+\-Z]*)?")
# Years that mean "no year": Apple's X-APPLE-OMIT-YEAR placeholder 1604, and Android's 0000.
_NO_YEAR = ("1604", "0000")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.DOTALL)
_TYPE_LABELS = (("IPHONE", "iPhone"), ("CELL", "Mobile"), ("MOBILE", "Mobile"), ("MAIN", "Main"),
                ("PAGER", "Pager"), ("HOME", "Home"), ("WORK", "Work"), ("OTHER", "Other"))
# Types that say how a value travels, not whose it is: never a label.
_TECHNICAL_TYPES = frozenset({
    "INTERNET", "PREF", "VOICE", "X400", "MSG", "BBS", "MODEM", "ISDN", "PCS", "VIDEO", "TEXT", "TEXTPHONE",
    "DOM", "INTL", "POSTAL", "PARCEL", "AOL", "APPLELINK", "ATTMAIL", "CIS", "EWORLD", "IBMMAIL", "MCIMAIL",
    "POWERSHARE", "PRODIGY", "TLX", "UTF-8"})
NOT_PREFERRED = 1 << 30


def unescape(text: str) -> str:
    r"""Return vCard text with its escapes resolved; an unknown escape such as ``\U`` stays as written.

    >>> unescape(r"http\://example.com\, 1\;2\nnext")
    'http://example.com, 1;2\nnext'
    """
    if "\\" not in text:  # nothing escaped, the usual case
        return text
    return _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group()), text)


def split_escaped(text: str, separator: str) -> list[str]:
    r"""Return `text` split on `separator` where it is not escaped; the parts keep their escapes.

    >>> split_escaped(r"Doe\;Jr;John", ";")
    ['Doe\\;Jr', 'John']
    """
    if "\\" not in text:
        return text.split(separator)
    parts: list[str] = []
    start = index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == separator:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def one_line(text: str) -> str:
    """Return `text` with its lines stripped and joined with ", " (Google puts a whole address in a street)."""
    if text.isprintable():  # no line break of any kind (they are all unprintable): one line
        return text.strip()
    return ", ".join(part.strip() for part in text.splitlines() if part.strip())


def preference(prop: Property, types: tuple[str, ...] | None = None) -> int:
    """Return the rank that sorts preferred values first: ``PREF=n`` gives n, TYPE=pref or bare PREF 1.

    `types` is ``prop.types`` when the caller has it already.
    """
    pref = prop.param("PREF")
    if pref is not None:
        return int(pref) if pref.strip().isdigit() else 1
    return 1 if "PREF" in (prop.types if types is None else types) else NOT_PREFERRED


def label(prop: Property, apple_label: str, types: tuple[str, ...] | None = None) -> str:
    """Return the label of an email, phone, address...: Apple's group label, else one from TYPE, else "".

    `types` is ``prop.types`` when the caller has it already.
    """
    if apple_label:
        return apple_label
    kinds = [kind for kind in (prop.types if types is None else types) if kind]
    upper = {kind.upper() for kind in kinds}
    if "FAX" in upper:
        return "Home Fax" if "HOME" in upper else "Work Fax" if "WORK" in upper else "Fax"
    for kind, name in _TYPE_LABELS:
        if kind in upper:
            return name
    custom = [kind for kind in kinds if kind.upper() not in _TECHNICAL_TYPES]
    return re.sub(r"^[Xx]-", "", custom[0]) if custom else ""


def unwrap_label(text: str) -> str:
    """Return an Apple X-ABLabel as a person reads it: ``_$!<Other>!$_`` -> ``Other``; custom ones as is."""
    match = _APPLE_LABEL.fullmatch(text)
    return match.group(1) if match else text


def date(text: str, prop: Property) -> str:
    """Return a BDAY-like value as ``YYYY-MM-DD``, ``--MM-DD`` when it has no year, or the text as is.

    >>> date("1604-03-14", Property(1, "", "BDAY", (("X-APPLE-OMIT-YEAR", "1604"),), b""))
    '--03-14'
    """
    text = unescape(text).strip()
    value_type = (prop.param("VALUE") or "").lower()
    match = _DATE.fullmatch(text)
    if value_type == "text" or match is None:
        return text
    year, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return text
    if year in ("--", prop.param("X-APPLE-OMIT-YEAR"), *_NO_YEAR):
        return f"--{month}-{day}"
    return f"{year}-{month}-{day}"


def geo(text: str) -> str:
    """Return a GEO value as ``lat,lon``, from a 4.0 ``geo:`` URI or a 3.0 ``lat;lon``; else as is."""
    text = text.strip()
    if text.lower().startswith("geo:"):
        parts = text[4:].split(";")[0].split(",")[:2]
    else:
        parts = text.split(";") if ";" in text else text.split(",")
    if len(parts) != 2 or not all(part.strip() for part in parts):
        return text
    return ",".join(part.strip() for part in parts)


def telephone(text: str) -> str:
    """Return a phone number as written, taken out of a ``tel:`` URI (``;ext=`` kept as `` ext. ``)."""
    text = text.strip()
    if not text.lower().startswith("tel:"):
        return text
    number, *params = text[4:].split(";")
    extension = next((p[4:] for p in params if p.lower().startswith("ext=")), "")
    return f"{number} ext. {extension}" if extension else number


def email(text: str) -> str:
    """Return an email address, without a ``mailto:`` some exporters put in front."""
    text = text.strip()
    return text[7:] if text.lower().startswith("mailto:") else text


def impp(text: str, prop: Property) -> tuple[str, str]:
    """Return ``(handle, service)`` of an IMPP value: ``skype:jane.doe`` -> ``("jane.doe", "skype")``.

    The service comes from Apple's X-SERVICE-TYPE when present, else from the URI scheme.
    """
    text = text.strip()
    match = _SCHEME.fullmatch(text)
    handle, scheme = (match.group(2).removeprefix("//"), match.group(1)) if match else (text, "")
    return handle.strip(), prop.param("X-SERVICE-TYPE") or scheme


def address(text: str, prop: Property) -> str:
    """Return an ADR as one line: PO box, street, extended, locality, region, code, country joined by ", ".

    A street holding the whole address on several lines (Google) keeps its lines, joined by ", ", and
    the other parts are only added when the street does not already name them.
    """
    parts = [unescape(part) for part in split_escaped(text, ";")] + [""] * 7
    pobox, extended, street, locality, region, code, country = (one_line(p) for p in parts[:7])
    pieces = [pobox, street, extended]
    for piece in (locality, region, code, country):
        if "\n" in parts[2] and re.search(rf"\b{re.escape(piece)}\b", street, re.IGNORECASE):
            continue
        pieces.append(piece)
    formatted = ", ".join(piece for piece in pieces if piece)
    return formatted or one_line(prop.param("LABEL") or "")
