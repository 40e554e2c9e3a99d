"""dex-importer: bulk-import contacts from LinkedIn, Google, Outlook, vCard and spreadsheets into Dex.

Everything the command line does is a library call::

    from importer import ReadOptions, preview

    summary = preview(["Connections.csv"], ReadOptions(region="US"))
    print(summary.contacts, dict(summary.skipped))

Data flows one way: readers (file -> records with file:line) -> mapping (YAML -> contact fields) ->
normalize (phones, emails, names, dates, handles) -> plan -> batch -> client -> report; cli.py on top.
"""

from importer.errors import ImporterError, InputError, MappingError, UsageError
from importer.exitcodes import ExitCode
from importer.mapping.apply import Mapped
from importer.mapping.load import builtin_mappings, get_mapping, load_mapping_file
from importer.model import Contact, Notice, Record
from importer.plan.inputs import OpenedFile, ReadOptions, map_records, open_file
from importer.plan.summary import Summary
from importer.preview import preview

__version__ = "0.1.0"

__all__ = [
    "Contact", "ExitCode", "ImporterError", "InputError", "Mapped", "MappingError", "Notice", "OpenedFile",
    "ReadOptions", "Record", "Summary", "UsageError", "builtin_mappings", "get_mapping", "load_mapping_file",
    "map_records", "open_file", "preview",
]
