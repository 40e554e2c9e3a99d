"""Open one input file the person named: check it can be read and decide what kind of export it is.

The kind is decided by content first (a zip holding ``xl/`` is a workbook, ``BEGIN:VCARD`` near the top is
a vCard) and by extension second. A LinkedIn data-export zip stands for the Connections.csv inside it.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from importer.errors import InputError
from importer.readers.encoding import decode_head, sniff_utf16

_HEAD = 4096
_EXPORT_HINT = "Give the CSV, Excel (.xlsx) or vCard (.vcf) file you exported, or LinkedIn's data-export zip."

# Files people pick by mistake; an old .xls is worth naming because saving it again fixes it.
_MAGIC: dict[bytes, str] = {
    b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image", b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image", b"RIFF": "a media file",
    b"\x1f\x8b": "a gzip archive", b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x7fELF": "a program", b"MZ": "a Windows program",
    b"\xd0\xcf\x11\xe0": "an old-style Excel .xls workbook (or another Office 97 file)",
}


@dataclass(frozen=True)
class InputFile:
    """A readable input: its display name, its kind ("csv", "xlsx", "vcard"), a way to open it, its size."""

    name: str
    kind: str
    open: Callable[[], BinaryIO]
    size: int | None


def open_input(path: str | os.PathLike[str]) -> InputFile:
    """Return the InputFile for `path`; InputError when it is missing, empty, unreadable or not an export.

    >>> open_input("Basic_LinkedInDataExport_01-05-2026.zip").name  # doctest: +SKIP
    'Basic_LinkedInDataExport_01-05-2026.zip/Connections.csv'
    """
    name = os.fspath(path)
    file = Path(name)
    if not file.exists():
        raise InputError("no such file", path=name, hint="Check the path and the file name")
    if file.is_dir():
        raise InputError("is a folder, not a file", path=name, hint=_EXPORT_HINT)
    try:
        size = file.stat().st_size
        with file.open("rb") as stream:
            head = stream.read(_HEAD)
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=name,
                         hint="Check that the file exists and that you may read it") from None
    if not head:
        raise InputError("is empty", path=name, hint="Export your contacts again and give the new file")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _from_zip(name, file, size)
    return InputFile(name, _kind(name, head), lambda: file.open("rb"), size)


def _from_zip(name: str, file: Path, size: int) -> InputFile:
    """Return a workbook InputFile, or the Connections.csv member of a LinkedIn export read into memory."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if any(member.startswith("xl/") for member in names):
                return InputFile(name, "xlsx", lambda: file.open("rb"), size)
            # Basic_ and Complete_LinkedInDataExport zips; the member may sit in a folder, any case
            members = sorted((m for m in names if m.rsplit("/", 1)[-1].lower() == "connections.csv"),
                             key=lambda m: (m.count("/"), m))
            if not members:
                raise InputError("is a zip but holds no Connections.csv", path=name,
                                 hint="Give LinkedIn's data export zip (Basic_LinkedInDataExport_….zip) "
                                      "or the contacts file itself, unzipped")
            data = archive.read(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError,
            OSError, ValueError, zlib.error) as error:
        # RuntimeError is how zipfile reports an encrypted member
        raise InputError(f"is a damaged or encrypted zip ({error})", path=name,
                         hint="Download the export again, or unzip it and give the file inside") from None
    member_name = f"{name}/{members[0]}"
    if not data:
        raise InputError("is empty", path=member_name, hint="Download LinkedIn's data export again")
    return InputFile(member_name, _kind(member_name, data[:_HEAD]), lambda: io.BytesIO(data), len(data))


def _kind(name: str, head: bytes) -> str:
    """Return "vcard" or "csv" for a file that is not a zip; InputError when it is clearly binary."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"is {what}, not a contact export", path=name, hint=_EXPORT_HINT)
    if sniff_utf16(head) is None:
        controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r\f\v\x1a")
        if b"\x00" in head or controls > len(head) // 10:
            raise InputError("looks like a binary file, not a contact export", path=name, hint=_EXPORT_HINT)
    # a line that starts with BEGIN:VCARD, so a CSV cell mentioning it does not count
    if any(line.strip().lower().startswith("begin:vcard") for line in decode_head(head)[:1024].splitlines()):
        return "vcard"
    return "vcard" if Path(name).suffix.lower() in (".vcf", ".vcard") else "csv"


class _CountingReader(io.RawIOBase):
    """A binary stream that tells `on_bytes` its position after every read (for a progress bar)."""

    def __init__(self, stream: BinaryIO, on_bytes: Callable[[int], None]) -> None:
        self._stream = stream
        self._on_bytes = on_bytes
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stream.seekable()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        self._position += len(data)
        self._on_bytes(self._position)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._position = self._stream.seek(offset, whence)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._stream.close()
        super().close()


def counting(f: InputFile, on_bytes: Callable[[int], None]) -> InputFile:
    """Return `f` opening streams that call `on_bytes(position)` after each read of 64 KB or so."""
    opener = f.open
    return InputFile(f.name, f.kind, lambda: io.BufferedReader(_CountingReader(opener(), on_bytes), 1 << 16),
                     f.size)
