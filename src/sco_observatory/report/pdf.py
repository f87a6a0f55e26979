"""`sco report --pdf`: print the self-contained HTML report to PDF with headless Chromium, on A4 or Letter.

Why a copy: Chromium's command-line printer uses the page size that the document's CSS asks for
(`@page { size: ... }`) and otherwise its own default; the report on screen must not fix a paper size
(a reader printing from a browser chooses their own), so the paper is set only in a temporary copy
of the HTML next to the target, printed and deleted. The report's print CSS (report/templates/
report.html.j2, `@media print`) does the rest: no toolbar, tables inside the page width, every
signpost year on the page, charts at a width that fits both papers (report/charts.py PRINT_WIDTH).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sco_observatory.errors import ObservatoryError

PAPERS = {"A4": "210mm 297mm", "Letter": "8.5in 11in"}
"""Paper names accepted by `--paper`, with the CSS page size each prints at."""

MARGIN = "10mm"
"""Page margin on every paper; charts are sized for the printable width this leaves (report/charts.py)."""


def chromium() -> str | None:
    """The first Chromium-family browser on PATH, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def paper_name(paper: str) -> str:
    """`paper` as one of PAPERS (case-insensitive), or a one-line error naming the choices."""
    for name in PAPERS:
        if paper.strip().lower() == name.lower():
            return name
    raise ObservatoryError(f"unknown paper size '{paper}'", f"use one of: {', '.join(PAPERS)}")


def page_css(paper: str) -> str:
    return f"<style>@page {{ size: {PAPERS[paper_name(paper)]}; margin: {MARGIN}; }}</style>"


def print_pdf(html: Path, *, paper: str = "A4", target: Path | None = None, follow_symlinks: bool = False) -> Path:
    """Print `html` to `target` (default: beside it, suffix .pdf) on `paper`; returns the PDF's path."""
    paper = paper_name(paper)
    browser = chromium()
    if browser is None:
        raise ObservatoryError("--pdf needs a headless Chromium, and none is installed",
                               "install Debian's chromium package (apt-get install chromium), or open the HTML and print it")
    from sco_observatory.safe_output import atomic_path

    target = target or html.with_suffix(".pdf")
    text = html.read_text("utf-8")
    head = text.find("</head>")
    if head < 0:
        raise ObservatoryError(f"{html.name} is not a report (no </head>)", "build it with `sco report` first")
    with atomic_path(target, follow_symlinks=follow_symlinks) as tmp:
        copy = tmp.with_name(tmp.name + ".print.html")  # beside the report's own copy, so relative links still resolve
        try:
            copy.write_text(text[:head] + page_css(paper) + text[head:], "utf-8")
            done = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=15000",
                 f"--print-to-pdf={tmp}", "--no-pdf-header-footer", copy.resolve().as_uri()],
                capture_output=True, text=True, timeout=180,
            )
        finally:
            copy.unlink(missing_ok=True)
        if done.returncode != 0 or not tmp.exists() or not tmp.stat().st_size:
            last = (done.stderr or "").strip().splitlines()[-1:]
            raise ObservatoryError(f"chromium could not print {html.name} to PDF",
                                   f"see chromium's message: {last[0]}" if last else "run chromium by hand to see why")
    return target
