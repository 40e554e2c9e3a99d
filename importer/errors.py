"""The one exception tree of dex-importer.

A bad *record* is never an exception: it becomes a value (a `Notice` or a skipped record) and the run
goes on. Exceptions are for problems that stop a whole file or run, and they carry fields, not just text::

    ImporterError                 base of everything raised on purpose
    ├── InputError                a file cannot be read at all (path, line, hint)
    ├── MappingError              a mapping is invalid (path, problems: every problem at once)
    ├── UsageError                the command line or call asks for something impossible
    └── DexError                  a Dex call did not succeed (method, path, status_code, message, retry_after)
        ├── AuthError             401/403: the key is wrong, stale, or its plan has no API access
        ├── Rejected              another 4xx (or a redirect): the server refused this request as it stands
        │   ├── NotFound          404
        │   └── Conflict          409: a contact with the id sent exists already
        ├── SurelyNotCreated      nothing was done: could not connect, 429, 503; sending again is safe
        └── OutcomeUnknown        it may have been done: timeout or connection lost after sending, another
            │                     5xx; never resend a create blindly
            └── UnexpectedAnswer  Dex answered, but in no shape the importer knows (`excerpt`: the body, the
                                  key scrubbed); asking again would not help a read

The Dex errors are raised only by `importer.dex` (which re-exports them); they tell the caller what it may
safely do next.

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


class DexError(ImporterError):
    """A Dex call that did not succeed; `message` is the server's own text when it gave one."""

    def __init__(self, message: str, *, method: str, path: str, status_code: int | None = None,
                 retry_after: float | None = None) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status_code = status_code
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return ``Dex answered 400 to POST /contacts/: <message>`` (or ``... failed: <reason>``)."""
        if self.status_code is None:
            return f"{self.method} {self.path} failed: {self.message}"
        return f"Dex answered {self.status_code} to {self.method} {self.path}: {self.message}"


class AuthError(DexError):
    """Dex refused the API key (401) or its plan (403): nothing can be sent with it."""

    def describe(self) -> str:
        """Return the message with what to do: make a new key in Dex's settings."""
        return (f"Dex refused the API key ({self.status_code}): {self.message}. Check DEX_API_KEY or --token; "
                f"keys are made in Dex under Settings > API and need the Professional plan.")


class Rejected(DexError):
    """Dex refused the request as it stands (400 and other 4xx): sending it again changes nothing."""


class NotFound(Rejected):
    """The contact, tag or group does not exist (404)."""


class Conflict(Rejected):
    """Dex has the thing already (409): for a create sent with contact ids, a contact with one of those ids."""


class SurelyNotCreated(DexError):
    """The request was not carried out (no connection, 429, 503): it is safe to send it again."""


class OutcomeUnknown(DexError):
    """The request may or may not have been carried out: look before sending a create again."""


class UnexpectedAnswer(OutcomeUnknown):
    """Dex answered in no shape the importer knows; `excerpt` is the start of the body, the key scrubbed.

    It is an OutcomeUnknown because a create answered this way may have created something."""

    def __init__(self, message: str, *, method: str, path: str, status_code: int | None = None,
                 excerpt: str = "") -> None:
        self.excerpt = excerpt
        super().__init__(message, method=method, path=path, status_code=status_code)

    def describe(self) -> str:
        """Return ``Dex answered 200 to GET /tags in no known shape (<why>): <excerpt>``."""
        code = f" {self.status_code}" if self.status_code is not None else ""
        return f"Dex answered{code} to {self.method} {self.path} in no known shape ({self.message}): {self.excerpt}"
