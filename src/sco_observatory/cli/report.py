"""`sco report`: write the self-contained HTML report (the main job)."""

from __future__ import annotations

import shutil
import sys
import subprocess
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sco_observatory.errors import ObservatoryError


def report_command(
    out: Path = typer.Option(Path("sco-report.html"), "--output", "-o", help="Where to write the HTML file."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date of the picture: YYYY (31 December) or YYYY-MM-DD; default today."),
    group: Optional[str] = typer.Option(None, "--group", "-g", help="Group expression for the power and integration sections; default SCO members on the date."),
    pdf: bool = typer.Option(False, "--pdf", help="Also print a PDF beside the HTML with headless Chromium (if installed)."),
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
    if pdf:
        check_target(out.with_suffix(".pdf"), follow_symlinks=follow_symlinks)
    started = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("building report", total=None)
        with observatory(lang) as obs:
            path = obs.report(out, as_of=as_of, group=group, follow_symlinks=follow_symlinks,
                              progress=lambda name: bar.update(task, description=f"section: {name}"))
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    if pdf:
        typer.echo(f"wrote {print_pdf(path, follow_symlinks=follow_symlinks)}")


def print_pdf(html: Path, *, follow_symlinks: bool = False) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise ObservatoryError("--pdf needs a headless Chromium, and none is installed",
                               "install Debian's chromium package (apt-get install chromium), or open the HTML and print it")
    from sco_observatory.safe_output import atomic_path

    target = html.with_suffix(".pdf")
    with atomic_path(target, follow_symlinks=follow_symlinks) as tmp:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=15000",
             f"--print-to-pdf={tmp}", "--no-pdf-header-footer", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=180,
        )
        if done.returncode != 0 or not tmp.stat().st_size:
            last = (done.stderr or "").strip().splitlines()[-1:]
            raise ObservatoryError(f"chromium could not print {html.name} to PDF",
                                   f"see chromium's message: {last[0]}" if last else "run chromium by hand to see why")
    return target


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
