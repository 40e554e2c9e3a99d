"""One vCard property line: its group, NAME and parameters (parsed once per distinct head), and its value
decoded (quoted-printable, then the declared CHARSET or the likeliest one).
"""

from __future__ import annotations

import binascii
import functools
import re
from typing import NamedTuple

from importer.readers.vcard_lines import PROPERTY_START, LogicalLine


def decode_quoted_printable(data: bytes) -> bytes:
    """Return the bytes that quoted-printable `data` stands for; malformed ``=`` sequences stay as written.

    >>> decode_quoted_printable(b"=D0=98=D0=B2an=")
    b'\\xd0\\x98\\xd0\\xb2an='
    """
    if _QP_MALFORMED.search(data) is None:  # every "=" begins an escape: the C decoder reads it alike
        return binascii.a2b_qp(data)
    return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
# an "=" that is no escape: binascii would read "=" before a line end or at the end as a soft break
_QP_MALFORMED = re.compile(rb"=(?![0-9A-Fa-f]{2})")


_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
_CARET = re.compile(r"\^(.)")
_CARET_CHARS = {"n": "\n", "'": '"', "^": "^"}


class Property(NamedTuple):
    """One parsed property: group (lower case, "" when none), NAME (upper case), parameters, raw value.

    `params` holds ``(NAME, value)`` pairs in file order, parameter names upper-cased and values with
    quotes and RFC 6868 caret escapes removed; a vCard 2.1 bare parameter (``TEL;CELL``) has the name "".
    """

    line: int
    group: str
    name: str
    params: tuple[tuple[str, str], ...]
    value: bytes

    def param(self, name: str) -> str | None:
        """Return the first value of parameter `name` (upper case), or ``None``."""
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def encoding(self) -> str:
        """Return the transfer encoding in upper case (``QUOTED-PRINTABLE``, ``B``...), "" when none."""
        return _encoding(self.params) if self.params else ""  # most properties (FN:..., item1.TEL:...) have none

    @property
    def types(self) -> tuple[str, ...]:
        """Return the TYPE values in upper case, 2.1 bare parameters included, ``TYPE="work,voice"`` split."""
        return _types(self.params) if self.params else ()


# Both depend on the parameters only, which a file repeats: worked out once per distinct set.
@functools.lru_cache(maxsize=4_096)
def _encoding(params: tuple[tuple[str, str], ...]) -> str:
    bare = next((v.upper() for k, v in params if not k and v.upper() in _ENCODINGS), "")
    return (next((v for k, v in params if k == "ENCODING"), None) or bare).upper()


@functools.lru_cache(maxsize=4_096)
def _types(params: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    found: list[str] = []
    for key, value in params:
        if key == "TYPE":
            found.extend(part.strip().upper() for part in value.split(",") if part.strip())
        elif not key and value.upper() not in _ENCODINGS:
            found.append(value.strip().upper())
    return tuple(found)


def parse_property(line: LogicalLine) -> Property | None:
    """Return the property on a logical line, or ``None`` when it is not ``NAME[;params]:value``."""
    head = PROPERTY_START.match(line.text)
    if head is None:
        return None
    found = head.group()
    parsed = _HEADS.get(found)
    if parsed is None:
        if len(_HEADS) >= _MAX_HEADS:
            _HEADS.clear()
        parsed = _HEADS[found] = _parse_head(found[:-1].decode("utf-8", "replace"))
    return Property(line.number, *parsed, line.text[head.end():])


# A file repeats a few dozen heads (``item1.EMAIL;type=INTERNET;type=pref:``) thousands of times: each is parsed
# once. Bounded, for a file whose every head differs.
_HEADS: dict[bytes, tuple[str, str, tuple[tuple[str, str], ...]]] = {}
_MAX_HEADS = 4_096


def _parse_head(before_colon: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Return the group (lower case), NAME (upper case) and parameters of ``group.NAME;params``."""
    if ";" not in before_colon:  # no parameters: most properties
        group, _, name = before_colon.rpartition(".")
        return group.lower(), name.upper(), ()
    parts = _split_outside_quotes(before_colon, ";")
    group, _, name = parts[0].rpartition(".")
    params = tuple(_parse_param(part) for part in parts[1:] if part.strip()) if len(parts) > 1 else ()
    return group.lower(), name.upper(), params


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """Return `text` split on `separator` wherever it is not inside double quotes."""
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_param(text: str) -> tuple[str, str]:
    """Return ``(NAME, value)`` for ``name=value`` / ``name="value"``, ``("", value)`` for a bare 2.1 one."""
    name, equals, value = text.partition("=")
    if not equals:
        name, value = "", text
    # Quotes only protect ; : , inside a value (SORT-AS="Doe;John"); a literal quote would be ^' (RFC 6868).
    value = value.strip().replace('"', "")
    if "^" in value:
        value = _CARET.sub(lambda m: _CARET_CHARS.get(m.group(1), m.group()), value)
    return name.strip().upper(), value


def decode_text(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Return `data` as text, and a problem sentence when the declared charset could not be used.

    Tries the declared CHARSET, then UTF-8, then windows-1252 (what most undeclared 8-bit exports are),
    and finally Latin-1, which cannot fail.
    """
    problem = None
    if charset:
        try:
            return data.decode(charset), None
        except LookupError:
            problem = f"unknown CHARSET={charset}"
        except (UnicodeError, ValueError, TypeError):
            problem = f"the bytes are not valid {charset}"
    for fallback in ("utf-8", "cp1252"):
        try:
            text = data.decode(fallback)
        except UnicodeError:
            continue
        return text, (f"{problem}; read as {fallback}" if problem else None)
    return data.decode("latin-1"), (f"{problem}; read as latin-1" if problem else None)
