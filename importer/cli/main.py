"""The `dex-import` command: parses the options, runs the command, turns every error into one line.

Every error the library raises on purpose becomes one line on stderr and a named exit code
(importer.exitcodes); anything else is a bug, reported as one line too, never as a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import TextIO

from importer.cli.parser import PROG, build_parser
from importer.errors import ImporterError, UsageError
from importer.exitcodes import ExitCode


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
    from importer.cli.commands import COMMANDS

    try:
        return COMMANDS[args.run](args, out, err)
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
