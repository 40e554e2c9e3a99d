"""Returns the sample exports in sample_data/ with the mapping each needs, for `dex-import demo`."""

from __future__ import annotations

from pathlib import Path

from importer.errors import InputError

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
