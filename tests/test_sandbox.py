"""The sandbox over real HTTP on 127.0.0.1: Dex's shapes, strict validation, auth, and its fault switches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.sandbox import Faults, SandboxServer, Store, VirtualTime, run_sandbox
from importer.sandbox.validate import create_problems

ADA: dict[str, Any] = {
    "first_name": "Ada", "last_name": "Vance", "company": "Vance Instruments", "job_title": "Engineer",
    "linkedin": "adavance", "birthday": "1984-03-07", "birthday_year": 1984, "starred": True,
    "frequency": "3 mons", "last_seen_at": "2023-11-07T05:31:56Z",
    "contact_emails": [{"email": "ada.vance@example.com", "label": "work", "ranking": 0}],
    "contact_phone_numbers": [{"phone_number": "(212) 555-0134", "country_code": "+1",
                               "phone_number_sanitized": "+12125550134", "label": "mobile", "ranking": 0}],
}


@pytest.fixture
def http(dex_sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """Return a raw HTTP client for the sandbox, with the right key."""
    with httpx.Client(base_url=dex_sandbox.url + "/", headers={"Authorization": f"Bearer {dex_sandbox.api_key}"},
                      trust_env=False) as client:
        yield client


def test_me_answers_with_the_dex_envelope(http: httpx.Client) -> None:
    answer = http.get("users/me")
    assert answer.status_code == 200
    assert answer.json()["error"] is False
    assert answer.json()["data"]["email"] == "sandbox.user@example.com"


@pytest.mark.parametrize("header", [None, "Bearer dex_wrong_key_123", "{key}"])
def test_a_missing_or_wrong_key_is_401_and_never_echoed(dex_sandbox: SandboxServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header.format(key=dex_sandbox.api_key)}
    answer = httpx.get(dex_sandbox.url + "/users/me", headers=headers, trust_env=False)
    assert answer.status_code == 401
    assert answer.json() == {"error": True,
                             "message": "invalid or missing API key: send Authorization: Bearer <key>"}
    assert "dex_wrong_key_123" not in answer.text and dex_sandbox.api_key not in answer.text


def test_create_stores_and_answers_one_contact_per_contact_sent(http: httpx.Client,
                                                                dex_sandbox: SandboxServer) -> None:
    answer = http.post("contacts/", json={"contacts": [ADA, {"full_name": "Rui Costa"}]})
    assert answer.status_code == 200
    created = answer.json()["data"]["contacts"]
    assert [c["full_name"] for c in created] == ["Ada Vance", "Rui Costa"]
    assert all(c["id"] and c["created_at"].endswith("Z") for c in created)
    assert "contact_emails" not in created[0]
    assert dex_sandbox.store.count() == 2
    assert dex_sandbox.store.contacts()[0]["contact_emails"] == ADA["contact_emails"]


@pytest.mark.parametrize("field, value, message", [
    ("birthday", "03/07/1984", "contacts[1].birthday: expected YYYY-MM-DD, got '03/07/1984'"),
    ("birthday", "1984-02-30", "contacts[1].birthday: expected YYYY-MM-DD, got '1984-02-30'"),
    ("birthday_year", "1984", "contacts[1].birthday_year: expected a year between 1 and 9999, got '1984'"),
    ("starred", "yes", "contacts[1].starred: expected true or false, got 'yes'"),
    ("company", None, "contacts[1].company: expected a string, got null"),
    ("frequency", "monthly", ("contacts[1].frequency: expected one of '7 days', '14 days', '1 mon', '42 days', "
                              "'3 mons', '6 mons', '1 year', got 'monthly'")),
    ("last_seen_at", "2023-11-07", ("contacts[1].last_seen_at: expected an ISO 8601 date-time like "
                                    "2023-11-07T05:31:56Z, got '2023-11-07'")),
    ("compnay", "x", "contacts[1].compnay: unknown field (did you mean 'company'?)"),
    ("contact_emails", [{"email": "ada.vance.example.com"}],
     ("contacts[1].contact_emails[0].email: expected an email address like name@example.com, "
      "got 'ada.vance.example.com'")),
    ("contact_phone_numbers", [{"phone_number": "212-555-0134", "phone_number_sanitized": "2125550134"}],
     ("contacts[1].contact_phone_numbers[0].phone_number_sanitized: expected an E.164 number like "
      "+12125550134, got '2125550134'")),
    ("tags_contacts", [{"tag_id": "not-a-uuid"}],
     "contacts[1].tags_contacts[0].tag_id: expected a UUID, got 'not-a-uuid'"),
])
def test_a_batch_with_one_invalid_contact_is_rejected_whole_naming_index_and_field(
        http: httpx.Client, dex_sandbox: SandboxServer, field: str, value: Any, message: str) -> None:
    answer = http.post("contacts/", json={"contacts": [ADA, {"full_name": "Rui Costa", field: value}]})
    assert answer.status_code == 400
    assert answer.json() == {"error": True, "message": message}
    assert dex_sandbox.store.count() == 0


def test_a_contact_needs_a_name_and_batches_are_1_to_100() -> None:
    assert create_problems({"contacts": [{"company": "Costa Ltd", "first_name": "  "}]}) == [
        "contacts[0]: a contact needs a full_name, first_name or last_name"]
    assert create_problems({"contacts": [{"full_name": "Rui Costa"}] * 101}) == [
        "contacts: expected 1 to 100 contacts, got 101"]
    assert create_problems({"contacts": []}) == ["contacts: expected 1 to 100 contacts, got 0"]
    assert create_problems([{"full_name": "Rui Costa"}]) == ['body: expected a JSON object with "contacts"']


def test_a_year_0000_birthday_placeholder_is_a_date_but_not_february_30() -> None:
    assert create_problems({"contacts": [{"full_name": "Rui Costa", "birthday": "0000-02-29"}]}) == []
    assert create_problems({"contacts": [{"full_name": "Rui Costa", "birthday": "0000-02-30"}]}) == [
        "contacts[0].birthday: expected YYYY-MM-DD, got '0000-02-30'"]


def test_the_list_pages_with_a_cursor_and_carries_no_emails(http: httpx.Client) -> None:
    http.post("contacts/", json={"contacts": [{"full_name": f"Person {n}"} for n in range(5)]})
    first = http.get("contacts", params={"take": 2}).json()["data"]
    assert [r["full_name"] for r in first["items"]] == ["Person 0", "Person 1"]
    assert first["count"] == 5
    assert set(first["items"][0]) == {"id", "full_name", "first_name", "last_name", "company", "job_title",
                                      "linkedin", "created_at", "updated_at"}
    names = [r["full_name"] for r in first["items"]]
    cursor = first["nextCursor"]
    while cursor:
        page = http.get("contacts", params={"take": 2, "cursor": cursor}).json()["data"]
        names += [r["full_name"] for r in page["items"]]
        cursor = page["nextCursor"]
    assert names == [f"Person {n}" for n in range(5)]
    assert http.get("contacts", params={"take": 501}).json() == {
        "error": True, "message": "take: expected an integer from 1 to 500, got '501'"}


def test_by_emails_matches_case_insensitively_and_refuses_create_flags(http: httpx.Client) -> None:
    http.post("contacts/", json={"contacts": [ADA, {"full_name": "Rui Costa"}]})
    found = http.post("contacts/by-emails", json={"emails": ["ADA.Vance@Example.com"]}).json()["data"]
    assert [c["full_name"] for c in found] == ["Ada Vance"]
    assert found[0]["contact_emails"][0]["email"] == "ada.vance@example.com"
    refused = http.post("contacts/by-emails", json={"emails": ["x@example.com"], "createFromGoogleContacts": True})
    assert refused.status_code == 400


def test_get_update_delete_a_contact(http: httpx.Client, dex_sandbox: SandboxServer) -> None:
    cid = http.post("contacts/", json={"contacts": [ADA]}).json()["data"]["contacts"][0]["id"]
    assert http.put(f"contacts/{cid}", json={"job_title": "Director"}).json()["data"]["job_title"] == "Director"
    assert http.get(f"contacts/{cid}").json()["data"]["company"] == "Vance Instruments"
    assert http.put(f"contacts/{cid}", json={"full_name": "", "first_name": "", "last_name": ""}).status_code == 400
    deleted = http.delete("contacts/", params={"contactIds": cid}).json()["data"]
    assert deleted == {"count": 1, "contact_ids": [cid]}
    assert http.get(f"contacts/{cid}").status_code == 404


def test_tags_and_groups(http: httpx.Client, dex_sandbox: SandboxServer) -> None:
    cid = http.post("contacts/", json={"contacts": [ADA]}).json()["data"]["contacts"][0]["id"]
    tag = http.post("tags/", json={"tag": {"name": "conference-2023"}}).json()["data"]["tag"]  # as Dex documents
    assert http.get("tags").json()["data"] == [tag]
    assert http.post("tags/contacts/add", json={"contactIds": [cid], "tagIds": [tag["id"]]}).status_code == 200
    assert dex_sandbox.store.contact_tags(cid) == [tag["id"]]
    group = http.post("groups/", json={"group": {"name": "Climbing club", "emoji": "x"}}).json()["data"]["group"]
    assert http.put(f"groups/{group['id']}/contacts", json={"contactIds": [cid]}).json()["data"] == {"result": {}}
    assert http.put(f"groups/{group['id']}/contacts", json={"contactIds": [cid]}).json()["data"] == {"result": {}}
    assert dex_sandbox.store.group_members(group["id"]) == [cid]
    assert http.post(f"groups/{group['id']}/contacts", json={"contactIds": [cid]}).json()["data"] == {"count": 1}
    assert http.post("groups/", json={"group": {"name": "x" * 101}}).status_code == 400
    inline = http.post("contacts/", json={"contacts": [{"full_name": "Rui Costa",
                                                        "tags_contacts": [{"tag_id": tag["id"]}]}]})
    assert dex_sandbox.store.contact_tags(inline.json()["data"]["contacts"][0]["id"]) == [tag["id"]]


def test_the_rate_limit_answers_429_with_retry_after_in_virtual_time(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    server = dex_sandbox_factory(faults=Faults(rate_limit=2, burst=2))
    with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}, trust_env=False) as http:
        statuses = [http.get(server.url + "/users/me") for _ in range(3)]
        assert [a.status_code for a in statuses] == [200, 200, 429]
        assert statuses[2].headers["Retry-After"] == "1"
        virtual_time.sleep(0.5)
        assert http.get(server.url + "/users/me").status_code == 200
    assert server.stats.rate_limited == 1


def test_a_fixed_window_limit_refuses_until_the_next_window_and_rounds_retry_after_up(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    # the virtual clock starts at 1000.0 s: on a window's boundary
    server = dex_sandbox_factory(faults=Faults(rate_limit=0.5, window=10))
    with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}, trust_env=False) as http:
        def statuses(n: int) -> list[int]:
            return [http.get(server.url + "/users/me").status_code for _ in range(n)]

        assert statuses(6) == [200] * 5 + [429]
        virtual_time.sleep(2.5)  # a token bucket would have let one more through by now: a window does not
        refused = http.get(server.url + "/users/me")
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "8")  # 7.5 s to the next window
        virtual_time.sleep(7.0)
        assert statuses(1) == [429]
        virtual_time.sleep(0.5)  # 1010.0: a new window
        assert statuses(6) == [200] * 5 + [429]
        virtual_time.sleep(19.75)  # the end of the next window, then the start of the one after: 10 at once
        assert statuses(5) == [200] * 5
        virtual_time.sleep(0.25)
        assert statuses(6) == [200] * 5 + [429]
    assert server.stats.rate_limited == 5


def test_503s_latency_and_dropped_answers(dex_sandbox_factory: Callable[..., SandboxServer],
                                          virtual_time: VirtualTime) -> None:
    flaky = dex_sandbox_factory(faults=Faults(error_rate=1.0, latency_ms=250))
    headers = {"Authorization": f"Bearer {flaky.api_key}"}
    assert httpx.get(flaky.url + "/users/me", headers=headers, trust_env=False).status_code == 503
    assert virtual_time.slept == [0.25]
    dropping = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(dropping.url + "/contacts/", json={"contacts": [ADA]}, headers=headers, trust_env=False)
    assert dropping.store.count() == 1
    assert dropping.stats.dropped == 1


def test_jitter_varies_each_latency_within_its_bounds_the_same_way_for_a_seed(
        dex_sandbox_factory: Callable[..., SandboxServer], virtual_time: VirtualTime) -> None:
    waits: list[list[float]] = []
    for _ in range(2):
        server = dex_sandbox_factory(faults=Faults(latency_ms=100, jitter_ms=50, seed=4))
        virtual_time.slept.clear()
        with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}, trust_env=False) as http:
            assert {http.get(server.url + "/users/me").status_code for _ in range(20)} == {200}
        waits.append(list(virtual_time.slept))
    assert waits[0] == waits[1]
    assert all(0.05 <= wait <= 0.15 for wait in waits[0])
    assert max(waits[0]) - min(waits[0]) > 0.05  # spread out, not one latency for all


def test_faults_refuse_impossible_values() -> None:
    with pytest.raises(ValueError, match="error_rate must be between 0 and 1, got 1.5"):
        Faults(error_rate=1.5)
    with pytest.raises(ValueError, match="window needs a rate_limit, and no burst"):
        Faults(rate_limit=20, burst=5, window=1.0)
    with pytest.raises(ValueError, match="window must let at least 1 request through: 2/s for 0.25 s"):
        Faults(rate_limit=2, window=0.25)
    with pytest.raises(ValueError, match=r"jitter_ms must be between 0 and latency_ms \(20\), got 30"):
        Faults(latency_ms=20, jitter_ms=30)


def test_run_sandbox_serves_until_ctrl_c_and_keeps_contacts_in_its_file(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite"
    seen: list[str] = []

    def ready(server: SandboxServer) -> None:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        httpx.post(server.url + "/contacts/", json={"contacts": [ADA]}, headers=headers, trust_env=False)
        seen.append(server.url)
        raise KeyboardInterrupt  # what Ctrl-C does to the foreground loop

    run_sandbox(port=0, db=str(db), api_key="dex_file_test_key", on_ready=ready)
    assert seen[0].startswith("http://127.0.0.1:") and seen[0].endswith("/v1")
    assert Store(str(db)).count() == 1
    assert b"dex_file_test_key" not in db.read_bytes()


def test_a_seed_gives_each_request_the_same_faults_whatever_order_requests_arrive_in(
        dex_sandbox_factory: Callable[..., SandboxServer]) -> None:
    faults = Faults(error_rate=0.5, seed=9)
    paths = [f"/users/me?n={n}" for n in range(12)] * 2  # each twice: the second time is a fresh draw
    fates: list[dict[tuple[str, int], int]] = []
    for order in (paths, paths[::-1]):
        server = dex_sandbox_factory(faults=faults)
        seen: dict[str, int] = {}
        fate: dict[tuple[str, int], int] = {}
        for path in order:
            seen[path] = seen.get(path, 0) + 1
            answer = httpx.get(server.url + path, headers={"Authorization": f"Bearer {server.api_key}"},
                               trust_env=False)
            fate[(path, seen[path])] = answer.status_code
        fates.append(fate)
    assert fates[0] == fates[1]
    assert set(fates[0].values()) == {200, 503}


def test_the_sandbox_answers_in_the_documented_shapes_by_default_and_the_others_on_request(
        dex_sandbox_factory: Callable[..., SandboxServer]) -> None:
    def data(server: SandboxServer, method: str, path: str, **kw: Any) -> Any:
        with httpx.Client(base_url=server.url + "/", trust_env=False,
                          headers={"Authorization": f"Bearer {server.api_key}"}) as http:
            body = http.request(method, path, **kw).json()
        return body["error"], body["data"]

    for shapes in ("documented", "variant"):
        server = dex_sandbox_factory(shapes=shapes)
        flag, created = data(server, "POST", "contacts/", json={"contacts": [{"full_name": "Ada Example"}]})
        assert flag is (shapes == "variant") and created["contacts"][0]["id"]  # the seed's "error": true
        contact_id = created["contacts"][0]["id"]
        tag = data(server, "POST", "tags/", json={"tag": {"name": "Chess"}})[1]
        group = data(server, "POST", "groups/", json={"group": {"name": "Family"}})[1]
        members = data(server, "PUT", f"groups/{(group.get('group') or group)['id']}/contacts",
                       json={"contactIds": [contact_id]})[1]
        one = data(server, "GET", f"contacts/{contact_id}")[1]
        if shapes == "documented":
            assert set(tag) == {"tag"} and set(group) == {"group"} and members == {"result": {}}
            assert one["id"] == contact_id and isinstance(data(server, "GET", "tags")[1], list)
            assert isinstance(data(server, "GET", "groups")[1], list)
        else:
            assert tag["name"] == "Chess" and group["name"] == "Family" and one["contact"]["id"] == contact_id
            assert set(data(server, "GET", "tags")[1]) == {"items", "nextCursor", "count"}
            assert set(data(server, "GET", "groups")[1]) == {"groups"}
