"""Returns what an import or an undo needs of the Dex account: its checked id (and email), its lock, the journal.

GET /users/me is asked once per command; its id must look like an id before it names a lock or a journal,
and its email is kept only when it looks like one (both never the key): `runs` shows them.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def account_id(args: argparse.Namespace, client: Any) -> str:
    """Returns the Dex account id GET /users/me gives; ImporterError when it is not shaped like an id.

    The id names the journal and is written in it: a server that answered with the key, a path or a
    megabyte of text must not get it stored.
    """
    import re

    from importer.errors import ImporterError
    cached = getattr(args, "checked_account_id", None)
    if cached is not None:  # the lock and the journal both need it: ask Dex once
        return str(cached)
    from importer.send.retry import patient_read

    me = patient_read(args.sleep, clock=args.clock)(client.me)  # a read: one 503 must not abort the run
    value = me.get("id", "")
    key = args.token or os.environ.get("DEX_API_KEY", "")
    email = me.get("email")
    # the account's email goes in the journal for `runs` to show: only when it looks like one, never the key
    args.checked_account_email = email if isinstance(email, str) and len(email) <= 254 and \
        re.fullmatch(r"[^\s@]+@[^\s@]+", email) and not (key and key in email) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", value) or \
            (key and key in value):
        raise ImporterError(f"Dex answered GET /users/me at {client.api_url} without a usable account id: "
                            "check --api-url (is it Dex?); nothing was sent")
    args.checked_account_id, args.checked_api_url = value, getattr(client, "api_url", None)
    return value


def locked(args: argparse.Namespace, client: Any, account_id: str, what: str) -> Any:
    """Returns the lock of the Dex account `account_id` at `client`'s URL, held by this `what` (AccountBusy if
    taken)."""
    from importer.journal.account_lock import account_lock

    return account_lock(client.api_url, account_id, what=f"{what}: {' '.join(args.files)}"
                        if what == "import" else what)


def import_journal(args: argparse.Namespace, account_id: str) -> Any:
    """Returns the journal of this import: --journal, or the default one for the account and the inputs."""
    from importer.journal.runs import open_import_journal

    return open_import_journal(account_id, args.files, path=args.journal, fresh=args.fresh,
                               api_url=args.checked_api_url, email=getattr(args, "checked_account_email", None))
