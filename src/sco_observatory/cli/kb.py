"""Knowledge-base commands: history, orgs, timeline, overlap, bodies, documents, projects, criteria,
sources, graph, crosscheck cow-igo. Each delegates to `sco_observatory.kb` and prints with `emit`."""

from __future__ import annotations

import enum
import json
from typing import Optional

import typer

from sco_observatory.cli.options import format_option, lang_option, observatory
from sco_observatory.cli.output import Format, Rows, emit
from sco_observatory.kb.criteria import DEFAULT_THRESHOLD
from sco_observatory.kb import graph as kb_graph
from sco_observatory import kb
from sco_observatory.lazy import polars as pl

FMT_HELP = "table, csv or json."


def history_command(
    country: str = typer.Argument(..., help="Country name or code in English or a language of the region, e.g. UZB, Uzbekistan, Ўзбекистон."),
    fmt: Format = format_option(FMT_HELP),
    lang: Optional[str] = lang_option(),
) -> None:
    """Every membership of a country in every organisation, in date order, with sources.

    Formal statuses, de facto states (frozen, inactive, exited) and sub-body statuses, told apart by the
    `kind` column; a status merged into another (SCO, 2025-09-01) gets a note.

    Example: sco history Uzbekistan (or: sco history Казахстан --lang ru)
    """
    from sco_observatory.countries import display_name

    obs = observatory(lang)
    iso3, _ = kb.resolve_country(country)
    emit(obs.history(country), fmt, title=f"{display_name(iso3, obs.lang)} ({iso3}): memberships")
    for line in kb.history_notes(iso3):  # a merged status (SCO, Tianjin 2025): one line on stderr
        typer.echo(f"note: {line}", err=True)


def orgs_command(fmt: Format = format_option(FMT_HELP), lang: Optional[str] = lang_option()) -> None:
    """The organisations in the knowledge base, with founding and dissolution dates and successors.

    Example: sco orgs --format csv
    """
    from sco_observatory.countries import check_language
    from sco_observatory.kb.names import org_name
    from sco_observatory.kb.queries import ORG_COLUMNS, organisation_rows

    # `Observatory.orgs`' rows, printed without a frame (no polars: benchmarks/README.md "Start-up";
    # tests/test_cli_startup.py checks the two agree)
    lang = check_language(lang)
    rows = organisation_rows()
    if lang is not None:
        rows = [(r[0], org_name(r[0], lang)) + r[2:] for r in rows]
    emit(Rows(ORG_COLUMNS, rows), fmt, title="Organisations")


def timeline_command(
    org: str = typer.Argument(..., help="Organisation id, name or alias, e.g. SCO, CSTO, EurAsEC."),
    fmt: Format = format_option(FMT_HELP),
    lang: Optional[str] = lang_option(),
) -> None:
    """All status changes of an organisation in date order (joined, upgraded, suspended, left).

    Example: sco timeline CSTO
    """
    from sco_observatory.kb.names import org_name

    obs = observatory(lang)
    o = kb.organisation(org)
    emit(obs.timeline(org), fmt, title=f"{org_name(o.id, obs.lang)}: timeline")


def overlap_command(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD or year YYYY (= 31 December); default today."),
    countries: Optional[str] = typer.Option(None, "--countries", help="Group expression (CA5, SCO@2012, KAZ,KGZ, ...); default every country with a status."),
    orgs: Optional[str] = typer.Option(None, "--orgs", help="Comma-separated organisation ids; default every organisation existing that day."),
    fmt: Format = format_option(FMT_HELP),
    lang: Optional[str] = lang_option(),
) -> None:
    """Country x organisation matrix of statuses on a date.

    Columns are organisation ids; with --lang the caption names each organisation in that language.

    Example: sco overlap --as-of 2014-12-31 --countries CA5+RUS+CHN --lang ru
    """
    from sco_observatory.kb.names import org_name

    obs = observatory(lang)
    frame = obs.overlap(as_of, countries, orgs)
    caption = None
    if obs.lang:
        caption = "; ".join(f"{c} = {org_name(c, obs.lang)}" for c in frame.columns if c not in ("iso3", "name"))
    emit(frame, fmt, title="Overlapping memberships" + (f" on {as_of}" if as_of else " today"), caption=caption)


def bodies_command(fmt: Format = format_option(FMT_HELP)) -> None:
    """SCO bodies with seats and dates (RATS in Bishkek, then Tashkent).

    Example: sco bodies
    """
    emit(observatory().bodies(), fmt, title="SCO bodies")


def documents_command(fmt: Format = format_option(FMT_HELP)) -> None:
    """Basic SCO documents (charter, conventions, declarations) with dates.

    Example: sco documents --format json
    """
    emit(observatory().documents(), fmt, title="SCO documents")


def projects_command(fmt: Format = format_option(FMT_HELP)) -> None:
    """Pipelines, railways, roads, corridors, power links and bases, with participants and dates.

    Example: sco projects --format csv
    """
    emit(observatory().projects(), fmt, title="Projects")


class Basis(str, enum.Enum):
    reported = "reported"
    mirror = "mirror"
    best = "best"


def criteria_command(
    country: Optional[str] = typer.Argument(None, help="Country name or code to evaluate, e.g. IRN or India; omit to list the criteria."),
    org: str = typer.Option("SCO", "--org", help="Organisation whose admission criteria to use."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD or year YYYY (= 31 December); default today."),
    threshold: str = typer.Option(f"{DEFAULT_THRESHOLD:.0%}", "--threshold", help="Minimum share of the country's goods trade that is with the members: 0.10 or 10%."),
    basis: Basis = typer.Option(Basis.reported, "--flows", case_sensitive=False, help="Trade flow basis: reported, mirror or best (see docs/metrics)."),
    conflict_window: int = typer.Option(0, "--conflict-window", min=0, max=100, help="Also count interstate conflicts that ended up to this many years before the date."),
    fmt: Format = format_option(FMT_HELP),
) -> None:
    """The SCO's 2010 admission criteria; with a COUNTRY, evaluated for it on a date (pass / fail / unknown).

    Location (UN M49), observer or dialogue-partner status (the ledger), trade with the members from the
    store (unknown without data), UN Security Council sanctions and interstate conflicts (sourced tables).

    Example: sco criteria IRN --as-of 2012-12-31
    """
    with observatory() as obs:
        frame = obs.criteria(country, org, as_of, threshold=threshold, flows=basis.value,  # type: ignore[arg-type]
                             conflict_window=conflict_window)
    if country is None:
        emit(frame, fmt, title=f"{kb.organisation(org).id} admission criteria")
        return
    iso3, name = kb.resolve_country(country)
    counts = frame["result"].value_counts()
    summary = ", ".join(f"{n} {r}" for r, n in sorted(counts.iter_rows()))
    when = as_of or "today"
    emit(frame, fmt, title=f"{kb.organisation(org).id} admission criteria: {name} ({iso3}), {when}",
         caption=f"{summary}; how each criterion is read: docs/kb.md")


def sources_command(fmt: Format = format_option(FMT_HELP)) -> None:
    """The sources the knowledge base cites.

    Example: sco sources --format csv
    """
    emit(observatory().sources(), fmt, title="Knowledge-base sources")


class GraphFormat(str, enum.Enum):
    json = "json"
    graphml = "graphml"


def graph_command(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD or year YYYY; default today."),
    fmt: GraphFormat = typer.Option(GraphFormat.json, "--format", case_sensitive=False, help="json or graphml."),
    lang: Optional[str] = lang_option(),
) -> None:
    """Membership network on a date: countries and organisations as nodes, statuses as edges.

    Example: sco graph --as-of 2012-12-31 --format graphml > sco2012.graphml
    """
    data = observatory(lang).graph(as_of)
    if fmt is GraphFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        typer.echo(kb_graph.to_graphml(data))


def cow_igo_command(
    path: str = typer.Argument(..., help="COW IGO v3 file igo_year_format3_eurasian_regional_igos_all_states.csv."),
    disagreements: bool = typer.Option(False, "--disagreements", help="Only rows where the ledger and COW disagree."),
    fmt: Format = format_option(FMT_HELP),
) -> None:
    """Compare the ledger with the Correlates of War IGO data (to 2014), with an explanation per row.

    Example: sco crosscheck cow-igo ../shared/data/cow_igo/igo_year_format3_eurasian_regional_igos_all_states.csv --disagreements
    """
    frame = kb.igo_crosscheck(path)
    if disagreements:
        frame = frame.filter(pl.col("agree") == False)  # noqa: E712 (polars expression)
    emit(frame, fmt, title="Ledger vs COW IGO v3")


def register(app: typer.Typer) -> None:
    app.command("history")(history_command)
    app.command("orgs")(orgs_command)
    app.command("timeline")(timeline_command)
    app.command("overlap")(overlap_command)
    app.command("bodies")(bodies_command)
    app.command("documents")(documents_command)
    app.command("projects")(projects_command)
    app.command("criteria")(criteria_command)
    app.command("sources")(sources_command)
    app.command("graph")(graph_command)
    crosscheck_app = typer.Typer(help="Compare the ledger with other datasets.", no_args_is_help=True)
    crosscheck_app.command("cow-igo")(cow_igo_command)
    app.add_typer(crosscheck_app, name="crosscheck")
    app.command("igo-check", hidden=True)(cow_igo_command)  # old name, kept as a hidden alias
