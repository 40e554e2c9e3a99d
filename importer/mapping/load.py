"""Returns mappings: the built-in ones shipped in mappings/, or a person's own YAML file."""

from __future__ import annotations

import functools
import os
import stat
from importlib import resources

from importer.errors import MappingError, MappingProblem, UsageError
from importer.mapping.model import Mapping
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


@functools.cache
def builtin_mappings() -> tuple[Mapping, ...]:
    """Returns every built-in mapping (mappings/*.yaml), sorted by name."""
    folder = resources.files("importer.builtin_mappings")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            found.append(parse_mapping(entry.read_text(encoding="utf-8"),
                                       path=f"mappings/{entry.name}", builtin=True))
    return tuple(found)


def get_mapping(name_or_path: str) -> Mapping:
    """Returns a built-in mapping by name (``google``) or a mapping file by path (``my.yaml``)."""
    if name_or_path.endswith((".yaml", ".yml")) or os.sep in name_or_path or os.path.exists(name_or_path):
        return load_mapping_file(name_or_path)
    names = {m.name: m for m in builtin_mappings()}
    if name_or_path in names:
        return names[name_or_path]
    hint = suggest(name_or_path, list(names))
    raise UsageError(f"no built-in mapping named {name_or_path!r}"
                     + (f" (did you mean {hint!r}?)" if hint else "")
                     + f"; built-in: {', '.join(names)}, or give the path of a .yaml file")
