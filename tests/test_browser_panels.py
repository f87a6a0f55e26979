"""Every dashboard panel in headless Chromium on a store holding real data (IMF DOTS, WDI, SIPRI, COW NMC).

For each panel: it renders its chart or table from the API, the page logs no console error, nothing is
wider than the viewport, and axe-core finds no serious or critical violation. Also: the time slider
changes the members and the shown year, a panel downloads as CSV, and "cite" gives plain text and
BibTeX. Screenshots of each panel go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_checks import ARTIFACTS, axe_violations, browser, download, new_page, overflowing  # noqa: F401 (browser: fixture)
from live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA_FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv",
              "wdi/sp.pop.totl.csv", "cow_nmc_v7/NMC-70-abridged_from_peacesciencer.csv",
              "military_expenditure/sipri_milex_1949_2024_long.csv"]
PANELS = ["map", "members", "power", "whatif", "trade", "integration", "convergence", "cinc", "arms", "overlap", "claims",
          "projects", "scenarios", "sources"]
# panels with download buttons, and what their picture is: a plotly chart, the page's own SVG chart (the map, the
# power chart), or else a table's picture
DOWNLOADS = {"map": "svg", "members": False, "power": "svg", "whatif": True, "trade": True, "integration": True,
             "convergence": True, "cinc": True, "history": False, "overlap": False, "claims": False, "projects": False,
             "scenarios": False}


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
    page.wait_for_selector("body[data-ready='1'][data-complete='1']")  # waits up to browser_checks.WAIT_MS


def test_every_panel_renders_without_errors_overflow_or_serious_a11y_violations(browser, full_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2016-12-31&statuses=member&add=IND,PAK&indicator=gdp")
    assert page.locator("#map path").count() > 150  # the offline Natural Earth geometry
    members = page.locator("#map path[fill='#1f4e79']").evaluate_all("ps => ps.map(p => p.dataset.iso)")
    assert {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"} <= set(members)  # the six members on the date
    assert "Crimea" in page.locator("#map-note").inner_text()  # the boundary convention is stated
    assert "added (what-if)" in page.locator("#panel-whatif").inner_text()
    whatif = page.locator("#whatif").inner_text()  # measures and sections in words, not the frame's keys
    assert "GDP: member's share" in whatif or "GDP: concentration (CON)" in whatif
    assert "Power balance" in whatif and not re.search(r"\b(gdp|defence) (con|hhi|share)\b", whatif)
    # a source key reads as its short name with the data's vintage and links to its full citation
    source = page.locator("#integration td[data-col=source]").first
    assert re.fullmatch(r"IMF DOTS, vintage \d{4}(; World Bank WDI, vintage \d{4})?", source.inner_text().strip()), source.inner_text()
    for href in source.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        assert page.evaluate("id => document.getElementById(id) !== null", href[1:]), href
    for chart in ["whatif-chart", "trade-chart", "integration-chart", "convergence-chart", "cinc-chart"]:
        assert page.locator(f"#{chart}.js-plotly-plot").count() == 1, chart
    # the CINC chart's log axis labels its powers of ten only (plotly's default labels every 2 and 5 too)
    cinc_ticks = page.locator("#cinc-chart .ytick text").evaluate_all("ts => ts.map(t => t.textContent.trim())")
    assert len(cinc_ticks) >= 2 and all(re.fullmatch(r"0\.0*1|1(0|,000)*", t) for t in cinc_ticks), cinc_ticks
    # country cells name the country (its ISO code in the tooltip), in every table without a name column
    for panel in ["power", "cinc", "trade", "integration"]:
        cells = page.locator(f"#{panel} td[data-col^=iso3]").evaluate_all("tds => tds.map(td => [td.title, td.textContent])")
        assert cells and all(re.fullmatch(r"[A-Z]{3}", iso) and text and text != iso for iso, text in cells), (panel, cells)
    assert "Kazakhstan" in page.locator("#cinc td[data-col=iso3]").all_inner_texts()
    assert page.locator("#power-chart svg g.bar").count() == 8  # the page's own SVG (tests/test_browser_power.py)
    x_title = page.locator("#power-chart svg .axis-title").text_content()
    assert "GDP (current US$)" in x_title and "NY.GDP" not in x_title  # a label and unit, not the code
    verdict = page.locator("#beta-verdict").inner_text()
    assert "converging:" in verdict or "no evidence of β-convergence" in verdict
    assert page.locator("#claims tbody tr").count() >= 6 and page.locator("#projects tbody tr").count() >= 5
    assert page.locator("#sources-list li").count() >= 3
    assert "dialogue_partner" not in page.locator("main").inner_text()  # statuses in words
    headers = page.locator("main th").evaluate_all("ts => ts.map(t => t.textContent.trim())")
    # every header from labels.py, in words: no identifier, no lowercase field name ("member", "share of exports")
    assert [h for h in headers if "_" in h or re.fullmatch(r"[a-z][a-z ]*", h)] == []
    trade_headers = page.locator("#trade th").evaluate_all("ts => ts.map(t => t.textContent.trim())")
    assert trade_headers[:2] == ["Member", "Partner"] and "Share of exports" in trade_headers
    assert any(h.startswith("Flows flagged") for h in trade_headers)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))  # the top of the page, as docs/screenshots shows it
    for panel in PANELS:
        box = page.locator(f"#panel-{panel}")
        box.scroll_into_view_if_needed()
        b = box.bounding_box()
        page.screenshot(path=str(ARTIFACTS / f"panel-{panel}.png"), full_page=True,
                        clip={"x": b["x"], "y": b["y"] + page.evaluate("scrollY"), "width": b["width"], "height": min(b["height"], 760)})
    assert overflowing(page) == []
    assert axe_violations(page) == []
    for width in (1280, 390):  # a laptop and a phone: the page never scrolls sideways, charts redraw to fit
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(400)
        assert overflowing(page) == [], width
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
    assert page.locator("#power-chart svg .chart-title").text_content().endswith("2003: value and share of the group")
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
        page.get_by_role("button", name="Download as CSV — Power balance").click()
    text = Path(info.value.path()).read_text("utf-8")
    assert text.splitlines()[0].startswith("iso3,year,code,value")
    assert "CHN,2012,MS.MIL.XPND.CD" in text
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as SVG — Map").click()
    assert Path(info.value.path()).read_text("utf-8").startswith("<svg")
    page.get_by_role("button", name="Cite this figure — Power balance").click()
    cite = page.locator("#panel-power .cite").inner_text()
    assert "sco-observatory 0." in cite and "@misc{sco-observatory-power-" in cite
    assert "SCO@2012-12-31" in cite and "accessed" in cite and "retrieved" in cite  # data vintage
    assert errors == []


def test_every_panel_downloads_csv_png_and_svg(browser, full_url):
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2016-12-31&statuses=member&add=IND,PAK&indicator=gdp")
    page.locator("#members button.iso[data-iso='KGZ']").click()  # fills the country-history panel
    page.wait_for_selector("#history table")
    for panel, chart in DOWNLOADS.items():
        title = page.locator(f"#panel-{panel}").get_attribute("data-title")
        name, data = download(page, f"Download as CSV — {title}")
        assert name.endswith(".csv") and name.startswith(f"sco-{panel}-"), name
        header = data.decode("utf-8").splitlines()[0]
        assert len(data.decode("utf-8").splitlines()) > 1 and "," in header, (panel, header)
        name, data = download(page, f"Download as PNG — {title}")
        assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, (panel, name, len(data))
        name, data = download(page, f"Download as SVG — {title}")
        text = data.decode("utf-8")
        assert name.endswith(".svg") and text.lstrip().startswith("<svg") and text.rstrip().endswith("</svg>"), (panel, text[:80])
        assert "foreignObject" not in text  # rasterisable anywhere, and what the PNG was drawn from
        if chart == "svg":
            assert "main-svg" not in text and ("<path" in text or 'class="bar"' in text), panel  # the page's own chart
        elif chart:
            assert "main-svg" in text, panel  # plotly's own SVG of the chart
        else:
            cell = page.locator(f"#panel-{panel} table tbody tr").first.locator("td").first.inner_text().strip()
            assert cell and cell.split()[0] in text, (panel, cell)  # the table's first cell is in the picture
    assert errors == []


def test_panels_without_data_say_what_to_import_and_offer_no_download(browser, tmp_path):
    from sco_observatory.store import open_store

    path = tmp_path / "store.duckdb"
    with open_store(path):
        pass  # a fresh home: the open-data snapshot, without SIPRI's arms register (not shipped)
    with LiveServer(str(path)) as url:
        page, errors = new_page(browser)
        _open(page, f"{url}/?org=SCO&date=2024-12-31&statuses=member&indicator=gdp")
        text = page.locator("#arms").inner_text()
        assert "sco import sipri_trade_register_2000_2023.csv" in text and "SIPRI's terms" in text, text
        assert "https://www.sipri.org/databases/armstransfers" in text
        assert page.locator("#arms-chart.js-plotly-plot").count() == 0
        for fmt in ("csv", "png", "svg"):
            assert page.locator(f"#panel-arms .tools button[data-download='{fmt}']").is_disabled()
        assert page.locator("#panel-power .tools button[data-download='csv']").is_enabled()
        assert errors == []


def test_trade_panel_partner_lines_labels_and_log_scale(browser, full_url):
    page, errors = new_page(browser)
    _open(page, f"{full_url}/?org=SCO&date=2016-12-31&statuses=member&add=IND,PAK&indicator=gdp")
    traces = page.locator("#trade-chart").evaluate(
        "gd => gd.data.map(t => ({name: t.name, axis: t.xaxis, n: t.x.length}))")
    with_china = {t["name"] for t in traces if t["axis"] == "x"}
    with_russia = {t["name"] for t in traces if t["axis"] == "x2"}
    assert "China" not in with_china and "Russia" not in with_russia  # a partner is no line of its own chart
    assert {"Kazakhstan", "Kyrgyzstan", "India"} <= with_china and "China" in with_russia
    layout = page.locator("#trade-chart").evaluate("gd => ({y: gd.layout.yaxis, y2: gd.layout.yaxis2, notes: gd.layout.annotations.map(a => a.text)})")
    assert "% of the member's total trade" in page.locator("#trade-chart .ytitle").first.text_content()  # as drawn
    assert any("with China" in n for n in layout["notes"]) and any("with Russia" in n for n in layout["notes"])
    # the automatic scale is log where the largest line's peak is over 20x the smallest's (flat against zero)
    peaks = page.locator("#trade-chart").evaluate(
        "gd => ['x', 'x2'].map(a => gd.data.filter(t => t.xaxis === a).map(t => Math.max(...t.y)))")
    for axis, p in zip(("y", "y2"), peaks):
        expect_log = max(p) > 20 * min(p)
        assert (layout[axis]["type"] == "log") == expect_log, (axis, p, layout[axis]["type"])
        assert ("log scale" in layout[axis]["title"]["text"]) == expect_log
    assert layout["y2"]["type"] == "log"  # with Russia: Kazakhstan's share dwarfs India's and Pakistan's
    assert "Log scale on the Russia chart" in page.locator("#trade-note").inner_text()
    page.select_option("#trade-scale", "linear")
    page.wait_for_function("document.body.dataset.ready === '1' && document.querySelector('#trade-chart').layout.yaxis2.type === 'linear'")
    header = page.locator("#trade thead").inner_text()
    assert "Share of trade" in header and "trade_share" not in header
    assert "China" in page.locator("#trade td[data-col=iso3_b]").all_inner_texts()
    for width in (1280, 390):  # the long source keys wrap: the table fits its panel, nothing sticks out
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        assert overflowing(page) == [], width
        source = page.locator("#trade td[data-col=source]").first.bounding_box()
        panel = page.locator("#panel-trade").bounding_box()
        assert source["x"] + source["width"] <= panel["x"] + panel["width"] + 1 or width == 390, width
    page.set_viewport_size({"width": 1280, "height": 900})
    fits = page.locator("#trade table").evaluate("t => t.getBoundingClientRect().width <= t.closest('.panel').clientWidth")
    assert fits  # at 1280 px the trade table needs no horizontal scroll
    assert errors == []


def _has_arms_route() -> bool:
    from sco_observatory.web.app import create_app

    return any(getattr(r, "path", "") == "/api/arms" for r in create_app(None).routes)


@pytest.fixture(scope="module")
def arms_url(tmp_path_factory, shared_data):
    if not _has_arms_route():
        pytest.skip("this tree has no /api/arms yet (metrics/arms.py comes with the data branch)")
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    path = tmp_path_factory.mktemp("arms") / "store.duckdb"
    with open_store(path) as store:
        import_file(store, shared_data / "arms_transfers_sipri" / "sipri_trade_register_2000_2023.csv")
    with LiveServer(str(path)) as url:
        yield url


def test_arms_panel_draws_supplier_shares_from_the_register(browser, arms_url):
    page, errors = new_page(browser)
    _open(page, f"{arms_url}/?org=SCO&date=2024-12-31&statuses=member&indicator=gdp")
    chart = page.locator("#arms-chart")
    assert chart.locator("xpath=self::*[contains(@class, 'js-plotly-plot')]").count() == 1
    traces = chart.evaluate("gd => gd.data.map(t => ({name: t.name, x: t.x, y: t.y}))")
    assert [t["name"] for t in traces] == ["Russia", "China", "other suppliers"]
    assert set(traces[0]["x"][0]) == {"Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan"}
    assert traces[0]["x"][1][0] == "2000-2004"  # SIPRI-style five-year blocks
    for i in range(len(traces[0]["y"])):  # the three shares of a state and block add up to 100 % (or none is drawn)
        parts = [t["y"][i] for t in traces]
        assert all(v is None for v in parts) or abs(sum(v or 0 for v in parts) - 100) < 1e-6, parts
    kaz_russia = [y for x, y in zip(traces[0]["x"][0], traces[0]["y"]) if x == "Kazakhstan" and y is not None]
    assert kaz_russia and max(kaz_russia) > 50  # Russia supplied most of Kazakhstan's major arms in some block
    assert "SIPRI Arms Transfers Database" in page.locator("#arms").inner_text()  # the source's short name
    assert page.locator("#arms a.src[data-key='sipri:arms-register']").count() >= 1  # linking to its citation
    headers = page.locator("#arms th").evaluate_all("ts => ts.map(t => t.textContent.trim())")
    assert headers[0] == "State" and "Share of its arms imports" in headers  # labels.PANEL_HEADERS["arms"]
    assert [h for h in headers if "_" in h or re.fullmatch(r"[a-z][a-z ]*", h)] == []
    name, data = download(page, "Download as CSV — Arms imports by supplier")
    assert name.endswith(".csv") and data.decode("utf-8").startswith("recipient,period,first_year")
    name, data = download(page, "Download as PNG — Arms imports by supplier")
    assert data[:4] == b"\x89PNG"
    page.locator("#panel-arms").screenshot(path=str(ARTIFACTS / "panel-arms.png"))
    assert axe_violations(page, "#panel-arms") == []
    assert errors == []
