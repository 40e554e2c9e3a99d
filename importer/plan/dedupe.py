"""Returns which records of a run are the same person, remembering only the records that are merged.

A record's dedupe keys (see `importer.plan.merge.dedupe_keys`) are strong (emails, LinkedIn handle, phone with
name: two records sharing one are one person) or weak (name and company: one person unless their identities
conflict, `importer.normalize.keys.conflict`). They would take hundreds of bytes each as strings, and a
million-row export has millions of them. So each key is kept as two independent 64-bit hashes (a false match
needs both to collide: about 1 in 10^25 for a million rows), written with its record's position to one of
`BUCKETS` buckets in a temporary file. When every record has been read, each bucket is read back on its own
to find the keys seen before, and the joins are replayed in reading order over a union-find of the records
they touch: the groups, and the key named as the reason a group was joined, are exactly those of joining
record by record with every key in memory.

Weak keys are joined after every strong key, bucket by bucket, in reading order: a record joins the first
group sharing its name and company whose identity (LinkedIn handles and emails of all its records, kept on
disk with each record that has a weak key) does not conflict with its own; two groups that conflict stay two.
"""

from __future__ import annotations

import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from importer.normalize.keys import Identity, conflict, work_domains
from importer.plan.spill import Pickles

BUCKETS = 256     # a bucket read back holds 1/256 of the keys: about 10,000 for a million records
_FLUSH = 1024     # int64 values buffered per bucket (four per key) before they go to the file
_ITEM = 4          # hash 1, hash 2, position, the key's index among its record's keys
# A join packed in one int: position << _POSITION | key index << _INDEX | first position (each under 2**40)
_INDEX = 40
_POSITION = 80
_LOW = (1 << 40) - 1
_HASH = (1 << 64) - 1
_WEAK = 1 << 20    # set in a key's index when it is a weak key (name and company)


@dataclass(frozen=True)
class Groups:
    """Records joined into groups of two or more, as flat arrays of 64-bit integers: eight bytes per merged
    record per array, nothing for a record that is alone (a dict of them took about 700 bytes per merged
    record: a fifth of the memory of a million-row preview).

    `members` are the merged records' positions, ascending; for ``members[i]``, `leaders` ``[i]`` is its
    group's first record, `sizes` ``[i]`` its group's size, and `starts` ``[i]`` where its group begins in
    `order`, which lists the members group by group (in order of their leaders), each group ascending.
    `reasons` holds four numbers per member: when the member is its leader, ``(position, index)`` of the
    strong key that first joined the group (the `index`-th dedupe key of the record at `position`), then of
    the first weak key that joined it; ``(-1, -1)`` where there is none (and for the other members).
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

    def reason(self, leader: int, *, weak: bool = False) -> tuple[int, int] | None:
        """Returns ``(position, index)`` of the strong key (or with `weak`, the weak key) that first joined
        the group led by `leader`, if any."""
        i = self.find(leader)
        slot = 4 * i + 2 * weak if i is not None else 0
        if i is None or self.reasons[slot] < 0:
            return None
        return self.reasons[slot], self.reasons[slot + 1]

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
        self._identities: Pickles | None = None  # by position, once a record has a weak key
        self._weak = False

    def add(self, keys: list[tuple[str, str]], weak: list[tuple[str, str]] | None = None,
            identity: Identity | None = None) -> int:
        """Returns the position of a new record with these strong and `weak` dedupe keys; `identity` (its
        LinkedIn handles and emails) decides whether a weak key may join it to another record."""
        position = self.count
        self.count += 1
        buffers = self._buffers
        for index, (kind, text) in enumerate(keys + (weak or [])):
            joined = f"{kind}\x00{text}"
            first = hash(joined)
            buffer = buffers[first % BUCKETS]
            buffer.extend((first, hash(joined + "\x01"), position, index | (_WEAK if index >= len(keys) else 0)))
            if len(buffer) >= _FLUSH:
                self._flush(first % BUCKETS)
        if weak and self._identities is None:
            self._identities = Pickles("dex-import-identities-")
            for _ in range(position):
                self._identities.add(None)
        if self._identities is not None:
            self._identities.add((tuple(identity.handles), tuple(identity.emails)) if identity and weak else None)
        self._weak = self._weak or bool(weak)
        return position

    def groups(self) -> Groups:
        """Returns the groups of the records added, joined wherever two records share a strong key, or a weak
        key and no conflict."""
        # (position, key index, first position with that key), packed into one int so that a million-row
        # file's joins take a few MB (a tuple each took three times as much); sorting them sorts by position
        joins: list[int] = []
        for bucket in range(BUCKETS):
            items = self._bucket(bucket)
            first: dict[int, int] = {}  # both hashes as one int: a third of the memory of a tuple of two
            for i in range(0, len(items), _ITEM):
                if items[i + 3] & _WEAK:
                    continue
                position = items[i + 2]
                seen = first.setdefault(items[i] << 64 | items[i + 1] & _HASH, position)
                if seen != position:
                    joins.append(position << _POSITION | items[i + 3] << _INDEX | seen)
            del first
        joins.sort()
        strong = _build(joins)
        if not self._weak:
            return strong
        joins += _WeakJoins(strong, self).joins()
        joins.sort()
        return _build(joins)

    def identity(self, position: int) -> Identity:
        """Returns the identity the record at `position` was added with (empty without a weak key)."""
        stored = self._identities.load(position) if self._identities is not None else None
        return Identity(frozenset(stored[0]), frozenset(stored[1])) if stored else Identity()

    def weak_keys(self, bucket: int) -> list[list[tuple[int, int]]]:
        """Returns, for each weak key of one bucket that two or more records have, their ``(position,
        index)`` in reading order, the keys in order of their first record."""
        items = self._bucket(bucket)
        shared: dict[int, list[tuple[int, int]]] = {}
        for i in range(0, len(items), _ITEM):
            if items[i + 3] & _WEAK:
                shared.setdefault(items[i] << 64 | items[i + 1] & _HASH, []).append((items[i + 2], items[i + 3]))
        return sorted((entries for entries in shared.values() if len(entries) > 1), key=lambda e: e[0][0])

    def close(self) -> None:
        """Removes the bucket file."""
        self._file.close()
        if self._identities is not None:
            self._identities.close()

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


class _WeakJoins:
    """The weak joins that hold: each record sharing a name and company joins the first group of that key
    it does not conflict with. Groups are named by their leader's position; `_parent` joins the groups that
    weak keys merged (only those: a few per merged record), over the strong groups."""

    def __init__(self, strong: Groups, index: KeyIndex) -> None:
        self._strong, self._index = strong, index
        self._parent: dict[int, int] = {}
        self._members: dict[int, list[int]] = {}  # root -> the strong leaders it joined

    def joins(self) -> list[int]:
        """Returns the packed joins (as `KeyIndex.groups` packs them) of every weak key that holds."""
        found: list[int] = []
        for bucket in range(BUCKETS):
            for entries in self._index.weak_keys(bucket):
                self._join_key(entries, found)
        return found

    def _root(self, position: int) -> int:
        root = self._strong.leader(position)
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        return root

    def _identity(self, root: int) -> Identity:
        identity = Identity()
        for leader in self._members.get(root, [root]):
            i = self._strong.find(leader)
            for member in (self._strong.group(i) if i is not None else (leader,)):
                identity = identity | self._index.identity(member)
        return identity

    def _join_key(self, entries: list[tuple[int, int]], found: list[int]) -> None:
        clusters: dict[int, Identity] = {}  # the groups of this key so far, in order, and who they are
        with_handle = 0
        domains: dict[str, int] = {}  # how many of the clusters have an address at each domain
        for position, index in entries:
            root = self._root(position)
            if root in clusters:
                continue
            own = self._identity(root)
            # the common dead end first: every group so far has a LinkedIn profile, or an address at one of
            # this record's domains (two namesakes at one firm), and so cannot be this record
            if (own.handles and with_handle == len(clusters)) or any(
                    domains.get(d, 0) == len(clusters) for d in _domains(own)):
                target = None
            else:
                target = next((c for c, them in clusters.items() if conflict(them, own) is None), None)
            if target is None:
                clusters[root] = own
                with_handle += bool(own.handles)
                for d in _domains(own):
                    domains[d] = domains.get(d, 0) + 1
                continue
            merged = clusters[target] | own
            with_handle += bool(merged.handles) - bool(clusters[target].handles)
            for d in _domains(merged) - _domains(clusters[target]):
                domains[d] = domains.get(d, 0) + 1
            clusters[target] = merged
            new, old = min(target, root), max(target, root)
            self._parent[old] = new
            self._parent.setdefault(new, new)
            self._members[new] = self._members.pop(new, [new]) + self._members.pop(old, [old])
            if new != target:  # keep the key's groups in order, under their new name
                clusters = {(new if c == target else c): v for c, v in clusters.items()}
            found.append(position << _POSITION | index << _INDEX | target)


def _domains(identity: Identity) -> set[str]:
    return work_domains(identity.emails)


def _build(joins: list[int]) -> Groups:
    """Returns the groups that the sorted, packed `joins` make (a join's key index carries `_WEAK`)."""
    members = _members(joins)  # the union-find runs over the records some join touched, by rank
    parent = array("q", range(len(members)))
    reasons = array("q", [-1]) * (4 * len(members))
    for join in joins:
        position, index, other = join >> _POSITION, join >> _INDEX & _LOW, join & _LOW
        a = _find(parent, bisect_left(members, other))
        b = _find(parent, bisect_left(members, position))
        if a != b:
            root = parent[max(a, b)] = min(a, b)  # the smaller rank is the earlier record: it leads
            other_root = max(a, b)  # a weak join the absorbed group had is still why it is in the group
            if reasons[4 * root + 2] < 0 <= reasons[4 * other_root + 2]:
                reasons[4 * root + 2:4 * root + 4] = reasons[4 * other_root + 2:4 * other_root + 4]
            slot = 2 if index & _WEAK else 0
            if reasons[4 * root + slot] < 0:
                reasons[4 * root + slot], reasons[4 * root + slot + 1] = position, index & ~_WEAK
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
    for rank, root in enumerate(roots):  # only a leader carries its group's reasons
        if rank != root:
            reasons[4 * rank:4 * rank + 4] = array("q", [-1, -1, -1, -1])
    return Groups(members, leaders, sizes, starts, order, reasons)


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
