"""Returns which export a file is and which mapping reads it, with the reason in words.

Detection looks at the file itself (its header, LinkedIn's preamble, vCard's BEGIN line), never only at its
name: people rename exports. Every built-in mapping whose `detect:` columns are all in the header is a
candidate; the one that reads the most of the header wins, and a file name like ``Connections.csv`` breaks
ties. A CSV that no built-in mapping recognises is read with columns matched to Dex fields by name.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass

from importer.errors import UsageError
from importer.mapping.byname import suggest_mapping
from importer.mapping.compile import Header, compile_mapping, fold
from importer.mapping.load import (
    IndexEntry,
    builtin_index,
    builtin_mapping,
    builtin_names,
    get_mapping,
)
from importer.mapping.locales import variants
from importer.mapping.model import Mapping
from importer.mapping.validate import suggest, validate_mapping
from importer.readers.csvfile import TableInfo

GENERIC = "generic"


@dataclass(frozen=True)
class Candidate:
    """A built-in mapping that fits the header, and how well."""

    mapping: Mapping
    score: float
    reason: str


@dataclass(frozen=True)
class Detection:
    """The format and mapping chosen for a file, and why."""

    format: str
    mapping: Mapping
    reason: str
    candidates: tuple[Candidate, ...] = ()


def formats() -> list[str]:
    """Returns the names `--format` accepts: every built-in mapping in each of its languages, and "generic"."""
    return [*builtin_names(), GENERIC]


def choose_mapping(info: TableInfo, *, fmt: str | None = None, mapping: str | None = None) -> Detection:
    """Returns the Detection for a table: the mapping asked for, or the best match for its header."""
    if mapping is not None:
        chosen = get_mapping(mapping)
        why = f"mapping given with --mapping ({chosen.path})"
        if chosen.locales:  # a mapping of several languages: the one whose column names the header has
            return _in_its_language(variants(chosen), info, why) or Detection(chosen.name, chosen, why)
        return Detection(chosen.name, chosen, why)
    if fmt is not None:
        if fmt == GENERIC:
            return _generic(info, "format given with --format")
        if fmt not in builtin_names():
            hint = suggest(fmt, formats())
            raise UsageError(f"unknown format {fmt!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                             + f"; known formats: {', '.join(formats())}")
        chosen, why = builtin_mapping(fmt), "format given with --format"
        if chosen.locale is None and chosen.locales:  # `--format outlook`: the language is read from the header
            file = next(e.file for e in builtin_index() if e.name == fmt)
            family = [e for e in builtin_index() if e.file == file]
            return _in_its_language(family, info, why) or Detection(fmt, chosen, why)
        return Detection(fmt, chosen, why)
    return recognise(info) or _generic(info, "no known export has this header")


def recognise(info: TableInfo) -> Detection | None:
    """Returns the Detection of the built-in export whose columns the header has, or None."""
    # only the mappings whose detect rules the header meets are parsed (see load.INDEX_FILE)
    candidates = sorted((c for e in builtin_index() if (c := _candidate(e, info))), key=lambda c: -c.score)
    if not candidates:
        return None
    best = candidates[0]
    return Detection(best.mapping.name, best.mapping, best.reason, tuple(candidates))


def likeness(info: TableInfo) -> tuple[tuple[int, ...], str]:
    """Returns how much a table's header looks like contacts, as a score to compare (all zeros: not at all),
    and why in a few words: a built-in export's header first, then a name column, then an email or phone
    column, then how many columns name a Dex field. Used to choose a workbook's sheet."""
    found = recognise(info)
    if found is not None:
        best = found.candidates[0]
        return (1, 1, 1, int(best.score * 1000)), f"{best.mapping.title or best.mapping.name} columns"
    data = suggest_mapping(info.header)
    parts, fields = data.get("name_parts", {}), data.get("fields", {})
    reach = [e["value"] for key in ("emails", "phones") for e in data.get(key, [])]
    matched = [*parts.values(), *fields.values(), *reach, *(e["value"] for e in data.get("addresses", []))]
    score = (0, int(bool(parts)), int(bool(reach)), len(matched))
    return score, (_listing([c for c in info.header if c in set(matched)]) if matched else "")


def _in_its_language(family: Iterable[IndexEntry | Mapping], info: TableInfo, why: str) -> Detection | None:
    """Returns the Detection for the language of `family` whose column names the header has, or None."""
    fits = sorted((c for v in family if (c := _candidate(v, info))), key=lambda c: -c.score)
    if not fits:
        return None
    best = fits[0].mapping
    return Detection(best.name, best, f"{why}; its {best.title} columns: {fits[0].reason}", tuple(fits))


def _candidate(entry: IndexEntry | Mapping, info: TableInfo) -> Candidate | None:
    """Returns how well a mapping (a built-in one by its index entry) fits the table, or None when its detect
    columns are not all there (then a built-in one is not even parsed)."""
    spec = entry.detect
    if not spec.columns and not spec.any:
        return None
    header = Header(info.header)
    present = [c for c in spec.columns if _has(header, c)]
    if len(present) < len(spec.columns):
        return None
    anyof = [c for c in spec.any if _has(header, c)]
    if spec.any and not anyof:
        return None
    mapping = entry if isinstance(entry, Mapping) else builtin_mapping(entry.name)
    compiled = compile_mapping(mapping, info.header)
    known = compiled.referenced | compiled.ignored
    score = len(known) / max(len(info.header), 1)
    reasons = [f"header has {_listing(present + anyof)}"]
    base = os.path.basename(info.file)
    if any(fnmatch.fnmatch(base.lower(), p.lower()) for p in spec.filename) or any(
            fnmatch.fnmatch(info.file.lower(), f"*{p.lower()}*") for p in spec.filename):
        score += 0.5
        reasons.append(f"file name {base!r}")
    if info.preamble == "linkedin-notes" and mapping.name == "linkedin":
        score += 1
        reasons.append("LinkedIn's \"Notes:\" preamble above the header")
    reasons.append(f"{len(known)} of {len(info.header)} columns known")
    return Candidate(mapping, score, "; ".join(reasons))


def _generic(info: TableInfo, why: str) -> Detection:
    mapping, problems = validate_mapping(suggest_mapping(info.header, name=GENERIC),
                                         path="(columns matched by name)")
    if mapping is None:  # cannot happen for generated data; say so plainly if it ever does
        raise UsageError("could not match columns by name: " + "; ".join(p.describe() for p in problems))
    notes = _note_columns(mapping)  # once: a header of 200,000 columns must stay linear
    matched = [c for c in info.header if c not in notes]
    reason = (f"{why}; columns matched to Dex fields by name ({_listing(matched) or 'none'}); "
              "the others become description lines")
    if not mapping.names:
        reason += ("; NO column looks like a name, so each row is named after its email or phone (rows with "
                   "neither are skipped)")
    reason += ". For full control: dex-import mapping init FILE > my.yaml, edit it, then --mapping my.yaml"
    return Detection(GENERIC, mapping, reason)


def _note_columns(mapping: Mapping) -> set[str]:
    return {col for spec in mapping.notes for v in spec.value for col in v.columns}


def _has(header: Header, column: str) -> bool:
    if "{n}" in column:
        return bool(header.numbers(column))
    return fold(column) in header.by_fold


def _listing(columns: list[str], limit: int = 4) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")
