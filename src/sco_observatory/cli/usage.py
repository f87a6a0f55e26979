"""Usage errors as one line: whatever the argument parser raises becomes `error: ... — hint`, exit 2.

Why here: Typer/click raise their own exception classes (and Typer ≥0.20 vendors click as
`typer._click`, so `click.ClickException` no longer catches them); the entry point must turn every
one of them into the same one-line shape as an `ObservatoryError`, with the close match click found
and the failing command's `--help` hint. Oversize input is refused here too, before parsing, so no
argument can make the parser, the resolvers or a query do unbounded work (limits.py says why).
"""

from __future__ import annotations

from typing import Sequence

from sco_observatory.errors import ObservatoryError, printable
from sco_observatory.limits import MAX_ARG_CHARS, MAX_LIST_ITEMS


class UsageLimitError(ObservatoryError):
    """An argument or an argument list larger than any real use (refused before any work)."""


def _click_exception_classes() -> tuple[type, ...]:
    """ClickException as click itself and as Typer's vendored copy define it (either may be absent)."""
    classes: list[type] = []
    try:
        from typer._click.exceptions import ClickException as vendored

        classes.append(vendored)
    except ImportError:
        pass
    try:
        from click.exceptions import ClickException as upstream

        classes.append(upstream)
    except ImportError:
        pass
    return tuple(classes)


CLICK_ERRORS = _click_exception_classes()


def check_argv(argv: Sequence[str]) -> None:
    """Refuse an argument longer than MAX_ARG_CHARS or more arguments than any command needs."""
    if len(argv) > 4 * MAX_LIST_ITEMS:
        raise UsageLimitError(f"{len(argv)} arguments is more than any command takes (at most {4 * MAX_LIST_ITEMS})",
                              "name a group (CA5, SCO@2012) instead of listing countries one by one")
    for position, arg in enumerate(argv, 1):
        if "\x00" in arg:  # a process's argv cannot hold NUL; only an in-process caller can pass one
            raise UsageLimitError(f"argument {position} contains a NUL character", "remove it")
        if len(arg) > MAX_ARG_CHARS:
            raise UsageLimitError(
                f"argument {position} ('{_clip(arg)}') is {len(arg):,} characters long, more than {MAX_ARG_CHARS:,}",
                "shorten it: a group expression naming every country fits in 1,000 characters")


def _clip(text: str, n: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _command_path(exc) -> str:
    ctx = getattr(exc, "ctx", None)
    return getattr(ctx, "command_path", None) or "sco"


def usage_line(exc) -> str:
    """One line for a click/Typer usage error: what is wrong, the close match, and the help hint."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    # click's own line breaks ("Choose from:\n\ta,\n\tb") become spaces; any other control
    # character is user input quoted in the message and is shown escaped
    message = message.replace("Value error, ", "").replace(":\n\t", ": ").replace(",\n\t", ", ")
    message = printable(message.strip())
    return f"error: {message} — see `{printable(_command_path(exc))} --help`"


def is_no_args_help(exc) -> bool:
    """`sco` or `sco data` alone: click raises its help text as an error; that is help, not an error."""
    return type(exc).__name__ == "NoArgsIsHelpError"
