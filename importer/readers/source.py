"""Open one input file the person named: check it can be read and decide what kind of export it is.

The kind is decided by content first (a zip holding ``xl/`` is a workbook, ``BEGIN:VCARD`` near the top is
a vCard) and by extension second. A LinkedIn data-export zip stands for the Connections.csv inside it.
"""

from __future__ import annotations

import io
import os
import stat
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


_OLE = b"\xd0\xcf\x11\xe0"
# an encrypted .xlsx is an OLE compound file holding a stream of this name (UTF-16 in its directory)
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _is_encrypted_ooxml(file: Path) -> bool:
    """Return True when the OLE file `file` is an encrypted Office Open XML workbook (not an old .xls)."""
    try:
        with file.open("rb") as stream:
            return _ENCRYPTED_PACKAGE in stream.read(1 << 20)
    except OSError:
        return False


@dataclass(frozen=True)
class ZipLimits:
    """How much a zip member may hold: at most `max_size` bytes, and above `ratio_from` bytes no more than
    `max_ratio` times its compressed size (a CSV compresses 5-20x; a zip bomb thousands of times)."""

    max_size: int = 512 << 20
    max_ratio: float = 100.0
    ratio_from: int = 16 << 20


def open_input(path: str | os.PathLike[str], *, zip_limits: ZipLimits = ZipLimits()) -> InputFile:
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
        mode = file.stat().st_mode
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=name,
                         hint="Check that the file exists and that you may read it") from None
    if not stat.S_ISREG(mode):
        # a FIFO or <(cat file) blocks until written and can be read only once; a device never ends
        raise InputError("is not a regular file (a pipe, socket or device)", path=name,
                         hint="Save the export to a file and give that file")
    try:
        size = file.stat().st_size
        with file.open("rb") as stream:
            head = stream.read(_HEAD)
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=name,
                         hint="Check that the file exists and that you may read it") from None
    if not head:
        raise InputError("is empty", path=name, hint="Export your contacts again and give the new file")
    if head.startswith(_OLE) and _is_encrypted_ooxml(file):
        raise InputError("is a password-protected Excel workbook", path=name,
                         hint="Open it in Excel, remove the password (File > Info > Protect Workbook) and save "
                              "it, or export the sheet as CSV")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _from_zip(name, file, size, zip_limits)
    return InputFile(name, _kind(name, head), lambda: file.open("rb"), size)


def _from_zip(name: str, file: Path, size: int, limits: ZipLimits) -> InputFile:
    """Return a workbook InputFile, or the Connections.csv member of a LinkedIn export, streamed from the zip."""
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
            info = archive.getinfo(members[0])
            member_name = f"{name}/{members[0]}"
            _check_member(member_name, info.file_size, info.compress_size, limits)
            with archive.open(info) as stream:
                head = stream.read(_HEAD)
    except _ZIP_ERRORS as error:
        raise _damaged(name, error) from None
    if not head:
        raise InputError("is empty", path=member_name, hint="Download LinkedIn's data export again")
    kind = _kind(member_name, head)  # before any more is read: 1 GiB of zeros stops here

    def open_member() -> BinaryIO:
        return io.BufferedReader(_ZipMember(file, info, member_name, limits), 1 << 16)

    return InputFile(member_name, kind, open_member, info.file_size)


# RuntimeError is how zipfile reports an encrypted member
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError,
               OSError, ValueError, zlib.error)


def _damaged(name: str, error: BaseException) -> InputError:
    return InputError(f"is a damaged or encrypted zip ({error})", path=name,
                      hint="Download the export again, or unzip it and give the file inside")


def _check_member(name: str, size: int, compressed: int, limits: ZipLimits) -> None:
    """Raise InputError when a member of `size` bytes (`compressed` in the zip) is past `limits`."""
    if size > limits.max_size:
        raise InputError(f"unzips to {size:,} bytes, more than the {limits.max_size:,} a contact export "
                         "could need", path=name, hint="Unzip it yourself and give the CSV inside if it is real")
    if size > limits.ratio_from and size > limits.max_ratio * max(compressed, 1):
        raise InputError(f"unzips to {size / max(compressed, 1):,.0f} times its compressed size: that is a zip "
                         "bomb, not an export", path=name, hint="Download LinkedIn's data export again")


class _ZipMember(io.RawIOBase):
    """A zip member read as a stream, never whole, stopping with InputError past the limits (the sizes a
    zip declares can lie)."""

    def __init__(self, file: Path, info: zipfile.ZipInfo, name: str, limits: ZipLimits) -> None:
        self._archive = zipfile.ZipFile(file)
        self._stream = self._archive.open(info)
        self._info, self._name, self._limits = info, name, limits

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._stream.read(len(buffer))
        except _ZIP_ERRORS as error:
            raise _damaged(self._name, error) from None
        buffer[:len(data)] = data
        _check_member(self._name, self._stream.tell(), self._info.compress_size, self._limits)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self._archive.close()
        super().close()


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
