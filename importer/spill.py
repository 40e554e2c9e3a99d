"""Returns mapped records written to a temporary file and read back in order or by position.

The plan reads its inputs once and keeps only counts and dedupe state in memory; the records themselves
wait here until they are sent. Each record is pickled as plain tuples (pickling the dataclasses costs twice
as much), and its offset is kept (8 bytes a record) so that the records of a merged group can be fetched
without holding them in memory.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from typing import BinaryIO

from importer.mapping.apply import Mapped
from importer.model import Notice, Record

_PROTOCOL = pickle.HIGHEST_PROTOCOL


class Spill:
    """Mapped records on disk: `append` them while reading, then `read_at` any position."""

    def __init__(self) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(prefix="dex-import-plan-")
        self._offsets = array("q", [0])

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def append(self, m: Mapped) -> None:
        """Writes the record, contact and labels of `m` at the end of the spill."""
        r = m.record
        notices = tuple((n.file, n.line, n.column, n.kind, n.message) for n in r.notices) if r.notices else ()
        data = pickle.dumps((r.file, r.line, r.values, r.raw, notices, m.contact, m.labels), _PROTOCOL)
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def read_at(self, position: int) -> Mapped:
        """Returns the record at `position`; reading the positions in order reads the file in order."""
        self._file.seek(self._offsets[position])  # within the read buffer this is only a pointer move
        return _load(self._file)

    def close(self) -> None:
        """Removes the spill file."""
        self._file.close()


def _load(stream: BinaryIO) -> Mapped:
    file, line, values, raw, notices, contact, labels = pickle.load(stream)
    record = Record(file, line, values, raw, tuple(Notice(*n) for n in notices) if notices else ())
    return Mapped(record, contact, labels=labels)

