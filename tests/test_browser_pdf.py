"""`sco report --pdf` on A4 and Letter, read back with pypdf: the paper size, nothing printed off the page,
no toolbar, every signpost year, no half-empty page, and a status timeline that stops at the report's date.

The PDFs are printed by the product's own path (report/pdf.py: headless Chromium's command-line printer);
the Letter one through the `sco report` command itself. They are copied to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser_checks import ARTIFACTS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AS_OF = "2024-12-31"
POINTS = {"A4": (595.3, 841.9), "Letter": (612.0, 792.0)}  # PDF points (1/72 in)
MARGIN_PT = 10 / 25.4 * 72  # the report's 10 mm page margin
HALF_EMPTY = 0.5
"""A page (other than the last) whose content ends above this fraction of its printable height is half-empty."""


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    pytest.importorskip("pypdf", reason="the pypdf package is not installed (pip install -e '.[test]')")
    from sco_observatory.report import build_report
    from sco_observatory.report.pdf import print_pdf
    from sco_observatory.store import open_store

    home = tmp_path_factory.mktemp("pdf")
    with open_store(home / "store.duckdb") as store:
        html = build_report(home / "sco-report.html", as_of=AS_OF, store=store)
    out = {"A4": print_pdf(html, paper="A4", target=home / "sco-report-A4.pdf")}
    cli_home = tmp_path_factory.mktemp("cli-home")
    done = subprocess.run([sys.executable, "-m", "sco_observatory", "report", "-o", str(home / "cli.html"), "--as-of", AS_OF,
                           "--pdf", "--paper", "letter"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SCO_OBSERVATORY_HOME": str(cli_home)})
    assert done.returncode == 0, done.stderr
    assert "(Letter)" in done.stdout
    out["Letter"] = home / "cli.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    for paper, path in out.items():
        shutil.copyfile(path, ARTIFACTS / f"sco-report-{paper}.pdf")
    return out


def _pages(path: Path) -> list[dict]:
    """Per page: size, text, and the extent of its text runs (x right-most, y lowest) in points."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        runs: list[tuple[float, float, str]] = []

        def visit(text, cm, tm, font, size):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((x, y, text))

        text = page.extract_text(visitor_text=visit)
        pages.append({"size": (float(page.mediabox.width), float(page.mediabox.height)), "text": text, "runs": runs})
    return pages


@pytest.mark.parametrize("paper", sorted(POINTS))
def test_pdf_paper_size_and_nothing_off_the_page(pdfs, paper):
    pages = _pages(pdfs[paper])
    w, h = POINTS[paper]
    assert 3 <= len(pages) <= 30
    for i, p in enumerate(pages, 1):
        assert abs(p["size"][0] - w) < 1.5 and abs(p["size"][1] - h) < 1.5, (paper, i, p["size"])
        assert p["runs"], f"page {i} has no text"
        xs = [x for x, _, _ in p["runs"]]
        assert min(xs) >= MARGIN_PT - 2 and max(xs) <= w - MARGIN_PT, (paper, i, min(xs), max(xs))
    text = "\n".join(p["text"] for p in pages)
    for heading in ("The SCO at a glance", "Power balance", "Scenarios and signposts", "Sources and formulas"):
        assert heading in text, heading
    assert "Produced with Plotly" not in text and "Download plot" not in text  # no toolbar on paper


@pytest.mark.parametrize("paper", sorted(POINTS))
def test_pdf_has_every_signpost_year_and_no_half_empty_page(pdfs, paper):
    pages = _pages(pdfs[paper])
    grid = [p for p in pages if "signpost" in p["text"].lower() and re.search(r"\b2010\b", p["text"])]
    assert grid, "no page prints the signposts grid"
    years = set(int(y) for p in grid for y in re.findall(r"\b(20[12][0-9])\b", p["text"]))
    assert set(range(2010, 2021)) <= years, sorted(years)  # 2010 to at least 2020, none cut off
    h = POINTS[paper][1]
    printable = h - 2 * MARGIN_PT
    for i, p in enumerate(pages[:-1], 1):
        lowest = min(y for _, y, _ in p["runs"])
        filled = (h - MARGIN_PT - lowest) / printable
        assert filled >= HALF_EMPTY, f"{paper} page {i} of {len(pages)} ends at {filled:.0%} of its height"


def test_pdf_timeline_stops_at_the_report_date(pdfs):
    """The status timeline's axis ends on the report's date, labelled as such, with no later year drawn."""
    for paper in POINTS:
        pages = _pages(pdfs[paper])
        page = next(p for p in pages if f"every status from founding to {AS_OF}" in p["text"])
        runs = [t.strip() for _, _, t in page["runs"]]
        years = [int(t) for t in runs if re.fullmatch(r"(19|20)\d\d", t)]
        assert AS_OF in runs, (paper, runs[:40])  # the last tick is the date itself
        assert years and max(years) <= int(AS_OF[:4]), (paper, years)
