"""Labels as Dex tags or groups: reused by name, created once for many contacts, the run tag, inline links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from importer.dex.client import DexClient, OutcomeUnknown
from importer.sandbox import SandboxServer
from importer.send.labels import (
    LabelFailure,
    LabelResult,
    apply_labels,
    ensure_groups,
    ensure_labels,
    ensure_tags,
    inline_links,
    known_labels,
    label_counts,
)


def people(dex: DexClient, count: int) -> list[str]:
    """Return the ids of `count` new contacts."""
    return [c["id"] for c in dex.create_contacts([{"full_name": f"Person {n}"} for n in range(count)])]


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


def test_tags_are_reused_by_name_in_dex_spelling_and_the_missing_created_once(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    vip = sandbox_client.create_tag("VIP")
    ids = ensure_tags(sandbox_client, ["vip", " Climbing  club", "VIP ", "climbing club", ""])
    assert names(sandbox_client.tags()) == ["VIP", "Climbing club"]
    climbing = sandbox_client.tags()[1]["id"]
    assert ids == {"vip": vip["id"], " Climbing  club": climbing, "VIP ": vip["id"], "climbing club": climbing}


def test_many_contacts_share_one_tag_each_sent_in_one_call_per_label(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    ids = people(sandbox_client, 5)
    sandbox_client.create_tag("Family")
    before = dex_sandbox.stats.requests
    result = apply_labels(sandbox_client, {ids[0]: ["family", "Book club"], ids[1]: ["Book Club"],
                                           ids[2]: ["FAMILY"], ids[3]: [], ids[4]: ["book club", "Book club"]})
    assert result == LabelResult(created=("Book club",), reused=("Family",), assigned=5)
    # one listing, one tag created, one add per tag
    assert dex_sandbox.stats.requests - before == 1 + 1 + 2
    family, book = (t["id"] for t in sandbox_client.tags())
    assert [dex_sandbox.store.contact_tags(i) for i in ids] == [
        sorted([family, book]), [book], [family], [], [book]]


def test_the_run_tag_goes_on_every_contact_of_the_run(sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    ids = people(sandbox_client, 3)
    result = apply_labels(sandbox_client, {ids[0]: ["Work"], ids[1]: [], ids[2]: ["import 2024-03"]},
                          run_tag="Import 2024-03")
    assert result == LabelResult(created=("Work", "import 2024-03"), reused=(), assigned=4)
    work, run = (t["id"] for t in sandbox_client.tags())
    assert [dex_sandbox.store.contact_tags(i) for i in ids] == [sorted([work, run]), [run], [run]]


def test_labels_as_groups_reuse_and_create_groups_and_the_run_tag_stays_a_tag(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    ids = people(sandbox_client, 3)
    club = sandbox_client.create_group("Climbing Club")
    result = apply_labels(sandbox_client, {ids[0]: ["climbing club", "Neighbours"], ids[1]: ["Neighbours"],
                                           ids[2]: ["x" * 101]}, as_groups=True, run_tag="dex-import")
    assert result == LabelResult(created=("Neighbours", "dex-import"), reused=("Climbing Club",), assigned=6,
                                 failures=(LabelFailure("x" * 101, "Dex group names are at most 100 characters"),))
    neighbours = sandbox_client.groups()[1]["id"]
    assert names(sandbox_client.groups()) == ["Climbing Club", "Neighbours"]
    assert dex_sandbox.store.group_members(club["id"]) == [ids[0]]
    assert dex_sandbox.store.group_members(neighbours) == sorted(ids[:2])
    [run] = sandbox_client.tags()
    assert [dex_sandbox.store.contact_tags(i) for i in ids] == [[run["id"]]] * 3
    assert ensure_groups(sandbox_client, ["NEIGHBOURS"]) == {"NEIGHBOURS": neighbours}


def test_more_than_100_contacts_for_one_label_go_in_several_calls(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    ids = people(sandbox_client, 100) + people(sandbox_client, 30)
    before = dex_sandbox.stats.requests
    result = apply_labels(sandbox_client, {i: ["Alumni"] for i in ids})
    assert (result.assigned, dex_sandbox.stats.requests - before) == (130, 1 + 1 + 2)


def test_a_refused_assignment_is_a_failure_value_and_the_rest_go_on(
        sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    [ok] = people(sandbox_client, 1)
    gone = "00000000-0000-4000-8000-0000000000aa"
    result = apply_labels(sandbox_client, {gone: ["Lost"], ok: ["Kept"]})
    assert result.assigned == 1 and [f.label for f in result.failures] == ["Lost"]
    assert result.failures[0].contact_ids == (gone,)
    assert result.failures[0].message.startswith("Dex answered 400 to POST /tags/contacts/add: contactIds: ")


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


def test_the_preview_counts_labels_and_tells_which_exist(sandbox_client: DexClient) -> None:
    assert label_counts([["Family", "family"], [" FAMILY ", "Work  trip"], [], ["work trip"]]) == {
        "Family": 2, "Work trip": 2}
    sandbox_client.create_tag("Work Trip")
    assert known_labels(sandbox_client) == {"work trip": "Work Trip"}
    assert known_labels(sandbox_client, as_groups=True) == {}
