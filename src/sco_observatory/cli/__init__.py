"""The `sco` command line: parse arguments, call the library, render. No logic lives here.

Commands are grouped by module (data, kb, groups, ...); each module has a `register(app)`.
User errors (`ObservatoryError`) are caught once, in `main`, and printed as one line on stderr
with exit code 2 — never a traceback.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from sco_observatory import __version__, config
from sco_observatory.errors import ObservatoryError

app = typer.Typer(
    name="sco",
    help="sco-observatory: membership, integration and power balance of the SCO and Central Asia, with sources.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sco-observatory {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    home: Optional[str] = typer.Option(None, "--home", help="Data directory holding the store (default: platform data dir; env SCO_OBSERVATORY_HOME)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    engine: Optional[str] = typer.Option(None, "--engine", help="Query engine for the metrics: duckdb (default) or spark (env SCO_ENGINE)."),
) -> None:
    """Global options."""
    config.set_home(home)
    from sco_observatory import engine as engines

    engines.set_engine(engine)
    engines.engine_name()  # validates SCO_ENGINE now: a bad value is one line before any work


def _register_all() -> None:
    from sco_observatory.cli import data, fetch, groups, kb, metrics, report, scenarios, serve

    for module in (data, groups, kb, metrics, report, serve, fetch, scenarios):
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sco` script: run the app; any user or usage error is one line and exit 2.

    ObservatoryError (bad value, unknown code, missing data) and every click/Typer usage error
    (unknown command or option, missing or malformed value, out-of-range number, bad choice) are
    printed as `error: what — how to fix` on stderr. Anything else is a bug: one line naming it,
    exit 70 (EX_SOFTWARE), and the traceback only with SCO_DEBUG=1. An OSError naming a file is
    about a path the user gave (too long, a directory, no permission): a user error, exit 2.
    """
    from sco_observatory.cli.usage import CLICK_ERRORS, check_argv, is_no_args_help, usage_line

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        check_argv(args)
        app(args=args, prog_name="sco", standalone_mode=False)
    except ObservatoryError as exc:
        typer.echo(f"error: {exc.one_line()}", err=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except CLICK_ERRORS as exc:
        if is_no_args_help(exc):
            exc.show()
            return 0
        typer.echo(usage_line(exc), err=True)
        return 2
    except BrokenPipeError:  # `sco ... | head`: the reader left; nothing more to say
        return 0
    except OSError as exc:
        if exc.filename is None:  # not about a path the user named: a bug, handled below
            return _internal(exc)
        from sco_observatory.errors import printable

        name = printable(str(exc.filename))
        name = name if len(name) <= 80 else name[:79] + "…"
        typer.echo(f"error: cannot use {name}: {exc.strerror or exc} — check the path and its permissions", err=True)
        return 2
    except Exception as exc:
        return _internal(exc)
    return 0


def _internal(exc: BaseException) -> int:
    """A bug, not a user error: one line naming it, exit 70 (EX_SOFTWARE); SCO_DEBUG=1 re-raises."""
    import os

    from sco_observatory.errors import printable

    if os.environ.get("SCO_DEBUG"):
        raise exc
    first = printable((str(exc).splitlines() or [""])[0][:200])
    typer.echo(f"internal error: {type(exc).__name__}: {first} — this is a bug; "
               "please report it with the command line (SCO_DEBUG=1 shows the traceback)", err=True)
    return 70


if __name__ == "__main__":
    sys.exit(main())
