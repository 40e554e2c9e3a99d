"""DexClient: what each kind of failure is classified as, where the key may go, and the calls it speaks."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from datetime import datetime, timezone

import httpx
import pytest

from importer.dex.client import (
    AuthError,
    DexClient,
    DexError,
    NotFound,
    OutcomeUnknown,
    Rejected,
    SurelyNotCreated,
    parse_retry_after,
)
from importer.errors import ImporterError, UsageError
from importer.sandbox import Faults, SandboxServer

KEY = "dex_live_9c2e71d04ab3"


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> DexClient:
    """Return a client for https://dex.example.org/v1 whose requests go to `handler`."""
    return DexClient(KEY, api_url="https://dex.example.org/v1", transport=httpx.MockTransport(handler))


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> DexClient:
    """Return a client that gets this answer to every request."""
    return mock(lambda request: httpx.Response(status, json=body, headers=headers))


@pytest.mark.parametrize("url", ["http://dex.example.org/v1", "http://10.0.0.5:8765/v1",
                                 "http://192.168.1.20/v1"])
def test_the_key_is_never_sent_over_plain_http_to_another_host(url: str) -> None:
    with pytest.raises(UsageError, match="refusing to send the API key over plain http to "):
        DexClient(KEY, api_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/v1", "http://127.8.9.10/v1", "http://localhost:1/v1",
                                 "http://[::1]:8765/v1", "https://api.prod.getdex.com/v1"])
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    DexClient(KEY, api_url=url).close()


def test_a_malformed_key_is_refused_without_showing_it() -> None:
    with pytest.raises(UsageError) as caught:
        DexClient("dex_abc def", api_url="https://dex.example.org/v1")
    assert "dex_abc" not in str(caught.value)


def test_each_call_appends_its_path_and_sends_the_bearer_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error": False, "data": {"id": "u1", "email": "ada@example.com"}})

    assert mock(handler).me()["email"] == "ada@example.com"
    assert str(seen[0].url) == "https://dex.example.org/v1/users/me"
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("status, kind", [
    (400, Rejected), (422, Rejected), (404, NotFound), (401, AuthError), (403, AuthError),
    (429, SurelyNotCreated), (503, SurelyNotCreated),
    (500, OutcomeUnknown), (502, OutcomeUnknown), (504, OutcomeUnknown)])
def test_answers_are_classified_by_what_is_safe_to_do_next(status: int, kind: type[DexError]) -> None:
    with pytest.raises(kind) as caught:
        answer(status, {"error": True, "message": "contacts[0].birthday: bad"}).create_contacts([{"full_name": "A"}])
    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert caught.value.message == "contacts[0].birthday: bad"
    assert isinstance(caught.value, ImporterError)


def test_a_400_carries_the_server_message_and_says_where() -> None:
    with pytest.raises(Rejected) as caught:
        answer(400, {"error": True, "message": "contacts[3].birthday: expected YYYY-MM-DD, got '03/07/1984'"}
               ).create_contacts([{"full_name": "Ada Vance"}])
    assert str(caught.value) == ("Dex answered 400 to POST /contacts/: contacts[3].birthday: expected YYYY-MM-DD, "
                                 "got '03/07/1984'")


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    with pytest.raises(SurelyNotCreated) as caught:
        answer(429, {"error": True, "message": "slow down"}, {"Retry-After": "7"}).me()
    assert caught.value.retry_after == 7.0
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize("body", [{"error": True, "data": {"contacts": []}}, {"data": {}}, "not json"])
def test_a_2xx_without_a_clean_envelope_is_an_unknown_outcome(body: object) -> None:
    with pytest.raises(OutcomeUnknown):
        answer(200, body).create_contacts([{"full_name": "Ada Vance"}])


def test_a_create_answered_without_one_id_per_contact_is_an_unknown_outcome() -> None:
    client = answer(200, {"error": False, "data": {"contacts": [{"id": "c1"}]}})
    with pytest.raises(OutcomeUnknown, match="1 contacts came back for 2 sent"):
        client.create_contacts([{"full_name": "Ada Vance"}, {"full_name": "Rui Costa"}])


@pytest.mark.parametrize("error, kind", [
    (httpx.ConnectError("refused"), SurelyNotCreated), (httpx.ConnectTimeout("slow"), SurelyNotCreated),
    (httpx.ReadTimeout("slow"), OutcomeUnknown), (httpx.WriteTimeout("slow"), OutcomeUnknown),
    (httpx.RemoteProtocolError("Server disconnected"), OutcomeUnknown), (httpx.ReadError("reset"), OutcomeUnknown)])
def test_transport_failures_before_and_after_sending(error: Exception, kind: type[DexError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(kind) as caught:
        mock(handler).create_contacts([{"full_name": "Ada Vance"}])
    assert caught.value.status_code is None


def test_a_closed_port_is_surely_not_created() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SurelyNotCreated, match="could not connect"):
        DexClient(KEY, api_url=f"http://127.0.0.1:{port}/v1", timeout=2).me()


def test_a_connection_dropped_after_the_store_is_an_unknown_outcome(
        dex_sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = dex_sandbox_factory(faults=Faults(drop_after_store=1.0))
    with DexClient(server.api_key, api_url=server.url) as client, pytest.raises(OutcomeUnknown) as caught:
        client.create_contacts([{"full_name": "Ada Vance"}])
    assert str(caught.value) == "POST /contacts/ failed: the connection closed before the answer (RemoteProtocolError)"
    assert server.store.count() == 1


def test_the_key_appears_in_no_repr_message_or_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # a server that echoes the key back in its error message
    client = mock(lambda request: httpx.Response(401, json={"error": True,
                                                            "message": f"unknown key {KEY}"}))
    with pytest.raises(AuthError) as caught:
        client.me()
    texts = [repr(client), str(caught.value), repr(caught.value), caught.value.message, caplog.text]
    assert all(KEY not in text for text in texts)
    assert caught.value.message == "unknown key [API key]"


def test_the_sandbox_calls_round_trip(sandbox_client: DexClient, dex_sandbox: SandboxServer) -> None:
    created = sandbox_client.create_contacts(
        [{"full_name": f"Person {n}", "contact_emails": [{"email": f"person{n}@example.com"}]} for n in range(7)])
    assert [c["full_name"] for c in created] == [f"Person {n}" for n in range(7)]
    assert [r["full_name"] for r in sandbox_client.list_contacts(take=3)] == [f"Person {n}" for n in range(7)]
    page = sandbox_client.list_contacts_page(take=5)
    assert (len(page.items), page.count, page.next_cursor is not None) == (5, 7, True)
    found = sandbox_client.contacts_by_emails(["PERSON3@example.com", "nobody@example.org"])
    assert [c["id"] for c in found] == [created[3]["id"]]
    assert sandbox_client.update_contact(created[0]["id"], {"company": "Costa Ltd"})["company"] == "Costa Ltd"
    assert sandbox_client.get_contact(created[0]["id"])["company"] == "Costa Ltd"
    assert sandbox_client.delete_contacts([created[1]["id"]]) == [created[1]["id"]]
    with pytest.raises(NotFound):
        sandbox_client.get_contact(created[1]["id"])
    tag = sandbox_client.create_tag("met-at-conference")
    sandbox_client.add_tags([created[0]["id"]], [tag["id"]])
    assert sandbox_client.tags() == [tag]
    group = sandbox_client.create_group("Climbing club", emoji="x")
    sandbox_client.add_to_group(group["id"], [created[0]["id"], created[2]["id"]])
    assert sandbox_client.groups() == [group]
    assert dex_sandbox.store.group_members(group["id"]) == sorted([created[0]["id"], created[2]["id"]])


def test_by_emails_asks_50_at_a_time_and_never_sets_the_create_flags() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"error": False, "data": []})

    mock(handler).contacts_by_emails([f"p{n}@example.com" for n in range(120)])
    assert [len(b["emails"]) for b in bodies] == [50, 50, 20]  # type: ignore[arg-type]
    assert all(set(b) == {"emails"} for b in bodies)


def test_redirects_are_not_followed() -> None:
    client = answer(307, {}, {"Location": "http://elsewhere.example.org/v1/users/me"})
    with pytest.raises(Rejected, match="redirected to http://elsewhere.example.org/v1/users/me: check the API URL"):
        client.me()
