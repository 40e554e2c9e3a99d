"""Returns a validated `Mapping` from YAML data, listing every problem at once with its key path.

Each problem names the key (``fields.emial``, ``phones[1].label_colum``), says what is wrong and, for a
misspelt key, field or transform, suggests the nearest valid one.
"""

from __future__ import annotations

import codecs
import difflib
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from importer.dex.fields import (
    ALL_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    DATETIME_FIELDS,
    FREQUENCIES,
    HANDLE_FIELDS,
    INT_FIELDS,
    NAME_FIELDS,
    SCALAR_FIELDS,
    STRUCTURED_FIELDS,
    TEXT_FIELDS,
    URL_FIELDS,
)
from importer.errors import MappingProblem, UsageError
from importer.mapping.locales import mapping_columns, parse_locales
from importer.mapping.model import (
    CustomFieldSpec,
    DetectSpec,
    FieldSpec,
    LabelSpec,
    Mapping,
    MultiSpec,
    ReadSpec,
    SkipSpec,
    ValueSpec,
)
from importer.normalize.dates import DATE_ORDERS
from importer.normalize.phones import check_region

TRANSFORMS = ("date", "datetime", "lower", "upper", "first_line", "strip_star")
NAME_PARTS = ("full", "first", "middle", "last", "prefix", "suffix", "nickname")
MULTI_SECTIONS = ("emails", "phones", "addresses", "websites", "notes")
DELIMITERS = (",", ";", "\t", "|")
TOP_KEYS = ("name", "title", "description", "detect", "read", "require", "region", "date_order",
            "skip_when_empty", "match_by_name", "name_parts", "fields", *MULTI_SECTIONS, "labels",
            "custom_fields", "constants", "ignore", "blank_values", "code_page", "locales")
# Words people write under fields: that belong to a section of their own.
_SECTION_WORDS = {"email": "emails", "emails": "emails", "phone": "phones", "phones": "phones",
                  "mobile": "phones", "address": "addresses", "addresses": "addresses",
                  "tags": "labels", "labels": "labels", "groups": "labels", "notes": "notes",
                  "name": "name_parts.full", "nickname": "name_parts.nickname"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def suggest(word: str, options: tuple[str, ...] | list[str]) -> str | None:
    """Returns the option closest to `word`, or None when nothing is close.

    >>> suggest("emial", ["email", "phone"])
    'email'
    """
    lowered = {o.lower(): o for o in options}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


class _Checker:
    """Collects problems while converting YAML data into spec values."""

    def __init__(self) -> None:
        self.problems: list[MappingProblem] = []

    def add(self, key: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(MappingProblem(key, message, suggestion))

    def keys(self, data: dict[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add(where, "unknown key", suggest(str(key), list(allowed)))

    def mapping(self, data: Any, path: str) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add(path, f"expected a mapping of keys, got {_kind(data)}")
            return {}
        return data

    def text(self, data: Any, path: str, *, empty_ok: bool = False) -> str | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.add(path, f"expected text, got {_kind(data)}")
            return None
        value = str(data)
        if not value.strip() and not empty_ok:
            self.add(path, "is empty")
            return None
        return value

    def texts(self, data: Any, path: str) -> tuple[str, ...]:
        if data is None:
            return ()
        items = data if isinstance(data, list) else [data]
        found = (self.text(item, f"{path}[{i}]") for i, item in enumerate(items))
        return tuple(t for t in found if t is not None)

    def column(self, data: Any, path: str) -> str | None:
        col = self.text(data, path)
        if col is not None and col.count("{n}") > 1:
            self.add(path, "a column pattern may hold {n} only once")
            return None
        return col

    def value(self, data: Any, path: str) -> FieldSpec:
        """A value: column name, {column|columns, join, transform, format}, or a list of those."""
        if isinstance(data, list):
            if not data:
                self.add(path, "an empty list gives no value")
            return tuple(s for i, item in enumerate(data) for s in self.value(item, f"{path}[{i}]"))
        if isinstance(data, dict):
            self.keys(data, path, ("column", "columns", "join", "transform", "format"))
            if ("column" in data) == ("columns" in data):
                self.add(path, "give exactly one of 'column' or 'columns'")
                return ()
            cols = ((self.column(data["column"], f"{path}.column"),) if "column" in data
                    else tuple(self.column(c, f"{path}.columns[{i}]")
                               for i, c in enumerate(_as_list(data["columns"]))))
            transforms = self.texts(data.get("transform"), f"{path}.transform")
            for i, name in enumerate(transforms):
                if name not in TRANSFORMS:
                    self.add(f"{path}.transform" + (f"[{i}]" if len(transforms) > 1 else ""),
                             f"unknown transform {name!r}", suggest(name, TRANSFORMS))
            fmt = self.text(data.get("format"), f"{path}.format")
            if fmt is not None and "{value}" not in fmt:
                self.add(f"{path}.format", "must contain {value}, where the value goes")
            join = self.text(data.get("join", " "), f"{path}.join", empty_ok=True)
            if any(c is None for c in cols):
                return ()
            return (ValueSpec(tuple(c for c in cols if c), join or "", transforms, fmt),)
        col = self.column(data, path)
        return (ValueSpec((col,)),) if col else ()

    def multi(self, data: Any, path: str) -> tuple[MultiSpec, ...]:
        specs = []
        for i, item in enumerate(_as_list(data)):
            where = f"{path}[{i}]"
            if isinstance(item, str):
                item = {"value": item}
            item = self.mapping(item, where)
            self.keys(item, where, ("value", "label_column", "label", "split", "primary_marker"))
            if "value" not in item:
                self.add(f"{where}.value", "is required: the column the values come from")
                continue
            specs.append(MultiSpec(
                value=self.value(item["value"], f"{where}.value"),
                label_column=self.column(item.get("label_column"), f"{where}.label_column"),
                label=self.text(item.get("label"), f"{where}.label"),
                split=self.text(item.get("split"), f"{where}.split", empty_ok=True),
                primary_marker=self.text(item.get("primary_marker"), f"{where}.primary_marker")))
        return tuple(specs)


def validate_mapping(data: Any, *, path: str, builtin: bool = False) -> tuple[Mapping | None,
                                                                              list[MappingProblem]]:
    """Returns the Mapping built from `data` and every problem found (the Mapping is None if any)."""
    c = _Checker()
    if not isinstance(data, dict):
        c.add("", f"a mapping file holds keys such as name: and fields:, not {_kind(data)}")
        return None, c.problems
    c.keys(data, "", TOP_KEYS)
    name = c.text(data.get("name"), "name")
    if name is None and "name" not in data:
        c.add("name", "is required: a short identifier such as 'my-crm-export'")
    elif name is not None and not _NAME_RE.match(name):
        c.add("name", "use lower-case letters, digits, '-', '_' or '.'")

    detect = c.mapping(data.get("detect"), "detect")
    c.keys(detect, "detect", ("columns", "any", "filename"))
    read = c.mapping(data.get("read"), "read")
    c.keys(read, "read", ("encoding", "delimiter", "header", "columns", "sheet"))
    encoding = read.get("encoding")
    if isinstance(encoding, str) and not _is_text_codec(encoding):
        c.add("read.encoding", "is not a text encoding Python knows; use one such as utf-8, cp1252 or utf-16")
    delimiter = c.text(read.get("delimiter"), "read.delimiter", empty_ok=True)
    if delimiter is not None and delimiter not in DELIMITERS:
        c.add("read.delimiter", "must be one of , ; | or a tab (\"\\t\")")
    header = read.get("header", True)
    if not isinstance(header, bool):
        c.add("read.header", "must be true or false")
        header = True
    read_columns = c.texts(read.get("columns"), "read.columns")
    if header is False and not read_columns:
        c.add("read.columns", "a file with no header row needs its column names listed here")

    region = c.text(data.get("region"), "region")
    if region is not None:
        region = _check_region(c, region)
    order = c.text(data.get("date_order"), "date_order")
    if order is not None and order.upper() not in DATE_ORDERS:
        c.add("date_order", "must be MDY, DMY or YMD", suggest(order, DATE_ORDERS))
        order = None

    skip = None
    if "skip_when_empty" in data:
        sk = c.mapping(data["skip_when_empty"], "skip_when_empty")
        c.keys(sk, "skip_when_empty", ("columns", "reason"))
        cols = c.texts(sk.get("columns"), "skip_when_empty.columns")
        if not cols:
            c.add("skip_when_empty.columns", "list the columns that are all empty in such rows")
        skip = SkipSpec(cols, c.text(sk.get("reason"), "skip_when_empty.reason") or "empty row")

    names_data = c.mapping(data.get("name_parts"), "name_parts")
    c.keys(names_data, "name_parts", NAME_PARTS)
    names = {part: c.value(spec, f"name_parts.{part}") for part, spec in names_data.items()
             if part in NAME_PARTS}

    fields: dict[str, FieldSpec] = {}
    for field_name, spec in c.mapping(data.get("fields"), "fields").items():
        _check_field(c, str(field_name), f"fields.{field_name}", section="fields")
        fields[str(field_name)] = c.value(spec, f"fields.{field_name}")

    multis = {section: c.multi(data.get(section), section) for section in MULTI_SECTIONS}
    labels = _labels(c, data.get("labels"))
    custom = _custom_fields(c, data.get("custom_fields"))

    constants = c.mapping(data.get("constants"), "constants")
    for field_name, value in constants.items():
        _check_field(c, str(field_name), f"constants.{field_name}", section="constants")
        if field_name == "frequency" and value not in FREQUENCIES:
            c.add(f"constants.{field_name}", f"Dex takes one of {', '.join(FREQUENCIES)}",
                  suggest(str(value), FREQUENCIES))
        elif (problem := _constant_problem(str(field_name), value)) is not None:
            c.add(f"constants.{field_name}", problem)
    match_by_name = data.get("match_by_name", False)
    if not isinstance(match_by_name, bool):
        c.add("match_by_name", "must be true or false")
    require = tuple(c.texts(group, f"require[{i}]") for i, group in enumerate(_as_list(data.get("require"))))

    code_page = c.text(data.get("code_page"), "code_page")
    if code_page is not None and not _is_text_codec(code_page):
        c.add("code_page", "is not a text encoding Python knows; use one such as cp1252, cp1251 or gb18030")
    mapping = Mapping(
        name=name or "", path=path, title=c.text(data.get("title"), "title") or name or "",
        builtin=builtin,
        detect=DetectSpec(c.texts(detect.get("columns"), "detect.columns"),
                          c.texts(detect.get("any"), "detect.any"),
                          c.texts(detect.get("filename"), "detect.filename")),
        read=ReadSpec(c.text(read.get("encoding"), "read.encoding"), delimiter, header, read_columns,
                      c.text(read.get("sheet"), "read.sheet")),
        require=require, region=region, date_order=order.upper() if order else None, skip=skip,
        match_by_name=bool(match_by_name), names=names, fields=fields,
        emails=multis["emails"], phones=multis["phones"], addresses=multis["addresses"],
        websites=multis["websites"], notes=multis["notes"], labels=labels, custom_fields=custom,
        constants=dict(constants), ignore=c.texts(data.get("ignore"), "ignore"),
        blank_values=c.texts(data.get("blank_values"), "blank_values"), code_page=code_page,
    )
    locales = parse_locales(data.get("locales"), columns=mapping_columns(mapping), add=c.add)
    if c.problems:
        return None, c.problems
    return replace(mapping, locales=locales), []


def _is_text_codec(name: str) -> bool:
    """Returns True when Python has a text codec called `name` (rot13 and base64 are codecs, not text)."""
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except (LookupError, ValueError, TypeError):
        return False


def _constant_problem(field_name: str, value: Any) -> str | None:
    """Returns what is wrong with `value` as the constant of a scalar Dex field, or None: Dex would refuse
    every row for it, so it is refused here, as a column's value would be."""
    if value is None:
        return "has no value; remove it or give one"
    if field_name in BOOL_FIELDS:
        return None if isinstance(value, bool) else "must be true or false"
    if field_name in INT_FIELDS:
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999
        return None if ok else "must be a year such as 1990"
    if field_name in DATE_FIELDS:
        if isinstance(value, date) and not isinstance(value, datetime):
            return None
        try:
            date.fromisoformat(str(value))
            return None if isinstance(value, str) and len(value) == 10 else "must be a date YYYY-MM-DD"
        except ValueError:
            return "must be a date YYYY-MM-DD"
    if field_name in DATETIME_FIELDS:
        if isinstance(value, datetime):
            return None
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return None if isinstance(value, str) else "must be a date and time such as 2024-05-01T09:00:00Z"
        except ValueError:
            return "must be a date and time such as 2024-05-01T09:00:00Z"
    if field_name in NAME_FIELDS + TEXT_FIELDS + URL_FIELDS + HANDLE_FIELDS:
        if not isinstance(value, str):
            return "must be text: write it in quotes"
        if "\x00" in value:
            return "holds a NUL character; remove it"
    return None


def _check_field(c: _Checker, field_name: str, key: str, *, section: str) -> None:
    if field_name in NAME_FIELDS and section == "fields":
        c.add(key, "names are assembled from name_parts (full, first, middle, last, ...)",
              f"name_parts.{field_name.split('_')[0]}")
    elif section == "fields" and field_name in STRUCTURED_FIELDS and field_name != "coordinates":
        where = {"contact_emails": "emails", "contact_phone_numbers": "phones",
                 "legacy_contact_addresses": "addresses", "custom_fields": "custom_fields"}
        c.add(key, f"{field_name} is filled from its own section or from constants",
              where.get(field_name, f"constants.{field_name}"))
    elif field_name not in ALL_FIELDS:
        options = SCALAR_FIELDS if section == "fields" else ALL_FIELDS
        hint = suggest(field_name, list(options) + list(_SECTION_WORDS))
        c.add(key, "is not a field of Dex's contact", _SECTION_WORDS.get(hint or "", hint))


def _labels(c: _Checker, data: Any) -> tuple[LabelSpec, ...]:
    specs = []
    for i, item in enumerate(_as_list(data)):
        where = f"labels[{i}]"
        item = c.mapping({"column": item} if isinstance(item, str) else item, where)
        c.keys(item, where, ("column", "split", "system_prefix", "starred"))
        column = c.column(item.get("column"), f"{where}.column")
        if column is None:
            c.add(f"{where}.column", "is required")
            continue
        specs.append(LabelSpec(column, c.text(item.get("split"), f"{where}.split", empty_ok=True),
                               c.text(item.get("system_prefix"), f"{where}.system_prefix"),
                               c.text(item.get("starred"), f"{where}.starred")))
    return tuple(specs)


def _custom_fields(c: _Checker, data: Any) -> tuple[CustomFieldSpec, ...]:
    specs = []
    for i, item in enumerate(_as_list(data)):
        where = f"custom_fields[{i}]"
        item = c.mapping(item, where)
        c.keys(item, where, ("id", "type", "value"))
        ident = c.text(item.get("id"), f"{where}.id")
        kind = c.text(item.get("type", "input"), f"{where}.type")
        if kind not in ("input", "autocomplete", "datepicker"):
            c.add(f"{where}.type", "must be input, autocomplete or datepicker",
                  suggest(str(kind), ["input", "autocomplete", "datepicker"]))
        if ident is None or "value" not in item:
            c.add(where, "needs id (the custom field's id in Dex) and value")
            continue
        specs.append(CustomFieldSpec(ident, kind or "input", c.value(item["value"], f"{where}.value")))
    return tuple(specs)


def _check_region(c: _Checker, region: str) -> str | None:
    try:
        return check_region(region)
    except UsageError as exc:
        c.add("region", str(exc))
        return None


def _as_list(data: Any) -> list[Any]:
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def _kind(data: Any) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
                              int: "a number", float: "a number", type(None): "nothing"}
    return names.get(type(data), type(data).__name__)

