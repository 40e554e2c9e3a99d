"""The sandbox's API: one handler per Dex call, each returning the ``data`` of its answer or raising ApiError.

Each answers in the shape Dex's reference pages document (../shared/dex-api.md), or, when the server's
`shapes` is ``"variant"``, in another plausible one: a bare object for a wrapped one and the reverse, a
wrapped or paged list for a bare one, a bare list of ids for a delete.

Paths are below ``/v1`` and match with or without a trailing slash, as Dex's do. Handlers see the parsed JSON
body and the query; the HTTP side (auth, faults, envelopes) is in `server`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from importer.sandbox import validate
from importer.sandbox.faults import FaultState
from importer.sandbox.store import CREATED_FIELDS, Store

MAX_TAKE = 500
TAGS_PAGE = 2
USER = {"id": "00000000-0000-4000-8000-000000000001", "email": "sandbox.user@example.com",
        "first_name": "Sandbox", "last_name": "User", "pricing_plan": "professional"}


class Serving(Protocol):
    """What a route needs of the server that calls it: the contacts it holds, and the faults it injects."""

    store: Store
    faults: FaultState
    shapes: str
    contact_ids: str


def _variant(server: Serving) -> bool:
    return server.shapes == "variant"


class ApiError(Exception):
    """An error answer: HTTP `status` and the `message` of its body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Handler = Callable[[Serving, "re.Match[str]", dict[str, list[str]], Any], Any]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Return a decorator registering a handler for `method` on the path regex `pattern` (below /v1)."""
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}/?$"), handler))
        return handler
    return register


def find_route(method: str, path: str) -> tuple[Handler, re.Match[str]] | None:
    """Return the handler for `method` on `path` (below /v1) with its match, or None when there is none."""
    for verb, pattern, handler in _ROUTES:
        match = pattern.match(path)
        if verb == method and match:
            return handler, match
    return None


# Dex answers whole rows of its contacts table: every field, null (or an empty list) when unset, as the seed's
# create answer lists them all. Answering only what was stored would let an importer read "never told" as
# "empty" (or the reverse). Links, custom fields and relations are answered by other calls.
_NOT_IN_VIEW = frozenset({"tags_contacts", "groups_contacts", "custom_fields", "related_contacts",
                          "contact_birthdays", "coordinates"})
_LIST_FIELDS = frozenset({"contact_emails", "contact_phone_numbers", "legacy_contact_addresses"})
_EMPTY_CONTACT: dict[str, list[Any] | None] = {
    name: [] if name in _LIST_FIELDS else None for name in validate.CONTACT_FIELDS if name not in _NOT_IN_VIEW}


def full_contact(stored: dict[str, Any]) -> dict[str, Any]:
    """Return a stored contact as Dex answers one: every field present, null or [] when unset."""
    return {**{k: (list(v) if isinstance(v, list) else v) for k, v in _EMPTY_CONTACT.items()}, **stored}


def _object(body: Any, key: str) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise ApiError(400, f'body: expected a JSON object with "{key}": {{...}}')
    return dict(body[key])


def _id_list(body: Any, key: str) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list) or \
            not all(isinstance(i, str) for i in body[key]):
        raise ApiError(400, f'{key}: expected a list of ids')
    return list(body[key])


@route("GET", "/users/me")
def _me(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    return {"user": USER} if _variant(server) else USER


@route("POST", "/contacts")
def create_contacts(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    contacts = body.get("contacts") if isinstance(body, dict) else None
    if server.contact_ids != "keep" and isinstance(contacts, list):
        given = [i for i, c in enumerate(contacts) if isinstance(c, dict) and "id" in c]
        if given and server.contact_ids == "refuse":
            raise ApiError(400, f"contacts[{given[0]}].id: unknown field (the server assigns contact ids)")
        body = {**body, "contacts": [{k: v for k, v in c.items() if k != "id"} if isinstance(c, dict) else c
                                     for c in contacts]}  # ignored: the store gives each its own
    problems = validate.create_problems(body)
    if problems:
        raise ApiError(400, "; ".join(problems))
    stored = server.store.create_contacts(body["contacts"])
    server.faults.count("created", len(stored))
    return {"contacts": [{k: c.get(k) for k in CREATED_FIELDS} for c in stored]}  # "error": true in variant


@route("GET", "/contacts")
def _list(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    take_text = query.get("take", ["100"])[0]
    if not take_text.isdigit() or not 1 <= int(take_text) <= MAX_TAKE:
        raise ApiError(400, f"take: expected an integer from 1 to {MAX_TAKE}, got {take_text!r}")
    cursor = query.get("cursor", [None])[0] or None
    if cursor is not None and not cursor.isdigit():
        raise ApiError(400, f"cursor: not a cursor this server gave, got {cursor!r}")
    items, next_cursor, count = server.store.page(take=int(take_text), cursor=cursor)
    return {"items": items, "nextCursor": next_cursor, "count": count}


@route("POST", "/contacts/by-emails")
def _by_emails(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("emails"), list) or \
            not all(isinstance(e, str) for e in body["emails"]):
        raise ApiError(400, 'emails: expected a list of email addresses')
    for flag in ("createFromGoogleContacts", "createFromOAuthInteractions"):
        # these flags would create contacts on the real service: an importer must never set them
        if body.get(flag):
            raise ApiError(400, f"{flag}: the sandbox refuses true (it would create contacts)")
    unknown = sorted(set(body) - {"emails", "createFromGoogleContacts", "createFromOAuthInteractions"})
    if unknown:
        raise ApiError(400, f"{unknown[0]}: unknown field")
    found = [full_contact(c) for c in server.store.by_emails(body["emails"])]
    return {"items": found, "nextCursor": None, "count": len(found)} if _variant(server) else found


@route("GET", "/contacts/(?P<id>[^/]+)")
def _get(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    found = full_contact(server.store.get(m["id"]))
    return {"contact": found} if _variant(server) else found


@route("PUT", "/contacts/(?P<id>[^/]+)")
def _update(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    problems = validate.contact_problems(body, "contact", partial=True)
    if problems:
        raise ApiError(400, "; ".join(problems))
    current = server.store.get(m["id"])
    if not validate.has_name({**current, **body}):
        raise ApiError(400, "contact: a contact needs a full_name, first_name or last_name")
    updated = full_contact(server.store.update(m["id"], body))
    return {"contact": updated} if _variant(server) else updated


@route("DELETE", "/contacts")
def _delete(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    ids = [i for value in query.get("contactIds", []) for i in value.split(",") if i]
    if not ids:
        raise ApiError(400, "contactIds: expected one or more contact ids")
    deleted = server.store.delete(ids)
    return deleted if _variant(server) else {"count": len(deleted), "contact_ids": deleted}


@route("GET", "/tags")
def _tags(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    tags = server.store.tags()
    if not _variant(server):
        return tags
    # paged like the contacts, two tags a page, so that a client must follow nextCursor to see them all
    cursor = query.get("cursor", ["0"])[0]
    start = int(cursor) if cursor.isdigit() else 0
    more = start + TAGS_PAGE < len(tags)
    return {"items": tags[start:start + TAGS_PAGE], "nextCursor": str(start + TAGS_PAGE) if more else None,
            "count": len(tags)}


@route("POST", "/tags")
def _create_tag(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    tag = _object(body, "tag")
    problems = [p for k, v in tag.items()
                for p in validate.check_field({"name": validate.string, "color": validate.string}, k, v, f"tag.{k}")]
    if problems or not str(tag.get("name", "")).strip():
        raise ApiError(400, "; ".join(problems) or "tag.name: required")
    made = server.store.create_tag(tag["name"], tag.get("color"))
    return made if _variant(server) else {"tag": made}


@route("POST", "/tags/contacts/add")
def _tag_contacts(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    return {"count": server.store.tag_contacts(_id_list(body, "contactIds"), _id_list(body, "tagIds"))}


@route("GET", "/groups")
def _groups(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    groups = server.store.groups()
    return {"groups": groups} if _variant(server) else groups


@route("POST", "/groups")
def _create_group(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    group = _object(body, "group")
    fields = {"name": validate.string, "emoji": validate.string, "description": validate.string}
    problems = [p for k, v in group.items() for p in validate.check_field(fields, k, v, f"group.{k}")]
    name = group.get("name")
    if not problems and (not isinstance(name, str) or not name.strip() or len(name) > 100):
        problems.append("group.name: expected a name of 1 to 100 characters")
    if problems:
        raise ApiError(400, "; ".join(problems))
    made = server.store.create_group(group["name"], group.get("emoji"), group.get("description"))
    return made if _variant(server) else {"group": made}


@route("PUT", "/groups/(?P<id>[^/]+)/contacts")
def _add_members(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    added = server.store.set_group_members(m["id"], _id_list(body, "contactIds"), add=True)
    return {"count": added} if _variant(server) else {"result": {}}


@route("POST", "/groups/(?P<id>[^/]+)/contacts")
def _remove_members(server: Serving, m: re.Match[str], query: dict[str, list[str]], body: Any) -> Any:
    # Dex's quirk: POST on a group's contacts *removes* them
    return {"count": server.store.set_group_members(m["id"], _id_list(body, "contactIds"), add=False)}
