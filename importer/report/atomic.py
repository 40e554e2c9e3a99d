"""Returns files written whole or not at all: a full disk or a crash mid-write leaves no half file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def atomic_text(path: str | os.PathLike[str], *, encoding: str = "utf-8", exclusive: bool = False
                ) -> Iterator[TextIO]:
    """Yields a text file that becomes `path` only once the block ends without an error.

    It is written beside `path` under a temporary name, synced, then renamed into place; on any error the
    temporary file is removed and `path` is left as it was. With `exclusive`, FileExistsError when `path`
    exists already.

    >>> with atomic_text("contacts.jsonl") as handle:  # doctest: +SKIP
    ...     handle.write("{}\\n")
    """
    target = Path(path)
    os.makedirs(target.parent, exist_ok=True)
    if exclusive and target.exists():
        raise FileExistsError(errno.EEXIST, "the file exists already", str(target))
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with open(fd, "w", encoding=encoding, newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
