"""Returns what an import is about to do once the account is checked: the numbers its confirmation shows.

"2,188 new · 124 already in Dex · 36 skipped (no name) · resuming run 2026-12-02T09:00:00Z-3f2a (310 created
before)", and the account the contacts go to: its email, as GET /users/me gives it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from importer.plan.existing import Decisions

if TYPE_CHECKING:
    from importer.journal.store import Journal
    from importer.plan.plan import Plan


@dataclass(frozen=True)
class Forecast:
    """What the import is about to do, known once the account is checked: what the confirmation shows.

    Contacts: `new` to create, `existing` already in Dex (left alone), `update` already in Dex with empty
    fields to fill, `done` created by earlier runs of the journal and still in Dex. Records: `skipped` by
    reason, `merged` into another record's contact. `resuming`: the earlier run this one finishes (it stopped
    or never finished); `account`: the email of the Dex account (GET /users/me), when Dex gave one.
    """

    new: int
    existing: int
    update: int
    done: int
    skipped: dict[str, int]
    merged: int
    resuming: str | None
    account: str | None
    api_url: str
    notes: tuple[str, ...] = ()


def forecast(plan: Plan, decisions: Decisions, journal: Journal | None, user: dict[str, Any],
              api_url: str) -> Forecast:
    """Returns what the import will do, from the account check's `decisions` and `user` (GET /users/me)."""
    actions = Counter("update" if d.action == "update" and d.fill else "exists" if d.action == "update" else d.action
                      for d in decisions.by_position.values())
    email = user.get("email")
    shown = email if isinstance(email, str) and re.fullmatch(r"[^\s@]{1,100}@[^\s@]{1,200}", email) else None
    return Forecast(new=plan.summary.contacts - len(decisions.by_position), existing=actions["exists"],
                    update=actions["update"], done=actions["done"], skipped=dict(plan.summary.skipped),
                    merged=plan.summary.merged, resuming=journal.resumes() if journal is not None else None,
                    account=shown, api_url=api_url, notes=tuple(decisions.gone_notes()))
