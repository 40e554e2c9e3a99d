"""Shared fixtures: a Dex sandbox on 127.0.0.1 port 0, a client for it, and virtual time.

`virtual_time` gives a clock and a sleep that never waits: sleeping moves the clock forward at once. Handing
the same one to the sandbox (its rate limit and latency) and to the sender (its pacing and backoff) lets a
rate-limited, flaky import run in well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from importer.dex.client import DexClient
from importer.sandbox import Faults, SandboxServer, VirtualTime, serve
from tests.helpers import NOW, Ticker

SANDBOX_TEST_KEY = "dex_test_4f1c9a7e2b"


@pytest.fixture
def sandbox_key() -> str:
    """Return the API key the test sandboxes want."""
    return SANDBOX_TEST_KEY


@pytest.fixture
def virtual_time() -> VirtualTime:
    """Return a fresh virtual clock and sleep."""
    return VirtualTime()


@pytest.fixture(autouse=True)
def _cli_in_virtual_time(virtual_time: VirtualTime) -> None:
    """Hands each test's virtual time to tests.helpers.run_cli: the same clock as the test's sandboxes."""
    NOW.time = virtual_time


@pytest.fixture
def dex_sandbox_factory(virtual_time: VirtualTime) -> Iterator[Callable[..., SandboxServer]]:
    """Return a function starting sandboxes (keyword arguments of `serve`, faults as `Faults(...)` fields)
    on 127.0.0.1 port 0, in virtual time, with the key SANDBOX_TEST_KEY; all are closed after the test."""
    servers: list[SandboxServer] = []

    def start(*, faults: Faults | None = None, **options: Any) -> SandboxServer:
        options.setdefault("api_key", SANDBOX_TEST_KEY)
        options.setdefault("clock", virtual_time.clock)
        options.setdefault("sleep", virtual_time.sleep)
        server = serve(host="127.0.0.1", port=0, faults=faults or Faults(), **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def dex_sandbox(dex_sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """Return a well-behaved sandbox (no faults) on 127.0.0.1 port 0."""
    return dex_sandbox_factory()


@pytest.fixture
def server(dex_sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """Return a sandbox whose clock moves one second on every write, so created_at and updated_at differ."""
    return dex_sandbox_factory(now=Ticker())


@pytest.fixture
def dex(server: SandboxServer) -> Iterator[DexClient]:
    """Return a DexClient with the right key for `server`."""
    with DexClient(SANDBOX_TEST_KEY, api_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def sandbox_client(dex_sandbox: SandboxServer) -> Iterator[DexClient]:
    """Return a DexClient with the right key for `dex_sandbox`."""
    with DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url, timeout=10) as client:
        yield client


@pytest.fixture(autouse=True)
def _journals_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps every test's run journals (the user's data folder) out of the real home folder, and a real
    Dex key or URL in the developer's environment out of the tests: they talk to 127.0.0.1 only."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
    monkeypatch.delenv("DEX_API_KEY", raising=False)
    monkeypatch.delenv("DEX_API_URL", raising=False)
