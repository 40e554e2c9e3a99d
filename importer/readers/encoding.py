"""Which text encoding a contact export uses, and a text stream that decodes it without losing a row.

Exports arrive as UTF-8 (with or without a byte-order mark), UTF-16 (Outlook and Excel "Unicode text",
sometimes without a BOM) or Windows-1252 (older Outlook and Excel CSVs). Detection reads the whole file
once, in chunks, so memory stays constant however large the file is.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from importer.errors import InputError, UsageError


class Openable(Protocol):
    """Anything that opens to a binary stream from its start, each time asked (an `InputFile`, a test's bytes)."""

    @property
    def open(self) -> Callable[[], BinaryIO]: ...

_CHUNK = 1 << 16
_HEAD = 4096
_CP1252_FALLBACK = "dex-cp1252-latin1"


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """Return the Latin-1 reading of the bytes cp1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


# cp1252 has five holes; a stray 0x81 in a name must not cost the row, so those bytes read as Latin-1.
codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)


@dataclass(frozen=True)
class EncodingGuess:
    """The codec to decode a file with, the BOM bytes to skip, and why."""

    encoding: str
    bom: bytes
    reason: str


def sniff_utf16(head: bytes) -> EncodingGuess | None:
    """Return a UTF-16 guess from a BOM or from the NUL-byte pattern of the first bytes, else None.

    >>> sniff_utf16("Name".encode("utf-16-le")).encoding
    'utf-16-le'
    """
    if head.startswith(codecs.BOM_UTF16_LE):
        return EncodingGuess("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 little-endian byte-order mark")
    if head.startswith(codecs.BOM_UTF16_BE):
        return EncodingGuess("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16 big-endian byte-order mark")
    # UTF-16 without a BOM: Latin text puts a NUL in every other byte, the odd ones for little-endian.
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.1:
        return EncodingGuess("utf-16-le", b"", "NUL in every other byte: UTF-16 little-endian without a BOM")
    if even_nul > 0.4 and odd_nul < 0.1:
        return EncodingGuess("utf-16-be", b"", "NUL in every other byte: UTF-16 big-endian without a BOM")
    return None


def decode_head(head: bytes) -> str:
    """Return the first bytes of a file as text, honouring a BOM or UTF-16; for sniffing only."""
    guess = sniff_utf16(head)
    if guess is not None:
        return head[len(guess.bom):].decode(guess.encoding, errors="replace")
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    return head.decode("utf-8", errors="replace")


def first_decode_error(f: Openable, encoding: str) -> tuple[int, int] | None:
    """Return (line, byte) of the first byte `encoding` cannot decode in `f` (its BOM skipped), or None.

    Reads in chunks: memory stays constant however large the file.
    """
    with f.open() as stream:
        stream.seek(len(bom_for(encoding, stream.read(_HEAD))))
        return _first_utf8_error(stream, encoding)


def _first_utf8_error(stream: BinaryIO, encoding: str = "utf-8") -> tuple[int, int] | None:
    """Return (line, byte) of the first byte that is not UTF-8 (or `encoding`), reading in chunks; None when
    all of it decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    while True:
        chunk = stream.read(_CHUNK)
        try:
            decoder.decode(chunk or b"", final=not chunk)
        except UnicodeDecodeError as error:
            # the decoder's buffered tail is an incomplete sequence, never a newline, so counting is exact
            return lines + error.object[:error.start].count(b"\n"), error.object[error.start]
        if not chunk:
            return None
        lines += chunk.count(b"\n")


def detect_encoding(f: Openable) -> EncodingGuess:
    """Return the encoding of `f`: UTF-16 by BOM or NULs, else UTF-8 when every byte decodes, else cp1252."""
    with f.open() as stream:
        head = stream.read(_HEAD)
        guess = sniff_utf16(head)
        if guess is not None:
            return guess
        bom = codecs.BOM_UTF8 if head.startswith(codecs.BOM_UTF8) else b""
        stream.seek(len(bom))
        bad = _first_utf8_error(stream)
    if bad is None:
        return EncodingGuess("utf-8", bom, "UTF-8 byte-order mark" if bom else "every byte is valid UTF-8")
    line, byte = bad
    if bom:
        # Outlook writes a UTF-8 BOM and then a Windows-1252 body
        return EncodingGuess("cp1252", bom, f"UTF-8 BOM but the body is not UTF-8 (byte 0x{byte:02X} on "
                                            f"line {line}): read as Windows-1252")
    return EncodingGuess("cp1252", b"", f"not UTF-8 (byte 0x{byte:02X} on line {line}): read as Windows-1252")


def bom_for(encoding: str, head: bytes) -> bytes:
    """Return the BOM at the start of `head` that belongs with `encoding`, or b"".

    A UTF-8 BOM is skipped before a cp1252 body too (the Outlook quirk), so it never reaches a cell.
    """
    name = codec_name(encoding)
    boms = {"utf-8": codecs.BOM_UTF8, "cp1252": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE}
    bom = boms.get(name, b"")
    return bom if bom and head.startswith(bom) else b""


def codec_name(encoding: str) -> str:
    """Return Python's canonical name for `encoding`; UsageError when Python has no such codec."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError, TypeError):
        info = None
    # rot13, base64, zlib ... are codecs too, but not text encodings
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise UsageError(f"unknown encoding {encoding!r}: use a Python codec name such as utf-8, cp1252 "
                         f"or utf-16") from None
    return info.name


def open_text(f: Openable, encoding: str) -> io.TextIOWrapper:
    """Return a text stream over `f` decoded with `encoding`, its BOM skipped and line endings kept as-is."""
    stream = f.open()
    head = stream.read(_HEAD)
    bom = bom_for(encoding, head)
    stream.seek(len(bom))
    errors = _CP1252_FALLBACK if codec_name(encoding) == "cp1252" else "replace"
    try:
        # some codecs fail whole rather than replace a byte (utf-32 with no BOM): say so before reading
        codecs.getincrementaldecoder(encoding)(errors).decode(head[len(bom):])
    except UnicodeError as error:
        stream.close()
        raise InputError(f"cannot be read as {encoding} ({error})", path=getattr(f, "name", None),
                         hint="Leave out --encoding to detect it, or give the encoding the file was saved in") \
            from None
    # newline="" keeps \r\n inside quoted cells and lets Record.raw be the line exactly as written
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
