"""The built-in YAML mappings, installed as the data package importer.builtin_mappings."""
