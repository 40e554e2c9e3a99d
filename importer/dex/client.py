"""The Dex API client: the only code that knows Dex's URLs and JSON shapes (see ../shared/dex-api.md).

Every call reads Dex's ``{"error": false, "data": ...}`` envelope, then the ``data`` through one of the
readers of `importer.dex.answers` (the documented shape and its plausible variants), and returns plain values;
or it raises one of the Dex errors of `importer.errors` (re-exported here), which tell the caller what it may
safely do next::

    DexError                  a call did not succeed (method, path, status_code, message, retry_after)
    ├── AuthError             401/403: the key is wrong, stale, or its plan has no API access
    ├── Rejected              another 4xx (or a redirect): the server refused this request as it stands
    │   ├── NotFound          404
    │   └── Conflict          409: a contact with an id sent exists already
    ├── SurelyNotCreated      nothing was done: could not connect, 429, 503; sending again is safe
    └── OutcomeUnknown        it may have been done: timeout or connection lost after sending, another 5xx
        └── UnexpectedAnswer  a 2xx in no known shape (or that says "error": true): never resend a create blindly

Why 503 is "surely not created" and 500/502/504 are not: 503 means the server is not handling requests
(RFC 9110 15.6.4), while 500 may come mid-way through a batch and 502/504 come from a gateway whose backend
may have finished the work. Reads (lookups, lists) may be retried after either of the last two.

The API key goes only into the Authorization header: it is refused over plain http except to a loopback
address, and it never appears in a repr, a message or a log line (server messages are scrubbed of it too).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

if TYPE_CHECKING:  # httpx is imported when Dex is first called, not when this module is
    import httpx

from importer.dex.answers import (
    Call,
    Page,
    read_created,
    read_ids,
    read_object,
    read_page,
)
from importer.dex.description import FORMATS, as_sent
from importer.dex.fields import DEFAULT_API_URL
from importer.errors import (
    AuthError,
    Conflict,
    DexError,
    NotFound,
    OutcomeUnknown,
    Rejected,
    SurelyNotCreated,
    UnexpectedAnswer,
    UsageError,
)
from importer.model import Contact

MAX_CREATE = 100      # Dex's own tools never send more per call; the REST limit is unknown
EMAILS_PER_LOOKUP = 50
MAX_TAKE = 500
_NOT_PROCESSED = frozenset({429, 503})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_KEY_SHAPE = re.compile(r"[\x21-\x7e]+")  # fullmatch: "$" would let a final newline through


def _show_url(api_url: str) -> str:
    """Returns `api_url` fit to show: any ``user:pass@`` part removed."""
    return re.sub(r"//[^/@]*@", "//", api_url)


__all__ = ["AuthError", "Conflict", "ContactPage", "DexClient", "DexError", "NotFound", "OutcomeUnknown", "Rejected",
           "SurelyNotCreated", "UnexpectedAnswer", "is_loopback", "parse_retry_after"]

ContactPage = Page
"""One page of the contact list: rows (names, company, job_title, linkedin, created_at), the next cursor
(None at the end) and the account's total count."""


def is_loopback(host: str) -> bool:
    """Return True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class DexClient:
    """A connection to one Dex account; use it as a context manager or call `close()`.

    >>> with DexClient(key, api_url="http://127.0.0.1:8765/v1") as dex:
    ...     dex.me()["email"]
    """

    def __init__(self, api_key: str, *, api_url: str = DEFAULT_API_URL,
                 transport: httpx.BaseTransport | None = None, timeout: float = 60.0,
                 description_format: str = "html") -> None:
        """`description_format`: how a contact's description is sent (importer.dex.description): "html"
        paragraphs, as Dex keeps it (the default), or "text"."""
        import httpx

        try:
            url = httpx.URL(api_url)
            if url.port is not None and not 0 < url.port <= 65535:
                raise ValueError("port out of range")
        except (httpx.InvalidURL, ValueError, TypeError):
            raise UsageError(f"the API URL {_show_url(api_url)!r} is not a URL: give one like "
                             f"{DEFAULT_API_URL}") from None
        if url.userinfo:
            # httpx would send user:pass as Basic auth in place of the key, and show it in errors
            raise UsageError("the API URL holds a user name or password (user:pass@): remove it; the API key "
                             "goes in --token or DEX_API_KEY")
        if url.scheme not in ("http", "https") or not url.host:
            raise UsageError(f"the API URL must start with https:// and name a host, got {api_url!r}")
        if url.scheme == "http" and not is_loopback(url.host):
            raise UsageError(f"refusing to send the API key over plain http to {url.host}: use https://, "
                             f"or http:// only to a loopback address such as the sandbox on 127.0.0.1")
        if not api_key or not _KEY_SHAPE.fullmatch(api_key):
            # never show the key itself, not even a bad one
            raise UsageError("the API key is empty or contains spaces or control characters: copy it again "
                             "from Dex under Settings > API")
        if description_format not in FORMATS:
            raise UsageError(f"description format {description_format!r}: use one of {', '.join(FORMATS)}")
        self.description_format = description_format
        self.api_url = str(url).rstrip("/")
        self._key = api_key
        self._http = httpx.Client(
            base_url=self.api_url + "/", transport=transport, timeout=httpx.Timeout(timeout, connect=10.0),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            # a redirect could carry the key elsewhere; a proxy from the environment must not see sandbox traffic
            follow_redirects=False, trust_env=not is_loopback(url.host))

    def __repr__(self) -> str:
        return f"DexClient(api_url={self.api_url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _scrub(self, text: str) -> str:
        # the server's text goes to a terminal and to one-line messages: its control characters (newlines,
        # CR, escape codes) are written out as \n, \r, \x1b, and it is kept short
        text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                            text.replace(self._key, "[API key]"))
        return text if len(text) <= 500 else text[:500] + "..."

    def _call(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
              wrong_flag_ok: bool = False) -> tuple[Any, Call]:
        """Return the ``data`` of Dex's answer to one request with where it came from, or raise the DexError
        that classifies it. With `wrong_flag_ok`, a 2xx that says ``"error": true`` is returned too (the
        caller decides from the data: the seed's create answer carries the created contacts that way)."""
        import httpx

        try:
            response = self._http.request(method, path.lstrip("/"), json=json, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise SurelyNotCreated(f"could not connect to {self.api_url}: {self._scrub(str(exc))}",
                                   method=method, path=path) from None
        except httpx.TimeoutException:
            raise OutcomeUnknown("no answer before the timeout, after the request was sent",
                                 method=method, path=path) from None
        except httpx.TransportError as exc:
            raise OutcomeUnknown(f"the connection closed before the answer ({type(exc).__name__})",
                                 method=method, path=path) from None
        return self._read(response, method, path, wrong_flag_ok=wrong_flag_ok)

    def _read(self, response: httpx.Response, method: str, path: str, *, wrong_flag_ok: bool) -> tuple[Any, Call]:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message:
            message = response.reason_phrase or f"HTTP {status}"
        fields: dict[str, Any] = {"method": method, "path": path, "status_code": status,
                                  "retry_after": parse_retry_after(response.headers.get("Retry-After"))}
        message = self._scrub(message)
        if status in (401, 403):
            raise AuthError(message, **fields)
        if status in _NOT_PROCESSED:
            raise SurelyNotCreated(message, **fields)
        if status == 404:
            raise NotFound(message, **fields)
        if status == 409:
            raise Conflict(message, **fields)
        if 400 <= status < 500:
            raise Rejected(message, **fields)
        if status >= 500:
            raise OutcomeUnknown(message, **fields)
        if status >= 300:
            # redirects are not followed (they could carry the key elsewhere): the API URL is wrong
            location = self._scrub(response.headers.get("Location", "elsewhere"))
            raise Rejected(f"redirected to {location}: check the API URL", **fields)
        call = Call(method, path, status, body if body is not None else response.text[:500], self._scrub)
        # Dex's envelope: check `error` even on a 2xx
        if not isinstance(body, dict) or "data" not in body:
            raise call.unexpected("no {\"error\", \"data\"} envelope")
        flag = body.get("error", False)
        if flag is not False and not (wrong_flag_ok and flag is True):
            raise call.unexpected(f"it says \"error\": {flag!r}" + (f" ({message})" if "message" in body else ""))
        return body["data"], call

    # -- account and contacts ------------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """Return the key's user (id, email, pricing_plan, ...) with a text ``id``; AuthError when the key is bad."""
        data, call = self._call("GET", "/users/me")
        return read_object(data, call, key="user")

    def create_contacts(self, contacts: Sequence[Contact]) -> list[dict[str, Any]]:
        """Return the created contacts (each with its ``id``), one per contact sent, in order.

        A 2xx carrying one contact with an id for each sent is a success even when it says ``"error": true``,
        as the seed's own example answer does; without them, the contacts may or may not have been created
        (UnexpectedAnswer, an OutcomeUnknown): the caller must look."""
        if not 1 <= len(contacts) <= MAX_CREATE:
            raise UsageError(f"a create call takes 1 to {MAX_CREATE} contacts, got {len(contacts)}")
        sent = [as_sent(c, self.description_format) for c in contacts]
        data, call = self._call("POST", "/contacts/", json={"contacts": sent}, wrong_flag_ok=True)
        created = read_created(data, call, sent=len(contacts))
        for row in created:
            # the ids go into the journal: a hostile server must not get the key (or a megabyte) stored there
            if self._key in row["id"] or len(row["id"]) > 200 or _CONTROL.search(row["id"]):
                raise call.unexpected("a created contact's id is not shaped like an id")
        return created

    def contacts_by_emails(self, emails: Sequence[str]) -> list[dict[str, Any]]:
        """Return the contacts (with ``contact_emails``) having any of `emails`, 50 emails a call."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(emails))
        for start in range(0, len(unique), EMAILS_PER_LOOKUP):
            # createFrom... flags stay out: their names say they create contacts
            data, call = self._call("POST", "/contacts/by-emails",
                                    json={"emails": unique[start:start + EMAILS_PER_LOOKUP]})
            for row in read_page(data, call, key="contacts").items:
                found.setdefault(str(row.get("id")), row)
        return list(found.values())

    def list_contacts_page(self, *, take: int = MAX_TAKE, cursor: str | None = None) -> ContactPage:
        """Return one page of the contact list, `take` rows (at most 500) after `cursor`."""
        params: dict[str, Any] = {"take": min(take, MAX_TAKE)}
        if cursor:
            params["cursor"] = cursor
        data, call = self._call("GET", "/contacts", params=params)
        return read_page(data, call, key="contacts")

    def list_contacts(self, *, take: int = MAX_TAKE, cursor: str | None = None) -> Iterator[dict[str, Any]]:
        """Return an iterator over every row of the contact list, page by page from `cursor`."""
        seen: set[str] = set()
        while True:
            page = self.list_contacts_page(take=take, cursor=cursor)
            yield from page.items
            if page.next_cursor is None or not page.items:
                return
            if page.next_cursor in seen:  # a cursor that comes round again would never end
                raise UnexpectedAnswer("the same nextCursor came back twice", method="GET", path="/contacts",
                                       excerpt=page.next_cursor[:40])
            seen.add(cursor := page.next_cursor)

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        """Return one contact; NotFound when it is missing or someone else's."""
        data, call = self._call("GET", f"/contacts/{quote(contact_id, safe='')}")
        return read_object(data, call, key="contact")

    def contact_with_id(self, contact_id: str) -> dict[str, Any] | None:
        """Return the contact with the id `contact_id` (``GET /contacts/{id}``), or None when Dex answers 404
        (no such contact, or someone else's); an answer whose contact carries another id is unexpected."""
        try:
            data, call = self._call("GET", f"/contacts/{quote(contact_id, safe='')}")
        except NotFound:
            return None
        found = read_object(data, call, key="contact")
        if found["id"] != contact_id:
            raise call.unexpected(f"asked for contact {contact_id}, the answer is contact {found['id'][:40]}")
        return found

    def update_contact(self, contact_id: str, fields: Contact) -> dict[str, Any]:
        """Return the contact after changing only the `fields` sent."""
        data, call = self._call("PUT", f"/contacts/{contact_id}", json=as_sent(fields, self.description_format))
        return read_object(data, call, key="contact", need_id=False)

    def delete_contacts(self, contact_ids: Sequence[str]) -> list[str]:
        """Return the ids Dex deleted (permanently) among `contact_ids`."""
        data, call = self._call("DELETE", "/contacts/", params={"contactIds": ",".join(contact_ids)})
        return read_ids(data, call, asked=list(contact_ids))

    # -- tags and groups -----------------------------------------------------------------------------------

    def _all(self, path: str, key: str) -> list[dict[str, Any]]:
        """Return every row of a list that may come bare, wrapped, or paged (followed to its end)."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            data, call = self._call("GET", path, params={"cursor": cursor} if cursor else None)
            page = read_page(data, call, key=key)
            rows += page.items
            if page.next_cursor is None or not page.items:
                return rows
            if page.next_cursor in seen:  # a cursor that comes round again would never end
                raise call.unexpected("the same nextCursor came back twice")
            seen.add(cursor := page.next_cursor)

    def tags(self) -> list[dict[str, Any]]:
        """Return every tag of the account as ``{id, name, ...}``."""
        return self._all("/tags", "tags")

    def create_tag(self, name: str, *, color: str | None = None) -> dict[str, Any]:
        """Return the new tag ``{id, name, ...}`` (Dex answers ``{"tag": {...}}``)."""
        tag: dict[str, Any] = {"name": name} if color is None else {"name": name, "color": color}
        data, call = self._call("POST", "/tags/", json={"tag": tag})
        return read_object(data, call, key="tag")

    def add_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> None:
        """Return nothing, having put every tag of `tag_ids` on every contact of `contact_ids`."""
        # the answer's data is undocumented: the envelope saying no error is all there is to read
        self._call("POST", "/tags/contacts/add", json={"contactIds": list(contact_ids), "tagIds": list(tag_ids)})

    def groups(self) -> list[dict[str, Any]]:
        """Return every group of the account as ``{id, name, ...}``."""
        return self._all("/groups", "groups")

    def create_group(self, name: str, *, emoji: str | None = None, description: str | None = None) -> dict[str, Any]:
        """Return the new group ``{id, name, ...}`` (names are at most 100 characters; Dex answers
        ``{"group": {...}}``)."""
        group = {k: v for k, v in (("name", name), ("emoji", emoji), ("description", description)) if v is not None}
        data, call = self._call("POST", "/groups/", json={"group": group})
        return read_object(data, call, key="group")

    def add_to_group(self, group_id: str, contact_ids: Sequence[str]) -> None:
        """Return nothing, having added the contacts to the group (members already in are skipped)."""
        # PUT adds; Dex's POST on the same path removes. The answer is {"result": {}}: nothing to read in it
        self._call("PUT", f"/groups/{group_id}/contacts", json={"contactIds": list(contact_ids)})
