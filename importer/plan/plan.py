"""Returns the plan of a run: every record read once, duplicates inside the input merged, contacts ready.

The inputs are read once (through `tally`, so the counts are the preview's); each record is spilled to a
temporary file (`importer.plan.spill`) and its dedupe keys to another (`importer.plan.dedupe`), so memory holds a few
dozen bytes per record, whatever the size of the file. Then `Plan.contacts()` streams the contacts from the
spill: a contact whose records were merged comes out when the last of them has been read.

Who is the same person, and what a merged contact holds, is decided in `importer.plan.merge`.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from importer.mapping.apply import Mapped
from importer.model import Notice, Record, filled_fields, record_from, record_state
from importer.normalize.keys import identity_of
from importer.plan.decisions import Decisions
from importer.plan.dedupe import Groups, KeyIndex
from importer.plan.inputs import OpenedFile
from importer.plan.likely import BlockIndex, Search
from importer.plan.merge import (
    Merge,
    Planned,
    merge_conflicts,
    merge_group,
    reason_of,
    strong_keys,
    weak_keys,
)
from importer.plan.spill import IntLog, Pickles, Spill, SpilledList, encode_contact
from importer.plan.summary import MAX_NOTICES, Summary, tally
from importer.plan.workers import Prepared
from importer.readers.source import counting

if TYPE_CHECKING:
    import pandas


@dataclass(frozen=True)
class Unused:
    """A record that gives no contact: skipped (no name, unreadable card) or a hidden LinkedIn member."""

    record: Record
    message: str
    expected: bool


class UnusedLog:
    """The records that give no contact, kept on disk in reading order (a million-row export may skip
    tens of thousands); iterate it for the `Unused` records."""

    def __init__(self) -> None:
        self._pickles = Pickles("dex-import-unused-")

    def __len__(self) -> int:
        return len(self._pickles)

    def __iter__(self) -> Iterator[Unused]:
        for position in range(len(self._pickles)):  # by position: safe while the plan's contacts stream
            state, message, expected = self._pickles.load(position)
            yield Unused(record_from(state), message, expected)

    def append(self, unused: Unused) -> None:
        """Writes one unused record at the end of the log."""
        self._pickles.add((record_state(unused.record), unused.message, unused.expected))

    def close(self) -> None:
        """Removes the file."""
        self._pickles.close()


@dataclass
class Plan:
    """The records of a run, deduplicated; `contacts()` streams what would be sent, `unused` what would not."""

    summary: Summary
    opened: Sequence[OpenedFile] = ()
    merges: SpilledList[Merge] = field(default_factory=SpilledList)
    strict: bool = False  # name and company alone makes no one the same person, in the file or in Dex
    likely: Search = field(default_factory=Search)  # possible duplicates: shown, not merged
    unused: list[Unused] | UnusedLog = field(default_factory=list)
    _spill: Spill | None = None
    _groups: Groups | None = None

    def contacts(self) -> Iterator[Planned]:
        """Yields each contact to send, merged ones when their last record has been read."""
        spill, groups = self._spill, self._groups
        if spill is None or groups is None:
            return
        for position, i in _scan(groups, len(spill)):
            if i is None:
                m = spill.read_at(position)
                yield Planned(position, m.contact or {}, (m.record,), m.labels)
            elif groups.is_last(i):  # a group's records are fetched when it is complete
                yield merge_group([(spill.read_at(p), p) for p in groups.group(i)])

    def contact_texts(self) -> Iterator[str]:
        """Yields the JSON text of each contact `contacts` yields, in its order, decoding none of them again."""
        spill, groups = self._spill, self._groups
        if spill is None or groups is None:
            return
        for position, i in _scan(groups, len(spill)):
            if i is None:
                yield spill.contact_text(position)
            elif groups.is_last(i):
                yield encode_contact(merge_group([(spill.read_at(p), p) for p in groups.group(i)]).contact)

    def to_dataframe(self) -> pandas.DataFrame:
        """Returns the plan as a pandas DataFrame: one row per contact to create or merged, then per skipped
        record, with its outcome, its source file:line and Dex's fields (`importer.plan.frame`). Needs the
        optional pandas extra; call it while the plan is open."""
        from importer.plan.frame import plan_frame
        return plan_frame(self.contacts(), ((u.record, u.message) for u in self.unused))

    def close(self) -> None:
        """Removes the spill files."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None
        if isinstance(self.unused, UnusedLog):
            self.unused.close()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


OnRead = Callable[[int, int], None]
"""Called as reading goes on with (bytes read so far, total bytes of all inputs), e.g. to move a progress bar."""


def make_plan(opened: Sequence[OpenedFile], *, merge: bool = True, strict: bool = False, sample: int = 10,
              on_read: OnRead | None = None, decisions: Decisions | None = None) -> Plan:
    """Returns the plan of reading `opened` (already opened and detected): counts, merges, spilled contacts.

    With `merge`, records of the same person become one contact (`importer.plan.merge`); with `strict` too,
    only by their strong keys (email, LinkedIn handle, phone with name), never by name and company alone,
    and the account check (`importer.plan.account`) matches no one by name and company either. Pairs that
    are probably one person but no rule merged are searched for (`importer.plan.likely`) into `Plan.likely`;
    `decisions` (`importer.plan.decisions`) merges the pairs the person accepted and drops the rejected ones.

    `on_read(done, total)` is called after every 64 KB or so of input, and once more at the end of each
    file; `total` is the sum of the files' sizes (the record count is not known before the end).
    """
    plan = Plan(Summary(), opened, strict=strict)
    total = sum(item.input.size or 0 for item in opened)
    if on_read is not None:
        opened = _reporting(opened, on_read, total)
    index = KeyIndex()
    blocks = BlockIndex()
    spill = plan._spill = Spill()
    unused = plan.unused = UnusedLog()
    # Which fields each record fills, as an id into `filled` (a few hundred distinct sets at most): the
    # field counts after merging are recounted from these without reading the spill again.
    filled: dict[tuple[str, ...], int] = {}
    fills = IntLog("i")
    done = 0
    try:
        for item in opened:
            for m in tally(plan.summary, item, sample=0):
                if m.contact is None:
                    unused.append(Unused(m.record, _unused_message(m), m.expected_skip))
                    continue
                pre: Prepared | None = m.extra  # what a worker process computed, or None
                if merge:
                    weak = [] if strict else pre.weak if pre else weak_keys(m.contact)
                    strong = list(pre.strong) if pre else strong_keys(m.contact)
                    if decisions is not None:
                        chosen, stale = decisions.keys_of(m.record.file, m.record.line,
                                                          str(m.contact.get("full_name") or ""))
                        strong += chosen
                        for notice in stale:
                            plan.summary.add_notice(notice)
                    identity = (pre.identity if pre else identity_of(m.contact)) if weak else None
                    blocks.add(index.add(strong, weak, identity), m.contact, pre.blocks if pre else None)
                else:
                    index.add([])
                spill.append(m, pre.text if pre else None)
                keys = pre.filled if pre else filled_fields(m.contact)
                fills.append(filled.setdefault(keys, len(filled)))
            done += item.input.size or 0
            if on_read is not None:
                on_read(done, total)
        groups = plan._groups = index.groups()

        def ref(position: int) -> tuple[str, int, str]:
            m = spill.read_at(position)
            return m.record.file, m.record.line, str((m.contact or {}).get("full_name") or "")

        plan.likely = blocks.search(groups.leader, ref, decisions.says_two if decisions is not None else None)
        plan.summary.possible_duplicates = plan.likely.pairs
        plan.summary.not_searched = plan.likely.unsearched
        plan.summary.possible_duplicates_more = plan.likely.more
    except BaseException:
        plan.close()
        raise
    finally:
        index.close()
        blocks.close()
    try:
        merged_fills = _note_merges(plan, filled)
        summary = plan.summary
        if merged_fills is not None:  # tally counted fields per record; count them again per contact
            _recount_fields(summary, plan._groups, fills, filled, merged_fills)
    except BaseException:
        plan.close()
        raise
    finally:
        fills.close()
    summary.sample = []
    for planned in plan.contacts():
        if len(summary.sample) >= sample:
            break
        summary.sample.append(Mapped(planned.records[0], planned.contact, labels=planned.labels))
    return plan


def _reporting(opened: Sequence[OpenedFile], on_read: OnRead, total: int) -> list[OpenedFile]:
    """Returns `opened` with inputs that report the bytes read so far, of all files, to `on_read`."""
    before = 0
    out = []
    for item in opened:
        def report(position: int, before: int = before) -> None:
            on_read(min(before + position, total), total)
        # workbooks are read by openpyxl through a zip: they report once, when done
        source = counting(item.input, report) if item.input.kind != "xlsx" else item.input
        out.append(replace(item, input=source))
        before += item.input.size or 0
    return out


def _recount_fields(summary: Summary, groups: Groups, fills: IntLog, filled: dict[tuple[str, ...], int],
                    merged_fills: array[int]) -> None:
    """Sets the summary's field counts to those of the contacts, in the order `contacts()` yields them."""
    seen: dict[int, int] = {}  # field-set id -> contacts, in order of first appearance
    for (_, i), fill in zip(_scan(groups, len(fills)), fills):
        if i is not None:
            if not groups.is_last(i):
                continue
            fill = merged_fills[i]
        seen[fill] = seen.get(fill, 0) + 1
    names = {fill: keys for keys, fill in filled.items()}
    summary.fields.clear()
    for fill, contacts in seen.items():
        for key in names[fill]:
            summary.fields[key] += contacts


def _scan(groups: Groups, count: int) -> Iterator[tuple[int, int | None]]:
    """Yields ``(position, i)`` for positions 0..count-1: `i` its index in ``groups.members``, None if alone."""
    members = groups.members
    i, n = 0, len(members)
    for position in range(count):
        if i < n and members[i] == position:
            yield position, i
            i += 1
        else:
            yield position, None


def _note_merges(plan: Plan, filled: dict[tuple[str, ...], int]) -> array[int] | None:
    """Records each merge in the plan and its notices in the summary, and counts contacts after merging.

    Returns the field-set id of each merged contact at the index (in ``groups.members``) of its group's last
    record, or None when nothing was merged.
    """
    groups, spill = plan._groups, plan._spill
    assert groups is not None and spill is not None
    if not len(groups):
        return None
    merged_fills = array("q", [-1]) * len(groups)
    summary = plan.summary
    merged = 0
    for members in groups.in_order():
        leader = members[0]
        merged += len(members) - 1
        group = [spill.read_at(p) for p in members]
        refs = tuple((m.record.file, m.record.line) for m in group)
        merge = Merge(refs, reason_of(groups, leader, dict(zip(members, group))))
        if len(plan.merges) < MAX_NOTICES:  # like the notices: the first ones named, all of them counted
            plan.merges.append(merge)
        summary.add_merge(merge.describe())
        first = group[0].record
        for m in group[1:]:
            summary.add_notice(Notice(m.record.file, m.record.line, None, "merged",
                                      f"same person as {first.file}:{first.line} ({merge.reason}): merged "
                                      "into one contact"))
        for notice in merge_conflicts(group):
            summary.add_notice(notice)
        contact = merge_group(list(zip(group, members))).contact
        keys = filled_fields(contact)
        last = groups.find(members[-1])
        assert last is not None
        merged_fills[last] = filled.setdefault(keys, len(filled))
    summary.merged = merged
    summary.contacts -= summary.merged
    return merged_fills


def _unused_message(m: Mapped) -> str:
    reasons = [n.message for n in m.notices if n.kind in ("no-name", "unreadable-card")]
    return reasons[0] if reasons else (m.skip or "skipped")
