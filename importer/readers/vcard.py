"""Read a vCard file (2.1, 3.0, 4.0, bent the way real exporters bend them) into Records, card by card.

Each card becomes a `Record` whose values are pseudo-columns (``FN``, ``N.given``, ``EMAIL 1 - Value``,
``TEL 2 - Label``...; `card_values` lists them all), or, when nothing in it can be read, one
`CardFailure` with the line of its ``BEGIN:VCARD`` and its original text. One bad card never costs the file.
Photos are never decoded or kept: ``PHOTO`` holds how many were skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from importer.errors import InputError
from importer.model import Notice, Record
from importer.readers import vcard_values as fmt
from importer.readers.vcard_lines import (
    RawCard,
    byte_chunks,
    physical_lines,
    split_cards,
    unfold,
)
from importer.readers.vcard_property import (
    Property,
    decode_quoted_printable,
    decode_text,
    parse_property,
)

# Media are counted, never decoded or kept (a photo can be tens of KB of base64, or invalid base64).
_MEDIA = ("PHOTO", "LOGO", "SOUND", "KEY")
_COUNTED_AS = {"X-MS-CARDPICTURE": "PHOTO"}  # Outlook's photo
_NUMBERED = ("EMAIL", "TEL", "ADR", "URL", "X-SOCIALPROFILE", "IMPP", "X-ABDATE", "X-ABRELATEDNAMES")
_N_PARTS = (".family", ".given", ".additional", ".prefix", ".suffix")


@dataclass(frozen=True, slots=True)
class CardFailure:
    """A card that cannot be read at all: the file, the line of its BEGIN:VCARD, why, and its original text."""

    file: str
    line: int
    reason: str
    raw: str


def read_vcard(name: str, open_binary: Callable[[], BinaryIO]) -> Iterator[Record | CardFailure]:
    """Return the cards of a vCard file, lazily, each as a `Record` or a `CardFailure`.

    Raises `InputError` only when the file cannot be opened or read, or holds no ``BEGIN:VCARD`` at all.
    """
    try:
        stream = open_binary()
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc.strerror or exc})", path=name,
                         hint="Check the path and that you may read it.") from exc
    found = False
    with stream:
        try:
            chunks, transcoded = byte_chunks(stream)
            for card in split_cards(physical_lines(chunks)):
                found = True
                yield read_card(name, card, transcoded=transcoded)
        except OSError as exc:
            raise InputError(f"reading the file failed ({exc})", path=name,
                             hint="Copy the file somewhere local and try again.") from exc
    if not found:
        raise InputError("no BEGIN:VCARD line, so this is not a vCard file", path=name,
                         hint="Export the contacts again as vCard (.vcf), or pick the format that matches.")


def read_card(file: str, card: RawCard, *, transcoded: bool = False) -> Record | CardFailure:
    """Return the `Record` for one card, or a `CardFailure` when nothing in it can be read."""
    try:
        return _read_card(file, card, transcoded=transcoded)
    except Exception as exc:  # noqa: BLE001 - one card must never take the file down; the reason names it
        return CardFailure(file, card.line, f"unexpected error reading this card ({type(exc).__name__}: {exc})",
                           raw_text(card))


def _read_card(file: str, card: RawCard, *, transcoded: bool) -> Record | CardFailure:
    """Return the card's `Record`, with notices for lines skipped and values decoded by guesswork."""
    body = card.lines[1:-1] if card.ended else card.lines[1:]
    logical, orphans = unfold(body)
    properties = [prop for prop in map(parse_property, logical) if prop is not None]
    if not properties:
        where = f"; line {orphans[0].number} is not NAME:value" if orphans else ""
        return CardFailure(file, card.line, f"the card holds no vCard properties{where}", raw_text(card))
    notices = [Notice(file, line.number, None, "vcard-line-skipped",
                      "this line is not a vCard property (NAME:value), so it was skipped") for line in orphans]
    if not card.ended:
        last = card.lines[-1].number
        notices.insert(0, Notice(file, card.line, None, "vcard-no-end",
                                 f"this card has no END:VCARD; it was read up to line {last}"))
    values, problems = card_values(properties, transcoded=transcoded)
    notices += [Notice(file, line, column, "vcard-decoding", message) for line, column, message in problems]
    return Record(file, card.line, values, raw_text(card), tuple(notices))


def raw_text(card: RawCard) -> str:
    """Return the card's original text, line endings included, decoded as its declared CHARSET if not UTF-8."""
    data = b"".join(line.content + line.ending for line in card.lines)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"CHARSET=\"?([A-Za-z0-9_.:-]+)", data, re.IGNORECASE)
    charset = declared.group(1).decode("ascii") if declared else None
    return "".join(decode_text(line.content + line.ending, charset)[0] for line in card.lines)


def card_values(properties: list[Property], *, transcoded: bool = False
                ) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    """Return the card's pseudo-columns, and ``(line, property, problem)`` for values decoded by guesswork.

    Columns: FN, N.family/.given/.additional/.prefix/.suffix, NICKNAME, ORG, ORG.unit, TITLE, ROLE, NOTE,
    BDAY, ANNIVERSARY, X-ABShowAs, GEO, CATEGORIES, KIND, VERSION, X-PHONETIC-*, AGENT, PHOTO/LOGO/SOUND/KEY
    (counts); numbered ``EMAIL n - Value/Label``, ``TEL n``, ``ADR n - Formatted/Label``, ``URL n``,
    ``X-SOCIALPROFILE n - Value/Type``, ``IMPP n - Value/Type``, ``X-ABDATE n``, ``X-ABRELATEDNAMES n``;
    any other property under its upper-case name. A repeated single property becomes ``NAME 2``, ``NAME 3``.
    """
    outer, agents = _split_nested(properties)
    outer = _first_of_each_altid(outer)
    labels: dict[str, str] = {}
    labelled: set[str] = set()
    for prop in outer:
        if not prop.group:
            continue
        if prop.name == "X-ABLABEL":
            if prop.group not in labels:
                text, _ = _decoded(prop, transcoded)
                labels[prop.group] = fmt.unwrap_label(fmt.unescape(text or "").strip())
        elif prop.name in _NUMBERED:
            labelled.add(prop.group)
    values: dict[str, str] = {}
    used: Counter[str] = Counter()
    media: Counter[str] = Counter()
    numbered: list[tuple[str, int, int, dict[str, str]]] = []
    categories: list[str] = []
    problems: list[tuple[int, str, str]] = []

    def slot(key: str) -> str:
        used[key] += 1
        return key if used[key] == 1 else f"{key} {used[key]}"

    for index, prop in enumerate(outer):
        if prop.name in _MEDIA or prop.name in _COUNTED_AS:
            media[_COUNTED_AS.get(prop.name, prop.name)] += 1
            continue
        if prop.name == "X-ABLABEL" and prop.group in labelled:
            continue
        text, problem = _decoded(prop, transcoded)
        if problem:
            problems.append((prop.line, prop.name, problem))
        if text is None:
            continue
        if prop.name in _NUMBERED:
            types = prop.types  # computed once for the label and the preference
            fields = _numbered_fields(prop, text, labels.get(prop.group, "") if prop.group else "", types)
            if next(iter(fields.values())):
                numbered.append((prop.name, fmt.preference(prop, types), index, fields))
        elif prop.name in ("N", "ORG"):
            parts = [fmt.one_line(fmt.unescape(part)) for part in fmt.split_escaped(text, ";")]
            if any(parts):
                base = slot(prop.name)
                names = (zip(_N_PARTS, parts) if prop.name == "N"
                         else [("", parts[0]), (".unit", " / ".join(part for part in parts[1:] if part))])
                values.update((base + suffix, part) for suffix, part in names if part)
        elif prop.name == "CATEGORIES":
            categories += [c for c in (fmt.unescape(p).strip() for p in fmt.split_escaped(text, ",")) if c]
        else:
            value = _single_value(prop, text, agents.get(prop, []), transcoded)
            if value:
                values[slot(_column(prop.name))] = value
    if categories:
        values["CATEGORIES"] = " ::: ".join(categories)
    values.update((name, str(count)) for name, count in media.items())
    values.update(_number(numbered))
    return values, problems


def _split_nested(properties: list[Property]) -> tuple[list[Property], dict[Property, list[Property]]]:
    """Return the outer card's properties, and each nested 2.1 AGENT card's properties by its AGENT."""
    outer: list[Property] = []
    nested: dict[Property, list[Property]] = {}
    depth = 0
    for prop in properties:
        if prop.name in ("BEGIN", "END") and prop.value.strip().upper() == b"VCARD":
            depth = depth + 1 if prop.name == "BEGIN" else max(depth - 1, 0)
        elif depth == 0:
            outer.append(prop)
        elif outer:
            nested.setdefault(outer[-1], []).append(prop)
    return outer, nested


def _first_of_each_altid(properties: list[Property]) -> list[Property]:
    """Return the properties without the 4.0 ALTID alternatives (same name and ALTID) after the first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for prop in properties:
        altid = prop.param("ALTID")
        if altid is not None and (prop.name, altid) in seen:
            continue
        if altid is not None:
            seen.add((prop.name, altid))
        kept.append(prop)
    return kept


def _decoded(prop: Property, transcoded: bool) -> tuple[str | None, str | None]:
    """Return the property's value as text (``None`` when it cannot be had), and a problem if guessed."""
    if not prop.params:  # most properties: no encoding, no CHARSET, and (nearly always) UTF-8
        try:
            return prop.value.decode("utf-8").replace("\r\n", "\n"), None
        except UnicodeDecodeError:
            pass
    if prop.encoding in ("B", "BASE64"):
        return _base64_text(prop)
    if prop.encoding == "QUOTED-PRINTABLE":
        data = decode_quoted_printable(prop.value)
    elif transcoded:  # a UTF-16 file was re-encoded as UTF-8, whatever its CHARSET parameters say
        return prop.value.decode("utf-8", "replace").replace("\r\n", "\n"), None
    else:
        data = prop.value
    text, problem = decode_text(data, prop.param("CHARSET"))
    return text.replace("\r\n", "\n"), problem  # 2.1 quoted-printable line breaks are =0D=0A


def _base64_text(prop: Property) -> tuple[str | None, str | None]:
    """Return a base64 value as text when it is text (rare); binary data is skipped with a problem."""
    try:
        data = base64.b64decode(re.sub(rb"\s+", b"", prop.value), validate=True)
        return data.decode(prop.param("CHARSET") or "utf-8"), None
    except (binascii.Error, LookupError, ValueError, TypeError):
        return None, "a binary (base64) value was skipped"


def _single_value(prop: Property, text: str, nested: list[Property], transcoded: bool) -> str:
    """Return the column value of a non-numbered property: dates normalised, GEO as ``lat,lon``..."""
    if prop.name in ("BDAY", "ANNIVERSARY"):
        return fmt.date(text, prop)
    if prop.name == "GEO":
        return fmt.geo(fmt.unescape(text))
    if prop.name == "AGENT":
        return _agent_name(text, nested, transcoded)
    return fmt.unescape(text).strip()


def _column(name: str) -> str:
    """Return the pseudo-column of a property name (Apple's X-ABShowAs keeps its spelling)."""
    return "X-ABShowAs" if name == "X-ABSHOWAS" else name


def _numbered_fields(prop: Property, text: str, apple_label: str, types: tuple[str, ...]) -> dict[str, str]:
    """Return the fields of one numbered value (``Value`` or ``Formatted`` first, then ``Label``/``Type``)."""
    plain = fmt.unescape(text).strip()
    if prop.name == "ADR":
        return {"Formatted": fmt.address(text, prop), "Label": fmt.label(prop, apple_label, types)}
    if prop.name == "X-SOCIALPROFILE":
        kinds = [kind for kind in types if kind.upper() != "PREF"]
        # Apple writes the handle in x-user= when the value is only "x-apple:handle".
        user = prop.param("X-USER")
        value = user.strip() if user and (not plain or plain.lower().startswith("x-apple:")) else plain
        return {"Value": value, "Type": kinds[0].lower() if kinds else ""}
    if prop.name == "IMPP":
        handle, service = fmt.impp(plain, prop)
        return {"Value": handle, "Type": service}
    value = {"EMAIL": fmt.email, "TEL": fmt.telephone}.get(prop.name, str)(plain)
    if prop.name == "X-ABDATE":
        value = fmt.date(text, prop)
    return {"Value": value, "Label": fmt.label(prop, apple_label, types)}


def _number(numbered: list[tuple[str, int, int, dict[str, str]]]) -> dict[str, str]:
    """Return the numbered columns (``TEL 1 - Value``...): per property, preferred first, then file order."""
    columns: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for name, _, _, fields in sorted(numbered, key=lambda entry: (entry[0], entry[1], entry[2])):
        counts[name] += 1
        columns.update((f"{name} {counts[name]} - {field}", value) for field, value in fields.items() if value)
    return columns


def _agent_name(text: str, nested: list[Property], transcoded: bool) -> str:
    """Return who a 2.1/3.0 AGENT names: the FN of its embedded card, else its value (a URI or text)."""
    for prop in nested:
        if prop.name == "FN":
            return fmt.unescape(_decoded(prop, transcoded)[0] or "").strip()
    value = fmt.unescape(text).strip()
    embedded = re.search(r"^FN[^:\n]*:(.*)$", value, re.MULTILINE | re.IGNORECASE)
    if value.upper().startswith("BEGIN:VCARD") and embedded:
        return embedded.group(1).strip()
    return value
