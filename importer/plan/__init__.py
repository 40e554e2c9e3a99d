"""The plan of a run: what will happen to every record, decided before anything is sent.

- `inputs`: open, detect, read and map input files (`open_files`, `ReadOptions`, `map_records`).
- `summary`: the counts the preview and the import report (`Summary`, `tally`).
- `plan`: every record read once and spilled to disk, duplicates merged (`make_plan`, `Plan`).
- `merge`: what makes two records one person, and the contact they become (`dedupe_keys`, `merge_group`).
- `dedupe`, `spill`: the on-disk key index and record spill that keep memory flat.
- `account`: who is already in the Dex account (`AccountIndex`); `existing`: what to do with each contact.
- `reports`: the failure report of each input file, and its earlier ones moved aside (`write_reports`).
- `forecast`: what the import is about to do once the account is checked, for its confirmation (`Forecast`).
"""
