"""`sco members EXPR`: who is in a group (organisation as of a date, alias, list, with changes)."""

from __future__ import annotations

from typing import Optional

import typer

from sco_observatory.cli.options import format_option, lang_option
from sco_observatory.cli.output import Format, Rows, emit
from sco_observatory.groups import GROUP_COLUMNS, group_rows, resolve_group


def members_command(
    expression: str = typer.Argument(..., help="Group expression: SCO, SCO@2012, SCO:observer@2012-12-31, SCO@2016+IND+PAK, CA5, KAZ,KGZ."),
    fmt: Format = format_option("table, csv or json."),
    lang: Optional[str] = lang_option(),
) -> None:
    """List the members of a group expression with status, dates and source.

    Example: sco members SCO:member,observer@2012 (names in Russian: --lang ru)
    """
    from sco_observatory.countries import check_language
    from sco_observatory.kb.names import localise_rows

    lang = check_language(lang)  # an unknown language is one line before any work (as `sco.open(lang=...)`)
    # the rows `Observatory.members` returns as a frame, printed as they are (no polars: benchmarks/README.md
    # "Start-up"; tests/test_api.py checks the two agree)
    group = resolve_group(expression)
    rows = localise_rows(GROUP_COLUMNS, group_rows(group), lang)
    dates = ", ".join(d.isoformat() for d in group.as_of)
    emit(Rows(GROUP_COLUMNS, rows), fmt, title=f"{expression}" + (f" (as of {dates})" if dates else ""))
    for line in group.notes:  # merged statuses, year-only dates: one line each, on stderr
        typer.echo(f"note: {line}", err=True)


def register(app: typer.Typer) -> None:
    app.command("members")(members_command)
