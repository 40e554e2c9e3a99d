"""Labels as Dex tags or groups: reused by name, created once for many contacts, the run tag, inline links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from importer.dex.client import DexClient, OutcomeUnknown
from importer.sandbox import SandboxServer
from importer.send.labels import ensure_labels, inline_links


def people(dex: DexClient, count: int) -> list[str]:
    """Return the ids of `count` new contacts."""
    return [c["id"] for c in dex.create_contacts([{"full_name": f"Person {n}"} for n in range(count)])]


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


def test_tags_are_reused_by_name_in_dex_spelling_and_the_missing_created_once(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    vip = sandbox_client.create_tag("VIP")
    wanted = ["vip", " Climbing  club", "VIP ", "climbing club", ""]
    ensured = ensure_labels(sandbox_client, wanted)
    assert names(sandbox_client.tags()) == ["VIP", "Climbing club"]
    climbing = sandbox_client.tags()[1]["id"]
    assert [ensured.id_of(n) for n in wanted] == [vip["id"], climbing, vip["id"], climbing, None]
    assert (ensured.created, ensured.reused) == (("Climbing club",), ("VIP",))


def test_groups_are_reused_by_name_and_the_missing_created_once(sandbox_client: DexClient) -> None:
    club = sandbox_client.create_group("Climbing Club")
    ensured = ensure_labels(sandbox_client, ["climbing club", "Neighbours", "NEIGHBOURS"], as_groups=True)
    assert names(sandbox_client.groups()) == ["Climbing Club", "Neighbours"]
    assert ensured.id_of("CLIMBING CLUB") == club["id"]
    assert (ensured.kind, ensured.created, ensured.reused) == ("group", ("Neighbours",), ("Climbing Club",))












def test_inline_links_put_labels_and_the_run_tag_in_the_create(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    tags = ensure_labels(sandbox_client, ["Family", "Run"])
    family, run_id = tags.ids["family"], tags.ids["run"]
    links = inline_links(["family", "FAMILY", "Unknown"], tags, run_tag_id=run_id)
    assert links == {"tags_contacts": [{"tag_id": family}, {"tag_id": run_id}]}
    [made] = sandbox_client.create_contacts([{"full_name": "Kim Example", **links}])
    assert dex_sandbox.store.contact_tags(made["id"]) == sorted([family, run_id])
    groups = ensure_labels(sandbox_client, ["Family"], as_groups=True)
    assert inline_links(["Family"], groups, run_tag_id=run_id) == {
        "tags_contacts": [{"tag_id": run_id}], "groups_contacts": [{"group_id": groups.id_of("family")}]}
    assert inline_links([], groups) == {}


def test_a_tag_whose_create_answer_was_lost_is_looked_up_not_created_again() -> None:
    tags: list[dict[str, Any]] = []
    creates: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":  # stored, then the connection drops
            creates.append(request.content)
            tags.append({"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "name": "Imported"})
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return httpx.Response(200, json={"error": False, "data": tags})

    dex = DexClient("dex_test_key", api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))
    retried: list[str] = []

    def call(fn: Callable[[], Any]) -> Any:  # a retrying wrapper, as the sender's: it must not resend the create
        try:
            return fn()
        except OutcomeUnknown:
            retried.append("again")
            return fn()

    ensured = ensure_labels(dex, ["Imported"], call=call)
    assert (ensured.ids, ensured.created, ensured.failures, len(creates), retried) == (
        {"imported": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}, ("Imported",), (), 1, [])

