"""Returns the languages of one mapping: its `locales:` section validated, and the mapping in each language.

Outlook desktop writes its CSV header in the language of its user interface (`Vorname`, `Prénom`, `名`),
always the same 90-odd columns. So the Outlook mapping is written once, with the English names, and each
locale lists what its language calls those columns::

    locales:
      de:
        title: German
        date_order: DMY
        code_page: cp1252
        columns:
          First Name: Vorname
          E-mail 2 Address: "E-Mail 2: Adresse"
          Suffix: [中文称谓, 称谓]     # two versions, two names: the first one the file has is read

`variants(mapping)` gives the mapping itself and one `Mapping` per locale (named ``outlook-de``), with
every column it names translated, so detection, compiling and the failure report work as for any mapping.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from importer.mapping.model import (
    DetectSpec,
    FieldSpec,
    LabelSpec,
    LocaleSpec,
    Mapping,
    MultiSpec,
    SkipSpec,
    ValueSpec,
)
from importer.normalize.dates import DATE_ORDERS

LOCALE_KEYS = ("title", "columns", "date_order", "blank_values", "code_page")
_LOCALE_ID = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

Problem = Callable[[str, str, "str | None"], None]
"""Records a problem: (key path, what is wrong, suggestion or None)."""


def mapping_columns(mapping: Mapping) -> set[str]:
    """Returns every column name the mapping refers to (what a locale may translate)."""
    found: set[str] = set(mapping.detect.columns) | set(mapping.detect.any) | set(mapping.ignore)
    found.update(c for group in mapping.require for c in group)
    if mapping.skip:
        found.update(mapping.skip.when_empty)
    specs: list[FieldSpec] = [*mapping.names.values(), *mapping.fields.values(),
                              *(c.value for c in mapping.custom_fields)]
    for multi in (*mapping.emails, *mapping.phones, *mapping.addresses, *mapping.websites, *mapping.notes):
        specs.append(multi.value)
        if multi.label_column:
            found.add(multi.label_column)
    found.update(col for spec in specs for value in spec for col in value.columns)
    found.update(label.column for label in mapping.labels)
    return found


def parse_locales(data: Any, *, columns: set[str], add: Problem) -> tuple[LocaleSpec, ...]:
    """Returns the locales of a mapping's `locales:` section, reporting each problem through `add`."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        add("locales", "expected a mapping of locale ids (de, zh-cn, ...) to their columns", None)
        return ()
    out = []
    for ident, body in data.items():
        where = f"locales.{ident}"
        if not isinstance(ident, str) or not _LOCALE_ID.match(ident):
            add(where, "a locale id is a lower-case language code, optionally with a region: de, pt-br, zh-cn",
                None)
            continue
        if not isinstance(body, dict):
            add(where, "expected keys such as title: and columns:", None)
            continue
        for key in body:
            if key not in LOCALE_KEYS:
                add(f"{where}.{key}", "unknown key", _closest(str(key), LOCALE_KEYS))
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            add(f"{where}.title", "is required: the language's name, shown by detect (\"Chinese, simplified\")",
                None)
        order = body.get("date_order")
        if order is not None and (not isinstance(order, str) or order.upper() not in DATE_ORDERS):
            add(f"{where}.date_order", "must be MDY, DMY or YMD", None)
            order = None
        code_page = body.get("code_page")
        if code_page is not None and not _is_text_codec(code_page):
            add(f"{where}.code_page", "is not a text encoding Python knows; use one such as cp1252, cp1251 or "
                                      "gb18030", None)
            code_page = None
        blanks = body.get("blank_values", [])
        if not isinstance(blanks, list) or not all(isinstance(b, str) for b in blanks):
            add(f"{where}.blank_values", "expected a list of texts", None)
            blanks = []
        table = _columns(body.get("columns"), f"{where}.columns", columns=columns, add=add)
        out.append(LocaleSpec(ident, str(title or ident), table, order.upper() if order else None,
                              tuple(blanks), code_page))
    return tuple(out)


def _columns(data: Any, where: str, *, columns: set[str], add: Problem) -> dict[str, tuple[str, ...]]:
    """Returns the translation table of one locale; every key must be a column the mapping names."""
    if not isinstance(data, dict) or not data:
        add(where, "list the columns under their names in this language (First Name: Vorname)", None)
        return {}
    table: dict[str, tuple[str, ...]] = {}
    written: dict[str, str] = {}  # folded translated name -> the column it translates, to catch repeats
    for base, names in data.items():
        key = f"{where}.{base}"
        if base not in columns:
            add(key, "is not a column this mapping names", _closest(str(base), sorted(columns)))
            continue
        items = names if isinstance(names, list) else [names]
        if not items or not all(isinstance(n, str) and n.strip() for n in items):
            add(key, "expected the column's name in this language, or a list of names", None)
            continue
        if ("{n}" in base) != all("{n}" in n for n in items):
            add(key, "a numbered column ({n}) needs {n} in its translation too", None)
            continue
        for name in items:
            folded = " ".join(name.split()).casefold()
            if written.get(folded, base) != base:
                add(key, f"{name!r} already translates {written[folded]!r}: one name, one column", None)
            written[folded] = base
        table[str(base)] = tuple(items)
    return table


def variants(mapping: Mapping) -> tuple[Mapping, ...]:
    """Returns the mapping itself (its own language) and the mapping in each of its locales."""
    return (mapping, *(localize(mapping, locale) for locale in mapping.locales))


def localize(mapping: Mapping, locale: LocaleSpec) -> Mapping:
    """Returns `mapping` with every column name it uses written as `locale` writes it."""
    table = locale.columns

    def names(column: str) -> tuple[str, ...]:
        return table.get(column, (column,))

    def first(column: str) -> str:
        return names(column)[0]

    def value(spec: FieldSpec) -> FieldSpec:
        out: list[ValueSpec] = []
        for v in spec:
            if len(v.columns) == 1:  # one column read: each of its names is an alternative, in order
                out.extend(replace(v, columns=(name,)) for name in names(v.columns[0]))
            else:  # columns joined: every name (a file has one of them)
                out.append(replace(v, columns=tuple(n for c in v.columns for n in names(c))))
        return tuple(out)

    def multi(specs: Iterable[MultiSpec]) -> tuple[MultiSpec, ...]:
        return tuple(replace(m, value=value(m.value),
                             label_column=first(m.label_column) if m.label_column else None) for m in specs)

    def flat(columns: Iterable[str]) -> tuple[str, ...]:
        return tuple(n for c in columns for n in names(c))

    detect = DetectSpec(tuple(first(c) for c in mapping.detect.columns), flat(mapping.detect.any),
                        mapping.detect.filename)
    return replace(
        mapping, name=f"{mapping.name}-{locale.id}", title=_title(mapping.title, locale.title),
        detect=detect, require=tuple(flat(group) for group in mapping.require),
        date_order=locale.date_order or mapping.date_order,
        skip=SkipSpec(flat(mapping.skip.when_empty), mapping.skip.reason) if mapping.skip else None,
        names={part: value(spec) for part, spec in mapping.names.items()},
        fields={name: value(spec) for name, spec in mapping.fields.items()},
        emails=multi(mapping.emails), phones=multi(mapping.phones), addresses=multi(mapping.addresses),
        websites=multi(mapping.websites), notes=multi(mapping.notes),
        labels=tuple(LabelSpec(name, lab.split, lab.system_prefix, lab.starred)
                     for lab in mapping.labels for name in names(lab.column)),
        custom_fields=tuple(replace(c, value=value(c.value)) for c in mapping.custom_fields),
        ignore=flat(mapping.ignore), blank_values=mapping.blank_values + locale.blank_values,
        code_page=locale.code_page or mapping.code_page, locales=(), locale=locale.id)


def _title(base: str, language: str) -> str:
    """Returns "Outlook CSV (German)" from "Outlook CSV (English)" and "German"."""
    head = base.split(" (")[0] if base.endswith(")") else base
    return f"{head} ({language})"


def _is_text_codec(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except (LookupError, ValueError, TypeError):
        return False


def _closest(word: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None
