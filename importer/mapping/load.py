"""Returns mappings: the built-in ones shipped in mappings/, or a person's own YAML file."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from importlib import resources
from typing import Any

from importer.errors import MappingError, MappingProblem, UsageError
from importer.mapping.locales import variants
from importer.mapping.model import DetectSpec, Mapping
from importer.mapping.validate import suggest, validate_mapping
from importer.mapping.yamlsafe import MAX_MAPPING_BYTES, YamlProblem, load_yaml


def parse_mapping(text: str, *, path: str, builtin: bool = False) -> Mapping:
    """Returns the Mapping in a YAML text, or raises MappingError listing every problem."""
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise MappingError(path, [MappingProblem(f"line {exc.line}" if exc.line else "",
                                                 exc.message)]) from None
    mapping, problems = validate_mapping(data, path=path, builtin=builtin)
    if mapping is None:
        raise MappingError(path, problems)
    return mapping


def load_mapping_file(path: str | os.PathLike[str]) -> Mapping:
    """Returns the Mapping in a YAML file; MappingError if it is invalid or cannot be read."""
    name = os.fspath(path)
    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            # /dev/zero never ends; a FIFO or <(cat file) blocks until written
            raise MappingError(name, [MappingProblem("", "is not a regular file (a pipe or device); save the "
                                                         "mapping to a .yaml file and give that")])
        with open(name, encoding="utf-8-sig") as handle:
            text = handle.read(MAX_MAPPING_BYTES + 1)  # never more: a mapping is a short text
    except FileNotFoundError:
        raise MappingError(name, [MappingProblem("", "no such file; check the path given to --mapping")]
                           ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise MappingError(name, [MappingProblem("", f"cannot be read ({reason}); save it as UTF-8 text")]
                           ) from None
    return parse_mapping(text, path=name)


INDEX_FILE = "detect-index.json"
"""Shipped beside the built-in mappings: each file's name, `detect:` rules and SHA-256, so that detection
parses only the mappings whose rules a file meets (parsing all seven took ~300 ms on a busy machine).
A file whose text no longer matches its hash is parsed instead: a stale index costs time, never a wrong
answer (tests/test_mapping_index.py fails until it is written again with `write_index()`)."""


@dataclass(frozen=True)
class IndexEntry:
    """A built-in mapping as the detect index knows it, before it is parsed."""

    name: str
    file: str
    detect: DetectSpec
    locale: str | None = None
    """The language of a mapping's `locales:` (``outlook-de``), None for the mapping as written."""


def _builtin_texts() -> dict[str, str]:
    folder = resources.files("importer.builtin_mappings")
    return {e.name: e.read_text(encoding="utf-8") for e in sorted(folder.iterdir(), key=lambda e: e.name)
            if e.name.endswith(".yaml")}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _spec(data: dict[str, Any]) -> DetectSpec:
    return DetectSpec(*(tuple(data[k]) for k in ("columns", "any", "filename")))


def _spec_data(spec: DetectSpec) -> dict[str, list[str]]:
    return {"columns": list(spec.columns), "any": list(spec.any), "filename": list(spec.filename)}


def read_index(texts: dict[str, str], shipped: dict[str, Any]) -> tuple[IndexEntry, ...]:
    """Returns the index entries of each mapping text (by file name), the mapping as written then each of its
    languages: from `shipped` when its hash still matches the text, else from parsing it."""
    entries = []
    for file, text in texts.items():
        known = shipped.get(file)
        if isinstance(known, dict) and known.get("sha256") == _digest(text):
            entries.append(IndexEntry(known["name"], file, _spec(known["detect"])))
            entries.extend(IndexEntry(v["name"], file, _spec(v["detect"]), v["locale"])
                           for v in known.get("locales", ()))
        else:
            entries.extend(IndexEntry(m.name, file, m.detect, m.locale) for m in _builtin_file(file, text))
    return tuple(entries)


def index_data(texts: dict[str, str] | None = None) -> dict[str, Any]:
    """Returns the detect index of the built-in mappings (or of `texts`), every file parsed."""
    out: dict[str, Any] = {}
    for file, text in (texts if texts is not None else _builtin_texts()).items():
        m, *localized = _builtin_file(file, text)
        out[file] = {"name": m.name, "sha256": _digest(text), "detect": _spec_data(m.detect)}
        if localized:
            out[file]["locales"] = [{"name": v.name, "locale": v.locale, "detect": _spec_data(v.detect)}
                                    for v in localized]
    return out


def write_index(folder: str | os.PathLike[str] | None = None) -> None:
    """Writes the detect index of the built-in mappings into their folder (mappings/ in a checkout)."""
    target = os.path.join(os.fspath(folder) if folder else str(resources.files("importer.builtin_mappings")),
                          INDEX_FILE)
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(index_data(), handle, indent=1, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


@functools.cache
def builtin_index() -> tuple[IndexEntry, ...]:
    """Returns the index of the built-in mappings, sorted by file name, parsing only those it does not know."""
    index = resources.files("importer.builtin_mappings") / INDEX_FILE
    try:
        shipped = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        shipped = {}
    return read_index(_builtin_texts(), shipped if isinstance(shipped, dict) else {})


def builtin_names() -> list[str]:
    """Returns the names of the built-in mappings in each of their languages, without parsing any."""
    return [e.name for e in builtin_index()]


@functools.cache
def builtin_mapping(name: str) -> Mapping:
    """Returns the built-in mapping called `name` (``outlook-de`` one of its languages), parsed the first time
    it is asked for; KeyError if none."""
    for entry in builtin_index():
        if entry.name == name:
            found = [m for m in _builtin_file(entry.file, _builtin_texts()[entry.file]) if m.name == name]
            if found:
                return found[0]
    raise KeyError(name)


@functools.cache
def _builtin_file(file: str, text: str) -> tuple[Mapping, ...]:
    """Returns the mapping of one built-in file and its languages, parsed once."""
    return variants(parse_mapping(text, path=f"mappings/{file}", builtin=True))


def builtin_mappings() -> tuple[Mapping, ...]:
    """Returns every built-in mapping (mappings/*.yaml), sorted by file name: each one parsed."""
    return tuple(builtin_mapping(e.name) for e in builtin_index() if e.locale is None)


def builtin_variants() -> tuple[Mapping, ...]:
    """Returns every built-in mapping in every language it has (``outlook``, ``outlook-de``, ...)."""
    return tuple(builtin_mapping(e.name) for e in builtin_index())


def get_mapping(name_or_path: str) -> Mapping:
    """Returns a built-in mapping by name (``google``, ``outlook-de``) or a mapping file by path (``my.yaml``).

    A built-in name wins over a file or folder of that name in the working folder (a folder named ``vcard``
    beside the exports must not stand for the vCard mapping); ``./google`` names the file.
    """
    names = builtin_names()
    if name_or_path.endswith((".yaml", ".yml")) or os.sep in name_or_path or "/" in name_or_path:
        return load_mapping_file(name_or_path)
    if name_or_path in names:
        return builtin_mapping(name_or_path)
    if os.path.exists(name_or_path):
        return load_mapping_file(name_or_path)
    hint = suggest(name_or_path, names)
    raise UsageError(f"no built-in mapping named {name_or_path!r}"
                     + (f" (did you mean {hint!r}?)" if hint else "")
                     + f"; built-in: {', '.join(names)}, or give the path of a .yaml file")
