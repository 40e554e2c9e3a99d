"""Returns the pairs of contacts that are probably one person but that no rule merged: shown, never merged.

Two contacts are a possible duplicate when they share a company, an email domain (not a public mailbox
domain) or a phone number, and their names read as one person's (`name_likeness`): one first name a
nickname of the other (Bob and Robert, Kate and Katherine: the table of the `nicknames` package), an
initial (J. and John), a typo (`rapidfuzz` similarity of 80 or more: Jon and John, Smith and Smyth), or a
middle name one of them leaves out. Two contacts with different LinkedIn profiles are never one.

The search never compares all pairs: each record is written, with its name, under each of its blocks (its
company, email domains, phones) to one of `BUCKETS` buckets on disk; a bucket is read back on its own, and
names are compared only inside a block, among records with the same last name or the same first name. A
block of more than `MAX_BLOCK` records (a big employer, a switchboard number) is not searched, and is named.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, BinaryIO, NamedTuple

from importer.normalize.keys import (
    fold_company,
    fold_email,
    fold_name,
    linkedin_key,
    work_domains,
)
from importer.normalize.nameless import named_after

BUCKETS = 256     # a bucket read back holds 1/256 of the entries: about 12,000 for a million records
MAX_PAIRS = 10_000
"""Pairs kept (the best of them are not chosen: the first found); beyond, only counted."""
MAX_BLOCK = 2_000
"""A company, domain or phone shared by more records than this is not searched (and is named)."""
MAX_NAMES = 300
"""Records with one last (or first) name inside one block compared pair by pair at most; beyond, skipped."""
MIN_TYPO = 80
"""The least `rapidfuzz.fuzz.ratio` of two first (or last) names that counts as a typo."""
_FLUSH = 200
"""Entries buffered per bucket before they go to the file: 51,200 at most in all (about 10 MB; at 2,000 a
bucket the buffers held every entry of a 300k-row file in memory, ~200 bytes each)."""


class Name(NamedTuple):
    """A person's name as compared: first, middle names and last, folded (`fold_name`), and as written."""

    first: str
    middle: tuple[str, ...]
    last: str
    written: str


def split_name(contact: Mapping[str, Any]) -> Name | None:
    """Returns the contact's name in parts, or None when it has fewer than two words (too weak to compare).

    >>> split_name({"full_name": "Ann B. Example", "first_name": "Ann B.", "last_name": "Example"})
    Name(first='ann', middle=('b',), last='example', written='Ann B. Example')

    A name that is only the email or phone a nameless record was named after is no name to compare.
    """
    if named_after(contact):
        return None
    written = str(contact.get("full_name") or "").strip()
    first, last = fold_name(str(contact.get("first_name") or "")), fold_name(str(contact.get("last_name") or ""))
    words = f"{first} {last}".split() if first and last else fold_name(written).split()
    if len(words) < 2:
        return None
    if first and last:
        given, family = first.split(), last.split()
        return Name(given[0], tuple(given[1:] + family[:-1]), family[-1], written or f"{first} {last}")
    return Name(words[0], tuple(words[1:-1]), words[-1], written)


@lru_cache(maxsize=1)
def _nicknames() -> Any:
    from nicknames import (
        NickNamer,  # its table is read on first use: only when names are compared
    )

    return NickNamer()


@lru_cache(maxsize=65536)
def _one_name(a: str, b: str) -> bool:
    """Returns whether two first names are one (a nickname of the other, or both of one name); either order."""
    namer = _nicknames()
    return (b in namer.nicknames_of(a) or a in namer.nicknames_of(b)
            or bool(namer.canonicals_of(a) & (namer.canonicals_of(b) | {b}))
            or bool(namer.canonicals_of(b) & (namer.canonicals_of(a) | {a})))


@lru_cache(maxsize=65536)
def _similar(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def _first_words(a: Name, b: Name) -> tuple[str, str]:
    """Returns the first word of each name as written (only for the why: most pairs are not likely)."""
    return a.written.split()[0], b.written.split()[0]


def name_likeness(a: Name, b: Name) -> tuple[int, str] | None:
    """Returns (score out of 100, why) when two names probably are one person's, else None.

    >>> name_likeness(split_name({"full_name": "Bob Example"}), split_name({"full_name": "Robert Example"}))
    (90, 'Bob and Robert are one name')
    >>> name_likeness(split_name({"full_name": "Ann Example"}), split_name({"full_name": "Ben Example"}))
    """
    if a.last == b.last:
        if a.first == b.first:
            if a.middle == b.middle:
                return 95, "the same name"
            if not a.middle or not b.middle:
                return 90, "a middle name only one of them has"
            if all(x[0] == y[0] and (len(x) == 1 or len(y) == 1) for x, y in zip(a.middle, b.middle)) \
                    and len(a.middle) == len(b.middle):
                return 88, "a middle name and its initial"
            return None
        if len(a.first) == 1 or len(b.first) == 1:
            if a.first[0] == b.first[0]:
                first_a, first_b = _first_words(a, b)
                return 80, f"{first_a} may be the initial of {first_b}" if len(a.first) == 1 else \
                    f"{first_b} may be the initial of {first_a}"
            return None
        if _one_name(a.first, b.first):
            first_a, first_b = _first_words(a, b)
            return 90, f"{first_a} and {first_b} are one name"
        score = _similar(a.first, b.first)
        if score >= MIN_TYPO:
            first_a, first_b = _first_words(a, b)
            return int(score), f"{first_a} and {first_b} differ by a letter or two"
        return None
    if a.first == b.first and a.middle == b.middle and min(len(a.last), len(b.last)) >= 3:
        score = _similar(a.last, b.last)
        if score >= MIN_TYPO:
            return int(score), f"last names {a.written.split()[-1]} and {b.written.split()[-1]} differ by a letter or two"
    return None


def blocks_of(contact: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Returns what a contact shares with possible duplicates: ("company", ...), ("email domain", ...),
    ("phone", E.164)."""
    found = []
    company = str(contact.get("company") or "").strip()
    if company and fold_company(company):
        found.append(("company", company))
    emails = [fold_email(e.get("email")) for e in contact.get("contact_emails") or () if isinstance(e, dict)]
    found += [("email domain", d) for d in sorted(work_domains(emails))]
    found += [("phone", p["phone_number_sanitized"]) for p in contact.get("contact_phone_numbers") or ()
              if isinstance(p, dict) and p.get("phone_number_sanitized")]
    return found


@dataclass(frozen=True)
class Likely:
    """Two contacts that are probably one person: their first records ``(file, line, name)``, the score
    out of 100 and why (the names, then what they share)."""

    first: tuple[str, int, str]
    second: tuple[str, int, str]
    score: int
    why: str

    def describe(self) -> str:
        """Returns ``90  a.csv:3 Bob Example + b.csv:9 Robert Example: Bob and Robert are one name; ...``."""
        (fa, la, na), (fb, lb, nb) = self.first, self.second
        return f"{self.score}  {fa}:{la} {na} + {fb}:{lb} {nb}: {self.why}"

    def as_dict(self) -> dict[str, Any]:
        """Returns the JSON form of the pair."""
        return {"score": self.score, "why": self.why,
                "records": [{"file": f, "line": n, "name": name} for f, n, name in (self.first, self.second)]}


@dataclass
class Search:
    """What the search found: the pairs (best first) and the blocks too big to search."""

    pairs: list[Likely] = field(default_factory=list)
    unsearched: list[str] = field(default_factory=list)
    more: int = 0  # pairs found beyond MAX_PAIRS, not kept


def block_entries(contact: Mapping[str, Any]) -> tuple[tuple[Any, ...], ...]:
    """Returns the blocks `BlockIndex.add` writes a contact down under, as (block, value, name, LinkedIn
    handle); none when its name is too short."""
    name = split_name(contact)
    if name is None:
        return ()
    handle = linkedin_key(contact.get("linkedin"))
    named = tuple(name)
    return tuple(((kind, fold_company(value) if kind == "company" else value), value, named, handle)
                 for kind, value in blocks_of(contact))


class BlockIndex:
    """Every record's blocks and name, spilled to disk by bucket while the inputs are read."""

    def __init__(self) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(prefix="dex-import-blocks-")
        self._buffers: list[list[tuple[Any, ...]]] = [[] for _ in range(BUCKETS)]
        self._chunks: list[list[int]] = [[] for _ in range(BUCKETS)]

    def add(self, position: int, contact: Mapping[str, Any],
            entries: tuple[tuple[Any, ...], ...] | None = None) -> None:
        """Writes down the record at `position` under each of its blocks (nothing when its name is too short):
        `entries` are its `block_entries` when they have been computed already (by a worker process)."""
        for key, value, name, handle in block_entries(contact) if entries is None else entries:
            bucket = hash(key) % BUCKETS
            self._buffers[bucket].append((key, value, position, name, handle))
            if len(self._buffers[bucket]) >= _FLUSH:
                self._flush(bucket)

    def search(self, leader: Callable[[int], int], ref: Callable[[int], tuple[str, int, str]],
               rejected: Callable[[tuple[str, int, str], tuple[str, int, str]], bool] | None = None) -> Search:
        """Returns the possible duplicates among the records added: pairs of records whose groups (`leader`
        of a position) differ, one pair per two groups, named by `ref` (file, line, name); pairs that
        `rejected` (the person's decisions) says are two people left out."""
        found: dict[tuple[int, int], tuple[int, str, set[str], int, int]] = {}
        unsearched = []
        more = 0
        for bucket in range(BUCKETS):
            blocks: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
            # a block past MAX_BLOCK is only counted from then on: (as written, records, two of its groups)
            big: dict[tuple[str, str], tuple[str, int, frozenset[int]]] = {}
            for entry in self._bucket(bucket):
                key = entry[0]
                if key in big:
                    written, count, seen = big[key]
                    big[key] = written, count + 1, seen if len(seen) > 1 else seen | {leader(entry[2])}
                    continue
                entries = blocks.setdefault(key, [])
                entries.append(entry)
                if len(entries) > MAX_BLOCK:
                    big[key] = entries[0][1], len(entries), frozenset(leader(e[2]) for e in entries)
                    del blocks[key]
            for (kind, _), (written, count, seen) in big.items():
                if len(seen) > 1:
                    unsearched.append(f"{kind} {written} ({count:,} records)")
            for (kind, _), entries in blocks.items():
                if len(entries) > 1:
                    more += _compare([(*e, leader(e[2])) for e in entries], kind, found)
        pairs = []
        for score, why, shared, a, b in found.values():
            ra, rb = ref(a), ref(b)
            if rejected is not None and rejected(ra, rb):
                continue
            pairs.append(Likely(ra, rb, score, f"{why}; " + ", ".join(sorted(shared))))
        pairs.sort(key=lambda p: (-p.score, p.first[1], p.second[1]))
        return Search(pairs, sorted(unsearched), more)

    def close(self) -> None:
        """Removes the bucket file."""
        self._file.close()

    def _flush(self, bucket: int) -> None:
        self._file.seek(0, 2)
        self._chunks[bucket].append(self._file.tell())
        pickle.dump(self._buffers[bucket], self._file, pickle.HIGHEST_PROTOCOL)
        self._buffers[bucket] = []

    def _bucket(self, bucket: int) -> Iterator[tuple[Any, ...]]:
        """Yields the bucket's entries in the order they were added, a flushed chunk at a time."""
        for offset in self._chunks[bucket]:
            self._file.seek(offset)
            yield from pickle.load(self._file)
        yield from self._buffers[bucket]


def _compare(entries: list[tuple[Any, ...]], kind: str,
             found: dict[tuple[int, int], tuple[int, str, set[str], int, int]]) -> int:
    """Adds to `found` the likely pairs of one block, comparing records with one last or one first name
    (each entry: block key, block as written, position, name, LinkedIn handle, its group's leader); returns
    how many new pairs found no room (past MAX_PAIRS)."""
    more = 0
    by_last: dict[str, list[tuple[Any, ...]]] = {}
    by_first: dict[str, list[tuple[Any, ...]]] = {}
    for e in entries:
        by_last.setdefault(e[3][2], []).append(e)
        by_first.setdefault(e[3][0], []).append(e)
    for group in (*by_last.values(), *by_first.values()):
        if len(group) < 2 or len(group) > MAX_NAMES:
            continue
        for i, j in _likely_positions(group):
            a, b = group[i], group[j]
            la, lb = a[5], b[5]
            if la == lb or (a[4] and b[4] and a[4] != b[4]):  # merged already, or two LinkedIn profiles
                continue
            likeness = name_likeness(Name(*a[3]), Name(*b[3]))
            if likeness is None:
                continue
            key = (min(la, lb), max(la, lb))
            first, second = (a, b) if la < lb else (b, a)
            score, why = likeness
            kept = found.get(key)
            if kept is None and len(found) >= MAX_PAIRS:
                more += 1
                continue
            if kept is None or kept[0] < score:
                shared = kept[2] if kept else set()
                found[key] = (score, why, shared, first[2], second[2])
            found[key][2].add(f"same {kind} {a[1]}")
    return more


def _likely_positions(group: list[tuple[Any, ...]]) -> list[tuple[int, int]]:
    """Returns the pairs (i < j, in the order of a loop over i then j) of the group's entries whose names
    may be one person's: `name_likeness` is asked once per two distinct names (folded
    first, middle and last: its answer, but for the why's spelling, depends on nothing else), not once per
    two entries, since a block holds many people of one name."""
    names: dict[tuple[Any, ...], list[int]] = {}
    for position, entry in enumerate(group):
        names.setdefault(entry[3][:3], []).append(position)
    distinct = [(name, Name(name[0], name[1], name[2], "-")) for name in names]  # (their why, spelt from "-", is dropped)
    partners: dict[tuple[Any, ...], list[int]] = {name: [] for name in names}
    for x, (name_x, parts_x) in enumerate(distinct):
        for name_y, parts_y in distinct[x if len(names[name_x]) > 1 else x + 1:]:
            if name_likeness(parts_x, parts_y) is not None:  # (whether a pair is likely does not hang on its order)
                partners[name_x] += names[name_y]
                if name_y != name_x:
                    partners[name_y] += names[name_x]
    return [(i, j) for i, entry in enumerate(group) for j in sorted(partners[entry[3][:3]]) if j > i]
