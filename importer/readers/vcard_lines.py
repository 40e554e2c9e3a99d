"""Turn the bytes of a .vcf file into cards, and each card into logical property lines (each parsed by
vcard_property).

Nothing here trusts the file. Real exports come in UTF-16 (big-endian, sometimes with no BOM), end lines
with CR LF, LF, a mix of both, or iOS's CR CR LF, put ``#`` comments and blank lines anywhere, forget
``END:VCARD``, nest a 2.1 ``AGENT`` card inside another, and fold lines three ways: RFC folding (next line
starts with a space), quoted-printable soft breaks (a line ending in ``=`` whose next line is *not*
indented), and plain broken lines with no indentation at all. Splitting into cards works on physical lines
only, so one card's folding can never swallow the next card.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count, repeat
from typing import BinaryIO, NamedTuple

CHUNK_SIZE = 1 << 16

# One line terminator: any CRs then LF (CR LF, LF, iOS's CR CR LF), or a lone CR (classic Mac).
_TERMINATOR = re.compile(rb"\r*\n|\r")
_BEGIN = re.compile(rb"\s*BEGIN\s*:\s*VCARD\s*", re.IGNORECASE)
_END = re.compile(rb"\s*END\s*:\s*VCARD\s*", re.IGNORECASE)
# What a BEGIN:VCARD / END:VCARD line can start with (the empty line's b"" is "in" any bytes: harmless).
_MAY_BEGIN = b"Bb \t\n\r\x0b\x0c"
_MAY_END = b"Ee \t\n\r\x0b\x0c"
# What a line that is neither BEGIN nor END, blank nor a comment starts with, and an AGENT line ends with.
_PLAIN_START = frozenset(bytes([c]) for c in b"ACDFGHIJKLMNOPQRSTUVWXYZacdfghijklmnopqrstuvwxyz0123456789")
_INDENT = frozenset((b" ", b"\t"))
_CONTINUES = frozenset(bytes([c]) for c in range(256) if c not in b" \t\n\r\x0b\x0c#BbEe")
_MAY_END_AGENT = frozenset((b":", b" ", b"\t", b"\x0b", b"\x0c"))
# vCard 2.1 AGENT: an empty value, the embedded card follows on the next lines.
_AGENT_ALONE = re.compile(rb"(?:[A-Za-z0-9_-]+\.)?AGENT(?:;[^:]*)?:\s*", re.IGNORECASE)
# group.NAME;param=value;param="quoted: ; ,": (quoted parameter values may hold ; : and ,)
PROPERTY_START = re.compile(rb'(?:[A-Za-z0-9_-]+\.)?[A-Za-z0-9_-]+(?:;(?:"[^"]*"|[^":])*)?:')
_KNOWN_NAMES = (
    b"BEGIN|END|VERSION|FN|N|NICKNAME|PHOTO|BDAY|ANNIVERSARY|GENDER|ADR|LABEL|TEL|EMAIL|MAILER|TZ|GEO|"
    b"TITLE|ROLE|LOGO|AGENT|ORG|MEMBER|RELATED|CATEGORIES|NOTE|PRODID|REV|SORT-STRING|SOUND|UID|URL|"
    b"CLASS|KEY|IMPP|KIND|LANG|SOURCE|NAME|PROFILE|CLIENTPIDMAP|FBURL|CALURI|CALADRURI|XML")
# After a quoted-printable soft break, a line is only a new property when it plainly looks like one
# (upper-case known name or X- extension): Android ends a value exactly on a soft break, yet QP text such
# as "Note: call me" must stay part of the value.
_PLAIN_PROPERTY = re.compile(rb"(?:[A-Za-z0-9_-]+\.)?(?:" + _KNOWN_NAMES + rb"|X-[A-Za-z0-9_-]+)[;:]")
_FOLD_WIDTH = 72
# A line is made with tuple.__new__ in bulk (C code, a third of PhysicalLine(...)'s cost); same object.
_new_tuple = tuple.__new__


# The line and property values are NamedTuples, not frozen dataclasses: a file holds hundreds of thousands
# of them, and a frozen dataclass's __init__ costs twice as much (one object.__setattr__ per field).
class PhysicalLine(NamedTuple):
    """One line of the file as written: its 1-based number, its bytes, and the terminator it ended with."""

    number: int
    content: bytes
    ending: bytes


@dataclass(frozen=True, slots=True)
class RawCard:
    """The physical lines from ``BEGIN:VCARD`` to its ``END:VCARD`` (or to where the card was cut off)."""

    line: int
    lines: tuple[PhysicalLine, ...]
    ended: bool


class LogicalLine(NamedTuple):
    """One unfolded property line (``NAME;params:value``) and the physical line it started on."""

    number: int
    text: bytes


def detect_encoding(head: bytes) -> tuple[str | None, int]:
    """Return ``(codec, bom_length)``: a UTF-16 codec when the file is UTF-16, else ``None`` (bytes as is).

    UTF-16 without a BOM is recognised by its zero bytes: ``\\x00B\\x00E`` is big-endian ``BE``.
    """
    if head.startswith(codecs.BOM_UTF8):
        return None, 3
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    sample = head[:64]
    if len(sample) >= 2:
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) // 2
        if sample[0] == 0 and sample[1] != 0 and even_zeros * 2 > half and odd_zeros * 4 < half:
            return "utf-16-be", 0
        if sample[0] != 0 and sample[1] == 0 and odd_zeros * 2 > half and even_zeros * 4 < half:
            return "utf-16-le", 0
    return None, 0


def byte_chunks(stream: BinaryIO) -> tuple[Iterator[bytes], bool]:
    """Return the file's content as chunks of bytes, and whether it was transcoded from UTF-16 to UTF-8.

    A UTF-16 file is re-encoded to UTF-8 on the fly, so the rest of the reader only ever sees bytes in
    which a newline is ``\\n``; its ``CHARSET`` parameters then no longer describe the bytes.
    """
    head = stream.read(CHUNK_SIZE)
    codec, bom = detect_encoding(head)
    if codec is None:
        return _passthrough(head[bom:], stream), False
    return _transcoded(head[bom:], stream, codec), True


def _passthrough(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """Yield the first chunk, then the rest of the stream chunk by chunk."""
    yield head
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


def _transcoded(head: bytes, stream: BinaryIO, codec: str) -> Iterator[bytes]:
    """Yield the stream decoded from `codec` and re-encoded as UTF-8 (bad code units become U+FFFD)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    chunk = head
    while chunk:
        yield decoder.decode(chunk).encode("utf-8")
        chunk = stream.read(CHUNK_SIZE)
    yield decoder.decode(b"", final=True).encode("utf-8")


def physical_lines(chunks: Iterable[bytes]) -> Iterator[PhysicalLine]:
    """Return the lines of the byte stream, each with its number and its own terminator.

    CR CR LF counts as one line end (iOS), so line numbers match what an editor shows.
    """
    buffer = bytearray()
    scan = number = 0
    for chunk in _with_end(chunks):
        final = chunk is None
        buffer += chunk or b""
        data = bytes(buffer)  # slicing bytes copies once; slicing the bytearray would copy twice
        start = 0
        ending = _uniform_ending(data)
        if ending is not None:  # every line of the chunk ends alike: split it at once, in C
            end = data.rfind(ending)
            if end >= 0:
                parts = data[:end].split(ending)
                yield from map(_new_tuple, repeat(PhysicalLine), zip(count(number + 1), parts, repeat(ending)))
                number += len(parts)
                start = scan = end + len(ending)
        while True:
            # The usual line ends in LF or CR LF: found with two finds, no regex. A CR anywhere else (classic
            # Mac, or CRs at the end of the chunk that may yet be CR CR LF) takes the general way below.
            lf = data.find(b"\n", scan)
            if lf >= 0:
                cr = data.find(b"\r", scan, lf)
                if cr < 0 or data.count(b"\r", cr, lf) == lf - cr:
                    number += 1
                    if cr < 0:
                        yield PhysicalLine(number, data[start:lf], b"\n")
                    else:
                        yield PhysicalLine(number, data[start:cr], b"\r\n" if cr == lf - 1 else data[cr:lf + 1])
                    start = scan = lf + 1
                    continue
            match = _TERMINATOR.search(data, scan)
            if match is None:
                scan = len(data)
                break
            if not final and match.group() == b"\r" and _only_crs_from(buffer, match.start()):
                scan = match.start()  # CRs up to the end of the chunk may yet be CR CR LF: wait
                break
            number += 1
            yield PhysicalLine(number, data[start:match.start()], match.group())
            start = scan = match.end()
        del buffer[:start]
        scan -= start
    if buffer:
        yield PhysicalLine(number + 1, bytes(buffer), b"")


def _uniform_ending(data: bytes) -> bytes | None:
    """Return the one line ending of `data` when every line in it ends in LF, or every one in CR LF."""
    crs = data.count(b"\r")
    if not crs:
        return b"\n"
    crlfs = data.count(b"\r\n")
    return b"\r\n" if crs == crlfs == data.count(b"\n") else None


def _only_crs_from(buffer: bytearray, index: int) -> bool:
    """Return whether every byte of `buffer` from `index` on is a CR."""
    while index < len(buffer) and buffer[index] == 0x0D:
        index += 1
    return index == len(buffer)


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes | None]:
    """Yield the chunks, then ``None`` to mark the end of the stream."""
    yield from chunks
    yield None


def split_cards(lines: Iterable[PhysicalLine]) -> Iterator[RawCard]:
    """Return the cards of the file, lazily; lines outside any card are ignored.

    A ``BEGIN:VCARD`` inside a card starts a nested card only right after an empty 2.1 ``AGENT:``;
    anywhere else it means the previous card lost its ``END:VCARD``, so that card ends there.
    """
    current: list[PhysicalLine] = []
    depth = 0
    agent_pending = False
    for line in lines:
        text = line.content
        # most lines: a property or an indented continuation inside a card, neither BEGIN, END, blank nor a comment
        if current and (text[:1] in _PLAIN_START or (text[:1] in _INDENT and text[1:2] in _CONTINUES)):
            current.append(line)
            agent_pending = text[-1:] in _MAY_END_AGENT and bool(_AGENT_ALONE.fullmatch(text))
            continue
        if text[:1] in _MAY_BEGIN and _BEGIN.fullmatch(text):
            if current and agent_pending:
                depth += 1
                current.append(line)
            else:
                if current:
                    yield RawCard(current[0].number, tuple(current), ended=False)
                current, depth = [line], 1
            agent_pending = False
            continue
        if not current:
            continue
        current.append(line)
        stripped = text.strip()
        if not stripped or stripped.startswith(b"#"):
            continue
        # cheap tests first: most lines neither end with ":" nor start like END
        agent_pending = stripped.endswith(b":") and bool(_AGENT_ALONE.fullmatch(text))
        if text[:1] in _MAY_END and _END.fullmatch(text):
            depth -= 1
            if depth == 0:
                yield RawCard(current[0].number, tuple(current), ended=True)
                current = []
    if current:
        yield RawCard(current[0].number, tuple(current), ended=False)


def unfold(lines: Iterable[PhysicalLine]) -> tuple[list[LogicalLine], list[PhysicalLine]]:
    """Return the card's logical property lines, and the lines that belong to no property.

    Handles RFC folding, quoted-printable soft breaks (next line not indented, a value ending exactly on a
    soft break), ``#`` comments, blank lines (2.1 writes one after a base64 ``PHOTO``), and continuation
    lines written with no leading space: glued on directly when the line before was as long as a fold,
    else joined with a newline (an exporter that wrote a multi-line note raw).
    """
    logical: list[LogicalLine] = []
    orphans: list[PhysicalLine] = []
    # bytes until a continuation is glued on, then a bytearray: appending to bytes copies the whole value
    # each time, which made a folded 20 MB PHOTO take minutes
    current: bytes | bytearray | None = None
    start = previous_length = 0
    quoted_printable = False
    for line in lines:
        text = line.content
        if text[:1] in _INDENT and text[1:2] in _CONTINUES and current is not None and not quoted_printable:
            # the usual continuation, tested first (a folded photo is thousands of them): an indented line, not
            # blank, not a comment, in a property that is not quoted-printable, as the last branch below takes it
            if not isinstance(current, bytearray):
                current = bytearray(current)
            current += text[1:]
            previous_length = len(text)
            continue
        if current is not None and quoted_printable and (soft := _soft_break_at(current)) >= 0 \
                and text.strip() and not _PLAIN_PROPERTY.match(text):
            if not isinstance(current, bytearray):
                current = bytearray(current)
            del current[soft:]  # soft break: drop "=", join as is
            current += text
        elif head := PROPERTY_START.match(text):
            # (tested before blank, comment and indented lines: a property line starts with a name
            # character, so it is none of those, and most lines are property lines)
            if current is not None:
                logical.append(LogicalLine(start, _drop_dangling_soft_break(current, quoted_printable)))
            current, start = text, line.number
            found = head.group()
            quoted_printable = b";" in found and b"QUOTED-PRINTABLE" in found.upper()
        elif not text.strip() or text.lstrip().startswith(b"#"):
            continue
        elif current is not None and text[:1] in (b" ", b"\t"):
            if not isinstance(current, bytearray):
                current = bytearray(current)
            current += text[1:]
        elif current is not None:
            if not isinstance(current, bytearray):
                current = bytearray(current)
            if previous_length < _FOLD_WIDTH:
                current += b"\n"
            current += text
        else:
            orphans.append(line)
            continue
        previous_length = len(text)
    if current is not None:
        logical.append(LogicalLine(start, _drop_dangling_soft_break(current, quoted_printable)))
    return logical, orphans


def _soft_break_at(value: bytes | bytearray) -> int:
    """Return the index of the ``=`` ending `value` (trailing blanks allowed), or -1; reads only the end."""
    index = len(value) - 1
    while index >= 0 and value[index] in (0x20, 0x09):
        index -= 1
    return index if index >= 0 and value[index] == 0x3D else -1


def _drop_dangling_soft_break(value: bytes | bytearray, quoted_printable: bool) -> bytes:
    """Return the finished line, without the ``=`` of a quoted-printable value that ended on a soft break."""
    trimmed = bytes(value).rstrip(b" \t") if quoted_printable else bytes(value)
    if quoted_printable and trimmed.endswith(b"="):
        return trimmed[:-1]
    return bytes(value)
