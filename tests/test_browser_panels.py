"""Every dashboard panel in headless Chromium on a store holding real data (IMF DOTS, WDI, SIPRI, COW NMC).

For each panel: it renders its chart or table from the API, the page logs no console error, nothing is
wider than the viewport, and axe-core finds no serious or critical violation. Also: the time slider
changes the members and the shown year, a panel downloads as CSV, and "cite" gives plain text and
BibTeX. Screenshots of each panel go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_checks import ARTIFACTS, axe_violations, browser, new_page, overflowing  # noqa: F401 (browser: fixture)
from live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA_FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv",
              "wdi/sp.pop.totl.csv", "cow_nmc_v7/NMC-70-abridged_from_peacesciencer.csv",
              "military_expenditure/sipri_milex_1949_2024_long.csv"]
PANELS = ["map", "members", "power", "whatif", "trade", "integration", "convergence", "cinc", "overlap", "claims",
          "projects", "scenarios", "sources"]


@pytest.fixture(scope="module")
def full_url(tmp_path_factory, shared_data):
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    path = tmp_path_factory.mktemp("full") / "store.duckdb"
    with open_store(path) as store:
        for name in DATA_FILES:
            import_file(store, shared_data / name)
    with LiveServer(str(path)) as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1'][data-complete='1']", timeout=60000)


def test_every_panel_renders_without_errors_overflow_or_serious_a11y_violations(browser, full_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2016-12-31&statuses=member&add=IND,PAK&indicator=gdp")
    assert page.locator("#map path").count() > 150  # the offline Natural Earth geometry
    members = page.locator("#map path[fill='#1f4e79']").evaluate_all("ps => ps.map(p => p.dataset.iso)")
    assert {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"} <= set(members)  # the six members on the date
    assert "Crimea" in page.locator("#map-note").inner_text()  # the boundary convention is stated
    assert "added (what-if)" in page.locator("#panel-whatif").inner_text()
    for chart in ["power-chart", "whatif-chart", "trade-chart", "integration-chart", "convergence-chart", "cinc-chart"]:
        assert page.locator(f"#{chart}.js-plotly-plot").count() == 1, chart
    x_title = page.locator("#power-chart .xtitle").text_content()
    assert "GDP (current US$)" in x_title and "NY.GDP" not in x_title  # a label and unit, not the code
    verdict = page.locator("#beta-verdict").inner_text()
    assert "converging:" in verdict or "no evidence of β-convergence" in verdict
    assert page.locator("#claims tbody tr").count() >= 6 and page.locator("#projects tbody tr").count() >= 5
    assert page.locator("#sources-list li").count() >= 3
    assert "dialogue_partner" not in page.locator("main").inner_text()  # statuses in words
    for panel in PANELS:
        page.locator(f"#panel-{panel}").screenshot(path=str(ARTIFACTS / f"panel-{panel}.png"))
    assert overflowing(page) == []
    assert axe_violations(page) == []
    assert errors == []


def test_time_slider_moves_members_and_year(browser, full_url):
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2024-12-31&statuses=member&indicator=gdp")
    assert page.locator("#members td[data-col=iso3]").count() == 10
    assert "Showing 2024" in page.locator("#year-note").inner_text()  # the year follows the date
    page.locator("#slider").fill("2003")
    page.wait_for_function("document.body.dataset.ready === '1' && document.querySelector('#date').value === '2003-12-31'")
    page.wait_for_function("document.querySelectorAll('#members td[data-col=iso3]').length === 6")
    assert "Showing 2003: the latest year with data at or before 2003-12-31" in page.locator("#year-note").inner_text()
    assert page.locator("#power-chart .gtitle").text_content().endswith("2003: value and share of the group")
    assert "date=2003-12-31" in page.url
    # a pinned year stays when the date moves
    page.fill("#year", "2010")
    page.dispatch_event("#year", "change")
    page.wait_for_function("document.body.dataset.ready === '1' && location.search.includes('year=2010')")
    page.locator("#slider").fill("2018")
    page.wait_for_function("document.body.dataset.ready === '1' && document.querySelectorAll('#members td[data-col=iso3]').length === 8")
    assert "Year 2010 (pinned)" in page.locator("#year-note").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-slider.png"))
    # the map colours the indicator for the group instead of the statuses
    page.select_option("#map-mode", "indicator")
    page.wait_for_function("document.body.dataset.ready === '1' && location.search.includes('map=indicator')")
    assert page.locator("#map-title").inner_text().startswith("GDP (current US$), 2010")
    coloured = page.locator("#map path[fill^='rgb']").evaluate_all("ps => ps.map(p => p.dataset.iso)")
    assert set(coloured) == {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK"}
    assert errors == []


def test_download_csv_and_cite(browser, full_url):
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2012-12-31&statuses=member&indicator=defence")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the table as CSV — Power balance").click()
    text = Path(info.value.path()).read_text("utf-8")
    assert text.splitlines()[0].startswith("iso3,year,code,value")
    assert "CHN,2012,MS.MIL.XPND.CD" in text
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the chart as SVG — Map").click()
    assert Path(info.value.path()).read_text("utf-8").startswith("<svg")
    page.get_by_role("button", name="Cite this figure — Power balance").click()
    cite = page.locator("#panel-power .cite").inner_text()
    assert "sco-observatory 0." in cite and "@misc{sco-observatory-power-" in cite
    assert "SCO@2012-12-31" in cite and "accessed" in cite and "retrieved" in cite  # data vintage
    assert errors == []
