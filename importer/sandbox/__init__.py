"""A local Dex-compatible server: rehearse an import, and test the importer over real HTTP.

    from importer.sandbox import serve, Faults
    server = serve(faults=Faults(rate_limit=5, error_rate=0.1, drop_after_store=0.05, seed=1),
                   contact_ids="keep")    # or "ignore", "refuse": what Dex does with the ids sent
    print(server.url, server.api_key)   # http://127.0.0.1:PORT/v1
    server.store.count()                # what really got stored
    server.close()

`run_sandbox(...)` serves in the foreground until Ctrl-C (the ``dex-import sandbox`` command).
"""

from importer.sandbox.faults import Faults, FaultStats, VirtualTime
from importer.sandbox.server import (
    CONTACT_IDS,
    DEFAULT_PORT,
    SANDBOX_KEY,
    SHAPES,
    SandboxServer,
    run_sandbox,
    serve,
)
from importer.sandbox.store import Store

__all__ = [
    "CONTACT_IDS",
    "DEFAULT_PORT",
    "SANDBOX_KEY",
    "SHAPES",
    "FaultStats",
    "Faults",
    "SandboxServer",
    "Store",
    "VirtualTime",
    "run_sandbox",
    "serve",
]
