"""Exit codes of the `dex-import` command, named in one place (tabled in the README)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What the process tells its caller."""

    OK = 0        # every record was used (skipped hidden LinkedIn members do not count against it)
    PARTIAL = 1   # some records could not be used; the rest were (or a file with rows gave no contact)
    USAGE = 2     # bad command line
    FATAL = 3     # nothing could be done: unreadable file, invalid mapping, bad key, API unreachable
