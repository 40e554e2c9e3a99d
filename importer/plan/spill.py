"""Returns mapped records written to a temporary file and read back in order or by position.

The plan reads its inputs once and keeps only counts and dedupe state in memory; the records themselves
wait here until they are sent. Each record is pickled as plain tuples (pickling the dataclasses costs twice
as much), and its offset is written down too (on disk, like the records: memory holds nothing per record),
so that the records of a merged group can be fetched without holding them in memory. `SpilledList` does the same for the notices and merges a run reports.
"""

from __future__ import annotations

import itertools
import json
import pickle
import tempfile
from array import array
from collections.abc import Iterator
from typing import Any, BinaryIO, Generic, TypeVar, overload

from importer.mapping.apply import Mapped
from importer.model import record_from, record_state

_PROTOCOL = pickle.HIGHEST_PROTOCOL
T = TypeVar("T")


class IntLog:
    """Integers appended in order and kept on disk, a few thousand in memory: read back in order or by index."""

    _BUFFER = 8192

    def __init__(self, typecode: str = "q", prefix: str = "dex-import-index-") -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(prefix=prefix)
        self._buffer = array(typecode)
        self._flushed = 0  # how many are in the file

    def __len__(self) -> int:
        return self._flushed + len(self._buffer)

    def __getitem__(self, index: int) -> int:
        if index < 0 or index >= len(self):
            raise IndexError("IntLog index out of range")
        if index >= self._flushed:
            return self._buffer[index - self._flushed]
        size = self._buffer.itemsize
        self._file.seek(index * size)
        one = array(self._buffer.typecode)
        one.frombytes(self._file.read(size))
        return one[0]

    def __iter__(self) -> Iterator[int]:
        for start in range(0, self._flushed, self._BUFFER):
            chunk = array(self._buffer.typecode)
            self._file.seek(start * chunk.itemsize)
            chunk.frombytes(self._file.read(min(self._BUFFER, self._flushed - start) * chunk.itemsize))
            yield from chunk
        yield from self._buffer[:]  # a copy: appending while iterating does not move it

    def append(self, value: int) -> None:
        """Adds `value` at the end."""
        self._buffer.append(value)
        if len(self._buffer) >= self._BUFFER:
            self._file.seek(self._flushed * self._buffer.itemsize)
            self._buffer.tofile(self._file)
            self._flushed += len(self._buffer)
            del self._buffer[:]

    def close(self) -> None:
        """Removes the file."""
        self._file.close()


class Pickles:
    """Values on disk, each pickled: `add` them, then `load` any position; their offsets are on disk too, so
    memory holds nothing per value."""

    def __init__(self, prefix: str = "dex-import-plan-") -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(prefix=prefix)
        self._offsets = IntLog("q", prefix)
        self._end = 0  # where the next value goes
        self._next = -1  # the position the file is at after a load (reading in order needs no seek)

    def __len__(self) -> int:
        return len(self._offsets)

    def add(self, value: Any) -> None:
        """Writes `value` at the end of the file."""
        data = pickle.dumps(value, _PROTOCOL)
        if self._next >= 0:  # a load moved the file away from its end
            self._file.seek(self._end)
            self._next = -1
        self._file.write(data)
        self._offsets.append(self._end)
        self._end += len(data)

    def load(self, position: int) -> Any:
        """Returns the value at `position`; reading the positions in order reads the file in order."""
        if position != self._next:
            self._file.seek(self._offsets[position])
        value = pickle.load(self._file)
        self._next = position + 1
        return value

    def close(self) -> None:
        """Removes the files."""
        self._file.close()
        self._offsets.close()


class Spill(Pickles):
    """Mapped records on disk: `append` them while reading, then `read_at` any position.

    A record's cells are written as a tuple, with the number of their column names in a small table: a
    CSV file's rows all have the same columns, and pickling the names with every row cost three times as
    much as the values (a 40-column Google row: 17 µs against 6). Past `_COLUMN_SETS` different sets of
    columns (vCards name their properties card by card) the cells go as they are.

    The contact goes to a file of its own as the JSON text it is sent and written as, encoded once
    (`contact_text` hands it back without decoding it: what ``preview --out`` writes).
    """

    _COLUMN_SETS = 256

    def __init__(self, prefix: str = "dex-import-plan-") -> None:
        super().__init__(prefix)
        self._numbers: dict[tuple[str, ...], int] = {}
        self._columns: list[tuple[str, ...]] = []
        self._texts: BinaryIO = tempfile.TemporaryFile(prefix=prefix + "contacts-")
        self._text_offsets = IntLog("q", prefix)
        self._text_end = 0
        self._text_next = -1  # the position the contacts file is at after a read (in order: no seek)

    def append(self, m: Mapped, text: str | None = None) -> None:
        """Writes the record, contact and labels of `m` at the end of the spill (`text`: the contact's JSON
        text when it is already encoded)."""
        file, line, values, raw, notices, row = record_state(m.record)
        columns = tuple(values)
        number = self._numbers.get(columns)
        if number is None and len(self._columns) < self._COLUMN_SETS:
            number = self._numbers[columns] = len(self._columns)
            self._columns.append(columns)
        cells = values if number is None else (number, tuple(values.values()))
        self.add((file, line, cells, raw, notices, m.labels, row))
        # one JSON line (JSON escapes newlines); surrogatepass: a lone surrogate read from a file survives
        data = (encode_contact(m.contact) if text is None else text).encode("utf-8", "surrogatepass") + b"\n"
        if self._text_next >= 0:
            self._texts.seek(self._text_end)
            self._text_next = -1
        self._texts.write(data)
        self._text_offsets.append(self._text_end)
        self._text_end += len(data)

    def contact_text(self, position: int) -> str:
        """Returns the contact at `position` as its JSON text (no newline at its end)."""
        if position != self._text_next:
            self._texts.seek(self._text_offsets[position])
        self._text_next = position + 1
        return self._texts.readline()[:-1].decode("utf-8", "surrogatepass")

    def read_at(self, position: int) -> Mapped:
        """Returns the record at `position`; reading the positions in order reads the file in order."""
        file, line, cells, raw, notices, labels, row = self.load(position)
        values = cells if isinstance(cells, dict) else dict(zip(self._columns[cells[0]], cells[1]))
        contact = json.loads(self.contact_text(position))
        return Mapped(record_from((file, line, values, raw, notices, row)), contact, labels=labels)

    def close(self) -> None:
        """Removes the files."""
        super().close()
        self._texts.close()
        self._text_offsets.close()


encode_contact = json.JSONEncoder(ensure_ascii=False).encode
"""Returns a contact as the JSON text ``preview --out`` writes (one line: no raw newline in it)."""


class SpilledList(Generic[T]):
    """A list that keeps its first `in_memory` items in memory and the rest on disk, for notices and merges.

    Appending and iterating are all it is for (plus `len`, indexing and comparing with a list, as tests
    and reports use it); the file is made only when the memory part is full, and removed with the list.
    """

    def __init__(self, in_memory: int = 1_000) -> None:
        self._head: list[T] = []
        self._tail: Pickles | None = None
        self._in_memory = in_memory

    def __len__(self) -> int:
        return len(self._head) + (len(self._tail) if self._tail is not None else 0)

    def __iter__(self) -> Iterator[T]:
        yield from self._head
        tail = self._tail
        if tail is not None:
            for position in range(len(tail)):
                yield tail.load(position)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1 and stop <= len(self._head):
                return self._head[start:stop]
            return list(itertools.islice(self, start, stop, step)) if step > 0 else list(self)[index]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("list index out of range")
        if position < len(self._head):
            return self._head[position]
        assert self._tail is not None
        item: T = self._tail.load(position - len(self._head))
        return item

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, SpilledList)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"SpilledList({len(self)} items)"

    def append(self, item: T) -> None:
        """Adds `item` at the end: in memory while there is room, else on disk."""
        if len(self._head) < self._in_memory:
            self._head.append(item)
            return
        if self._tail is None:
            self._tail = Pickles("dex-import-notices-")
        self._tail.add(item)
