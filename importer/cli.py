"""The `dex-import` command: parses options, calls the library, prints. Nothing else lives here.

Every error the library raises on purpose becomes one line on stderr and a named exit code
(importer.exitcodes); anything else is a bug, reported as one line too, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from importer.errors import ImporterError, MappingError, UsageError
from importer.exitcodes import ExitCode

DEFAULT_API_URL = "https://api.prod.getdex.com/v1"

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

    def merging(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-merge", action="store_true",
                       help="do not merge records of the same person (same email, LinkedIn handle, or phone "
                            "and name) into one contact")

    def reading(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", dest="fmt", metavar="NAME",
                       help="read the files as this format instead of detecting it (see `formats`)")
        p.add_argument("--mapping", metavar="FILE.yaml", help="read the files with this mapping")
        p.add_argument("--region", metavar="CC",
                       help="country for phone numbers written without +country code, e.g. US, GB, DE")
        p.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx workbook (default: the first)")
        p.add_argument("--encoding", metavar="CODEC", help="text encoding (default: detected)")
        p.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected)")

    def key(p: argparse.ArgumentParser) -> None:
        p.add_argument("--token", metavar="KEY", help="Dex API key (default: $DEX_API_KEY)")
        p.add_argument("--api-url", metavar="URL", help=f"Dex API base (default: $DEX_API_URL or {DEFAULT_API_URL})")

    def account(p: argparse.ArgumentParser, *, required: bool) -> None:
        key(p)
        p.add_argument("--existing", choices=("skip", "update", "create"), default="skip",
                       help="contacts already in Dex (same email, LinkedIn handle, or name and company): "
                            "skip them (default), fill only their empty fields (update), or create anyway")
        if not required:
            p.set_defaults(key_optional=True)

    def sending(p: argparse.ArgumentParser) -> None:
        account(p, required=True)
        p.add_argument("--batch-size", type=int, default=100, metavar="N", help="contacts per request, 1-100")
        p.add_argument("--concurrency", type=int, default=4, metavar="N", help="requests in flight (default 4)")
        p.add_argument("--initial-rate", type=float, default=1.0, metavar="R",
                       help="requests per second to start at (default 1, what Dex's public clients assume); "
                            "the pace then finds Dex's real limit by itself")
        p.add_argument("--labels-as", choices=("tags", "groups"), default="tags",
                       help="the person's own labels (Google labels, vCard categories, ...) become Dex tags "
                            "(default) or groups")
        p.add_argument("--tag", metavar="NAME", help="add this Dex tag to every contact the run creates")
        p.add_argument("--journal", metavar="PATH",
                       help="the run journal (default: in your data folder, one per Dex account and input)")
        p.add_argument("--fresh", action="store_true",
                       help="start the journal over: forget what earlier runs of this import created")

    p = sub.add_parser("preview", help="show what an import would create, without sending anything",
                       description="Read the files exactly as the import would and show the contacts, "
                       "counts, per-field fill counts and warnings. Nothing is sent.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    merging(p)
    account(p, required=False)
    p.add_argument("--out", metavar="FILE.jsonl", help="write every contact, one JSON object per line")
    p.add_argument("--json", action="store_true", help="print the whole summary as one JSON object")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="contacts shown (default 10)")
    p.set_defaults(run=_preview)

    p = sub.add_parser("import", help="create the contacts in Dex, exactly once, with a failure report",
                       description="Send the contacts that `preview` shows to Dex's create call, in "
                       "batches, and say what happened to every record. Failed rows go to a report you can "
                       "fix and import again.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    merging(p)
    sending(p)
    p.add_argument("--report", metavar="PATH",
                   help="where the failure report goes (default: beside the input, named after it and the run)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on stderr")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing (= preview)")
    p.set_defaults(run=_import)

    p = sub.add_parser("runs", help="list past imports with their counts",
                       description="List the runs recorded in the journals (or in the journal given).")
    p.add_argument("--journal", metavar="PATH", help="a journal file or folder (default: your data folder)")
    p.add_argument("--json", action="store_true", help="print the runs as a JSON list")
    p.set_defaults(run=_runs)

    p = sub.add_parser("undo", help="delete the contacts one run created (and only those)",
                       description="Delete the contacts that run RUN created, after showing how many and "
                       "asking (or --yes). Contacts edited in Dex since are kept unless --force.")
    p.add_argument("run_id", metavar="RUN", help="the run's id, as `dex-import runs` shows it")
    key(p)
    p.add_argument("--journal", metavar="PATH", help="the journal holding the run (default: searched)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--force", action="store_true", help="delete contacts edited since the import too")
    p.set_defaults(run=_undo)

    p = sub.add_parser("sandbox", help="run a local Dex-compatible server to rehearse an import",
                       description="Serve a Dex-compatible API on 127.0.0.1 (contacts kept in SQLite) until "
                       "Ctrl-C. Point the importer at it with --api-url and --token.")
    p.add_argument("--port", type=int, default=None, metavar="N", help="port (default 8765; 0 picks one)")
    p.add_argument("--db", default=":memory:", metavar="PATH", help="SQLite file to keep contacts in")
    p.add_argument("--key", default=None, metavar="KEY", help="the API key it accepts (default: shown)")
    p.add_argument("--rate-limit", type=float, default=None, metavar="R",
                   help="requests per second before answering 429 with Retry-After")
    p.add_argument("--error-rate", type=float, default=0.0, metavar="P", help="share of requests answered 503")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="milliseconds every answer waits")
    p.add_argument("--drop-rate", type=float, default=0.0, metavar="P",
                   help="share of creates stored and then answered with a dropped connection")
    p.add_argument("--seed", type=int, default=0, help="seed of the random faults (default 0)")
    p.set_defaults(run=_sandbox)

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

    p = sub.add_parser("demo", help="import sample_data/ into a local Dex sandbox: no Dex account needed",
                       description="Start a Dex sandbox on 127.0.0.1, import every export in sample_data/ "
                       "into it (a NAME.mapping.yaml beside an export is its mapping), and show the result.")
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
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # argparse prints to sys.*
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
    from importer.pipeline import open_files
    from importer.plan import make_plan
    from importer.preview import write_json
    from importer.render import preview_text
    from importer.run import predict_plan

    options = _read_options(args)
    if args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    client = _client(args, required=False)
    with contextlib.ExitStack() as stack:
        plan = stack.enter_context(make_plan(open_files(args.files, options), merge=not args.no_merge,
                                             sample=args.limit))
        if args.out:
            handle = stack.enter_context(open(args.out, "w", encoding="utf-8"))
            for planned in plan.contacts():
                handle.write(json.dumps(planned.contact, ensure_ascii=False) + "\n")
        if client is not None:
            stack.enter_context(client)
        predictions = predict_plan(plan, client, existing=args.existing) if client is not None else None
    summary = plan.summary
    api_url = client.api_url if client is not None else None
    if args.json:
        # written as it is made: a million records' warnings and predictions never sit in one string
        data = summary.as_dict(lazy=True)
        data["out"] = os.fspath(args.out) if args.out else None
        data["account_checked"] = api_url
        data["predictions"] = (r.as_dict() for r in predictions) if predictions is not None else None
        write_json(data, out)
    else:
        print(preview_text(summary, predictions=predictions, api_url=api_url), file=out)
        if args.out:
            print(f"\nWrote {summary.contacts} contacts to {args.out}", file=out)
    return summary.exit_code


def _client(args: argparse.Namespace, *, required: bool = True) -> Any:
    from importer.client import DexClient

    key = args.token or os.environ.get("DEX_API_KEY", "")
    if not key and not required:
        return None
    if not key:
        raise UsageError("no API key: pass --token KEY or set DEX_API_KEY (keys are made in Dex under "
                         "Settings > API); to rehearse without one, run `dex-import sandbox`")
    return DexClient(key, api_url=args.api_url or os.environ.get("DEX_API_URL") or DEFAULT_API_URL)


def _import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.outcomes import SendPolicy
    from importer.pipeline import open_files
    from importer.plan import make_plan
    from importer.preview import write_json
    from importer.render import import_text, preview_text
    from importer.run import SendOptions, send_plan

    options = _read_options(args)
    if not 1 <= args.batch_size <= 100:
        raise UsageError(f"--batch-size {args.batch_size}: Dex takes 1 to 100 contacts a request")
    if not 1 <= args.concurrency <= 32:
        raise UsageError(f"--concurrency {args.concurrency}: use 1 to 32")
    if not 0.1 <= args.initial_rate <= 100:
        raise UsageError(f"--initial-rate {args.initial_rate}: use 0.1 to 100 requests per second")
    if args.dry_run:  # the preview, checked against the account
        args.limit, args.out = 10, None
        return _preview(args, out, err)
    client = _client(args)
    # The files are read once, into the plan: its counts drive the progress bar's ETA and the question.
    reading = _read_bar(err, quiet=args.quiet)
    try:
        plan = make_plan(open_files(args.files, options), merge=not args.no_merge, sample=5,
                         on_read=reading.update if reading else None)
    finally:
        if reading:
            reading.close()
    with plan:
        summary = plan.summary
        if not args.yes and sys.stdin is not None and sys.stdin.isatty() and not args.json:
            print(preview_text(summary), file=err)
            answer = input(f"\nCreate {summary.contacts} contacts in Dex at {client.api_url}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print(f"{PROG}: nothing sent", file=err)
                return ExitCode.OK
        bars: list[Any] = []

        def phase(name: str, count: int) -> None:
            if name == "checking" and not args.quiet and hasattr(err, "isatty") and err.isatty():
                print(f"Checking who of the {count} contacts is already in Dex...", file=err)
            elif name == "sending":
                bars.append(_progress_bar(count, err, quiet=args.quiet))

        def progress(p: Any) -> None:
            if bars and bars[0] is not None:
                bars[0].update(p.newly_settled)

        try:
            with client, _journal(args, client) as journal:
                if journal.archived and not args.quiet:
                    print(f"Started the journal over; the old one is kept at {journal.archived}", file=err)
                sending = SendOptions(args.batch_size, args.concurrency, args.report,
                                      SendPolicy(initial_rate=args.initial_rate))
                result = send_plan(plan, client, send=sending,
                                   existing=args.existing, labels_as=args.labels_as, tag=args.tag,
                                   journal=journal, on_phase=phase, on_progress=progress)
        finally:
            for bar in bars:
                if bar is not None:
                    bar.close()
    if args.json:  # written as it is made: a million records' results never sit in one string
        write_json(result.as_dict(lazy=True), out)
    elif not args.quiet:
        print(import_text(result, api_url=client.api_url), file=out)
    result.records.close()
    return result.exit_code


def _journal(args: argparse.Namespace, client: Any) -> Any:
    """Returns the journal of this import: --journal, or the default one for the account and the inputs."""
    from pathlib import Path

    from importer.journal import Journal
    from importer.resume import default_journal_path

    account_id = str(client.me().get("id", ""))
    path = Path(args.journal) if args.journal else default_journal_path(account_id, args.files)
    return Journal.open(path, account_id=account_id, inputs=[os.path.abspath(f) for f in args.files],
                        fresh=args.fresh)


def _runs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.render import runs_text
    from importer.resume import list_runs

    runs = list_runs(args.journal)
    if args.json:
        print(json.dumps([r.as_dict() for r in runs], ensure_ascii=False, indent=1), file=out)
    else:
        print(runs_text(runs), file=out)
    return ExitCode.OK


def _undo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.journal import Journal
    from importer.resume import list_runs
    from importer.undo import CreatedContact, plan_undo, run_undo

    found = [r for r in list_runs(args.journal) if r.run_id == args.run_id]
    if not found:
        raise UsageError(f"no run {args.run_id!r} in the journals; `{PROG} runs` lists them")
    client = _client(args)
    with client:
        me = client.me()
        with Journal.open(found[0].journal, account_id=str(me.get("id", ""))) as journal:
            created = [CreatedContact(c.dex_id, c.created_at, c.updated_at)
                       for c in journal.created_in_run(args.run_id)]
            plan = plan_undo(client, created, force=args.force)
            print(f"Run {args.run_id} created {len(created)} contacts: {len(plan.delete_ids)} to delete, "
                  f"{len(plan.kept_edited)} edited in Dex since (kept; --force deletes them too), "
                  f"{len(plan.already_gone)} already gone, {len(plan.kept_unknown)} kept (cannot tell)",
                  file=out)
            # an undo that deletes nothing is still recorded as ended, not left looking interrupted
            kept = {"deleted": 0, "kept": len(created)}
            if not plan.delete_ids:
                journal.finish(kept, stopped="nothing to delete")
                return ExitCode.OK
            if not args.yes and (sys.stdin is None or not sys.stdin.isatty()):
                journal.finish(kept, stopped="not confirmed")
                raise UsageError("undo deletes contacts: confirm with --yes (no terminal to ask on)")
            if not args.yes and input(f"Delete {len(plan.delete_ids)} contacts from Dex? [y/N] ").strip() \
                    .lower() not in ("y", "yes"):
                journal.finish(kept, stopped="cancelled")
                print(f"{PROG}: nothing deleted", file=err)
                return ExitCode.OK
            result = run_undo(client, plan)
            journal.forget_created(result.deleted)
            journal.finish({"deleted": len(result.deleted), "kept": len(created) - len(result.deleted)})
    print(f"Deleted {len(result.deleted)} contacts.", file=out)
    for failure in result.failures:
        print(f"  not deleted: {failure}", file=err)
    return ExitCode.PARTIAL if result.failures or result.not_deleted else ExitCode.OK


class _ReadBar:
    """A tqdm bar of the bytes read so far (the record count is not known before the end)."""

    def __init__(self, err: TextIO) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="B", unit_scale=True, file=err, dynamic_ncols=True, desc="Reading",
                        leave=False)

    def update(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def _read_bar(err: TextIO, *, quiet: bool) -> _ReadBar | None:
    """Returns a bar of the reading on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not (hasattr(err, "isatty") and err.isatty()):
        return None
    return _ReadBar(err)


def _progress_bar(total: int, err: TextIO, *, quiet: bool) -> Any:
    """Returns a tqdm bar on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not (hasattr(err, "isatty") and err.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="contact", file=err, dynamic_ncols=True, desc="Importing")


def _sandbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.sandbox import DEFAULT_PORT, SANDBOX_KEY, Faults, run_sandbox

    for name in ("error_rate", "drop_rate"):
        if not 0 <= getattr(args, name) <= 1:
            raise UsageError(f"--{name.replace('_', '-')} is a share between 0 and 1")
    faults = Faults(rate_limit=args.rate_limit, error_rate=args.error_rate, latency_ms=args.latency,
                    drop_after_store=args.drop_rate, seed=args.seed)

    def ready(server: Any) -> None:
        key = "the key you gave" if args.key else server.api_key  # the sandbox's own key is no secret
        print(f"Dex sandbox listening on {server.url} (contacts in {args.db})\n"
              f"Try: DEX_API_URL={server.url} DEX_API_KEY={key} {PROG} import FILE\n"
              "Ctrl-C stops it.", file=out, flush=True)

    try:
        run_sandbox(port=DEFAULT_PORT if args.port is None else args.port, db=args.db,
                    api_key=args.key or SANDBOX_KEY, faults=faults, on_ready=ready)
    except OSError as exc:
        raise UsageError(f"cannot listen on port {args.port or DEFAULT_PORT}: {exc.strerror or exc}; "
                         "pick another with --port") from None
    return ExitCode.OK


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

    from importer.demo import run_demo
    from importer.normalize.phones import check_region
    from importer.render import demo_text
    from importer.samples import find_sample_folder

    folder = Path(args.folder) if args.folder else find_sample_folder()
    demo = run_demo(folder, region=check_region(args.region))
    print(demo_text(demo), file=out)
    # The samples hold a row with no name on purpose, to show the failure report: that is the demo
    # working, so only a contact that did not arrive as expected makes it fail.
    return ExitCode.OK if demo.result.count("failed") + demo.result.count("unknown") == 0 else ExitCode.PARTIAL


def _formats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.mapping.load import builtin_mappings

    for m in builtin_mappings():
        print(f"{m.name:<14} {m.title}  ({m.path})", file=out)
    print(f"{'generic':<14} any other CSV or .xlsx: columns matched to Dex fields by name", file=out)
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
