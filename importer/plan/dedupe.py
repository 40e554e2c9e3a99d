"""Returns which records of a run are the same person, remembering only the records that are merged.

A record's dedupe keys (emails, LinkedIn handle, phone with name; see `importer.plan.plan.dedupe_keys`) would
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
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BUCKETS = 256     # a bucket read back holds 1/256 of the keys: about 10,000 for a million records
_FLUSH = 1024     # int64 values buffered per bucket (four per key) before they go to the file
_ITEM = 4          # hash 1, hash 2, position, the key's index among its record's keys
# A join packed in one int: position << _POSITION | key index << _INDEX | first position (each under 2**40)
_INDEX = 40
_POSITION = 80
_LOW = (1 << 40) - 1
_HASH = (1 << 64) - 1


@dataclass(frozen=True)
class Groups:
    """Records joined into groups of two or more, as flat arrays of 64-bit integers: eight bytes per merged
    record per array, nothing for a record that is alone (a dict of them took about 700 bytes per merged
    record: a fifth of the memory of a million-row preview).

    `members` are the merged records' positions, ascending; for ``members[i]``, `leaders` ``[i]`` is its
    group's first record, `sizes` ``[i]`` its group's size, and `starts` ``[i]`` where its group begins in
    `order`, which lists the members group by group (in order of their leaders), each group ascending.
    `reasons` holds two numbers per member, ``(position, index)`` of the key that first joined the group
    when the member is its leader (the `index`-th dedupe key of the record at `position`), else ``(-1, -1)``.
    """

    members: array[int]
    leaders: array[int]
    sizes: array[int]
    starts: array[int]
    order: array[int]
    reasons: array[int]

    def __len__(self) -> int:
        return len(self.members)

    def find(self, position: int) -> int | None:
        """Returns the index of `position` in `members`, None when the record is alone."""
        i = bisect_left(self.members, position)
        return i if i < len(self.members) and self.members[i] == position else None

    def leader(self, position: int) -> int:
        """Returns the first record of the group of `position` (itself when it is alone)."""
        i = self.find(position)
        return position if i is None else self.leaders[i]

    def size(self, position: int) -> int:
        """Returns how many records the group of `position` holds."""
        i = self.find(position)
        return 1 if i is None else self.sizes[i]

    def group(self, i: int) -> array[int]:
        """Returns the positions of the group of ``members[i]``, ascending."""
        start = self.starts[i]
        return self.order[start:start + self.sizes[i]]

    def is_last(self, i: int) -> bool:
        """Returns whether ``members[i]`` is the last record of its group (where the merged contact stands)."""
        return self.order[self.starts[i] + self.sizes[i] - 1] == self.members[i]

    def reason(self, leader: int) -> tuple[int, int] | None:
        """Returns ``(position, index)`` of the key that first joined the group led by `leader`, if any."""
        i = self.find(leader)
        if i is None or self.reasons[2 * i] < 0:
            return None
        return self.reasons[2 * i], self.reasons[2 * i + 1]

    def in_order(self) -> Iterator[array[int]]:
        """Yields every group's positions, ascending, in order of their leaders."""
        start = 0
        while start < len(self.order):
            size = self.sizes[bisect_left(self.members, self.order[start])]
            yield self.order[start:start + size]
            start += size


class KeyIndex:
    """The dedupe keys of every record read so far, spilled to disk by bucket; `groups()` joins them."""

    def __init__(self) -> None:
        self.count = 0
        self._file: BinaryIO = tempfile.TemporaryFile(prefix="dex-import-keys-")
        self._buffers = [array("q") for _ in range(BUCKETS)]
        # where each bucket's flushed chunks are in the file: (offset, bytes) pairs, flat (a tuple each came to
        # 1 MB for a million records)
        self._chunks = [array("q") for _ in range(BUCKETS)]

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
        # (position, key index, first position with that key), packed into one int so that a million-row
        # file's joins take a few MB (a tuple each took three times as much); sorting them sorts by position
        joins: list[int] = []
        for bucket in range(BUCKETS):
            items = self._bucket(bucket)
            first: dict[int, int] = {}  # both hashes as one int: a third of the memory of a tuple of two
            for i in range(0, len(items), _ITEM):
                position = items[i + 2]
                seen = first.setdefault(items[i] << 64 | items[i + 1] & _HASH, position)
                if seen != position:
                    joins.append(position << _POSITION | items[i + 3] << _INDEX | seen)
            del first
        joins.sort()
        members = _members(joins)  # the union-find runs over the records some join touched, by rank
        parent = array("q", range(len(members)))
        reasons = array("q", [-1]) * (2 * len(members))
        for join in joins:
            position, index, other = join >> _POSITION, join >> _INDEX & _LOW, join & _LOW
            a = _find(parent, bisect_left(members, other))
            b = _find(parent, bisect_left(members, position))
            if a != b:
                root = parent[max(a, b)] = min(a, b)  # the smaller rank is the earlier record: it leads
                if reasons[2 * root] < 0:
                    reasons[2 * root], reasons[2 * root + 1] = position, index
        del joins
        roots = array("q", (_find(parent, i) for i in range(len(members))))
        del parent
        group_size = array("q", [0]) * len(members)  # by the rank of each group's root
        for root in roots:
            group_size[root] += 1
        # `order` lists the groups one after the other in order of their leaders (a root is the smallest
        # rank of its group, so it comes before its members), each group ascending; arrays only, no sort
        group_start = array("q", [0]) * len(members)  # by root too: where its group begins in `order`
        slot = 0
        for rank, root in enumerate(roots):
            if rank == root:
                group_start[rank] = slot
                slot += group_size[rank]
        order = array("q", [0]) * len(members)
        filled = array("q", group_start)
        for rank, root in enumerate(roots):
            order[filled[root]] = members[rank]
            filled[root] += 1
        del filled
        leaders = array("q", (members[root] for root in roots))
        sizes = array("q", (group_size[root] for root in roots))
        starts = array("q", (group_start[root] for root in roots))
        return Groups(members, leaders, sizes, starts, order, reasons)

    def close(self) -> None:
        """Removes the bucket file."""
        self._file.close()

    def _flush(self, bucket: int) -> None:
        buffer = self._buffers[bucket]
        self._file.seek(0, 2)
        offset = self._file.tell()
        buffer.tofile(self._file)
        self._chunks[bucket].extend((offset, len(buffer) * buffer.itemsize))
        del buffer[:]

    def _bucket(self, bucket: int) -> array[int]:
        """Returns the items of one bucket, in the order they were added."""
        items = array("q")
        chunks = self._chunks[bucket]
        for offset, size in zip(chunks[::2], chunks[1::2]):
            self._file.seek(offset)
            items.frombytes(self._file.read(size))
        items.extend(self._buffers[bucket])
        return items


def _members(joins: list[int]) -> array[int]:
    """Returns every position the sorted, packed `joins` name (both sides), ascending, each once."""
    later = array("q", (join >> _POSITION for join in joins))  # ascending: the joins are sorted by it
    earlier = array("q", sorted(join & _LOW for join in joins))
    members = array("q")
    i = j = 0
    while i < len(later) or j < len(earlier):
        if j == len(earlier) or (i < len(later) and later[i] <= earlier[j]):
            value, i = later[i], i + 1
        else:
            value, j = earlier[j], j + 1
        if not members or members[-1] != value:
            members.append(value)
    return members


def _find(parent: array[int], rank: int) -> int:
    """Returns the root of `rank`, halving the path on the way."""
    while parent[rank] != rank:
        parent[rank] = parent[parent[rank]]
        rank = parent[rank]
    return rank
