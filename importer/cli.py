"""The `dex-import` command: parses options, calls the library, prints. Nothing else lives here.

Every error the library raises on purpose becomes one line on stderr and a named exit code
(importer.exitcodes); anything else is a bug, reported as one line too, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from importer.errors import ImporterError, MappingError, UsageError
from importer.exitcodes import ExitCode

PROG = "dex-import"


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit with ExitCode.USAGE."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser of every subcommand, each with its help text."""
    parser = _Parser(prog=PROG, description="Import contacts from LinkedIn, Google, Outlook, vCard and "
                     "spreadsheets into Dex, exactly once.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def reading(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", dest="fmt", metavar="NAME",
                       help="read the files as this format instead of detecting it (see `formats`)")
        p.add_argument("--mapping", metavar="FILE.yaml", help="read the files with this mapping")
        p.add_argument("--region", metavar="CC",
                       help="country for phone numbers written without +country code, e.g. US, GB, DE")
        p.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx workbook (default: the first)")
        p.add_argument("--encoding", metavar="CODEC", help="text encoding (default: detected)")
        p.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected)")

    p = sub.add_parser("preview", help="show what an import would create, without sending anything",
                       description="Read the files exactly as the import would and show the contacts, "
                       "counts, per-field fill counts and warnings. Nothing is sent.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    p.add_argument("--out", metavar="FILE.jsonl", help="write every contact, one JSON object per line")
    p.add_argument("--json", action="store_true", help="print the whole summary as one JSON object")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="contacts shown (default 10)")
    p.set_defaults(run=_preview)

    p = sub.add_parser("detect", help="say which export a file is, which mapping reads it, and why",
                       description="Detect the format, encoding, delimiter and mapping of each file.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per file, in a list")
    p.set_defaults(run=_detect)

    p = sub.add_parser("check-mapping", help="validate a mapping file and list every problem",
                       description="Validate a YAML mapping; with --against, also check its columns "
                       "against a data file's header.")
    p.add_argument("mapping", metavar="FILE.yaml")
    p.add_argument("--against", metavar="DATA", help="a data file whose columns the mapping should name")
    p.set_defaults(run=_check_mapping)

    p = sub.add_parser("mapping", help="write mappings: `mapping init FILE`",
                       description="Commands that write mappings.")
    msub = p.add_subparsers(dest="mapping_command", metavar="SUBCOMMAND", parser_class=_Parser)
    msub.required = True
    mi = msub.add_parser("init", help="print a starting mapping for a CSV, matching its columns by name",
                         description="Print a YAML mapping for FILE whose columns are matched to Dex "
                         "fields by name; save it, edit it, and use it with --mapping.")
    mi.add_argument("file", metavar="FILE")
    mi.add_argument("--name", default="my-contacts", help="the mapping's name (default my-contacts)")
    mi.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx workbook")
    mi.set_defaults(run=_mapping_init)

    p = sub.add_parser("demo", help="show the whole thing work on sample_data/, no Dex account needed",
                       description="Preview every export in sample_data/ (a file NAME.mapping.yaml beside "
                       "an export is its mapping).")
    p.add_argument("--folder", metavar="DIR", help="the sample folder (default: ./sample_data)")
    p.add_argument("--region", metavar="CC", default="US",
                   help="country for phone numbers without +country code (default US)")
    p.set_defaults(run=_demo)

    p = sub.add_parser("formats", help="list the built-in formats and their mappings",
                       description="List the built-in formats.")
    p.set_defaults(run=_formats)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Runs the command line and returns its exit code (see importer.exitcodes)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    run: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.run
    try:
        return run(args, out, err)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=err)
        return ExitCode.USAGE
    except ImporterError as exc:
        print(f"{PROG}: {exc}", file=err)
        return ExitCode.FATAL
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=err)
        return ExitCode.FATAL
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # a bug: still one line, and how to report it
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}. This is a bug in dex-importer; "
              "please report it with the command you ran.", file=err)
        return ExitCode.FATAL


def _read_options(args: argparse.Namespace) -> Any:
    from importer.normalize.phones import check_region
    from importer.pipeline import ReadOptions

    region = check_region(args.region) if getattr(args, "region", None) else None
    return ReadOptions(fmt=args.fmt, mapping=args.mapping, region=region, sheet=args.sheet,
                       encoding=args.encoding, delimiter=_delimiter(args.delimiter))


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(value.lower(), value)
    if value not in (",", ";", "\t", "|"):
        raise UsageError(f"--delimiter {value!r}: use one of , ; | tab")
    return value


def _preview(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.preview import preview
    from importer.render import preview_text

    options = _read_options(args)
    if args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            summary = preview(args.files, options, out=handle, sample=args.limit)
    else:
        summary = preview(args.files, options, sample=args.limit)
    if args.json:
        data = summary.as_dict()
        data["out"] = os.fspath(args.out) if args.out else None
        print(json.dumps(data, ensure_ascii=False, indent=1), file=out)
    else:
        print(preview_text(summary), file=out)
        if args.out:
            print(f"\nWrote {summary.contacts} contacts to {args.out}", file=out)
    return summary.exit_code


def _detect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.pipeline import open_file
    from importer.render import detection_dict, detection_text

    options = _read_options(args)
    opened = [open_file(path, options) for path in args.files]
    if args.json:
        print(json.dumps([detection_dict(o) for o in opened], ensure_ascii=False, indent=1), file=out)
    else:
        print("\n\n".join(detection_text(o) for o in opened), file=out)
    return ExitCode.OK


def _check_mapping(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.mapping.load import load_mapping_file

    try:
        mapping = load_mapping_file(args.mapping)
    except MappingError as exc:
        for problem in exc.problems:
            print(f"{exc.path}: {problem.describe()}", file=err)
        count = len(exc.problems)
        print(f"{exc.path}: {count} problem{'s' if count != 1 else ''}; fix them and run "
              f"`{PROG} check-mapping {exc.path}` again", file=err)
        return ExitCode.FATAL
    print(f"{args.mapping}: valid mapping {mapping.name!r}", file=out)
    if args.against:
        from importer.pipeline import ReadOptions, open_file

        opened = open_file(args.against, ReadOptions(mapping=args.mapping))
        missing = [n for n in opened.notices if n.kind == "missing-column"]
        for n in missing:
            print(f"{args.mapping}: {n.message}", file=err)
        if missing:
            return ExitCode.PARTIAL
        print(f"{args.against}: every column the mapping names is there", file=out)
    return ExitCode.OK


def _mapping_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.mapping.byname import mapping_yaml
    from importer.readers.csvfile import inspect_csv
    from importer.readers.source import open_input
    from importer.readers.xlsx import inspect_xlsx

    source = open_input(args.file)
    if source.kind == "vcard":
        raise UsageError(f"{args.file} is a vCard file: it is read by the built-in vcard mapping; "
                         f"run `{PROG} preview {args.file}`")
    info = inspect_xlsx(source, sheet=args.sheet) if source.kind == "xlsx" else inspect_csv(source)
    out.write(mapping_yaml(info.header, source=source.name, name=args.name))
    return ExitCode.OK


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from importer.normalize.phones import check_region
    from importer.pipeline import ReadOptions
    from importer.preview import preview
    from importer.render import preview_text
    from importer.samples import find_sample_folder, sample_inputs

    folder = Path(args.folder) if args.folder else find_sample_folder()
    region = check_region(args.region)
    worst = ExitCode.OK
    for path, mapping in sample_inputs(folder):
        shown = os.path.relpath(path) if not path.is_absolute() or str(path).startswith(os.getcwd()) \
            else str(path)
        options = ReadOptions(region=region, mapping=str(mapping) if mapping else None)
        summary = preview([shown], options, sample=5)
        print(preview_text(summary, examples=2), file=out)
        print("\n" + "=" * 100 + "\n", file=out)
        worst = max(worst, summary.exit_code)
    return worst


def _formats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.mapping.load import builtin_mappings

    for m in builtin_mappings():
        print(f"{m.name:<14} {m.title}  ({m.path})", file=out)
    print(f"{'generic':<14} any other CSV or .xlsx: columns matched to Dex fields by name", file=out)
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
