"""Readers: the only code that opens input files. Each returns a lazy iterator of records that remember
their file and line.

- `source.open_input(path)` -> `InputFile` (a file, or Connections.csv inside a LinkedIn export zip), with
  its kind decided from its content: "csv", "xlsx" or "vcard".
- `csvfile.inspect_csv` / `read_csv`: encoding, delimiter and header found, then rows as `Record`s.
- `xlsx.inspect_xlsx` / `read_xlsx`: the same for a workbook's sheet.
- `vcard.read_vcard`: cards as `Record`s of pseudo-columns (``FN``, ``EMAIL 1 - Value``), or `CardFailure`s.
"""
