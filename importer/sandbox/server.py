"""A Dex-compatible HTTP server on loopback, for rehearsing an import and for testing the importer over HTTP.

It speaks the calls of ../shared/dex-api.md under ``/v1`` with Dex's JSON shapes (``{"error": bool, "data":
...}``, errors as ``{"error": true, "message": "..."}``), validates contacts strictly (`validate`), keeps them
in SQLite (`store`), wants ``Authorization: Bearer <key>``, and misbehaves on request (`faults`)::

    server = serve(faults=Faults(rate_limit=5, error_rate=0.1))
    client = DexClient(server.api_key, api_url=server.url)
    ...
    server.store.count()
    server.close()

Each request goes: latency, auth (401), rate limit (429 + Retry-After), random 503, the call itself; a create
that was stored may then lose its answer (`Faults.drop_after_store`).
"""

from __future__ import annotations

import hmac
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from importer.sandbox import routes
from importer.sandbox.faults import Faults, FaultState, FaultStats
from importer.sandbox.store import Store, StoreError, utc_now

SANDBOX_KEY = "dex_sandbox_key"
SHAPES = ("documented", "variant")
"""How the sandbox answers: as Dex's reference pages document (the default), or in the other plausible shapes
of ../shared/dex-api.md (bare objects, wrapped or paged lists, the seed's ``"error": true`` create answer)."""
CONTACT_IDS = ("keep", "ignore", "refuse")
"""What the sandbox does with the ``id`` a create sends for a contact: keeps it (the default; a taken id is
answered 409), ignores it (gives its own), or refuses it (400 naming the contact's ``id``)."""
DEFAULT_PORT = 8765
API_PREFIX = "/v1"


class SandboxServer(ThreadingHTTPServer):
    """A running sandbox: `url` (ends in /v1), `port`, `api_key`, `store`, `stats`; `close()` stops it."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stays quiet when a client went away mid-answer (killed, timed out): that is a client's right."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def __init__(self, host: str, port: int, *, store: Store, api_key: str, faults: FaultState,
                 log: Callable[[str], None] | None, shapes: str = "documented", contact_ids: str = "keep") -> None:
        if shapes not in SHAPES:
            raise ValueError(f"shapes must be one of {', '.join(SHAPES)}, got {shapes!r}")
        if contact_ids not in CONTACT_IDS:
            raise ValueError(f"contact_ids must be one of {', '.join(CONTACT_IDS)}, got {contact_ids!r}")
        self.shapes, self.contact_ids = shapes, contact_ids
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _RequestHandler)
        self.store = store
        self.api_key = api_key
        self.faults = faults
        self.log = log
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, conn: socket.socket, *, open_: bool) -> None:
        """Remember (or forget) a client connection, so that `close()` can cut kept-alive ones."""
        with self._open_lock:
            (self._open.add if open_ else self._open.discard)(conn)

    @property
    def port(self) -> int:
        """Return the TCP port the server listens on (the real one when started on port 0)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """Return the API base URL, e.g. ``http://127.0.0.1:8765/v1``."""
        host = str(self.server_address[0])
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{API_PREFIX}"

    @property
    def stats(self) -> FaultStats:
        """Return the counters of requests, 429s, 503s, dropped answers and contacts created."""
        return self.faults.stats

    def start(self) -> SandboxServer:
        """Return self after starting to serve on a background thread."""
        # a short poll interval: close() waits for the loop to notice, and tests start many servers
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="dex-sandbox", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, close the socket and the database."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
        with self._open_lock:
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.store.close()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API behind a load balancer
    disable_nagle_algorithm = True  # headers and body go in two writes: Nagle + delayed ACK cost 40 ms each
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # the request line only: headers (and so the key) never reach the log
        if self.server.log is not None:
            self.server.log(format % args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _answer(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._answer(status, {"error": True, "message": message}, headers)

    def _authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.api_key}"
        return hmac.compare_digest(given.encode(), expected.encode())

    def _handle(self) -> None:
        server = self.server
        server.faults.count("requests")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.command == "POST" and urlsplit(self.path).path.rstrip("/") == API_PREFIX + "/contacts":
            server.faults.count("creates_received")
        server.faults.delay()
        if not self._authorized():
            # never echo what was sent: it may be a real key pointed at the wrong server
            return self._fail(401, "invalid or missing API key: send Authorization: Bearer <key>")
        wait = server.faults.retry_after()
        if wait is not None:
            return self._fail(429, "too many requests", {"Retry-After": str(wait)})
        request = f"{self.command} {self.path}\n".encode() + raw  # what decides its faults, with the seed
        if server.faults.unavailable(request):
            return self._fail(503, "service unavailable, try again later")
        parts = urlsplit(self.path)
        found = routes.find_route(self.command, parts.path.removeprefix(API_PREFIX)) \
            if parts.path.startswith(API_PREFIX + "/") else None
        if found is None:
            return self._fail(404, f"no such call: {self.command} {parts.path}")
        handler, match = found
        if server.faults.broken(parts.path.removeprefix(API_PREFIX)):
            return self._fail(500, "internal server error")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._fail(400, "body: not valid JSON")
        try:
            data = handler(server, match, parse_qs(parts.query), body)
        except routes.ApiError as exc:
            return self._fail(exc.status, exc.message)
        except StoreError as exc:
            return self._fail(exc.status, exc.message)
        if handler is routes.create_contacts and server.faults.drop(request):
            # stored, but the answer is lost: the client cannot tell whether anything was created
            self.close_connection = True
            return None
        if handler is routes.create_contacts and server.shapes == "variant":
            # the seed's own example answer: "error": true beside the contacts it created
            return self._answer(200, {"error": True, "data": data})
        return self._answer(200, {"error": False, "data": data})


def serve(*, host: str = "127.0.0.1", port: int = 0, db: str = ":memory:", api_key: str = SANDBOX_KEY,
          faults: Faults | None = None, clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep, now: Callable[[], datetime] = utc_now,
          log: Callable[[str], None] | None = None, shapes: str = "documented",
          contact_ids: str = "keep") -> SandboxServer:
    """Return a sandbox already serving on a background thread (port 0 picks a free port: see `.port`).

    `db` is ``":memory:"`` or a SQLite file kept between runs; `clock` and `sleep` drive the rate limit and
    latency (inject them to run in virtual time); `now` stamps created_at; `log` receives one line per request;
    `shapes` is one of `SHAPES`; `contact_ids` one of `CONTACT_IDS`.
    """
    state = FaultState(faults or Faults(), clock=clock, sleep=sleep)
    return SandboxServer(host, port, store=Store(db, now=now), api_key=api_key, faults=state, log=log,
                         shapes=shapes, contact_ids=contact_ids).start()


def run_sandbox(*, host: str = "127.0.0.1", port: int = DEFAULT_PORT, db: str = ":memory:",
                api_key: str = SANDBOX_KEY, faults: Faults | None = None,
                on_ready: Callable[[SandboxServer], None] | None = None,
                log: Callable[[str], None] | None = None, shapes: str = "documented",
                contact_ids: str = "keep") -> None:
    """Return after Ctrl-C, having served the sandbox in the foreground (for ``dex-import sandbox``).

    `on_ready` is called once the server listens, so the CLI can print its URL and key.
    """
    server = serve(host=host, port=port, db=db, api_key=api_key, faults=faults, log=log, shapes=shapes,
                   contact_ids=contact_ids)
    try:
        if on_ready is not None:
            on_ready(server)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
