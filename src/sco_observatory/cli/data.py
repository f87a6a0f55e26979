"""`sco import`, `sco data list|show|update`: bring files in, refresh the snapshot, look at what the store holds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from sco_observatory.cli.options import format_option, observatory, source_option
from sco_observatory.cli.output import Format, emit
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import FORMATS
from sco_observatory.store import open_store

data_app = typer.Typer(help="Look at what the store holds.", no_args_is_help=True)


def _options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ImportFormatError(f"bad --option '{pair}'", "write KEY=VALUE, e.g. --option country_codes=country_codes_V202501.csv")
        options[key.strip().replace("-", "_")] = value
    return options


def import_command(
    paths: list[Path] = typer.Argument(..., help="Files to import (each one all or nothing)."),
    fmt: str = typer.Option("auto", "--format", "-f", help="auto, or one of `sco data formats`."),
    option: list[str] = typer.Option([], "--option", "-o", help="Reader option KEY=VALUE (repeatable), e.g. country_codes=PATH for BACI, source_title=TEXT for the generic CSV, encoding=latin-1, member=NAME of a zip."),
    replace: bool = typer.Option(False, "--replace", help="Accept a new version that has fewer rows, countries or years than the stored one, or a cut last line."),
) -> None:
    """Import bulk data files into the store (transactional, idempotent), with a progress bar.

    Formats: see `sco data formats` and docs/formats.md. `.zip` and `.gz` files are read directly.
    A new version that would lose data is refused unless --replace (`sco data diff FILE` shows why).

    Example: sco import ny.gdp.mktp.cd.csv dots_focus_reporters_1990_2020.csv
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    options = _options(option)
    with observatory() as obs, Progress(
        TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty(),
    ) as bar:
        for path in paths:
            task = bar.add_task(f"{path.name}: reading", total=1.0)

            def report(stage: str, fraction: float | None, task=task, name=path.name) -> None:
                bar.update(task, description=f"{name}: {stage}",
                           completed=fraction if stage == "reading" and fraction is not None else None)

            done = obs.import_file(path, fmt, options, replace=replace, progress=report)
            bar.remove_task(task)
            typer.echo(f"{path.name}: {done['summary'][0]} ({done['seconds'][0]:.1f} s)")


@data_app.command("list")
def list_command(fmt: Format = format_option("table, csv or json.")) -> None:
    """List sources in the store: datasets, years, countries covered, publisher, vintage, licence, origin.

    `origin` says whether a source is read from the embedded open-data snapshot (and which version),
    the report's embedded tables, or an import / `sco data update`.

    Example: sco data list --format csv
    """
    with observatory() as obs:
        frame = obs.data()
    if fmt == Format.table:  # a terminal is narrow: the long columns are in --format csv/json
        frame = frame.select("source", "first_year", "last_year", "rows", "publisher", "vintage", "licence", "origin")
    emit(frame, fmt, title="Sources in the store")


@data_app.command("update")
def update_command(
    dataset: Optional[str] = typer.Argument(None, help="Snapshot dataset key (wdi, wdi-milex, cow-nmc-7, uis-students; docs/data.md lists how each is refreshed); default: every dataset that can be refreshed online."),
    replace: bool = typer.Option(False, "--replace", help="Accept an answer with fewer rows, countries or years than the snapshot."),
    refresh: bool = typer.Option(False, "--refresh", help="Ask the API again even for answers in the cache."),
) -> None:
    """Refresh a snapshot dataset from its publisher's live API or bulk file (all or nothing; the snapshot is kept when offline).

    API (World Bank): the same scope as the snapshot (indicator, countries, first year) up to this year.
    Bulk (COW, UIS via 360info): the publisher's file, imported with the dataset's reader. Either way
    stored under the snapshot's source id: `sco data list` then shows `update <date>` as its origin.
    Offline or the publisher unreachable: one line saying so and how to retry, exit 2, store unchanged.
    A dataset without a stable URL says which file to download and `sco import`.

    Example: sco data update wdi-milex
    """
    with observatory() as obs:
        for line in obs.update(dataset, replace=replace, refresh=refresh):
            typer.echo(line)


@data_app.command("show")
def show_command(
    code: str = typer.Argument(..., help="Indicator code, e.g. NY.GDP.MKTP.CD or MS.MIL.XPND.CD."),
    countries: Optional[str] = typer.Option(None, "--countries", "-c", help="Group expression, e.g. CA5 or SCO@2012 or KAZ,RUS."),
    years: Optional[str] = typer.Option(None, "--years", "-y", help="Years: 2012, 2010-2020, 2000-2020:5 or 2000,2010."),
    source: Optional[str] = source_option("Only this source id (see `sco data list`)."),
    fmt: Format = format_option("table, csv or json."),
) -> None:
    """Show an indicator's values with their source.

    Example: sco data show MS.MIL.XPND.CD --countries SCO@2012 --years 2010-2012
    """
    with observatory() as obs:
        emit(obs.data(code, countries, years or None, source), fmt, title=code.upper())


@data_app.command("diff")
def diff_command(
    path: Path = typer.Argument(..., help="The file to compare with the source it would replace."),
    file_format: str = typer.Option("auto", "--file-format", help="auto, or one of `sco data formats`."),
    option: list[str] = typer.Option([], "--option", "-o", help="Reader option KEY=VALUE, as for `sco import`."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
) -> None:
    """Show what importing FILE would change (rows, countries, years, largest value changes); imports nothing.

    Example: sco data diff ny.gdp.mktp.cd.csv
    """
    import polars as pl

    from sco_observatory.ingest import diff_file

    with open_store() as store:
        change = diff_file(store, path, file_format, **_options(option))
    emit(pl.DataFrame(change.rows(), schema={"what": pl.Utf8, "stored": pl.Utf8, "file": pl.Utf8, "change": pl.Utf8}),
         fmt, title=f"{path.name} vs source {change.source_id}")


@data_app.command("vacuum")
def vacuum_command(
    keep_commits: int = typer.Option(2, "--keep-commits", help="Keep every file of the newest N store commits."),
    retention_hours: float = typer.Option(1.0, "--retention-hours", help="Also keep the files of any commit that was the newest within this many hours."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be deleted."),
) -> None:
    """Delete the parquet files of replaced data that no reader can still be reading (docs/architecture.md).

    Example: sco data vacuum --keep-commits 1 --retention-hours 0
    """
    import datetime as dt

    from sco_observatory.errors import StoreError
    from sco_observatory.store.vacuum import vacuum

    if not 0 <= retention_hours < 1e6:
        raise StoreError(f"bad --retention-hours {retention_hours:g}", "pass 0 or more hours, e.g. --retention-hours 24")
    with open_store() as store:
        done = vacuum(store, keep_commits=keep_commits, retention=dt.timedelta(hours=retention_hours), dry_run=dry_run)
    typer.echo(done.summary())


@data_app.command("formats")
def formats_command(fmt: Format = format_option("table, csv or json.")) -> None:
    """List the file formats `sco import` reads.

    Example: sco data formats
    """
    import polars as pl

    emit(pl.DataFrame({"format": list(FORMATS), "description": [f.description for f in FORMATS.values()]}), fmt)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.add_typer(data_app, name="data")
