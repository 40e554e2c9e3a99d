"""Returns the result of the demo: every export in sample_data/ imported into a local Dex sandbox, and the
sample exports themselves (`sample_inputs`), each with the mapping it needs.

The whole product, end to end, with no Dex account: detection and mapping of each flavour, the import over
real HTTP into the sandbox, the failure report. What the sandbox holds afterwards is read back from it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importer.dex.client import DexClient
from importer.errors import InputError
from importer.importing import ImportResult, SendOptions, run_import
from importer.plan.inputs import Input, ReadOptions
from importer.sandbox import serve
from importer.send.outcomes import SendPolicy


@dataclass
class DemoResult:
    """The import's result, the sandbox's address, and the contacts it holds at the end."""

    result: ImportResult
    api_url: str
    stored: list[dict[str, Any]]
    tags: list[str]


def run_demo(folder: Path, *, region: str | None = "US", report_dir: Path | None = None) -> DemoResult:
    """Returns the result of importing every sample export in `folder` into a fresh sandbox."""
    inputs: list[Input] = [(_shown(path), ReadOptions(region=region, mapping=_shown(m) if m else None))
                           for path, m in sample_inputs(folder)]
    reports = report_dir or Path(tempfile.mkdtemp(prefix="dex-import-demo-"))
    server = serve(port=0)
    try:
        with DexClient(server.api_key, api_url=server.url) as client:
            # the local sandbox has no rate limit: no need to start at Dex's cautious 1 request/s
            result = run_import(inputs, client, send=SendOptions(report=str(reports / "failures.csv"),
                                                                 policy=SendPolicy(initial_rate=20),
                                                                 move_earlier=False))
        return DemoResult(result, server.url, server.store.contacts(), [t["name"] for t in server.store.tags()])
    finally:
        server.close()


def _shown(path: Path) -> str:
    """Returns the path relative to the current folder when it is below it, as a person would type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_DATA_SUFFIXES = (".csv", ".tsv", ".vcf", ".vcard", ".xlsx", ".zip")


def find_sample_folder(start: Path | None = None) -> Path:
    """Returns sample_data/ from the current folder or the checkout the package runs from."""
    candidates = [(start or Path.cwd()) / "sample_data", Path(__file__).resolve().parents[1] / "sample_data"]
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise InputError("no sample_data folder here", path=str(candidates[0]),
                     hint="Run the demo from a clone of the dex-importer repository")


def sample_inputs(folder: Path) -> list[tuple[Path, Path | None]]:
    """Returns each sample file with its own mapping (``NAME.mapping.yaml`` beside it), sorted by path."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in _DATA_SUFFIXES:
            mapping = path.with_name(path.stem + ".mapping.yaml")
            found.append((path, mapping if mapping.exists() else None))
    return found
