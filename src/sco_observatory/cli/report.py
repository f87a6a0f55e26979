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
) -> None:
    """Write a sourced, self-contained HTML report on the SCO (charts inline; opens offline).

    Example: sco report -o sco-report.html --as-of 2012 --group 'SCO@2012'
    """
    from sco_observatory.report import build_report

    started = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("building report", total=None)
        path = build_report(out, as_of=as_of, group=group,
                            progress=lambda name: bar.update(task, description=f"section: {name}"))
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    if pdf:
        typer.echo(f"wrote {print_pdf(path)}")


def print_pdf(html: Path) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise ObservatoryError("--pdf needs a headless Chromium, and none is installed",
                               "install Debian's chromium package (apt-get install chromium), or open the HTML and print it")
    target = html.with_suffix(".pdf")
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=15000",
         f"--print-to-pdf={target}", "--no-pdf-header-footer", html.resolve().as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    if done.returncode != 0 or not target.exists():
        raise ObservatoryError(f"chromium could not print {html.name} to PDF", (done.stderr or "").strip().splitlines()[-1:] and "see chromium's message: " + done.stderr.strip().splitlines()[-1])
    return target


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
