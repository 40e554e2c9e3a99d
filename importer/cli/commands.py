"""Runs each `dex-import` subcommand: reads its options, calls the library, prints what it returns.

`COMMANDS` maps the name the parser gives each subcommand to the function that runs it; each function takes
the parsed options and the two streams and returns an exit code. Heavy modules are imported inside each
function, so that a command loads only what it uses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from importer.cli.account import account_id as _account_id
from importer.cli.account import import_journal as _journal
from importer.cli.account import locked as _locked
from importer.cli.output import plan_options, progress_bar, read_bar, write_pairs
from importer.cli.parser import PROG
from importer.cli.screen import draw, screen_of
from importer.dex.fields import DEFAULT_API_URL
from importer.errors import ImporterError, MappingError, UsageError
from importer.exitcodes import ExitCode


def _read_options(args: argparse.Namespace) -> Any:
    from importer.normalize.phones import check_region
    from importer.plan.inputs import ReadOptions

    region = check_region(args.region) if getattr(args, "region", None) else None
    if args.encoding:
        from importer.readers.encoding import codec_name

        codec_name(args.encoding)  # an unknown or non-text codec is a usage error before any file is read
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UsageError("--workers must be 1 or more")
    return ReadOptions(fmt=args.fmt, mapping=args.mapping, region=region, sheet=args.sheet,
                       encoding=args.encoding, delimiter=_delimiter(args.delimiter),
                       skip_nameless=getattr(args, "skip_nameless", False), workers=workers)


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(value.lower(), value)
    if value not in (",", ";", "\t", "|"):
        raise UsageError(f"--delimiter {value!r}: use one of , ; | tab")
    return value


def _preview(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.cli.output import write_json
    from importer.cli.render import preview_text
    from importer.plan.inputs import open_files
    from importer.plan.plan import make_plan
    from importer.preview import predict_plan, write_sent
    from importer.report.export import out_format

    options = _read_options(args)
    if args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    check_writable("--out", args.out)
    out_as = out_format(args.out) if args.out else None  # before anything is read: a typo costs nothing
    check_writable("--html", args.html)
    client = _client(args, required=False)
    with contextlib.ExitStack() as stack:
        plan = stack.enter_context(make_plan(open_files(args.files, options), sample=args.limit,
                                             **plan_options(args)))
        written = write_pairs(args.possible_duplicates, plan.summary)
        if args.out and out_as:
            from importer.report.atomic import atomic_text
            from importer.report.export import encoding_for, write_contacts

            try:  # whole or not at all: a full disk leaves no half-written file
                with atomic_text(args.out, encoding=encoding_for(out_as)) as handle:
                    if out_as == "jsonl":  # each contact as it is sent
                        write_sent(plan, handle, args.description_format)
                    else:  # for other address books: the description as plain lines
                        write_contacts(handle, ((p.contact, p.labels) for p in plan.contacts()), out_as)
            except OSError as exc:
                raise ImporterError(f"--out {args.out}: cannot be written ({exc.strerror or exc}); "
                                    "nothing was sent, and no file was left") from None
        if client is not None:
            stack.enter_context(client)
        predictions = predict_plan(plan, client, existing=args.existing, sleep=args.sleep) if client is not None else None
        if args.html:
            write_html(args.html, plan, outcomes=predictions, api_url=client.api_url if client else None,
                       title="Preview (nothing sent)", sent="nothing was sent")
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
        print(preview_text(summary, predictions=predictions, api_url=api_url, screen=screen_of(out)), file=out)
        if args.out:
            print(f"\nWrote {summary.contacts} contacts to {args.out}", file=out)
        if args.html:
            print(f"Wrote the page to {shell_quote(args.html)}: open it in a browser", file=out)
        if written:
            print(written, file=out)
    return summary.exit_code


def _client(args: argparse.Namespace, *, required: bool = True) -> Any:
    key = args.token or os.environ.get("DEX_API_KEY", "")
    if not key and not required:
        return None
    from importer.dex.client import DexClient

    if not key:
        raise UsageError("no API key: pass --token KEY or set DEX_API_KEY (keys are made in Dex under "
                         "Settings > API); to rehearse without one, run `dex-import sandbox`")
    return DexClient(key, api_url=args.api_url or os.environ.get("DEX_API_URL") or DEFAULT_API_URL,
                     description_format=getattr(args, "description_format", "html"))


def _import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.cli.output import write_json
    from importer.cli.render import import_text
    from importer.cli.terminal import confirmation, stopping_on_signals
    from importer.importing import SendOptions, Stop, send_plan
    from importer.journal.store import NOT_CONFIRMED
    from importer.plan.inputs import open_files
    from importer.plan.plan import make_plan
    from importer.send.outcomes import SendPolicy

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
    check_writable("--report", args.report)
    check_writable("--html", args.html)
    check_writable("--journal", args.journal)
    client = _client(args)
    # The files are read once, into the plan: its counts drive the progress bar's ETA and the question.
    reading = read_bar(err, quiet=args.quiet)
    try:
        plan = make_plan(open_files(args.files, options), sample=5, on_read=reading.update if reading else None,
                         **plan_options(args))
    finally:
        if reading:
            reading.close()
    with plan:
        write_pairs(args.possible_duplicates, plan.summary)
        # asked once the account is checked, with its real numbers and the account's email
        ask = not args.yes and sys.stdin is not None and sys.stdin.isatty() and not args.json
        confirm, stop = confirmation(plan.summary, err, ask=ask, show=args.yes and not args.quiet), Stop()
        bars: list[Any] = []

        def phase(name: str, count: int) -> None:
            if name == "checking" and not args.quiet and hasattr(err, "isatty") and err.isatty():
                print(f"Checking who of the {count} contacts is already in Dex...", file=err)
            elif name == "sending":
                bars.append(progress_bar(count, err, quiet=args.quiet))

        def progress(p: Any) -> None:
            if bars and bars[0] is not None:
                bars[0].update(p.newly_settled)

        try:
            with client, _locked(args, client, account := _account_id(args, client), "import"), \
                    _journal(args, account) as journal, stopping_on_signals(stop, err, quiet=args.quiet):
                if journal.archived and not args.quiet:
                    print(draw([f"Started the journal over; the old one is kept at {journal.archived}"],
                               screen_of(err)), file=err)
                sending = SendOptions(args.batch_size, args.concurrency, args.report,
                                      SendPolicy(initial_rate=args.initial_rate))
                result = send_plan(plan, client, send=sending,
                                   existing=args.existing, labels_as=args.labels_as, tag=args.tag,
                                   journal=journal, on_phase=phase, on_progress=progress, stop=stop,
                                   confirm=confirm, clock=args.clock, sleep=args.sleep)
        finally:
            for bar in bars:
                if bar is not None:
                    bar.close()
        if result.stopped == NOT_CONFIRMED:
            result.records.close()
            print(f"{PROG}: nothing sent", file=err)
            return ExitCode.OK
        if args.html:
            write_html(args.html, plan, outcomes=result.records, api_url=client.api_url,
                       title="Import", sent="the import has run")
            if not args.quiet:
                print(f"Wrote the page to {shell_quote(args.html)}: open it in a browser", file=err)
    if args.json:  # written as it is made: a million records' results never sit in one string
        write_json(result.as_dict(lazy=True), out)
    elif not args.quiet:
        print(import_text(result, api_url=client.api_url, screen=screen_of(out)), file=out)
    result.records.close()
    if result.fatal:  # every record is accounted for above; the cause is one line, as any fatal error
        raise ImporterError(f"{result.fatal}; the import stopped (every record's outcome is above): "
                            "fix that, then run the same command again to finish")
    return result.exit_code


def write_html(path: str, plan: Any, *, outcomes: Any, api_url: str | None, title: str, sent: str) -> None:
    """Returns nothing; writes the HTML page of `plan` to `path`, whole or not at all."""
    from importer.cli.page import write_page
    from importer.report.atomic import atomic_text

    try:
        with atomic_text(path) as handle:
            write_page(handle, plan, outcomes=outcomes, api_url=api_url, title=title)
    except OSError as exc:
        raise ImporterError(f"--html {path}: cannot be written ({exc.strerror or exc}); {sent}, "
                            "and no file was left") from None


def shell_quote(path: str) -> str:
    """Returns `path` as it can be pasted into a shell (quoted when it holds spaces or other specials)."""
    import shlex

    return shlex.quote(os.fspath(path))


def check_writable(flag: str, value: str | None) -> None:
    """Returns nothing when a file can be written at `value`; UsageError (before anything is sent) when its
    folder is missing or cannot be written, or it names a folder."""
    if not value:
        return
    from pathlib import Path

    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{flag} {value}: is a folder; give a file name in it")
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{flag} {value}: {folder} is a file, not a folder; choose another path")
    if not folder.is_dir():
        raise UsageError(f"{flag} {value}: the folder {folder} does not exist; create it or choose another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {value}: the folder {folder} cannot be written; choose another path")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {value}: the file cannot be written; choose another path")


def _runs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.cli.render import runs_text
    from importer.journal.runs import list_runs

    runs = list_runs(args.journal)
    if args.json:
        print(json.dumps([r.as_dict() for r in runs], ensure_ascii=False, indent=1), file=out)
    else:
        print(runs_text(runs, screen=screen_of(out)), file=out)
    return ExitCode.OK


def _undo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.cli.terminal import ask_fitted
    from importer.journal.runs import find_run, list_runs
    from importer.journal.undo import UndoPlan, undo_run

    run = find_run(list_runs(args.journal), args.run_id)
    args.run_id = run.run_id

    def describe(created: int, plan: UndoPlan) -> None:
        print(draw([f"Run {args.run_id} created {created} contacts: {len(plan.delete_ids)} to delete, "
                    f"{len(plan.kept_edited)} edited in Dex since (kept; --force deletes them too), "
                    f"{len(plan.already_gone)} already gone, {len(plan.kept_unknown)} kept (cannot tell)"],
                   screen_of(out)), file=out)

    def confirm(created: int, plan: UndoPlan) -> bool:
        describe(created, plan)
        if args.yes:
            return True
        if sys.stdin is None or not sys.stdin.isatty():
            raise UsageError("undo deletes contacts: confirm with --yes (no terminal to ask on)")
        return ask_fitted(f"Delete {len(plan.delete_ids)} contacts from Dex? [y/N]", out).strip().lower() in (
            "y", "yes")

    with _client(args) as client, \
            _locked(args, client, account := _account_id(args, client), f"undo of run {args.run_id}"):
        outcome = undo_run(client, run.journal, args.run_id, force=args.force, confirm=confirm, account_id=account,
                             sleep=args.sleep, clock=args.clock, email=args.checked_account_email)
    if outcome.stopped == "undone already":
        print(f"Run {args.run_id} was undone already: its {outcome.undone_before} contacts are no longer in Dex",
              file=out)
        return ExitCode.OK
    if outcome.stopped == "nothing to delete":
        describe(outcome.created, outcome.plan)
    result = outcome.result
    if result is None:
        if outcome.stopped == "cancelled":
            print(f"{PROG}: nothing deleted", file=err)
        return ExitCode.OK
    print(f"Deleted {len(result.deleted)} contacts.", file=out)
    for failure in result.failures:
        print(f"  not deleted: {failure}", file=err)
    return ExitCode.PARTIAL if result.failures or result.not_deleted else ExitCode.OK


def _sandbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.sandbox import DEFAULT_PORT, SANDBOX_KEY, Faults, run_sandbox

    for name in ("error_rate", "drop_rate"):
        if not 0 <= getattr(args, name) <= 1:
            raise UsageError(f"--{name.replace('_', '-')} is a share between 0 and 1")
    if args.rate_limit is not None and not 0 < args.rate_limit <= 1_000_000:
        raise UsageError(f"--rate-limit {args.rate_limit}: give requests per second above 0 (leave it out "
                         "for no limit)")
    if not 0 <= args.latency <= 600_000:
        raise UsageError(f"--latency {args.latency}: give milliseconds from 0 to 600000")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give a port from 1 to 65535 (0 picks a free one)")
    faults = Faults(rate_limit=args.rate_limit, error_rate=args.error_rate, latency_ms=args.latency,
                    drop_after_store=args.drop_rate, seed=args.seed)

    def ready(server: Any) -> None:
        key = "the key you gave" if args.key else server.api_key  # the sandbox's own key is no secret
        print(f"Dex sandbox listening on {server.url} (contacts in {args.db})\n"
              f"Try: DEX_API_URL={server.url} DEX_API_KEY={key} {PROG} import FILE\n"
              "Ctrl-C stops it.", file=out, flush=True)

    try:
        run_sandbox(port=DEFAULT_PORT if args.port is None else args.port, db=args.db,
                    api_key=args.key or SANDBOX_KEY, faults=faults, on_ready=ready, shapes=args.answer_shapes,
                    contact_ids=args.contact_ids)
    except OSError as exc:
        raise UsageError(f"cannot listen on port {args.port or DEFAULT_PORT}: {exc.strerror or exc}; "
                         "pick another with --port") from None
    return ExitCode.OK


def _detect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.cli.render import detection_dict, detection_text
    from importer.plan.inputs import open_file

    options = _read_options(args)
    opened = [open_file(path, options) for path in args.files]
    if args.json:
        print(json.dumps([detection_dict(o) for o in opened], ensure_ascii=False, indent=1), file=out)
    else:
        print("\n\n".join(detection_text(o, screen=screen_of(out)) for o in opened), file=out)
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
        from importer.plan.inputs import ReadOptions, open_file

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
    from importer.mapping.detect import likeness
    from importer.readers.csvfile import inspect_csv
    from importer.readers.source import open_input
    from importer.readers.xlsx import inspect_xlsx

    source = open_input(args.file)
    if source.kind == "vcard":
        raise UsageError(f"{args.file} is a vCard file: it is read by the built-in vcard mapping; "
                         f"run `{PROG} preview {args.file}`")
    # the sheet a preview reads too: the one named, or the one whose header looks like contacts
    info = inspect_xlsx(source, sheet=args.sheet, likeness=likeness) if source.kind == "xlsx" \
        else inspect_csv(source)
    out.write(mapping_yaml(info.header, source=source.name, name=args.name))
    return ExitCode.OK


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from importer.cli.render import demo_text
    from importer.demo import find_sample_folder, run_demo
    from importer.normalize.phones import check_region

    folder = Path(args.folder) if args.folder else find_sample_folder()
    demo = run_demo(folder, region=check_region(args.region))
    print(demo_text(demo, screen=screen_of(out)), file=out)
    # The samples hold a row with no name on purpose, to show the failure report: that is the demo
    # working, so only a contact that did not arrive as expected makes it fail.
    return ExitCode.OK if demo.result.count("failed") + demo.result.count("unknown") == 0 else ExitCode.PARTIAL


def _formats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importer.mapping.load import builtin_variants

    for m in builtin_variants():
        print(f"{m.name:<14} {m.title}  ({m.path})", file=out)
    print(f"{'generic':<14} any other CSV or .xlsx: columns matched to Dex fields by name", file=out)
    return ExitCode.OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "preview": _preview,
    "import": _import,
    "runs": _runs,
    "undo": _undo,
    "sandbox": _sandbox,
    "detect": _detect,
    "check_mapping": _check_mapping,
    "mapping_init": _mapping_init,
    "demo": _demo,
    "formats": _formats,
}
