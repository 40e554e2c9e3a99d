"""The one exception tree of dex-importer.

A bad *record* is never an exception: it becomes a value (a `Notice` or a skipped record) and the run
goes on. Exceptions are for problems that stop a whole file or run, and they carry fields, not just text::

    ImporterError                 base of everything raised on purpose
    ├── InputError                a file cannot be read at all (path, line, hint)
    ├── MappingError              a mapping is invalid (path, problems: every problem at once)
    └── UsageError                the command line or call asks for something impossible

Every message says what happened, where, and what to do next, on one line.
"""

from __future__ import annotations

from dataclasses import dataclass


class ImporterError(Exception):
    """Base of every error dex-importer raises on purpose."""


class InputError(ImporterError):
    """An input file cannot be read: missing, not a contact export, undecodable, truncated beyond use."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return the one-line message: ``where: what. what to do``."""
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text


@dataclass(frozen=True)
class MappingProblem:
    """One problem in a mapping: the key path (``fields.emial``), what is wrong, and a suggestion."""

    key: str
    message: str
    suggestion: str | None = None

    def describe(self) -> str:
        """Return ``key: message (did you mean 'x'?)``."""
        text = f"{self.key}: {self.message}" if self.key else self.message
        if self.suggestion:
            text = f"{text} (did you mean {self.suggestion!r}?)"
        return text


class MappingError(ImporterError):
    """A mapping file is invalid; `problems` lists every problem found, not only the first."""

    def __init__(self, path: str, problems: list[MappingProblem]) -> None:
        self.path = path
        self.problems = list(problems)
        count = len(self.problems)
        first = self.problems[0].describe() if self.problems else "invalid"
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        super().__init__(f"{path}: invalid mapping: {first}{more}. "
                         f"Run `dex-import check-mapping {path}` to list them all.")


class UsageError(ImporterError):
    """The caller asked for something that cannot work (unknown format, bad region code, ...)."""
