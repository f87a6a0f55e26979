"""`sco scenarios`: the report's two post-2014 scenarios, their signposts evaluated year by year.
No logic here: load (and validate) the scenario files, call the library, render."""

from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer

from sco_observatory.cli.options import format_option, observatory, year_option
from sco_observatory.cli.output import Format, emit


def scenarios_command(
    first: Optional[int] = year_option("--from", default=None, help="First year (default 2010)."),
    last: Optional[int] = year_option("--to", default=None, help="Last year (default: the latest year in the store)."),
    scenarios: Optional[List[str]] = typer.Option(None, "--scenarios", help="Your own scenario file or folder of .yaml files, added to the shipped ones (repeatable; format in docs/signposts.md)."),
    summary_only: bool = typer.Option(False, "--summary", help="Only the per-scenario counts (csv prints the signpost rows unless this is given)."),
    fmt: Format = format_option("table, csv or json (json holds both the signposts and the summary)."),
) -> None:
    """Signposts of the report's two scenarios (stable Afghanistan with international engagement;
    Afghan collapse with spill-over), per year: the value, whether it points to its scenario, the
    source; then per scenario how many signposts are lit and which could not be evaluated and why.

    Missing data is reported as "not evaluable", never counted as evidence.

    Example: sco scenarios --from 2010 --to 2020
    """
    from sco_observatory.signposts.evaluate import not_evaluable_spans

    with observatory() as obs:
        frame, summ, span = obs.scenarios(first, last, scenarios or None)
    if fmt is Format.json:
        sys.stdout.write(json.dumps({"years": list(span), "signposts": [] if summary_only else frame.to_dicts(),
                                     "summary": summ.to_dicts()}, default=str, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt is Format.csv:
        emit(summ if summary_only else frame, fmt)
        return
    if not summary_only:
        emit(frame.select("year", "signpost", "value", "unit", "reference", "status", "points_to", "reason", "source"),
             fmt, title=f"Signposts, {span[0]}-{span[1]} (baseline 2014)")
    emit(summ.drop("not_evaluable_why"), fmt, title="Per scenario and year: signposts lit for and against it")
    gaps = not_evaluable_spans(frame)
    if gaps.height:
        emit(gaps, fmt, title="Not evaluable (missing data is never counted as evidence)")


def register(app: typer.Typer) -> None:
    app.command("scenarios")(scenarios_command)
