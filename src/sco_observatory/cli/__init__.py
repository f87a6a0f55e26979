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
    """Entry point of the `sco` script: run the app, turning user errors into one line and exit 2."""
    try:
        app(args=argv, prog_name="sco", standalone_mode=False)
    except ObservatoryError as exc:
        typer.echo(f"error: {exc.one_line()}", err=True)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
