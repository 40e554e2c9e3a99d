"""The failure report of each input file: where it goes, and which kind (the CSV rows as they were, or the
failed vCards, each with its line and reason; see `importer.report.failures`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from importer.plan.inputs import OpenedFile
from importer.report.failures import (
    default_report_path,
    write_csv_report,
    write_vcard_report,
)
from importer.report.records import FailedRecord


def write_report(opened: OpenedFile, failed: Iterable[FailedRecord], chosen: str | None, started: datetime, *,
                  several: bool) -> list[str]:
    """Writes the failure report of one input file (`failed` in line order) and returns the paths written."""
    if opened.info is None:  # vCard: the failed cards themselves, each with why
        vcf = report_path(opened.name, chosen, started, ".vcf", several)
        write_vcard_report(vcf, failed)
        return [str(vcf)]
    path = report_path(opened.name, chosen, started, ".csv", several)
    mapping = opened.detection.mapping
    ref = mapping.name if mapping.builtin or opened.detection.format == "generic" else mapping.path
    header = [c for c in opened.info.header if not c.startswith("dex-import ")]
    write_csv_report(path, header, failed, mapping_ref=ref)
    return [str(path)]


def report_path(name: str, chosen: str | None, started: datetime, suffix: str, several: bool) -> Path:
    if chosen is None:
        return default_report_path(name, started=started, suffix=suffix)
    path = Path(chosen)
    if several:  # one report per input file: name each after its input
        return path.with_name(f"{path.stem}-{Path(name).stem}{path.suffix or suffix}")
    return path if path.suffix else path.with_suffix(suffix)
