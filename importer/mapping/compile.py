"""Returns a mapping resolved against one file's header: concrete columns, numbered groups expanded.

Column names match whatever their case and spacing (`E-Mail 1 - value` is `E-mail 1 - Value`), and a
``{n}`` pattern stands for every numbered column of its shape, in number order: Google varies the number
of ``E-mail n`` / ``Phone n`` groups from one export to the next, so columns are never taken by position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from importer.mapping.model import FieldSpec, LabelSpec, MultiSpec
from importer.mapping.model import Mapping as MappingSpec

PLACEHOLDER = "{n}"


def fold(column: str) -> str:
    """Returns the form columns are compared in: case-folded, spaces collapsed, BOM dropped."""
    return " ".join(column.replace("\ufeff", "").split()).casefold()


@dataclass
class Header:
    """A file's columns, looked up by folded name; remembers which columns a mapping asked for."""

    columns: tuple[str, ...]
    by_fold: dict[str, str] = field(init=False)
    referenced: set[str] = field(default_factory=set)
    absent: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_fold = {}
        for col in self.columns:
            self.by_fold.setdefault(fold(col), col)

    def find(self, name: str) -> str | None:
        """Returns the file's column for `name`, noting it as referenced, or None if absent."""
        col = self.by_fold.get(fold(name))
        if col is None:
            self.absent.append(name)
        else:
            self.referenced.add(col)
        return col

    def numbers(self, pattern: str) -> list[int]:
        """Returns the numbers n for which the pattern names a column of this file, ascending."""
        head, _, tail = fold(pattern).partition(PLACEHOLDER)
        regex = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + r"\Z")
        return sorted({int(m.group(1)) for f in self.by_fold if (m := regex.match(f))})


@dataclass(frozen=True)
class Source:
    """A value source resolved to the file's columns (absent ones dropped)."""

    columns: tuple[str, ...]
    join: str
    transforms: tuple[str, ...]
    format: str | None


Sources = tuple[Source, ...]


@dataclass(frozen=True)
class MultiSource:
    """One concrete instance of a multi section (one `n` of a numbered group)."""

    value: Sources
    label_column: str | None
    label: str | None
    split: str | None
    primary_marker: str | None

    @cached_property
    def columns(self) -> frozenset[str]:
        """Returns the columns the value may come from: when none holds anything, the spec gives nothing."""
        return columns_of(self.value)


@dataclass(frozen=True)
class Compiled:
    """A mapping bound to a header; `referenced` are the columns it reads, `absent` those it missed."""

    mapping: MappingSpec
    names: dict[str, Sources]
    fields: dict[str, Sources]
    emails: tuple[MultiSource, ...]
    phones: tuple[MultiSource, ...]
    addresses: tuple[MultiSource, ...]
    websites: tuple[MultiSource, ...]
    notes: tuple[MultiSource, ...]
    labels: tuple[LabelSpec, ...]
    custom_fields: tuple[tuple[str, str, Sources], ...]
    skip_columns: tuple[str, ...]
    referenced: frozenset[str]
    ignored: frozenset[str]
    absent: tuple[str, ...]
    blank: frozenset[str] = frozenset()

    @cached_property
    def field_columns(self) -> dict[str, frozenset[str]]:
        """Returns the columns each field may come from (see `MultiSource.columns`)."""
        return {name: columns_of(sources) for name, sources in self.fields.items()}

    @cached_property
    def name_columns(self) -> dict[str, frozenset[str]]:
        """Returns the columns each name part may come from."""
        return {part: columns_of(sources) for part, sources in self.names.items()}

    def is_empty(self, value: str) -> bool:
        """Returns True for an empty cell, or one holding a placeholder such as Outlook's 0/0/00."""
        text = value.strip()
        return not text or (bool(self.blank) and text.casefold() in self.blank)


def compile_mapping(mapping: MappingSpec, columns: Sequence[str]) -> Compiled:
    """Returns `mapping` resolved against the given header columns."""
    header = Header(tuple(columns))
    labels = []
    for spec in mapping.labels:
        for col in _expand_names(header, spec.column):
            labels.append(replace(spec, column=col))
    ignored: set[str] = set()
    for name in mapping.ignore:
        ignored.update(_expand_names(header, name))
    skip_cols = tuple(c for c in (header.find(n) for n in mapping.skip.when_empty) if c) \
        if mapping.skip else ()
    compiled = Compiled(
        mapping=mapping,
        names={part: _sources(header, spec) for part, spec in mapping.names.items()},
        fields={name: _sources(header, spec) for name, spec in mapping.fields.items()},
        emails=_multi(header, mapping.emails), phones=_multi(header, mapping.phones),
        addresses=_multi(header, mapping.addresses), websites=_multi(header, mapping.websites),
        notes=_multi(header, mapping.notes), labels=tuple(labels),
        custom_fields=tuple((c.id, c.type, _sources(header, c.value)) for c in mapping.custom_fields),
        skip_columns=skip_cols, referenced=frozenset(header.referenced), ignored=frozenset(ignored),
        absent=tuple(dict.fromkeys(header.absent)),
        blank=frozenset(v.strip().casefold() for v in mapping.blank_values),
    )
    if mapping.match_by_name:
        compiled = _with_matched_by_name(compiled, header.columns)
    return compiled


def _with_matched_by_name(base: Compiled, columns: tuple[str, ...]) -> Compiled:
    """Returns `base` plus the columns it leaves out, matched to Dex fields by their names."""
    from importer.mapping.byname import suggest_mapping
    from importer.mapping.validate import validate_mapping

    rest = [c for c in columns if c not in base.referenced and c not in base.ignored]
    extra_mapping, problems = validate_mapping(suggest_mapping(rest, name=base.mapping.name),
                                               path=base.mapping.path)
    if extra_mapping is None or not rest:
        return base
    extra = compile_mapping(extra_mapping, columns)
    return replace(
        base,
        names={**extra.names, **base.names}, fields={**extra.fields, **base.fields},
        emails=base.emails + extra.emails, phones=base.phones + extra.phones,
        addresses=base.addresses + extra.addresses, websites=base.websites + extra.websites,
        notes=base.notes + extra.notes, labels=base.labels + extra.labels,
        referenced=base.referenced | extra.referenced)


def _expand_names(header: Header, name: str) -> list[str]:
    if PLACEHOLDER not in name:
        col = header.find(name)
        return [col] if col else []
    found = (header.find(name.replace(PLACEHOLDER, str(n))) for n in header.numbers(name))
    return [c for c in found if c]


def _sources(header: Header, spec: FieldSpec, n: int | None = None) -> Sources:
    out = []
    for value in spec:
        names = [c.replace(PLACEHOLDER, str(n)) if n is not None else c for c in value.columns]
        cols = tuple(c for c in (header.find(name) for name in names) if c)
        if cols:
            out.append(Source(cols, value.join, value.transforms, value.format))
    return tuple(out)


def _multi(header: Header, specs: Iterable[MultiSpec]) -> tuple[MultiSource, ...]:
    out: list[MultiSource] = []
    for spec in specs:
        patterns = [c for v in spec.value for c in v.columns if PLACEHOLDER in c]
        numbers: list[int | None] = [None]
        if patterns:
            numbers = [*sorted({n for p in patterns for n in header.numbers(p)})]
        for n in numbers:
            label_column = None
            if spec.label_column:
                label_name = spec.label_column.replace(PLACEHOLDER, str(n)) if n is not None \
                    else spec.label_column
                label_column = header.find(label_name)
            value = _sources(header, spec.value, n)
            if value:
                out.append(MultiSource(value, label_column, spec.label, spec.split, spec.primary_marker))
    return tuple(out)


def columns_of(sources: Sources) -> frozenset[str]:
    """Returns every column of `sources`."""
    return frozenset(col for src in sources for col in src.columns)


def read_sources(values: Mapping[str, str], sources: Sources) -> tuple[str, tuple[str, ...], Source | None]:
    """Returns the first non-empty raw value of `sources`, the columns it came from, and its source."""
    get = values.get
    for src in sources:
        if len(src.columns) == 1:  # the usual case, without the lists below
            value = get(src.columns[0], "")
            if value and (value := value.strip()):
                return value, src.columns, src
            continue
        parts = [(col, v.strip()) for col in src.columns if (v := get(col, ""))]
        parts = [(col, v) for col, v in parts if v]
        if parts:
            return src.join.join(v for _, v in parts), tuple(col for col, _ in parts), src
    return "", (), None
