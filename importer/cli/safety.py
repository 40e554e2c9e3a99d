"""Returns what the CLI may print: messages with the API key removed and control characters escaped,
and the crash file of an unexpected exception.

The key can reach a message in ways no code path intends: argparse echoes the value after a mistyped
``--tokn KEY``, or a key pasted where a command was expected (``invalid choice: 'KEY'``). So every line the
CLI prints on an error goes through `Secrets.scrub`, which knows every value that followed a key-like flag,
every argument shaped like a key, and $DEX_API_KEY.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

HIDDEN = "[API key]"
# a flag whose name says it carries a secret, even when misspelt: --token, --tokn, --key, --api-key, --auth ...
_SECRET_FLAG = re.compile(r"^--?[\w-]*(tok|key|secret|pass|auth|bearer|cred)", re.IGNORECASE)
# an argument that looks like a key rather than a file, command or number: long, no dot or slash,
# letters and digits mixed
_KEY_LIKE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-+=~]{16,}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Secrets:
    """The values that must never be printed: `scrub` replaces each with ``[API key]``."""

    def __init__(self, values: Sequence[str]) -> None:
        # longest first, so a key containing another secret is removed whole
        self.values = sorted({v for v in values if v}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """Returns `text` with every secret replaced by ``[API key]``."""
        for value in self.values:
            text = text.replace(value, HIDDEN)
            stripped = value.strip()
            if stripped and stripped != value and len(stripped) >= 4:
                text = text.replace(stripped, HIDDEN)
        return text

    def argv(self, argv: Sequence[str]) -> list[str]:
        """Returns the command line with every secret removed (for the crash file)."""
        return [self.scrub(arg) for arg in argv]


def find_secrets(argv: Sequence[str], environ: Mapping[str, str]) -> Secrets:
    """Returns the secrets of a command line: values after key-like flags, key-shaped arguments, $DEX_API_KEY.

    >>> find_secrets(["--tokn", "abc", "import"], {}).values
    ['abc']
    """
    values: list[str] = []
    for i, arg in enumerate(argv):
        if _SECRET_FLAG.match(arg):
            name, eq, value = arg.partition("=")
            if eq:
                values.append(value)
            elif i + 1 < len(argv):
                values.append(argv[i + 1])
        elif _KEY_LIKE.match(arg):
            values.append(arg)
    values.append(environ.get("DEX_API_KEY", ""))
    return Secrets(values)


def one_line(text: str) -> str:
    """Returns `text` on one line, its control characters (newlines, escapes, CR) written as ``\\n``, ``\\x1b``.

    >>> one_line("bad\\r\\n\\x1b[31mred")
    'bad\\\\r\\\\n\\\\x1b[31mred'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def crash_folder() -> Path:
    """Returns the folder crash files go to: ``<user data dir>/dex-importer/crashes``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("dex-importer", appauthor=False)) / "crashes"


def write_crash_file(exc: BaseException, argv: Sequence[str], secrets: Secrets, *,
                     folder: Path | None = None) -> Path | None:
    """Returns the path of a new crash file describing `exc` (traceback, versions, the command line
    with secrets removed), or None when it cannot be written."""
    import platform

    from importer import __version__

    folder = folder or crash_folder()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    versions = [f"dex-importer {__version__}", f"python {platform.python_version()}",
                f"platform {platform.platform()}"]
    for name in ("httpx", "openpyxl", "yaml", "phonenumbers"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    text = secrets.scrub("command: dex-import " + " ".join(secrets.argv(argv)) + "\n" + "\n".join(versions)
                         + "\n\n" + tb)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(100):
            path = folder / f"crash-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.txt"
            try:
                with open(path, "x", encoding="utf-8") as handle:
                    handle.write(text)
                return path
            except FileExistsError:
                continue
    except OSError:
        return None
    return None
