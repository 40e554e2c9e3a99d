"""What became of each record, and the failure report a person fixes and imports again.

- `records`: `RecordLog`, one `RecordResult` per record of a run, kept on disk in file and line order.
- `failures`: writing the failure report (CSV, or vCard for vCard inputs) and recognising one when it comes
  back, with its formula-neutralised cells restored.
- `older`: each input's earlier reports moved to the data folder, and where each report is now.
- `atomic`: `atomic_text`, a file written whole or not at all (reports, ``--out``).
- `export`: ``--out`` by its extension: JSON lines, a spreadsheet CSV, or vCard 4.0.
"""
