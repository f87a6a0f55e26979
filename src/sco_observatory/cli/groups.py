"""`sco members EXPR`: who is in a group (organisation as of a date, alias, list, with changes)."""

from __future__ import annotations

from typing import Optional

import typer

from sco_observatory.cli.options import format_option, lang_option, observatory
from sco_observatory.cli.output import Format, emit
from sco_observatory.groups import resolve_group


def members_command(
    expression: str = typer.Argument(..., help="Group expression: SCO, SCO@2012, SCO:observer@2012-12-31, SCO@2016+IND+PAK, CA5, KAZ,KGZ."),
    fmt: Format = format_option("table, csv or json."),
    lang: Optional[str] = lang_option(),
) -> None:
    """List the members of a group expression with status, dates and source.

    Example: sco members SCO:member,observer@2012 (names in Russian: --lang ru)
    """
    frame = observatory(lang).members(expression)
    group = resolve_group(expression)  # the dates and notes around the frame (cached; no second lookup of data)
    dates = ", ".join(d.isoformat() for d in group.as_of)
    emit(frame, fmt, title=f"{expression}" + (f" (as of {dates})" if dates else ""))
    for line in group.notes:  # merged statuses, year-only dates: one line each, on stderr
        typer.echo(f"note: {line}", err=True)


def register(app: typer.Typer) -> None:
    app.command("members")(members_command)
