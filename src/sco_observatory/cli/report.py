"""`sco report`: write the self-contained HTML report (the main job)."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import typer

from sco_observatory.errors import ObservatoryError
from sco_observatory.report.pdf import PAPERS, paper_name, print_pdf


def report_command(
    out: Path = typer.Option(Path("sco-report.html"), "--output", "-o", help="Where to write the HTML file."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date of the picture: YYYY (31 December) or YYYY-MM-DD; default today."),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="Group expression for the power and integration sections; default SCO members on the date."),
    pdf: bool = typer.Option(False, "--pdf", help="Also print a PDF beside the HTML with headless Chromium (if installed)."),
    paper: Optional[str] = typer.Option(None, "--paper", help=f"Paper of the PDF: {' or '.join(PAPERS)} (default A4)."),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks", help="If -o is a symbolic link, write to its target (refused otherwise)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Country, organisation and status names in this language (ru, zh, kk, ...; CLDR codes); headings stay English."),
) -> None:
    """Write a sourced, self-contained HTML report on the SCO (charts inline; opens offline).

    Example: sco report -o sco-report.html --as-of 2012 --group 'SCO@2012'
    """
    from sco_observatory.cli.options import observatory
    from sco_observatory.countries import check_language
    from sco_observatory.safe_output import check_target

    check_language(lang)  # an unknown --lang is one line before any work
    out = check_target(out, follow_symlinks=follow_symlinks)  # before any work
    if paper is not None and not pdf:
        raise ObservatoryError("--paper sets the PDF's paper, and no PDF is asked for", "add --pdf, or leave out --paper")
    if pdf:
        paper = paper_name(paper or "A4")  # a bad paper size is refused before any work
        check_target(out.with_suffix(".pdf"), follow_symlinks=follow_symlinks)
    started = time.perf_counter()
    with _spinner() as progress:
        with observatory(lang) as obs:
            path = obs.report(out, as_of=as_of, group=group, follow_symlinks=follow_symlinks, progress=progress)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    if pdf:
        typer.echo(f"wrote {print_pdf(path, paper=paper, follow_symlinks=follow_symlinks)} ({paper})")


@contextlib.contextmanager
def _spinner() -> Iterator[Callable[[str], None] | None]:
    """A transient spinner on stderr naming the section being built, where stderr is a terminal; the
    `progress` callback for `build_report` (None where nothing is drawn).

    Why rich is imported here and only for a terminal: rich's console and progress modules cost ~0.1 s
    to import, and a report written from a script, a pipe or CI (stderr not a TTY) drew nothing with them
    (the bar was `disable`d there) — benchmarks/README.md, "report, session 6"."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("building report", total=None)
        yield lambda name: bar.update(task, description=f"section: {name}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
