"""Build the self-contained HTML report: sections from library calls, inline charts, footnoted sources.

Nothing here computes a metric: each section asks the knowledge base or the metrics engine and only
arranges the answer. Where the store lacks data, the section says so and names the command that
fills it. Plotly's JavaScript (the cartesian partial bundle) is inlined once, so the file opens offline.
"""

from __future__ import annotations

import datetime as dt
import time
from importlib import resources
from pathlib import Path
from typing import Callable

import jinja2

from sco_observatory.dates import parse_as_of
from sco_observatory.groups import resolve_group
from sco_observatory.report.context import Context, Section
from sco_observatory.store import Store, open_store
from sco_observatory.version import __version__

__all__ = ["Context", "Section", "build_report"]


def _register_sources(ctx: Context) -> None:
    """Make every store and ledger source citable by its id."""
    from sco_observatory.kb import queries as kb

    for row in kb.sources().iter_rows(named=True):
        text = f"{row['citation'] or row['publisher']}: {row['title']}" + (f" ({row['date']})" if row["date"] else "")
        ctx.notes.register(row["id"], text, row["url"])
    for row in ctx.store.sources().iter_rows(named=True):
        text = f"{row['citation'] or row['publisher']}: {row['title']}"
        if row["file_name"]:
            text += f" — file {row['file_name']}"
        if row["sha256"] and not str(row["sha256"]).startswith("embedded"):
            text += f", sha256 {str(row['sha256'])[:12]}…"
        text += f", retrieved {row['retrieved']:%Y-%m-%d}" if row["retrieved"] else ""
        ctx.notes.register(row["source_id"], text, row["url"])


REPORT_TRACES = ("bar", "scatter", "heatmap")
"""The plotly trace types report/charts.py draws (the timeline is bars, the network scatter lines, the map an SVG);
tests/test_report_bundle.py checks every figure of a built report against this and the bundle."""


def _plotly_js() -> str:
    """plotly.js for the report: the dashboard's cartesian partial bundle (web/static/plotly-cartesian.min.js,
    1.4 MB, pinned by package-lock.json, built by scripts/build_plotly.py) instead of the Python package's full
    bundle (4.8 MB). Why: every report chart is a cartesian trace (`REPORT_TRACES`), so the geo, 3-D, map and
    finance code of the full bundle is dead weight in every report file (5.1 MB -> about 1.7 MB) and in its parse."""
    return resources.files("sco_observatory.web").joinpath("static", "plotly-cartesian.min.js").read_text("utf-8")


def _section_builders() -> list[Callable[[Context], Section]]:
    from sco_observatory.report import sections  # plotly and the metrics load only when a report is built

    return sections.ALL


def build_report(
    out: str | Path = "sco-report.html",
    *,
    as_of: str | dt.date | None = None,
    group: str | None = None,
    store: Store | None = None,
    progress: Callable[[str], None] | None = None,
    follow_symlinks: bool = False,
    lang: str | None = None,
) -> Path:
    """Write the report and return its path. `group` defaults to the SCO's members on `as_of`.

    `lang` (ru, zh, kk, ...): country, organisation and status names in that language (sourced, see
    docs/kb.md); headings and prose stay English.

    A file store is pinned to a commit, and the sections of a report of that commit with the same day,
    group and language built by the same code are kept in the cache dir and rendered again instead of
    rebuilt (report/cache.py: the key and why); the generation time and the build's seconds are the
    run's own.
    """
    from sco_observatory.countries import check_language
    from sco_observatory.safe_output import check_target, write_atomic

    lang = check_language(lang)  # an unknown language fails before any work
    check_target(out, follow_symlinks=follow_symlinks)  # before any work: a bad -o fails in milliseconds
    from sco_observatory.report import cache

    started = time.perf_counter()
    day = parse_as_of(as_of)
    expr = group or f"SCO@{day.isoformat()}"
    resolved = resolve_group(expr)
    own_store = store is None
    store = store or open_store()
    try:
        # a file store is pinned to a commit: a report of that commit, day, group and language built by
        # this code before is rendered from its kept sections (report/cache.py)
        key = cache.report_key(store, day, expr, lang)
        kept = cache.load(key)
        if kept is not None:
            built, notes = kept["sections"], kept["notes"]
        else:
            ctx = Context(store, day, resolved, expr, lang=lang)
            _register_sources(ctx)
            built = []
            for builder in _section_builders():
                if progress:
                    progress(builder.__name__)
                built.append(builder(ctx))
            notes = ctx.notes.ordered()
            cache.save(key, {"sections": built, "notes": notes})
        env = jinja2.Environment(
            loader=jinja2.FunctionLoader(
                lambda name: resources.files("sco_observatory.report").joinpath("templates", name).read_text("utf-8")
            ),
            autoescape=False,
        )
        page = env.get_template("report.html.j2").render(
            sections=built,
            notes=notes,
            as_of=day.isoformat(),
            group_expr=expr,
            group=resolved,
            version=__version__,
            generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            plotly_js=_plotly_js(),
            build_seconds=f"{time.perf_counter() - started:.1f}",
        )
    finally:
        if own_store:
            store.close()
    return write_atomic(out, page, follow_symlinks=follow_symlinks)
