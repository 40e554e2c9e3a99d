"""The `dex-import` command: parses the options, runs the command, turns every error into one line.

Every error the library raises on purpose becomes one line on stderr and a named exit code
(importer.exitcodes); anything else is a bug, reported as one line too, naming a crash file that holds the
traceback (``--debug`` prints the traceback instead). No line printed on an error holds the API key
(importer.cli.safety).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TextIO

from importer.cli.parser import PROG, build_parser
from importer.cli.safety import Secrets, find_secrets, one_line, write_crash_file
from importer.errors import ImporterError, UsageError
from importer.exitcodes import ExitCode


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> int:
    """Runs the command line and returns its exit code (see importer.exitcodes).

    `sleep` and `clock` are what every wait (pacing, backoff, Retry-After) and every timing of the command uses:
    tests hand in a virtual clock shared with the sandbox, so that retries and rate limits cost no real time.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    secrets = find_secrets(args_list, os.environ)
    # --debug is accepted anywhere before a lone "--"
    end = args_list.index("--") if "--" in args_list else len(args_list)
    debug = "--debug" in args_list[:end]
    if debug:
        args_list = [a for i, a in enumerate(args_list) if a != "--debug" or i > end]
    parser = build_parser()
    usage = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(usage):  # argparse prints to sys.*
            args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        # argparse echoes the arguments it did not understand: a mistyped --tokn KEY must not show KEY
        err.write(secrets.scrub(usage.getvalue()))
        return int(exc.code or 0)
    err.write(secrets.scrub(usage.getvalue()))
    args.sleep, args.clock = sleep, clock
    from importer.cli.commands import COMMANDS

    def say(message: str) -> None:
        print(one_line(secrets.scrub(f"{PROG}: {message}")), file=err)

    try:
        return COMMANDS[args.run](args, out, err)
    except UsageError as exc:
        say(str(exc))
        return ExitCode.USAGE
    except ImporterError as exc:
        say(str(exc))
        return ExitCode.FATAL
    except KeyboardInterrupt:
        say("interrupted")
        return ExitCode.FATAL
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # a bug: still one line, and a file to report it with
        resumes = args.run in ("import", "undo")
        return _bug(exc, args_list, secrets, err, debug=debug, say=say, resumes=resumes)


def _bug(exc: Exception, argv: Sequence[str], secrets: Secrets, err: TextIO, *, debug: bool,
         say: Callable[[str], None], resumes: bool) -> int:
    """Returns ExitCode.FATAL after reporting an unexpected exception: the traceback (--debug), or one line
    naming the crash file that holds it."""
    if debug:
        err.write(secrets.scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))))
        return ExitCode.FATAL
    path = write_crash_file(exc, argv, secrets)
    where = f"details are in {path}" if path else "run again with --debug to see the details"
    again = "; what was sent is in the journal: the same command again resumes" if resumes else ""
    say(f"internal error: {type(exc).__name__}: {exc}. This is a bug in dex-importer; {where}; "
        f"please report it with that file{again}")
    return ExitCode.FATAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
