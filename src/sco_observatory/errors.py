"""User-facing errors: one line saying what is wrong and one saying how to fix it.

Every error a user can cause (bad input, unknown code, malformed file, failing API) is raised as an
`ObservatoryError` subclass. The CLI and the web layer catch them at the edge and print the message
and hint without a traceback (CLI exit code 2, HTTP 4xx).
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` with control and format characters written as escapes (\\n, \\x1b, \\u202e).

    Why: messages quote user input, and a quoted newline would break the one-line contract, an
    ESC sequence would drive the user's terminal, and a right-to-left override would reorder the
    line. Ordinary letters of any script are kept.
    """
    out = []
    for ch in str(text):
        if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


class ObservatoryError(Exception):
    """Base class for errors caused by user input or the outside world."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint on one line, as printed on stderr."""
        line = f"{self.message} — {self.hint}" if self.hint else self.message
        return printable(line)


class UnknownCountryError(ObservatoryError):
    """A name or code that resolves to no country."""

    http_status = 404


class AggregateNotCountryError(ObservatoryError):
    """A region or income aggregate (e.g. "World") used where a country is required."""


class GroupExpressionError(ObservatoryError):
    """A group expression that cannot be parsed or resolved."""


class UnknownOrganisationError(ObservatoryError):
    """An organisation id the knowledge base does not know."""

    http_status = 404


class BadDateError(ObservatoryError):
    """An impossible or malformed date or year."""


class ImportFormatError(ObservatoryError):
    """A file that is malformed, of an unknown format, or fails validation."""


class StoreError(ObservatoryError):
    """The store cannot be opened or is of an incompatible schema version."""


class KnowledgeBaseError(ObservatoryError):
    """A ledger file that fails validation (names the file and the entry)."""


class DataMissingError(ObservatoryError):
    """A computation needs data the store does not hold; the hint names the command that fills it."""

    http_status = 404


class SourceError(ObservatoryError):
    """An online source failed (HTTP error, timeout, malformed response, invalid key)."""

    http_status = 502
