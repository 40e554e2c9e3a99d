"""Returns what Dex's answers hold, read against the shapes of ../shared/dex-api.md and their plausible variants.

Every answer of the client goes through one of these readers; none lets a KeyError, TypeError or
AttributeError out. What they accept, for an answer's ``data``:

- a list (`read_list`): a bare list; a page ``{"items": [...], "nextCursor": ...}`` (the client follows the
  cursor to the end); or an object wrapping the list under its name (``{"tags": [...]}``).
- an object (`read_object`): wrapped under its name (``{"tag": {...}}``, Dex's documented shape for a
  created tag, group or note) or bare (``{"id": ..., "name": ...}``).
- the ids of a delete (`read_ids`): ``{"count", "contact_ids"}`` as documented, a bare list of ids, or
  ``{"count": N}`` alone when N is every id asked.

Anything else raises `UnexpectedAnswer` naming the call and an excerpt of the body (the key scrubbed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from importer.errors import UnexpectedAnswer

EXCERPT = 120


@dataclass(frozen=True)
class Call:
    """Where an answer came from, to name it in an error: method, path, status, and how to scrub the key."""

    method: str
    path: str
    status_code: int | None
    body: Any
    scrub: Callable[[str], str]

    def unexpected(self, why: str) -> UnexpectedAnswer:
        """Return the error for an answer of no known shape, with a short scrubbed excerpt of its body."""
        try:
            text = json.dumps(self.body, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(self.body)
        text = self.scrub(text)
        if len(text) > EXCERPT:
            text = text[:EXCERPT - 3] + "..."
        return UnexpectedAnswer(why, method=self.method, path=self.path, status_code=self.status_code,
                                excerpt=text)


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows (objects), the cursor of the next page (None at the end), the total."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    count: int | None


def _rows(value: Any, call: Call, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise call.unexpected(f"expected a list of {what}")
    return [dict(row) for row in value]


def read_page(data: Any, call: Call, *, key: str) -> Page:
    """Return the rows of a list answer as a `Page`: a page (``items``/``nextCursor``/``count``), a bare list
    or ``{key: [...]}`` (the last two are whole lists: no next page)."""
    if isinstance(data, dict) and "items" in data:
        cursor = data.get("nextCursor")
        if isinstance(cursor, bool) or not isinstance(cursor, (str, int, type(None))):
            raise call.unexpected("nextCursor is neither text nor null")
        count = data.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise call.unexpected("count is not a number")
        return Page(_rows(data["items"], call, key), str(cursor) if cursor not in (None, "") else None, count)
    if isinstance(data, dict) and key in data:
        data = data[key]
    return Page(_rows(data, call, key), None, None)


def read_object(data: Any, call: Call, *, key: str, need_id: bool = True) -> dict[str, Any]:
    """Return the object of an answer: ``{key: {...}}`` (Dex's documented shape) or the bare object; with
    `need_id`, it must carry an ``id`` (text or number, returned as text)."""
    if isinstance(data, dict) and isinstance(data.get(key), dict) and "id" not in data:
        data = data[key]
    if not isinstance(data, dict):
        raise call.unexpected(f"expected a {key} object")
    found = dict(data)
    if need_id:
        ident = found.get("id")
        if isinstance(ident, bool) or not isinstance(ident, (str, int)) or ident == "":
            raise call.unexpected(f"the {key} has no id")
        found["id"] = str(ident)
    return found


def read_created(data: Any, call: Call, *, sent: int) -> list[dict[str, Any]]:
    """Return the created contacts, one per contact sent, each with a text ``id``: ``{"contacts": [...]}``
    (documented) or a bare list; anything else (a count that differs, a row without id) is unexpected."""
    rows = read_page(data, call, key="contacts").items
    if len(rows) != sent:
        raise call.unexpected(f"{len(rows)} contacts came back for {sent} sent")
    for row in rows:
        ident = row.get("id")
        if isinstance(ident, bool) or not isinstance(ident, (str, int)) or ident == "":
            raise call.unexpected("a created contact has no id")
        row["id"] = str(ident)
    return rows


def read_ids(data: Any, call: Call, *, asked: list[str]) -> list[str]:
    """Return the ids a delete reports: ``contact_ids`` (documented, or ``contactIds``), a bare list of ids,
    or every id asked when only ``count`` comes back and equals their number."""
    if isinstance(data, dict):
        for key in ("contact_ids", "contactIds"):
            if key in data:
                data = data[key]
                break
        else:
            count = data.get("count")
            if isinstance(count, int) and not isinstance(count, bool) and count == len(asked):
                return list(asked)
            raise call.unexpected("expected the ids deleted")
    if not isinstance(data, list) or not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in data):
        raise call.unexpected("expected a list of ids")
    return [str(i) for i in data]
