"""Returns which records of a run are the same person, remembering only the records that are merged.

A record's dedupe keys (emails, LinkedIn handle, phone with name; see `importer.plan.dedupe_keys`) would
take hundreds of bytes each as strings, and a million-row export has millions of them. So each key is kept
as two independent 64-bit hashes (a false match needs both to collide: about 1 in 10^25 for a million
rows), written with its record's position to one of `BUCKETS` buckets in a temporary file. When every
record has been read, each bucket is read back on its own to find the keys seen before, and the joins are
replayed in reading order over a union-find of the records they touch: the groups, and the key named as the reason a group
was joined, are exactly those of joining record by record with every key in memory.
"""

from __future__ import annotations

import tempfile
from array import array
from dataclasses import dataclass
from typing import BinaryIO

BUCKETS = 256     # a bucket read back holds 1/256 of the keys: about 10,000 for a million records
_FLUSH = 1024     # int64 values buffered per bucket (four per key) before they go to the file
_ITEM = 4          # hash 1, hash 2, position, the key's index among its record's keys


@dataclass(frozen=True)
class Groups:
    """Records joined into groups of two or more: each such position's leader (its group's first record),
    and each leader's group size. A record in neither is alone (memory holds only the merged records).

    `reasons` holds, for a leader, ``(position, index)`` of the key that first joined its group: the
    `index`-th dedupe key of the record at `position`.
    """

    leaders: dict[int, int]
    sizes: dict[int, int]
    reasons: dict[int, tuple[int, int]]

    def leader(self, position: int) -> int:
        """Returns the first record of the group of `position` (itself when it is alone)."""
        return self.leaders.get(position, position)

    def size(self, position: int) -> int:
        """Returns how many records the group of `position` holds."""
        return self.sizes.get(self.leader(position), 1)


class KeyIndex:
    """The dedupe keys of every record read so far, spilled to disk by bucket; `groups()` joins them."""

    def __init__(self) -> None:
        self.count = 0
        self._file: BinaryIO = tempfile.TemporaryFile(prefix="dex-import-keys-")
        self._buffers = [array("q") for _ in range(BUCKETS)]
        self._chunks: list[list[tuple[int, int]]] = [[] for _ in range(BUCKETS)]  # (offset, bytes) per bucket

    def add(self, keys: list[tuple[str, str]]) -> int:
        """Returns the position of a new record with these dedupe keys."""
        position = self.count
        self.count += 1
        buffers = self._buffers
        for index, (kind, text) in enumerate(keys):
            joined = f"{kind}\x00{text}"
            first = hash(joined)
            buffer = buffers[first % BUCKETS]
            buffer.extend((first, hash(joined + "\x01"), position, index))
            if len(buffer) >= _FLUSH:
                self._flush(first % BUCKETS)
        return position

    def groups(self) -> Groups:
        """Returns the groups of the records added, joined wherever two records share a key."""
        joins: list[tuple[int, int, int]] = []  # (position, key index, first position with that key)
        for bucket in range(BUCKETS):
            items = self._bucket(bucket)
            first: dict[tuple[int, int], int] = {}
            for i in range(0, len(items), _ITEM):
                position = items[i + 2]
                seen = first.setdefault((items[i], items[i + 1]), position)
                if seen != position:
                    joins.append((position, items[i + 3], seen))
        joins.sort()
        parent: dict[int, int] = {}  # only the records some join touched; any other is its own root
        reasons: dict[int, tuple[int, int]] = {}
        for position, index, other in joins:
            a, b = _find(parent, other), _find(parent, position)
            if a != b:
                parent[max(a, b)] = min(a, b)
                reasons.setdefault(min(a, b), (position, index))
        leaders = {p: _find(parent, p) for p in sorted(parent.keys() | parent.values())}
        sizes: dict[int, int] = {}
        for leader in leaders.values():
            sizes[leader] = sizes.get(leader, 0) + 1
        return Groups(leaders, sizes, reasons)

    def close(self) -> None:
        """Removes the bucket file."""
        self._file.close()

    def _flush(self, bucket: int) -> None:
        buffer = self._buffers[bucket]
        self._file.seek(0, 2)
        offset = self._file.tell()
        buffer.tofile(self._file)
        self._chunks[bucket].append((offset, len(buffer) * buffer.itemsize))
        del buffer[:]

    def _bucket(self, bucket: int) -> array[int]:
        """Returns the items of one bucket, in the order they were added."""
        items = array("q")
        for offset, size in self._chunks[bucket]:
            self._file.seek(offset)
            items.frombytes(self._file.read(size))
        items.extend(self._buffers[bucket])
        return items


def _find(parent: dict[int, int], position: int) -> int:
    """Returns the root of `position`, halving the path on the way (a position not in `parent` is a root)."""
    up = parent.get(position, position)
    while up != position:
        above = parent.get(up, up)
        parent[position] = above
        position, up = above, parent.get(above, above)
    return position
