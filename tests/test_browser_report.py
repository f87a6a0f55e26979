"""The report in headless Chromium: on screen and as printed on A4 and Letter.

Checks that the status timeline stops at the report's date, the membership network is bipartite with
words in its legend, the report cites itself (plain text and BibTeX), axe-core finds no serious or
critical violation, and — with print media at each paper's printable width — nothing is wider than the
page, plotly's toolbar is hidden and the signposts grid keeps every year. PDFs and screenshots go to
test-artifacts/.
"""

from __future__ import annotations


import pytest

from browser_checks import ARTIFACTS, axe_violations, browser, new_page, overflowing  # noqa: F401 (browser: fixture)

pytestmark = pytest.mark.browser

AS_OF = "2024-12-31"
PAPERS = {"A4": 718, "Letter": 740}  # printable width in CSS px with the report's 10 mm margins


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from sco_observatory.report import build_report
    from sco_observatory.store import open_store

    home = tmp_path_factory.mktemp("report")
    with open_store(home / "store.duckdb") as store:
        return build_report(home / "sco-report.html", as_of=AS_OF, store=store)


def _open(browser, report_file, width=1320):
    page, errors = new_page(browser, width=width)
    page.route("http*://**", lambda route: route.abort())  # offline
    page.goto(report_file.resolve().as_uri())
    page.wait_for_selector("#glance .js-plotly-plot")
    return page, errors


def test_timeline_stops_at_the_report_date_and_network_speaks_words(browser, report_file):
    page, errors = _open(browser, report_file)
    timeline = page.locator("#glance .js-plotly-plot").first
    assert timeline.evaluate("gd => gd.layout.xaxis.range[1]").startswith(AS_OF)
    bases = timeline.evaluate("gd => gd.data.map(t => t.base[0])")
    assert bases and max(bases) <= AS_OF  # no status that starts after the report's date
    assert all(n != "dialogue_partner" for n in timeline.evaluate("gd => gd.data.map(t => t.name)"))
    network = page.locator("#architecture .js-plotly-plot").first
    names = set(network.evaluate("gd => gd.data.map(t => t.name)"))
    assert {"countries", "organisations", "member"} <= names and "countrys" not in names
    xs = network.evaluate("gd => [...new Set(gd.data.filter(t => t.mode === 'markers+text').flatMap(t => t.x))]")
    assert sorted(xs) == [0, 1]  # two columns: organisations and countries
    cite = page.locator("#cite-report").inner_text()
    assert "sco-observatory 0." in cite and "@techreport{sco-observatory-20241231" in cite and AS_OF in cite
    page.screenshot(path=str(ARTIFACTS / "report-top.png"))
    assert axe_violations(page) == []
    assert errors == []


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_print_fits_the_page(browser, report_file, paper):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open(browser, report_file, width=PAPERS[paper])
    page.emulate_media(media="print")
    assert overflowing(page) == []
    assert page.evaluate("[...document.querySelectorAll('.modebar')].every(m => getComputedStyle(m).display === 'none')")
    heads = page.locator("#signposts-grid thead th").all_inner_texts()
    years = [int(h.split()[0]) for h in heads[1:]]
    assert years[0] == 2010 and years == list(range(2010, years[-1] + 1)) and years[-1] >= 2020
    grid = page.locator("#signposts-grid").bounding_box()
    assert grid["x"] + grid["width"] <= PAPERS[paper] + 1  # every year column is on the page
    page.pdf(path=str(ARTIFACTS / f"report-{paper}.pdf"), format=paper, print_background=True)
    assert errors == []
