"""The sandbox's account: contacts, tags and groups of one user, kept in SQLite and safe across threads.

The server calls it for every request, and tests call it directly to see what really got stored
(`count`, `contacts`) whatever the HTTP side claimed. One connection guarded by a lock: the sandbox serves a
handful of threads, and SQLite serialises writes anyway.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

# What a list row carries: names and work, not emails or phones (as Dex's list does)
LIST_FIELDS = ("id", "full_name", "first_name", "last_name", "company", "job_title", "linkedin",
               "created_at", "updated_at")
# What the create call answers for each contact (the seed's response shape)
CREATED_FIELDS = ("id", "full_name", "first_name", "last_name", "job_title", "company", "description",
                  "legacy_location", "website", "image_url", "starred", "is_archived", "birthday", "linkedin",
                  "twitter", "facebook", "instagram", "frequency", "source", "created_at", "updated_at")
_LINKS = ("tags_contacts", "groups_contacts")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
                                     body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contact_emails (contact_id TEXT NOT NULL, email TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contact_emails_email ON contact_emails (email);
-- a contact's emails are replaced on every create and update: without this, each one scans the table
CREATE INDEX IF NOT EXISTS contact_emails_contact ON contact_emails (contact_id);
CREATE TABLE IF NOT EXISTS tags (id TEXT PRIMARY KEY, name TEXT NOT NULL, color TEXT);
CREATE TABLE IF NOT EXISTS contact_tags (contact_id TEXT NOT NULL, tag_id TEXT NOT NULL,
                                         PRIMARY KEY (contact_id, tag_id));
CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, emoji TEXT, description TEXT);
CREATE TABLE IF NOT EXISTS group_contacts (group_id TEXT NOT NULL, contact_id TEXT NOT NULL,
                                           PRIMARY KEY (group_id, contact_id));
"""


def utc_now() -> datetime:
    """Return the current time in UTC (the default clock of `Store`)."""
    return datetime.now(timezone.utc)


class StoreError(Exception):
    """A request refers to something the account does not have (answered 400 or 404 by the server)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Store:
    """One Dex account in SQLite: `db` is ``":memory:"`` or a file path; `now` stamps created_at."""

    def __init__(self, db: str = ":memory:", *, now: Callable[[], datetime] = utc_now) -> None:
        self._conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._now = now
        with self._lock:
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    def _stamp(self) -> str:
        return self._now().astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _ids(self, table: str, ids: Iterable[str]) -> set[str]:
        wanted = list(set(ids))
        marks = ",".join("?" * len(wanted))
        rows = self._conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", wanted) if wanted else []
        return {row[0] for row in rows}

    # -- contacts ------------------------------------------------------------------------------------------

    def create_contacts(self, contacts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return the stored contacts, in order, after storing all of `contacts` (valid ones) or none."""
        with self._lock:
            self._check_links(contacts)
            stamp = self._stamp()
            stored = []
            self._conn.execute("BEGIN")
            try:
                for contact in contacts:
                    stored.append(self._insert(contact, stamp))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            return stored

    def _check_links(self, contacts: Sequence[dict[str, Any]]) -> None:
        for i, contact in enumerate(contacts):
            for field, table, key in (("tags_contacts", "tags", "tag_id"), ("groups_contacts", "groups", "group_id")):
                wanted = [link[key] for link in contact.get(field, [])]
                missing = sorted(set(wanted) - self._ids(table, wanted))
                if missing:
                    raise StoreError(f"contacts[{i}].{field}: no {table[:-1]} with id {missing[0]!r}")
            if "id" in contact and self._ids("contacts", [contact["id"]]):
                raise StoreError(f"contacts[{i}].id: a contact with id {contact['id']!r} already exists", status=409)

    def _insert(self, contact: dict[str, Any], stamp: str) -> dict[str, Any]:
        body = {k: v for k, v in contact.items() if k not in _LINKS}
        body["id"] = contact.get("id") or str(uuid.uuid4())
        if not body.get("full_name"):
            body["full_name"] = " ".join(p for p in (body.get("first_name"), body.get("last_name")) if p)
        body.setdefault("starred", False)
        body.update(is_archived=False, created_at=stamp, updated_at=stamp)
        cid = body["id"]
        self._conn.execute("INSERT INTO contacts (id, body) VALUES (?, ?)", (cid, json.dumps(body)))
        self._index_emails(cid, body)
        for link in contact.get("tags_contacts", []):
            self._conn.execute("INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", (cid, link["tag_id"]))
        for link in contact.get("groups_contacts", []):
            self._conn.execute("INSERT OR IGNORE INTO group_contacts VALUES (?, ?)", (link["group_id"], cid))
        return body

    def _index_emails(self, cid: str, body: dict[str, Any]) -> None:
        self._conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", (cid,))
        for item in body.get("contact_emails", []):
            self._conn.execute("INSERT INTO contact_emails VALUES (?, ?)", (cid, item["email"].lower()))

    def contacts(self) -> list[dict[str, Any]]:
        """Return every stored contact, full, oldest first (for tests and the sandbox's own checks)."""
        with self._lock:
            return [json.loads(row[0]) for row in self._conn.execute("SELECT body FROM contacts ORDER BY seq")]

    def count(self) -> int:
        """Return how many contacts the account holds."""
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM contacts").fetchone()[0])

    def page(self, *, take: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
        """Return (list rows, next cursor or None, total count), oldest first, after `cursor`."""
        after = int(cursor) if cursor else 0
        with self._lock:
            rows = self._conn.execute("SELECT seq, body FROM contacts WHERE seq > ? ORDER BY seq LIMIT ?",
                                      (after, take + 1)).fetchall()
            total = int(self._conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
        items = [{k: body.get(k) for k in LIST_FIELDS} for body in (json.loads(r[1]) for r in rows[:take])]
        next_cursor = str(rows[take - 1][0]) if len(rows) > take else None
        return items, next_cursor, total

    def get(self, contact_id: str) -> dict[str, Any]:
        """Return one full contact; StoreError 404 when there is none with that id."""
        with self._lock:
            row = self._conn.execute("SELECT body FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            raise StoreError(f"no contact with id {contact_id!r}", status=404)
        return dict(json.loads(row[0]))

    def update(self, contact_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Return the contact after changing only the `fields` given (a partial update)."""
        body = self.get(contact_id)
        body.update({k: v for k, v in fields.items() if k not in _LINKS})
        body["updated_at"] = self._stamp()
        with self._lock:
            self._conn.execute("UPDATE contacts SET body = ? WHERE id = ?", (json.dumps(body), contact_id))
            self._index_emails(contact_id, body)
        return body

    def delete(self, contact_ids: Sequence[str]) -> list[str]:
        """Return the ids actually deleted among `contact_ids` (deletion is permanent)."""
        with self._lock:
            found = sorted(self._ids("contacts", contact_ids))
            for cid in found:
                for sql in ("DELETE FROM contacts WHERE id = ?", "DELETE FROM contact_emails WHERE contact_id = ?",
                            "DELETE FROM contact_tags WHERE contact_id = ?",
                            "DELETE FROM group_contacts WHERE contact_id = ?"):
                    self._conn.execute(sql, (cid,))
            return found

    def by_emails(self, emails: Sequence[str]) -> list[dict[str, Any]]:
        """Return the full contacts having any of `emails` (case-insensitive), oldest first."""
        wanted = sorted({e.lower() for e in emails})
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT body FROM contacts WHERE id IN (SELECT contact_id FROM contact_emails "
                f"WHERE email IN ({marks})) ORDER BY seq", wanted).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- tags and groups -----------------------------------------------------------------------------------

    def tags(self) -> list[dict[str, Any]]:
        """Return every tag as ``{id, name, color}``."""
        with self._lock:
            rows = self._conn.execute("SELECT id, name, color FROM tags ORDER BY rowid").fetchall()
        return [{"id": r[0], "name": r[1], "color": r[2]} for r in rows]

    def create_tag(self, name: str, color: str | None = None) -> dict[str, Any]:
        """Return the new tag ``{id, name, color}``."""
        tag = {"id": str(uuid.uuid4()), "name": name, "color": color}
        with self._lock:
            self._conn.execute("INSERT INTO tags VALUES (?, ?, ?)", (tag["id"], name, color))
        return tag

    def tag_contacts(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> int:
        """Return how many (contact, tag) links were added; StoreError if an id is unknown."""
        with self._lock:
            self._require("contacts", contact_ids, "contactIds")
            self._require("tags", tag_ids, "tagIds")
            before = self._conn.total_changes
            for cid in contact_ids:
                for tid in tag_ids:
                    self._conn.execute("INSERT OR IGNORE INTO contact_tags VALUES (?, ?)", (cid, tid))
            return self._conn.total_changes - before

    def contact_tags(self, contact_id: str) -> list[str]:
        """Return the tag ids of one contact."""
        with self._lock:
            rows = self._conn.execute("SELECT tag_id FROM contact_tags WHERE contact_id = ?", (contact_id,))
            return sorted(r[0] for r in rows)

    def groups(self) -> list[dict[str, Any]]:
        """Return every group as ``{id, name, emoji, description}``."""
        with self._lock:
            rows = self._conn.execute("SELECT id, name, emoji, description FROM groups ORDER BY rowid").fetchall()
        return [{"id": r[0], "name": r[1], "emoji": r[2], "description": r[3]} for r in rows]

    def create_group(self, name: str, emoji: str | None = None, description: str | None = None) -> dict[str, Any]:
        """Return the new group ``{id, name, emoji, description}``."""
        group = {"id": str(uuid.uuid4()), "name": name, "emoji": emoji, "description": description}
        with self._lock:
            self._conn.execute("INSERT INTO groups VALUES (?, ?, ?, ?)", (group["id"], name, emoji, description))
        return group

    def set_group_members(self, group_id: str, contact_ids: Sequence[str], *, add: bool) -> int:
        """Return how many contacts were added to (or removed from) a group; members already in are skipped."""
        with self._lock:
            if not self._ids("groups", [group_id]):
                raise StoreError(f"no group with id {group_id!r}", status=404)
            self._require("contacts", contact_ids, "contactIds")
            sql = ("INSERT OR IGNORE INTO group_contacts VALUES (?, ?)" if add
                   else "DELETE FROM group_contacts WHERE group_id = ? AND contact_id = ?")
            before = self._conn.total_changes
            for cid in contact_ids:
                self._conn.execute(sql, (group_id, cid))
            return self._conn.total_changes - before

    def group_members(self, group_id: str) -> list[str]:
        """Return the contact ids in one group."""
        with self._lock:
            rows = self._conn.execute("SELECT contact_id FROM group_contacts WHERE group_id = ?", (group_id,))
            return sorted(r[0] for r in rows)

    def _require(self, table: str, ids: Sequence[str], field: str) -> None:
        missing = sorted(set(ids) - self._ids(table, ids))
        if missing:
            raise StoreError(f"{field}: no {table[:-1]} with id {missing[0]!r}")
