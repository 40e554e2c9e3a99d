"""The person's labels as Dex tags (the default) or groups, and the run's own tag (``--tag NAME``).

Tags and groups are matched by name, case- and whitespace-insensitively, and reused with Dex's spelling; the
missing ones are created once per run, however many contacts carry them (`ensure_labels`). They go on the
contacts inline, in the create itself (`inline_links`): no second call per batch, and nothing is left
half-done if the run dies between the create and the tagging.

A label that cannot be listed, created or assigned is a value in the result (`LabelFailure`), never an
exception: the contacts are created either way, and each says which of its labels it goes without
(`Ensured.not_applied`). Only a refused key (AuthError) stops it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from importer.dex.client import AuthError, DexClient, DexError, OutcomeUnknown
from importer.model import Contact
from importer.normalize.keys import fold_text

Call = Callable[[Callable[[], Any]], Any]
"""Wraps each call (to pace it, and retry it while Dex cannot answer); the default calls it directly."""

GROUP_NAME_MAX = 100


def _direct(call: Callable[[], Any]) -> Any:
    return call()


@dataclass(frozen=True)
class LabelFailure:
    """A label that could not be created, or not put on these contacts, and Dex's reason."""

    label: str
    message: str
    contact_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ensured:
    """Tags or groups ready to use: each wanted name (folded) -> Dex id, and Dex's spelling of each."""

    kind: Literal["tag", "group"]
    ids: Mapping[str, str]
    spelled: Mapping[str, str]
    created: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    failures: tuple[LabelFailure, ...] = ()

    def id_of(self, name: str) -> str | None:
        """Return the Dex id of the tag or group named `name` (any case), or None when it failed."""
        return self.ids.get(fold_text(name))

    def not_applied(self, labels: Iterable[str]) -> list[str]:
        """Return, for each of `labels` that failed, ``tag 'VIP' (why)``: what a contact goes without."""
        why = {fold_text(f.label): f.message for f in self.failures}
        return [f"{self.kind} {' '.join(name.split())!r} ({why[fold_text(name)]})"
                for name in dict.fromkeys(labels) if fold_text(name) in why]


def _create_once(create: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Return the created tag or group, or None when the answer was lost: a create is never resent blindly
    (returning instead of raising keeps a retrying `call` from sending it again)."""
    try:
        return create()
    except OutcomeUnknown:
        return None


def ensure_labels(client: DexClient, names: Iterable[str], *, as_groups: bool = False,
                  call: Call = _direct) -> Ensured:
    """Return the ids of the tags (or groups) named `names`, reusing Dex's and creating each missing one once.

    >>> ensure_labels(dex, ["VIP", "vip ", "Climbing"]).created   # Dex already has "Vip"
    ('Climbing',)
    """
    kind: Literal["tag", "group"] = "group" if as_groups else "tag"
    listing = client.groups if as_groups else client.tags
    wanted: dict[str, str] = {}
    for name in names:
        if fold_text(name):
            wanted.setdefault(fold_text(name), " ".join(name.split()))
    try:
        known = _by_name(call(listing))
    except AuthError:
        raise
    except DexError as exc:
        # without the list, creating would make second tags of names Dex has: apply none, create nothing
        why = f"could not list Dex's {kind}s: {exc.describe()}"
        return Ensured(kind, {}, {}, failures=tuple(LabelFailure(name, why) for name in wanted.values()))
    ids: dict[str, str] = {}
    spelled: dict[str, str] = {}
    created: list[str] = []
    failures: list[LabelFailure] = []
    for key, name in wanted.items():
        if key not in known:
            if as_groups and len(name) > GROUP_NAME_MAX:
                failures.append(LabelFailure(name, f"Dex group names are at most {GROUP_NAME_MAX} characters"))
                continue
            create = partial(client.create_group, name) if as_groups else partial(client.create_tag, name)
            try:
                made = call(partial(_create_once, create))
            except AuthError:
                raise
            except DexError as exc:
                failures.append(LabelFailure(name, f"could not create the {kind}: {exc.describe()}"))
                continue
            if made is None:  # the answer was lost: it may exist now, so look rather than create again
                try:
                    known = _by_name(call(listing))
                except AuthError:
                    raise
                except DexError as exc:
                    failures.append(LabelFailure(name, f"the {kind} may not have been created (its answer was "
                                                       f"lost, and then {exc.describe()})"))
                    continue
                if key not in known:
                    failures.append(LabelFailure(name, f"the {kind} may not have been created (its answer was "
                                                       "lost); run the import again to retry"))
                    continue
            else:
                known[key] = made
            # not there before the create, there now: this run made it (even when the answer was lost)
            created.append(str(known[key].get("name") or name))
        ids[key] = str(known[key]["id"])
        spelled[key] = str(known[key].get("name") or name)
    reused = tuple(spelled[k] for k in ids if spelled[k] not in created)
    return Ensured(kind, ids, spelled, tuple(created), reused, tuple(failures))


def _by_name(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the rows by folded name; when Dex has two of the same name, the first it lists wins."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("id") and fold_text(row.get("name")):
            found.setdefault(fold_text(row.get("name")), row)
    return found


def inline_links(labels: Iterable[str], ensured: Ensured, *, run_tag_id: str | None = None) -> Contact:
    """Return the ``tags_contacts`` / ``groups_contacts`` to add to a contact before it is created.

    >>> inline_links(["VIP"], tags, run_tag_id="1f0e...")
    {'tags_contacts': [{'tag_id': '9a2b...'}, {'tag_id': '1f0e...'}]}
    """
    ids = list(dict.fromkeys(i for name in labels if (i := ensured.id_of(name)) is not None))
    tag_ids = [] if ensured.kind == "group" else ids
    if run_tag_id is not None and run_tag_id not in tag_ids:
        tag_ids.append(run_tag_id)
    links: Contact = {}
    if tag_ids:
        links["tags_contacts"] = [{"tag_id": i} for i in tag_ids]
    if ensured.kind == "group" and ids:
        links["groups_contacts"] = [{"group_id": i} for i in ids]
    return links
