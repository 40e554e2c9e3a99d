"""How the client reads Dex's answers: each documented shape, its plausible variants, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.dex.client import DexClient, DexError, OutcomeUnknown, UnexpectedAnswer
from importer.errors import ImporterError

KEY = "dex_live_5b1f0e2d77"
TAG = {"id": "7b0c6a1e-0000-4000-8000-00000000000a", "name": "Climbing", "color": None}
CONTACT = {"id": "c-1", "full_name": "Ada Example", "updated_at": "2026-01-01T00:00:00Z"}


def answering(data: Callable[[httpx.Request], Any]) -> DexClient:
    """Return a client whose every request gets ``{"error": false, "data": data(request)}``."""
    return DexClient(KEY, api_url="https://dex.example.org/v1", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"error": False, "data": data(request)})))


@pytest.mark.parametrize("data", [{"tag": TAG}, TAG], ids=["documented", "bare"])
def test_a_created_tag_is_read_wrapped_or_bare(data: Any) -> None:
    assert answering(lambda r: data).create_tag("Climbing")["id"] == TAG["id"]


@pytest.mark.parametrize("data", [{"group": {"id": "g1", "name": "Family"}}, {"id": "g1", "name": "Family"}])
def test_a_created_group_is_read_wrapped_or_bare(data: Any) -> None:
    assert answering(lambda r: data).create_group("Family") == {"id": "g1", "name": "Family"}


def test_a_paged_tag_list_is_followed_to_its_end() -> None:
    pages = {None: {"items": [TAG], "nextCursor": "p2"},
             "p2": {"items": [{"id": "t2", "name": "Work"}], "nextCursor": None}}
    client = answering(lambda r: pages[r.url.params.get("cursor")])
    assert [t["name"] for t in client.tags()] == ["Climbing", "Work"]


@pytest.mark.parametrize("data", [[TAG], {"tags": [TAG]}, {"items": [TAG], "nextCursor": None}])
def test_the_tag_list_is_read_bare_wrapped_or_paged(data: Any) -> None:
    assert answering(lambda r: data).tags() == [TAG]


def test_a_cursor_that_comes_round_again_is_an_unexpected_answer() -> None:
    client = answering(lambda r: {"items": [TAG], "nextCursor": "again"})
    with pytest.raises(UnexpectedAnswer, match="the same nextCursor came back twice"):
        client.tags()


@pytest.mark.parametrize("data", [[CONTACT], {"contacts": [CONTACT]}, {"items": [CONTACT], "nextCursor": None}])
def test_a_lookup_by_email_is_read_bare_wrapped_or_paged(data: Any) -> None:
    assert answering(lambda r: data).contacts_by_emails(["ada@example.com"]) == [CONTACT]


def test_the_seeds_create_answer_with_error_true_and_ids_is_a_success() -> None:
    # the published create page answers "error": true beside the created contacts: the ids decide
    client = DexClient(KEY, api_url="https://dex.example.org/v1", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"error": True, "data": {"contacts": [CONTACT]}})))
    assert client.create_contacts([{"full_name": "Ada Example"}]) == [CONTACT]


def test_a_2xx_saying_error_true_without_contacts_is_an_unknown_outcome_naming_the_call() -> None:
    client = DexClient(KEY, api_url="https://dex.example.org/v1", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"error": True, "message": "partly failed", "data": None})))
    with pytest.raises(OutcomeUnknown) as caught:
        client.create_contacts([{"full_name": "Ada Example"}])
    assert caught.value.describe().startswith("Dex answered 200 to POST /contacts/ in no known shape")


def test_an_unknown_shape_names_method_path_and_a_scrubbed_excerpt() -> None:
    client = answering(lambda r: {"weird": KEY + " " + "x" * 400})
    with pytest.raises(UnexpectedAnswer) as caught:
        client.create_tag("Climbing")
    text = caught.value.describe()
    assert KEY not in text and "[API key]" in text
    assert text.startswith("Dex answered 200 to POST /tags/ in no known shape (the tag has no id): ")
    assert len(caught.value.excerpt) <= 120


@pytest.mark.parametrize("data, ids", [({"count": 2, "contact_ids": ["a", "b"]}, ["a", "b"]),
                                       (["a"], ["a"]), ({"count": 2}, ["a", "b"])])
def test_a_delete_answer_gives_the_ids_deleted(data: Any, ids: list[str]) -> None:
    assert answering(lambda r: data).delete_contacts(["a", "b"]) == ids


# -- any JSON at all -------------------------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["id", "name", "items", "nextCursor", "count", "tag", "group",
                                         "contacts", "tags", "groups", "contact_ids", "user", "data", "error"])
                        | st.text(max_size=6), inner, max_size=5), max_leaves=12)
BODY = JSON | st.fixed_dictionaries({"error": st.booleans() | JSON, "data": JSON})

CALLS: dict[str, Callable[[DexClient], Any]] = {
    "me": lambda c: c.me(),
    "create_contacts": lambda c: c.create_contacts([{"full_name": "Ada Example"}, {"full_name": "Bo Example"}]),
    "contacts_by_emails": lambda c: c.contacts_by_emails(["ada@example.com"]),
    "list_contacts_page": lambda c: c.list_contacts_page(),
    "list_contacts": lambda c: list(c.list_contacts()),
    "get_contact": lambda c: c.get_contact("c-1"),
    "contact_with_id": lambda c: c.contact_with_id("c-1"),
    "update_contact": lambda c: c.update_contact("c-1", {"company": "Example Ltd"}),
    "delete_contacts": lambda c: c.delete_contacts(["c-1"]),
    "tags": lambda c: c.tags(),
    "create_tag": lambda c: c.create_tag("Climbing"),
    "add_tags": lambda c: c.add_tags(["c-1"], ["t-1"]),
    "groups": lambda c: c.groups(),
    "create_group": lambda c: c.create_group("Family"),
    "add_to_group": lambda c: c.add_to_group("g-1", ["c-1"]),
}


def _good(name: str, value: Any) -> bool:
    """Return True when `value` is what method `name` promises."""
    rows = (list, "rows")
    kinds: dict[str, Any] = {"me": dict, "get_contact": dict, "update_contact": dict, "create_tag": dict,
                             "create_group": dict, "add_tags": type(None), "add_to_group": type(None),
                             "delete_contacts": list, "create_contacts": rows, "contacts_by_emails": rows,
                             "list_contacts": rows, "tags": rows, "groups": rows}
    if name == "list_contacts_page":
        return all(isinstance(r, dict) for r in value.items) and (value.next_cursor is None
                                                                  or isinstance(value.next_cursor, str))
    kind = kinds[name]
    if kind == rows:
        return isinstance(value, list) and all(isinstance(r, dict) for r in value)
    if name == "contact_with_id":
        return value is None or (isinstance(value, dict) and value.get("id") == "c-1")
    if name in ("create_tag", "create_group", "me", "get_contact"):
        return isinstance(value, dict) and isinstance(value.get("id"), str)
    if name == "delete_contacts":
        return all(isinstance(i, str) for i in value)
    return isinstance(value, kind)


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY, status=st.sampled_from([200, 201, 204]))
def test_any_json_answer_gives_a_good_value_or_a_dex_error(name: str, body: Any, status: int) -> None:
    served = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        served["n"] += 1  # a list that pages for ever is stopped by the repeated cursor, or here
        assert served["n"] < 50, "the client kept asking"
        return httpx.Response(status, content=json.dumps(body).encode())

    client = DexClient(KEY, api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))
    try:
        value = CALLS[name](client)
    except DexError as exc:
        assert KEY not in str(exc)
        return
    except ImporterError as exc:  # only DexErrors may come from an answer
        raise AssertionError(f"{type(exc).__name__} from an answer") from exc
    assert _good(name, value), value
