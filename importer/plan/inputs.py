"""Returns the contacts of input files: open, detect, read and map, one record at a time.

This is the code that both `preview` and `import` run; the import only adds what happens after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Union

from importer.errors import InputError, UsageError
from importer.mapping.apply import Mapped, skip_nameless
from importer.mapping.codepage import read_in_code_page
from importer.mapping.compile import Compiled, compile_mapping, fold
from importer.mapping.detect import (
    GENERIC,
    Detection,
    choose_mapping,
    likeness,
    recognise,
)
from importer.mapping.generate import StagedMapper
from importer.mapping.load import get_mapping
from importer.mapping.model import Mapping
from importer.mapping.validate import suggest
from importer.model import Notice, Record
from importer.plan.workers import map_in_workers, worker_count
from importer.readers.csvfile import TableInfo, inspect_csv, read_csv
from importer.readers.source import InputFile, open_input
from importer.readers.vcard import CardFailure, read_vcard
from importer.report.failures import (
    MAPPING_COLUMN,
    REPORT_COLUMNS,
    REPORT_PROPERTIES,
    is_report_header,
    restore,
    restore_record,
)


@dataclass(frozen=True)
class ReadOptions:
    """How to read the inputs: forced format or mapping, default phone region, sheet, encoding; with
    `skip_nameless`, a record without a name is skipped even when it has an email or phone to be named after."""

    fmt: str | None = None
    mapping: str | None = None
    region: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    skip_nameless: bool = False
    workers: int | None = None  # processes that map the records; None: two when there are two cores
    workers_from: int | None = None  # records a file needs for more than one; None: `WORKERS_FROM`


@dataclass
class OpenedFile:
    """An input file with its format decided and its mapping bound to its columns."""

    input: InputFile
    detection: Detection
    info: TableInfo | None
    compiled: Compiled | None
    notices: list[Notice] = field(default_factory=list)
    report: bool = False
    options: ReadOptions = ReadOptions()

    @property
    def name(self) -> str:
        """Returns the file's display name."""
        return self.input.name


def open_file(path: str | os.PathLike[str], options: ReadOptions = ReadOptions()) -> OpenedFile:
    """Returns the opened, detected file; InputError/MappingError/UsageError when it cannot be read."""
    source = open_input(path)
    if source.kind == "vcard":
        return _open_vcard(source, options)
    given: Mapping | None = get_mapping(options.mapping) if options.mapping else None
    read = given.read if given else None
    if source.kind == "xlsx":
        # openpyxl (and numpy) are loaded only for a workbook
        from importer.readers.xlsx import inspect_xlsx

        info = inspect_xlsx(source, sheet=options.sheet or (read.sheet if read else None),
                            has_header=read.header if read else True,
                            columns=read.columns if read else None, likeness=likeness)
    else:
        info = inspect_csv(source, encoding=options.encoding or (read.encoding if read else None),
                           delimiter=options.delimiter or (read.delimiter if read else None),
                           has_header=read.header if read else True,
                           columns=read.columns if read else None)
    report_of = _report_mapping(source, info) if is_report_header(info.header) else None
    if report_of is not None and not (options.mapping or options.fmt):
        detection = choose_mapping(info, fmt=GENERIC if report_of == GENERIC else None,
                                   mapping=None if report_of == GENERIC else report_of)
        detection = replace(detection, reason=f"a failure report of dex-import, read with its original "
                                              f"mapping ({report_of})")
    else:
        detection = choose_mapping(info, fmt=options.fmt, mapping=options.mapping)
        if source.kind == "csv" and not (options.encoding or (read and read.encoding)) and options.fmt != GENERIC:
            info, detection = read_in_code_page(
                source, info, detection,
                inspect=lambda encoding: inspect_csv(
                    source, encoding=encoding, delimiter=options.delimiter or (read.delimiter if read else None),
                    has_header=read.header if read else True, columns=read.columns if read else None),
                choose=lambda table: choose_mapping(table, fmt=options.fmt, mapping=options.mapping)
                if options.fmt or options.mapping else recognise(table))
    header = [restore(c) for c in info.header if c not in REPORT_COLUMNS] if report_of else list(info.header)
    _check_required(detection.mapping, info)
    compiled = compile_mapping(detection.mapping, header)
    opened = OpenedFile(source, detection, info, compiled, list(info.notices), report=report_of is not None,
                        options=options)
    if not detection.mapping.builtin:
        opened.notices.extend(_absent_columns(compiled, info))
    return opened


Input = Union[str, "os.PathLike[str]", tuple[Union[str, "os.PathLike[str]"], ReadOptions]]
"""A file to read: its path, or its path with options of its own (e.g. its own mapping)."""


def open_files(inputs: Sequence[Input], options: ReadOptions = ReadOptions()) -> list[OpenedFile]:
    """Returns every input opened and detected, before any is read: a bad one stops the run first."""
    opened = []
    for item in inputs:
        path, own = item if isinstance(item, tuple) else (item, options)
        opened.append(open_file(path, own))
    return opened


def map_records(opened: OpenedFile, *, region: str | None = None) -> Iterator[Mapped]:
    """Yields what each record of the file maps to, in file order (`region` defaults to the file's own).

    A file of `ReadOptions.workers_from` records (`WORKERS_FROM`) or more is mapped by worker processes (`importer.plan.workers`)
    when `ReadOptions.workers` allows more than one: the same results, in the same order.
    """
    region = region or opened.options.region
    workers = worker_count(opened.options.workers)
    if workers > 1:
        yield from map_in_workers(opened.name, read_items(opened), lambda: record_mapper(opened, region),
                                  workers=workers, least=opened.options.workers_from)
        return
    mapper = record_mapper(opened, region)
    for item in read_items(opened):
        yield item if isinstance(item, Mapped) else mapper(item)


def read_items(opened: OpenedFile) -> Iterator[Record | Mapped]:
    """Yields each record of the file to be mapped, in file order, or what it already maps to (a card that
    cannot be read is one skipped, unusable record); a failure report's records as they were before it."""
    if opened.compiled is None:
        for item in read_vcard(opened.input.name, opened.input.open):
            if isinstance(item, CardFailure):
                record = Record(item.file, item.line, {}, item.raw)
                notice = Notice(item.file, item.line, None, "unreadable-card",
                                f"card cannot be read: {item.reason}; it is left out")
                yield Mapped(record, None, (notice,), skip="unreadable-card")
            elif any(k.startswith(REPORT_PROPERTIES) for k in item.values):  # a card of a failure report
                yield replace(item, values={k: v for k, v in item.values.items()
                                            if k.split(" ")[0] not in REPORT_PROPERTIES})
            else:
                yield item
        return
    records: Iterator[Record]
    if opened.input.kind == "xlsx":
        from importer.readers.xlsx import read_xlsx

        records = read_xlsx(opened.input, opened.info)  # type: ignore[arg-type]
    else:
        records = read_csv(opened.input, opened.info)  # type: ignore[arg-type]
    if opened.report:  # a failure report: cells back as they were, the report's columns dropped
        yield from map(restore_record, records)
    else:
        yield from records


def record_mapper(opened: OpenedFile, region: str | None) -> Callable[[Record], Mapped]:
    """Returns the function that maps one record of the file (`read_items`) under its mapping, with
    `skip_nameless` applied when the options ask for it."""
    if opened.compiled is not None:
        # apply_mapping for the first records, then the mapping's generated function (identical results)
        staged = StagedMapper(opened.compiled)

        def one(record: Record) -> Mapped:
            return staged.map(record, region)
    else:
        # cards differ in their properties, so the mapping is compiled once per distinct set of columns
        cache: dict[frozenset[str], StagedMapper] = {}
        mapping = opened.detection.mapping

        def one(record: Record) -> Mapped:
            key = frozenset(record.values)
            mapper = cache.get(key)
            if mapper is None:
                mapper = cache[key] = StagedMapper(compile_mapping(mapping, list(record.values)))
            return mapper.map(record, region)
    if opened.options.skip_nameless:
        return lambda record: skip_nameless(one(record))
    return one


def _open_vcard(source: InputFile, options: ReadOptions) -> OpenedFile:
    """Returns a vCard file opened with the vcard mapping (or the one given with --mapping)."""
    mapping = get_mapping(options.mapping or "vcard")
    reason = "the file holds BEGIN:VCARD cards"
    if options.fmt not in (None, "vcard"):
        raise UsageError(f"{source.name} is a vCard file, not {options.fmt}: leave out --format")
    detection = Detection("vcard", mapping, reason if not options.mapping else
                          f"vCard file read with the mapping given with --mapping ({mapping.path})")
    return OpenedFile(source, detection, None, None, options=options)


def _report_mapping(source: InputFile, info: TableInfo) -> str | None:
    """Returns the mapping a failure report names in its first row, or None when it names none."""
    read = read_csv
    if source.kind == "xlsx":
        from importer.readers.xlsx import read_xlsx as read
    with closing(read(source, info)) as records:
        first = next(records, None)
    return restore(first.values.get(MAPPING_COLUMN, "")).strip() or None if first else None


def _check_required(mapping: Mapping, info: TableInfo) -> None:
    """Raises InputError when the file lacks every column of a group the mapping requires."""
    folded = {fold(c) for c in info.header}
    for group in mapping.require:
        if not any(fold(c) in folded for c in group):
            wanted = " or ".join(repr(c) for c in group)
            raise InputError(f"has no column {wanted}, which the {mapping.name} mapping needs "
                             f"(columns found: {', '.join(info.header[:8]) or 'none'})",
                             path=info.file, line=info.header_line or None,
                             hint="If a spreadsheet renamed or dropped it, restore the header, "
                                  "or pass --mapping with a mapping of your own")


def _absent_columns(compiled: Compiled, info: TableInfo) -> list[Notice]:
    """Returns a notice for each column the mapping names that the file does not have."""
    notices = []
    for column in compiled.absent:
        if "{n}" in column:
            continue
        hint = suggest(column, list(info.header))
        message = (f"column {column!r}, named in {compiled.mapping.path}, is not in the file"
                   + (f" (did you mean {hint!r}?)" if hint else ""))
        notices.append(Notice(info.file, info.header_line or None, column, "missing-column", message))
    return notices
