"""dex-importer: bulk-import contacts from LinkedIn, Google, Outlook, vCard and spreadsheets into Dex.

Everything the command line does is a library call::

    from importer import ReadOptions, preview

    summary = preview(["Connections.csv"], ReadOptions(region="US"))
    print(summary.contacts, dict(summary.skipped))

Data flows one way: readers (file -> records with file:line) -> mapping (YAML -> contact fields) ->
normalize (phones, emails, names, dates, handles) -> plan -> batch -> client -> report; cli.py on top.

`import importer` loads nothing heavy: each public name is imported from its module the first time it is
used (module ``__getattr__``), so ``dex-import --help`` never pays for openpyxl, httpx or YAML.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_WHERE: dict[str, str] = {
    "Contact": "importer.model", "Notice": "importer.model", "Record": "importer.model",
    "ExitCode": "importer.exitcodes",
    "ImporterError": "importer.errors", "InputError": "importer.errors", "MappingError": "importer.errors",
    "UsageError": "importer.errors",
    "Mapped": "importer.mapping.apply",
    "get_mapping": "importer.mapping.load",
    "load_mapping_file": "importer.mapping.load",
    "OpenedFile": "importer.plan.inputs", "ReadOptions": "importer.plan.inputs",
    "map_records": "importer.plan.inputs", "open_file": "importer.plan.inputs",
    "open_files": "importer.plan.inputs",
    "Plan": "importer.plan.plan", "make_plan": "importer.plan.plan",
    "Summary": "importer.plan.summary",
    "preview": "importer.preview",
    "run_import": "importer.importing", "ImportResult": "importer.importing", "SendOptions": "importer.importing",
    "DexClient": "importer.dex.client",
}

# `builtin_mappings` is not among them: importer.builtin_mappings is the data package of the YAML mappings,
# and once imported its name on this module would hide a function of the same name
__all__ = [
    "Contact", "DexClient", "ExitCode", "ImportResult", "ImporterError", "InputError", "Mapped", "MappingError",
    "Notice", "OpenedFile", "Plan", "ReadOptions", "Record", "SendOptions", "Summary", "UsageError",
    "get_mapping", "load_mapping_file", "make_plan", "map_records", "open_file", "open_files", "preview",
    "run_import",
]

if TYPE_CHECKING:
    from importer.dex.client import DexClient
    from importer.errors import ImporterError, InputError, MappingError, UsageError
    from importer.exitcodes import ExitCode
    from importer.importing import ImportResult, SendOptions, run_import
    from importer.mapping.apply import Mapped
    from importer.mapping.load import get_mapping, load_mapping_file
    from importer.model import Contact, Notice, Record
    from importer.plan.inputs import (
        OpenedFile,
        ReadOptions,
        map_records,
        open_file,
        open_files,
    )
    from importer.plan.plan import Plan, make_plan
    from importer.plan.summary import Summary
    from importer.preview import preview


class _Face(types.ModuleType):
    """The package's module type: a submodule named like a public function (``importer.preview``) is not
    allowed to hide the function when the import system binds the submodule on the package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable as sys.modules["importer.<name>"]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face


def __getattr__(name: str) -> Any:
    """Returns the public object `name`, importing its module on first use."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'importer' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Returns the module's names, the lazily imported public ones included."""
    return sorted(set(globals()) | set(_WHERE))
