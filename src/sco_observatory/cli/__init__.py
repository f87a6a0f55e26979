"""The `sco` command line: parse arguments, call the library, render. No logic lives here.

Commands are grouped by module (data, kb, groups, ...); each module has a `register(app)`.
User errors (`ObservatoryError`) are caught once, in `main`, and printed as one line on stderr
with exit code 2 — never a traceback.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import Optional

import typer

from sco_observatory import __version__, config
from sco_observatory.errors import ObservatoryError

_app = typer.Typer(
    name="sco",
    help="sco-observatory: membership, integration and power balance of the SCO and Central Asia, with sources.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

MODULES = ("data", "groups", "kb", "metrics", "report", "serve", "fetch", "scenarios")
"""The command modules of `sco_observatory.cli`, in the order `sco --help` lists their commands."""

COMMANDS: dict[str, str] = {
    "import": "data", "data": "data", "members": "groups",
    **{name: "kb" for name in ("history", "orgs", "timeline", "overlap", "bodies", "documents", "projects",
                               "criteria", "sources", "graph", "crosscheck", "igo-check")},
    **{name: "metrics" for name in ("power", "ratio", "trade", "siei", "composite", "convergence", "whatif",
                                    "claims", "arms", "trade-series")},
    "report": "report", "serve": "serve", "fetch": "fetch", "cache": "fetch", "scenarios": "scenarios",
}
"""Top-level command -> the module whose `register(app)` adds it (tests/test_cli_startup.py checks this
against what the modules register). A run imports only its command's module: `sco members` never
imports the metrics, the store, the importers or the web app. A name not listed loads every module."""

_loaded: list[str] = []


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sco-observatory {__version__}")
        raise typer.Exit()


@_app.callback()
def _global(
    home: Optional[str] = typer.Option(None, "--home", help="Data directory holding the store (default: platform data dir; env SCO_OBSERVATORY_HOME)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    engine: Optional[str] = typer.Option(None, "--engine", help="Query engine for the metrics: duckdb (default) or spark (env SCO_ENGINE)."),
) -> None:
    """Global options."""
    config.set_home(home)
    if engine is None and not os.environ.get("SCO_ENGINE", "").strip():
        # Nothing to validate: the default engine. The query engine (sqlglot) is not imported for a
        # ledger command; if an earlier run in this process chose one, it is reset as before.
        loaded = sys.modules.get("sco_observatory.engine")
        if loaded is not None:
            loaded.set_engine(None)
        return
    from sco_observatory import engine as engines

    engines.set_engine(engine)
    engines.engine_name()  # validates SCO_ENGINE now: a bad value is one line before any work


def load_commands(modules: tuple[str, ...] | list[str] = MODULES) -> typer.Typer:
    """Register the commands of `modules` (importing them) on the app, keeping the MODULES order."""
    new = [m for m in modules if m not in _loaded]
    if new:
        for name in new:
            import_module(f"sco_observatory.cli.{name}")
        _loaded[:] = [m for m in MODULES if m in _loaded or m in new]
        _app.registered_commands.clear()
        _app.registered_groups.clear()
        for name in _loaded:
            import_module(f"sco_observatory.cli.{name}").register(_app)
    return _app


_GLOBAL_VALUES = ("--home", "--engine")


def command_modules(args: list[str]) -> tuple[str, ...]:
    """The modules the command line `args` needs: its command's module; none for `--version` (it
    answers before any command); all of them with no command, `--help` before it, or a name not in
    COMMANDS (so that click lists the commands or suggests the right one)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _GLOBAL_VALUES:
            i += 2
            continue
        if arg.startswith("-"):
            if arg.split("=", 1)[0] in _GLOBAL_VALUES:
                i += 1
                continue
            return () if arg == "--version" else MODULES
        return (COMMANDS[arg],) if arg in COMMANDS else MODULES
    return MODULES


def __getattr__(name: str):
    """`sco_observatory.cli.app`: the whole app, every command registered (tests, docs, completion)."""
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        app = load_commands(command_modules(args))
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
    from sco_observatory.errors import printable

    if os.environ.get("SCO_DEBUG"):
        raise exc
    first = printable((str(exc).splitlines() or [""])[0][:200])
    typer.echo(f"internal error: {type(exc).__name__}: {first} — this is a bug; "
               "please report it with the command line (SCO_DEBUG=1 shows the traceback)", err=True)
    return 70


if __name__ == "__main__":
    sys.exit(main())
