"""The failure report of each input file: where it goes, and which kind (the CSV rows as they were, or the
failed vCards, each with its line and reason; see `importer.report.failures`); and the input's earlier
reports moved out of the way (see `importer.report.older`), so that the one beside it is the newest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from importer.plan.inputs import OpenedFile
from importer.report.failures import (
    default_report_path,
    write_csv_report,
    write_vcard_report,
)
from importer.report.older import earlier_reports, fresh_name, move_aside
from importer.report.records import FailedRecord, RecordLog


@dataclass
class Written:
    """The reports a run wrote, the earlier ones it moved to the data folder (from, to), and what went wrong
    (a note for the summary, and "file: why" for --json)."""

    reports: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def write_reports(opened: Sequence[OpenedFile], log: RecordLog, chosen: str | None, started: datetime, *,
                  move: str = "all") -> Written:
    """Returns what writing the failure report of every input file with failed records did, after moving
    earlier reports beside the inputs (not this run's) to the data folder: with `move` "all", every input's,
    those of an input that failed nothing too, so that no stale report looks current; "replaced", only
    those of an input this run wrote a report of; "none", none."""
    written = Written()
    by_name = {item.name: item for item in opened}
    unwritten, wrote = set(), set()
    for name in log.failed_files():
        try:
            written.reports += write_report(by_name[name], log.failures(name), chosen, started,
                                            several=len(opened) > 1)
            wrote.add(name)
        except OSError as exc:
            # a full disk after 1,000 creates must not cost the summary or the journal's end: say it instead
            written.notes.append(f"the failure report of {name} could not be written ({exc.strerror or exc}); "
                                 "the failed records are listed in the summary and in --json")
            written.errors.append(f"{name}: {exc.strerror or exc}")
            unwritten.add(name)  # its earlier report stays where it is: it is better than none
    for item in opened:
        if item.name in unwritten or move == "none" or (move == "replaced" and item.name not in wrote):
            continue
        earlier = earlier_reports(default_path(item, started), keep=written.reports)
        try:
            written.moved += move_aside(earlier)
        except OSError as exc:
            written.notes.append(f"an earlier failure report of {item.name} could not be moved to the data "
                                 f"folder ({exc.strerror or exc}); it is still beside the input")
    return written


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


def default_path(opened: OpenedFile, started: datetime) -> Path:
    """Returns the default report path of `opened` for a run started at `started`."""
    return default_report_path(opened.name, started=started, suffix=".vcf" if opened.info is None else ".csv")


def report_path(name: str, chosen: str | None, started: datetime, suffix: str, several: bool) -> Path:
    if chosen is None:  # never a name an earlier report had, even one since moved to the data folder
        return fresh_name(default_report_path(name, started=started, suffix=suffix))
    path = Path(chosen)
    if several:  # one report per input file: name each after its input
        return path.with_name(f"{path.stem}-{Path(name).stem}{path.suffix or suffix}")
    return path if path.suffix else path.with_suffix(suffix)
