"""Returns the parser of the `dex-import` command line: every subcommand, its options and their help.

Each subcommand names the function that runs it (``run="import"``), looked up in `importer.cli.commands` only
after parsing, so that ``--help`` loads nothing but this module.
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from importer import __version__
from importer.dex.fields import DEFAULT_API_URL
from importer.exitcodes import ExitCode

PROG = "dex-import"

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("dex-import demo", "dex-import preview Connections.csv --html preview.html",
         "dex-import import Connections.csv contacts.vcf --tag imported"),
    "preview": ("dex-import preview Connections.csv",
                "dex-import preview contacts.csv --region US --html preview.html",
                "dex-import preview my-list.csv --mapping my.yaml --out contacts.jsonl"),
    "import": ("dex-import import Connections.csv", "dex-import import contacts.csv --region US --tag google-2026",
               "dex-import import Connections.csv --dry-run --html preview.html"),
    "runs": ("dex-import runs", "dex-import runs --json"),
    "undo": ("dex-import runs", "dex-import undo RUN", "dex-import undo RUN --yes --force"),
    "sandbox": ("dex-import sandbox", "dex-import sandbox --db rehearsal.sqlite --rate-limit 5"),
    "detect": ("dex-import detect export.csv", "dex-import detect contacts.vcf --json"),
    "check-mapping": ("dex-import check-mapping my.yaml", "dex-import check-mapping my.yaml --against my-list.csv"),
    "mapping": ("dex-import mapping init my-list.csv > my.yaml",),
    "init": ("dex-import mapping init my-list.csv > my.yaml", "dex-import mapping init team.xlsx --sheet Staff"),
    "demo": ("dex-import demo", "dex-import demo --folder sample_data --region GB"),
    "formats": ("dex-import formats", "dex-import detect export.csv"),
}
"""Two or three examples shown at the end of each command's --help ("" is the top-level one)."""


class _Formatter(argparse.HelpFormatter):
    """HelpFormatter that wraps descriptions but keeps the lines of the examples as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _command(sub: Any, name: str, **options: str) -> argparse.ArgumentParser:
    """Returns the parser of subcommand `name`, its examples at the end of its help."""
    parser: argparse.ArgumentParser = sub.add_parser(name, epilog=_examples(name), formatter_class=_Formatter,
                                                     **options)
    return parser


def _examples(name: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit with ExitCode.USAGE."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser of every subcommand, each with its help text."""
    parser = _Parser(prog=PROG, description="Import contacts from LinkedIn, Google, Outlook, vCard and "
                     "spreadsheets into Dex, exactly once.", epilog=_examples(""),
                     formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on a bug, print the traceback instead of writing a crash file (any position)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def merging(p: argparse.ArgumentParser) -> None:
        group = p.add_argument_group("merging")
        group.add_argument("--merge", choices=("normal", "strict"), default="normal",
                           help="who is the same person: normal (same email, LinkedIn handle, phone and name, "
                                "or name and company unless their profiles or work addresses differ) or strict "
                                "(never by name and company alone, in the files or in Dex)")
        group.add_argument("--no-merge", action="store_true",
                           help="do not merge records of the same person into one contact")
        group.add_argument("--possible-duplicates", metavar="FILE.csv",
                           help="write the pairs that are probably one person but were not merged (Bob and "
                                "Robert at one company, ...) to a CSV, to write accept or reject in")
        group.add_argument("--merge-decisions", metavar="FILE.csv",
                           help="that CSV with your decisions: merge the pairs you accepted, stop listing "
                                "those you rejected")

    def reading(parser: argparse.ArgumentParser) -> None:
        p = parser.add_argument_group("reading the files")
        p.add_argument("--format", dest="fmt", metavar="NAME",
                       help="read the files as this format instead of detecting it (see `formats`)")
        p.add_argument("--mapping", metavar="FILE.yaml", help="read the files with this mapping")
        p.add_argument("--region", metavar="CC",
                       help="country for phone numbers written without +country code, e.g. US, GB, DE")
        p.add_argument("--sheet", metavar="NAME",
                       help="sheet of an .xlsx workbook (default: the one whose header looks most like contacts)")
        p.add_argument("--encoding", metavar="CODEC", help="text encoding (default: detected)")
        p.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected)")
        p.add_argument("--workers", type=int, metavar="N",
                       help="processes that read a large file's records (default: 2 when the machine has two "
                            "cores and the file enough records to pay; 1: this process only)")

    def naming(parser: argparse.ArgumentParser) -> None:
        parser.add_argument_group("records without a name").add_argument(
            "--skip-nameless", action="store_true",
            help="skip a record without a name (reason \"no name\") even when it has an email or phone; by "
                 "default it becomes a contact named after its email, or else its phone (+1 201-555-0123). "
                 "A record with neither (only a photo, a note, ...) is always skipped")

    def describing(parser: argparse.ArgumentParser) -> None:
        parser.add_argument_group("what is sent").add_argument(
            "--description-format", choices=("html", "text"), default="html",
            help="send each description line as an HTML paragraph, < > & escaped, as Dex keeps rich text "
                 "(default), or as plain text lines")

    def key(parser: argparse.ArgumentParser) -> None:
        p = parser.add_argument_group("Dex account")
        p.add_argument("--token", metavar="KEY", help="Dex API key (default: $DEX_API_KEY)")
        p.add_argument("--api-url", metavar="URL", help=f"Dex API base (default: $DEX_API_URL or {DEFAULT_API_URL})")

    def account(p: argparse.ArgumentParser, *, required: bool) -> None:
        key(p)
        p.add_argument_group("contacts already in Dex").add_argument("--existing", choices=("skip", "update", "create"), default="skip",
                       help="contacts already in Dex (same email, LinkedIn handle, or name and company): "
                            "skip them (default), fill only their empty fields (update), or create anyway")
        if not required:
            p.set_defaults(key_optional=True)

    def sending(parser: argparse.ArgumentParser) -> None:
        account(parser, required=True)
        p = parser.add_argument_group("sending")
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

    p = _command(sub, "preview", help="show what an import would create, without sending anything",
                       description="Read the files exactly as the import would and show the contacts, "
                       "counts, per-field fill counts and warnings. Nothing is sent.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    naming(p)
    merging(p)
    account(p, required=False)
    describing(p)
    p.add_argument("--out", metavar="FILE", help="also write every contact: FILE.jsonl as Dex receives them (one "
                   "JSON object a line), FILE.csv for a spreadsheet, FILE.vcf as vCard 4.0 for any address book")
    p.add_argument("--json", action="store_true", help="print the whole summary as one JSON object")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="contacts shown (default 10)")
    p.add_argument("--html", metavar="PATH", help="also write a page to read in a browser: every contact in a "
                   "table that sorts and filters, merges, problems, fields filled, where each column went")
    p.set_defaults(run="preview")

    p = _command(sub, "import", help="create the contacts in Dex, exactly once, with a failure report",
                       description="Send the contacts that `preview` shows to Dex's create call, in "
                       "batches, and say what happened to every record. Failed rows go to a report you can "
                       "fix and import again.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    naming(p)
    merging(p)
    sending(p)
    describing(p)
    p.add_argument("--report", metavar="PATH",
                   help="where the failure report goes (default: beside the input, named after it and the run; "
                        "the input's earlier reports move to the data folder, listed by `dex-import runs`)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on stderr")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing (= preview)")
    p.add_argument("--html", metavar="PATH", help="also write a page to read in a browser, with what became of "
                   "every record")
    p.set_defaults(run="import")

    p = _command(sub, "runs", help="list past imports with their counts",
                       description="List the runs recorded in the journals (or in the journal given).")
    p.add_argument("--journal", metavar="PATH", help="a journal file or folder (default: your data folder)")
    p.add_argument("--json", action="store_true", help="print the runs as a JSON list")
    p.set_defaults(run="runs")

    p = _command(sub, "undo", help="delete the contacts one run created (and only those)",
                       description="Delete the contacts that run RUN created, after showing how many and "
                       "asking (or --yes). Contacts edited in Dex since are kept unless --force.")
    p.add_argument("run_id", metavar="RUN", help="the run's id as `dex-import runs` shows it, a unique "
                   "prefix of it, or `last` (the newest import)")
    key(p)
    p.add_argument("--journal", metavar="PATH", help="the journal holding the run (default: searched)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--force", action="store_true", help="delete contacts edited since the import too")
    p.set_defaults(run="undo")

    p = _command(sub, "sandbox", help="run a local Dex-compatible server to rehearse an import",
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
    p.add_argument("--answer-shapes", choices=("documented", "variant"), default="documented",
                   help="answer as Dex's reference pages document (default), or in the other plausible shapes "
                   "(bare or wrapped objects, paged tag lists, the create answer saying \"error\": true)")
    p.add_argument("--contact-ids", choices=("keep", "ignore", "refuse"), default="keep",
                   help="what to do with the id an import gives each contact: keep it (default; a taken id "
                   "is answered 409), ignore it (give its own), or refuse it (400 naming the id)")
    p.set_defaults(run="sandbox")

    p = _command(sub, "detect", help="say which export a file is, which mapping reads it, and why",
                       description="Detect the format, encoding, delimiter and mapping of each file.")
    p.add_argument("files", nargs="+", metavar="FILE")
    reading(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per file, in a list")
    p.set_defaults(run="detect")

    p = _command(sub, "check-mapping", help="validate a mapping file and list every problem",
                       description="Validate a YAML mapping; with --against, also check its columns "
                       "against a data file's header.")
    p.add_argument("mapping", metavar="FILE.yaml")
    p.add_argument("--against", metavar="DATA", help="a data file whose columns the mapping should name")
    p.set_defaults(run="check_mapping")

    p = _command(sub, "mapping", help="write mappings: `mapping init FILE`",
                       description="Commands that write mappings.")
    msub = p.add_subparsers(dest="mapping_command", metavar="SUBCOMMAND", parser_class=_Parser)
    msub.required = True
    mi = _command(msub, "init", help="print a starting mapping for a CSV, matching its columns by name",
                         description="Print a YAML mapping for FILE whose columns are matched to Dex "
                         "fields by name; save it, edit it, and use it with --mapping.")
    mi.add_argument("file", metavar="FILE")
    mi.add_argument("--name", default="my-contacts", help="the mapping's name (default my-contacts)")
    mi.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx workbook (default: the one whose header looks like contacts)")
    mi.set_defaults(run="mapping_init")

    p = _command(sub, "demo", help="import sample_data/ into a local Dex sandbox: no Dex account needed",
                       description="Start a Dex sandbox on 127.0.0.1, import every export in sample_data/ "
                       "into it (a NAME.mapping.yaml beside an export is its mapping), and show the result.")
    p.add_argument("--folder", metavar="DIR", help="the sample folder (default: ./sample_data)")
    p.add_argument("--region", metavar="CC", default="US",
                   help="country for phone numbers without +country code (default US)")
    p.set_defaults(run="demo")

    p = _command(sub, "formats", help="list the built-in formats and their mappings",
                       description="List the built-in formats.")
    p.set_defaults(run="formats")
    return parser
