"""The validated form of a YAML mapping: frozen values the mapping engine compiles against a header.

The YAML grammar (documented with examples in docs/mappings.md):

- a *value* is a column name, ``{column: X}``, ``{columns: [X, Y], join: " "}``, optionally with
  ``transform`` and ``format``; a list of values means "the first that is not empty".
- a column name may hold ``{n}`` (``E-mail {n} - Value``): it then stands for every numbered column of
  that shape, in number order. Google's exports vary the count of those groups from file to file.
- *multi* sections (emails, phones, addresses, websites, notes) take several values per record, each with a
  label from a column (``label_column``) or a constant (``label``), split on ``split`` when one cell holds
  several values.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ValueSpec:
    """One way to read a text value: one column, or several joined, then transformed and formatted."""

    columns: tuple[str, ...]
    join: str = " "
    transforms: tuple[str, ...] = ()
    format: str | None = None


FieldSpec = tuple[ValueSpec, ...]
"""Alternatives: the first one that gives a non-empty value wins."""


@dataclass(frozen=True)
class MultiSpec:
    """A source of several values per record (emails, phones, addresses, websites, note lines)."""

    value: FieldSpec
    label_column: str | None = None
    label: str | None = None
    split: str | None = None
    primary_marker: str | None = None


@dataclass(frozen=True)
class LabelSpec:
    """A column of the person's own labels (groups), kept for tagging."""

    column: str
    split: str | None = None
    system_prefix: str | None = None
    starred: str | None = None


@dataclass(frozen=True)
class CustomFieldSpec:
    """A Dex custom field (by its id) filled from a value."""

    id: str
    type: str
    value: FieldSpec


@dataclass(frozen=True)
class DetectSpec:
    """How to recognise a file this mapping is for."""

    columns: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    filename: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadSpec:
    """How to read the file: encoding and delimiter (None = detect), header row, sheet."""

    encoding: str | None = None
    delimiter: str | None = None
    header: bool = True
    columns: tuple[str, ...] = ()
    sheet: str | None = None


@dataclass(frozen=True)
class SkipSpec:
    """Records to skip and count without calling them failures (LinkedIn's hidden members)."""

    when_empty: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LocaleSpec:
    """One language of an export whose column names follow the UI language (Outlook desktop).

    `columns` maps a column name the mapping uses to the names that language writes for it (the first is
    the usual one; more when versions differ); a column it leaves out keeps its name. `code_page` is what
    the export is written in when it is not UTF-8.
    """

    id: str
    title: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_order: str | None = None
    blank_values: tuple[str, ...] = ()
    code_page: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping, ready to compile against a file's header."""

    name: str
    path: str
    title: str = ""
    builtin: bool = False
    detect: DetectSpec = DetectSpec()
    read: ReadSpec = ReadSpec()
    require: tuple[tuple[str, ...], ...] = ()
    region: str | None = None
    date_order: str | None = None
    skip: SkipSpec | None = None
    match_by_name: bool = False
    names: dict[str, FieldSpec] = field(default_factory=dict)
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    emails: tuple[MultiSpec, ...] = ()
    phones: tuple[MultiSpec, ...] = ()
    addresses: tuple[MultiSpec, ...] = ()
    websites: tuple[MultiSpec, ...] = ()
    notes: tuple[MultiSpec, ...] = ()
    labels: tuple[LabelSpec, ...] = ()
    custom_fields: tuple[CustomFieldSpec, ...] = ()
    constants: dict[str, object] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    blank_values: tuple[str, ...] = ()
    code_page: str | None = None
    locales: tuple[LocaleSpec, ...] = ()
    locale: str | None = None
