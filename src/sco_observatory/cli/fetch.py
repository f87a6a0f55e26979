"""`sco fetch worldbank|comtrade|imf` and `sco cache list|clear`: online sources into the store."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

import typer

from sco_observatory.cli.options import format_option
from sco_observatory.cli.output import Format, emit
from sco_observatory.errors import SourceError
from sco_observatory.sources.http import DAY, HttpCache, HttpSettings, OfflineMissing, Progress

fetch_app = typer.Typer(help="Fetch data from the public APIs into the store (cached, retried, resumable).",
                        no_args_is_help=True)
cache_app = typer.Typer(help="The on-disk cache of API responses.", no_args_is_help=True)

OFFLINE = typer.Option(False, "--offline", help="Use only cached responses; list what is missing.")
REFRESH = typer.Option(False, "--refresh", help="Ask the API again even for fresh cached responses.")
MAX_AGE = typer.Option(None, "--max-age", min=0, max=36500, help="Days a cached response stays fresh (default 30; env SCO_CACHE_MAX_AGE_DAYS).")
CONCURRENCY = typer.Option(None, "--concurrency", min=1, max=32, help="Requests in flight at once (env SCO_HTTP_CONCURRENCY).")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
REPLACE = typer.Option(False, "--replace", help="Accept an answer with fewer rows, countries or years than the stored fetch of the same scope.")


class _RichProgress(Progress):
    """A rich progress bar on stderr: requests done / total, from cache, elapsed and time left."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.bar = Bar(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                       TextColumn("[dim]{task.fields[cached]} cached"), TimeElapsedColumn(),
                       TextColumn("left"), TimeRemainingColumn(), console=Console(stderr=True), transient=False)
        self.task = self.bar.add_task(label, total=0, cached=0)
        self.cached = 0

    def __enter__(self) -> "_RichProgress":
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def add_total(self, n: int) -> None:
        total = (self.bar.tasks[0].total or 0) + n
        self.bar.update(self.task, total=total)

    def advance(self, *, cached: bool) -> None:
        self.cached += cached
        self.bar.update(self.task, advance=1, cached=self.cached)

    def note(self, text: str) -> None:
        from rich.text import Text

        self.bar.console.print(Text(text, style="yellow"))  # the text may quote API data: never markup


class _Silent(Progress):
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def _run(label: str, quiet: bool, **call) -> None:
    """Call `Observatory.fetch` with a progress bar (or none) and print its report."""
    from sco_observatory.api import _scope_countries, year_span
    from sco_observatory.cli.options import observatory

    year_span(call["years"])  # bad input is one line before the progress bar starts
    _scope_countries(call["countries"], allow_world=call["source"] == "worldbank")
    if call.get("partners"):
        _scope_countries(call["partners"], allow_world=True)
    progress = _Silent() if quiet else _RichProgress(label)
    try:
        with progress, observatory() as obs:  # the fetch opens the store only for the import, after the downloads
            lines = obs.fetch(progress=progress, **call)
    except OfflineMissing as exc:
        for request in exc.missing:
            typer.echo(f"missing: {request.url}", err=True)
        raise
    for line in lines:
        typer.echo(line)


@fetch_app.command("worldbank")
def worldbank_command(
    indicators: str = typer.Option(..., "--indicators", "-i", help="WDI codes, comma-separated, e.g. NY.GDP.MKTP.CD,SP.POP.TOTL."),
    countries: str = typer.Option(..., "--countries", "-c", help="Group expression, e.g. CA5, SCO@2012, KAZ,RUS; WLD for the World."),
    years: str = typer.Option(..., "--years", "-y", help="Year or range A-B."),
    offline: bool = OFFLINE, refresh: bool = REFRESH, max_age: Optional[float] = MAX_AGE,
    concurrency: Optional[int] = CONCURRENCY, quiet: bool = QUIET, replace: bool = REPLACE,
    per_page: int = typer.Option(1000, "--per-page", min=1, max=32000, hidden=True, help="Rows per API page."),
) -> None:
    """Fetch World Bank indicators (API v2, follows paging) into the store.

    Example: sco fetch worldbank --indicators NY.GDP.MKTP.CD,SP.POP.TOTL --countries CA5 --years 2000-2023
    """
    _run("World Bank", quiet, source="worldbank", countries=countries, years=years, indicators=indicators,
         offline=offline, refresh=refresh, max_age=max_age, concurrency=concurrency, replace=replace, per_page=per_page)


@fetch_app.command("comtrade")
def comtrade_command(
    reporters: str = typer.Option(..., "--reporters", "-r", help="Group expression of reporters, e.g. CA5."),
    partners: str = typer.Option(..., "--partners", "-p", help="Group expression of partners; WLD or World for the total."),
    years: str = typer.Option(..., "--years", "-y", help="Year or range A-B."),
    hs: str = typer.Option("TOTAL", "--hs", help="TOTAL or an HS code (2, 4 or 6 digits), e.g. 2716."),
    flows: str = typer.Option("X,M", "--flows", help="X (exports), M (imports) or X,M."),
    offline: bool = OFFLINE, refresh: bool = REFRESH, max_age: Optional[float] = MAX_AGE,
    concurrency: Optional[int] = CONCURRENCY, quiet: bool = QUIET, replace: bool = REPLACE,
) -> None:
    """Fetch UN Comtrade bilateral flows (API v1; key from COMTRADE_API_KEY, else the 500-row keyless preview).

    Only totals over customs procedures and transport modes are kept (customsCode C00, motCode 0,
    partner2Code 0).

    Example: sco fetch comtrade --reporters CA5 --partners RUS,CHN,WLD --years 2010-2012
    """
    _run("UN Comtrade", quiet, source="comtrade", countries=reporters, partners=partners, years=years, hs=hs,
         flows=flows, offline=offline, refresh=refresh, max_age=max_age, concurrency=concurrency, replace=replace)


@fetch_app.command("imf")
def imf_command(
    reporters: str = typer.Option(..., "--reporters", "-r", help="Group expression of reporters, e.g. CA5."),
    partners: str = typer.Option(..., "--partners", "-p", help="Group expression of partners; WLD or World for the total."),
    years: str = typer.Option(..., "--years", "-y", help="Year or range A-B."),
    offline: bool = OFFLINE, refresh: bool = REFRESH, max_age: Optional[float] = MAX_AGE,
    concurrency: Optional[int] = CONCURRENCY, quiet: bool = QUIET, replace: bool = REPLACE,
) -> None:
    """Fetch IMF bilateral goods trade (IMTS dataflow, SDMX 3.0): exports FOB, imports CIF.

    Example: sco fetch imf --reporters CA5 --partners RUS,CHN,WLD --years 2010-2020
    """
    _run("IMF IMTS", quiet, source="imf", countries=reporters, partners=partners, years=years, offline=offline,
         refresh=refresh, max_age=max_age, concurrency=concurrency, replace=replace)


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * DAY:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / DAY:.1f} d"


def _natural(text: str) -> str:
    """A sort key that puts page=2 before page=10."""
    return re.sub(r"\d+", lambda m: m.group(0).zfill(12), text)


@cache_app.command("list")
def cache_list_command(
    source: Optional[str] = typer.Option(None, "--source", help="worldbank, comtrade or imf."),
    max_age: Optional[float] = MAX_AGE,
    fmt: Format = format_option("table, csv or json."),
) -> None:
    """List cached API responses with their age and freshness.

    Example: sco cache list --source worldbank
    """
    import polars as pl

    limit = max_age * DAY if max_age is not None else HttpSettings.from_env().max_age
    entries = HttpCache().entries(source)
    now = dt.datetime.now(dt.timezone.utc)
    frame = pl.DataFrame(
        [{"source": e.source, "request": e.label, "retrieved": e.retrieved.strftime("%Y-%m-%d %H:%M UTC"),
          "age": _age(e.age(now)), "fresh": "yes" if e.age(now) < limit else "stale", "bytes": e.bytes,
          "url": e.url} for e in entries],
        schema={"source": pl.String, "request": pl.String, "retrieved": pl.String, "age": pl.String,
                "fresh": pl.String, "bytes": pl.Int64, "url": pl.String},
    )
    frame = frame.sort(pl.col("url").map_elements(_natural, return_dtype=pl.String)) if frame.height else frame
    stale = frame.filter(pl.col("fresh") == "stale").height
    if Format(fmt) is Format.table:
        frame = frame.drop("url")  # too wide for a terminal; --format csv|json carries it
    emit(frame, fmt, title="Cached API responses",
         caption=f"{frame.height} responses, {stale} stale (older than {_age(limit)}); sco cache clear removes them")


@cache_app.command("clear")
def cache_clear_command(
    source: Optional[str] = typer.Option(None, "--source", help="Only this source: worldbank, comtrade or imf."),
    stale: bool = typer.Option(False, "--stale", help="Only responses older than --max-age."),
    max_age: Optional[float] = MAX_AGE,
) -> None:
    """Remove cached API responses (all, one source's, or the stale ones).

    Example: sco cache clear --source comtrade
    """
    limit = max_age * DAY if max_age is not None else HttpSettings.from_env().max_age
    if source and source not in ("worldbank", "comtrade", "imf"):
        raise SourceError(f"unknown source '{source}'", "use worldbank, comtrade or imf")
    n = HttpCache().clear(source, stale_only=stale, max_age=limit)
    typer.echo(f"removed {n} cached response{'s' if n != 1 else ''}")


def register(app: typer.Typer) -> None:
    app.add_typer(fetch_app, name="fetch")
    app.add_typer(cache_app, name="cache")
