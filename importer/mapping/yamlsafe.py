"""Returns YAML documents as plain data, refusing everything that is not plain data.

A mapping is data, whoever wrote it: PyYAML's safe loader already refuses ``!!python/...`` tags (no code
runs, no object is built). On top of it this loader refuses anchors and aliases (a few lines of them can
expand into gigabytes when walked: the "billion laughs"), refuses duplicate keys (YAML would silently keep
the last one), and reports each problem with its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_MAPPING_BYTES = 1_000_000


class YamlProblem(Exception):
    """A YAML text that is not plain, well-formed data; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise YamlProblem("anchors and aliases (&name, *name) are not allowed in a mapping; "
                              "write the value out", event.start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, (list, dict)):
                raise YamlProblem("a key must be plain text", line)
            if key in seen:
                raise YamlProblem(f"key {key!r} appears twice (first on line {seen[key]}); "
                                  "keep one", line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """Returns the data of one YAML document, or raises YamlProblem saying what and on which line.

    >>> load_yaml("name: demo\\nfields: {company: Company}")
    {'name': 'demo', 'fields': {'company': 'Company'}}
    """
    if len(text) > MAX_MAPPING_BYTES:
        raise YamlProblem(f"the file is larger than {MAX_MAPPING_BYTES:,} characters: "
                          "a mapping is a short text")
    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - _PlainLoader is a SafeLoader
    except YamlProblem:
        raise
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        found = re.search(r"tag '([^']*)'", str(getattr(exc, "problem", "") or ""))
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else "this tag"
        raise YamlProblem(f"{tag} is not allowed: a mapping holds plain text, lists and keys only, "
                          "nothing that runs code or builds objects", line) from None
    except RecursionError:
        raise YamlProblem("nested too deeply: a mapping is a few levels of keys and lists") from None
    except (ValueError, OverflowError) as exc:
        # int() refuses more than 4,300 digits; a date like 2024-99-99 fails the same way
        what = "a number has too many digits" if "digits" in str(exc) else f"a value cannot be read ({exc})"
        raise YamlProblem(f"{what}: write it in quotes if it is meant as text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
