"""Mappings: YAML files that say where each column of an export goes in a Dex contact.

- `load.get_mapping(name_or_path)`, `load.builtin_mappings()`, `load.load_mapping_file(path)`
- `compile.compile_mapping(mapping, header)`: the mapping bound to a file's columns
- `apply.apply_mapping(record, compiled, region=...)` -> `Mapped` (a contact, or a skip, with notices)
- `generate.generate_mapper(compiled)`: the same as one generated function per mapping (`apply_mapping` is
  the reference); `generate.StagedMapper` switches to it once a file has enough records to pay for it
- `byname.suggest_mapping(columns)`: a starting mapping matched by column name
- `locales.variants(mapping)`: a mapping in each language of its `locales:` (Outlook's localized headers)
- `detect.choose_mapping(table)`: which export a file is; `codepage.read_in_code_page`: its code page

The language is described in docs/mappings.md.
"""
