"""The dashboard's power chart, drawn as the page's own SVG (no plotly), in headless Chromium on a fresh home.

Checks that it draws one bar per country with a value, named in words, longest for the largest value, with the
share of the group at its end and the unit on its axis and in its tooltips; that the log toggle redraws it on
the other scale without asking the server again; that it downloads as CSV, PNG and SVG; that it redraws to a
phone's width; that it prints; that it passes the accessibility check; and that plotly.js is not fetched
before the first view (`sco:first-view`) is drawn.
"""

from __future__ import annotations

import io
import math
import struct

import pytest

from browser_checks import ARTIFACTS, axe_violations, browser, download, new_page, overflowing  # noqa: F401 (browser: fixture)
from live_server import LiveServer

pytestmark = pytest.mark.browser

GDP = "/?org=SCO&date=2024-12-31&statuses=member&indicator=gdp"
DEFENCE = "/?org=SCO&date=2024-12-31&statuses=member&indicator=defence"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    from sco_observatory.store import open_store

    path = tmp_path_factory.mktemp("power") / "store.duckdb"
    with open_store(path):
        pass  # a fresh home: the open-data snapshot (WDI GDP and military expenditure among it)
    with LiveServer(str(path)) as served:
        yield served


def _open(page, address: str) -> None:
    page.goto(address)
    page.wait_for_selector("body[data-ready='1'][data-complete='1']")


def _bars(page) -> list[dict]:
    return page.locator("#power-chart svg g.bar").evaluate_all("""gs => gs.map(g => ({
      iso: g.dataset.iso, value: Number(g.dataset.value), label: g.querySelector('text.label').textContent,
      share: g.querySelector('text.share').textContent, title: g.querySelector('title').textContent,
      width: Number(g.querySelector('rect').getAttribute('width')), x: Number(g.querySelector('rect').getAttribute('x'))}))""")


def _table(page) -> dict[str, str]:
    """iso3 -> the value cell's text, from the power table under the chart (the country cell shows the name,
    its ISO code in the tooltip)."""
    rows = page.locator("#power tbody tr").evaluate_all(
        "trs => trs.map(tr => [tr.querySelector('[data-col=iso3]').title, tr.querySelector('[data-col=value]').textContent])")
    return dict(rows)


def test_power_chart_draws_a_labelled_bar_per_country_with_units(browser, url):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = new_page(browser)
    _open(page, url + GDP)
    assert page.locator("#power-chart.js-plotly-plot").count() == 0  # not a plotly chart
    bars = _bars(page)
    table = _table(page)
    assert {b["iso"] for b in bars} == {iso for iso, v in table.items() if v.strip()}  # a bar per country with a value
    assert len(bars) == 10
    assert [b["value"] for b in bars] == sorted((b["value"] for b in bars), reverse=True)  # largest first
    names = {r["iso3"]: r["name"] for r in page.evaluate("fetch('/api/members?group=SCO%402024-12-31').then(r => r.json())")["rows"]}
    assert [b["label"] for b in bars] == [names[b["iso"]] for b in bars]  # names in words, not codes
    cells = page.locator("#power td[data-col=iso3]").evaluate_all("tds => tds.map(td => [td.title, td.textContent])")
    assert cells and all(text == names[iso] for iso, text in cells)  # the table too
    assert bars[0]["iso"] == "CHN" and bars[0]["share"].endswith("%")
    for b in bars:
        assert "current US$" in b["title"] and "% of the group" in b["title"] and "NY.GDP.MKTP.CD" in b["title"], b["title"]
        assert b["share"].split()[0] in b["title"]  # the share read out at the bar's end, as the tooltip says
    svg = page.locator("#power-chart svg")
    assert svg.locator(".chart-title").text_content() == "GDP, 2024: value and share of the group"
    assert svg.locator(".axis-title").text_content() == "GDP (current US$), log scale"  # checked by default
    ticks = svg.locator(".tick").all_text_contents()
    assert any(t.endswith(("billion", "trillion")) for t in ticks), ticks  # tick values in words
    assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label").startswith("GDP, 2024: value and share")
    assert "China" in svg.get_attribute("aria-label")
    page.locator("#panel-power").screenshot(path=str(ARTIFACTS / "power-chart.png"))
    assert axe_violations(page, "#panel-power") == []
    assert axe_violations(page) == []
    assert errors == []


def test_log_toggle_redraws_on_the_other_scale_without_a_request(browser, url):
    page, errors = new_page(browser)
    _open(page, url + GDP)
    on_log = _bars(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/" in r.url else None)
    page.click("#power-log")
    assert not page.locator("#power-log").is_checked()
    linear = _bars(page)
    assert page.locator("#power-chart svg .axis-title").text_content() == "GDP (current US$)"
    # linear: a bar's length is proportional to its value (within a pixel of rounding)
    top = linear[0]
    for b in linear:
        assert math.isclose(b["width"], top["width"] * b["value"] / top["value"], abs_tol=1.0), b
    # log: equal ratios of values are equal differences of length, so the smallest bar is much longer than on linear
    small_log, small_lin = on_log[-1]["width"] / on_log[0]["width"], linear[-1]["width"] / linear[0]["width"]
    assert small_log > 10 * small_lin
    a, b, c = on_log[0], on_log[1], on_log[-1]
    per_decade = (a["width"] - c["width"]) / math.log10(a["value"] / c["value"])
    assert math.isclose(a["width"] - b["width"], per_decade * math.log10(a["value"] / b["value"]), abs_tol=1.0)
    page.click("#power-log")
    assert page.locator("#power-chart svg .axis-title").text_content().endswith(", log scale")
    assert [x["width"] for x in _bars(page)] == [x["width"] for x in on_log]
    assert asked == []  # the values shown, redrawn: no request
    assert errors == []


def test_estimates_are_marked_and_missing_values_named(browser, url):
    page, errors = new_page(browser)
    _open(page, url + DEFENCE)
    flagged = set(page.locator("#power td.flag").evaluate_all(
        "tds => tds.filter(td => td.textContent.includes('estimate')).map(td => td.parentElement.querySelector('[data-col=iso3]').title)"))
    bars = _bars(page)
    assert flagged, "the snapshot's SIPRI-sourced WDI military expenditure carries estimate flags"
    for b in bars:
        assert (b["iso"] in flagged) == b["share"].endswith("⚑"), b
        assert (b["iso"] in flagged) == ("estimate" in b["title"]), b
    assert "current USD" in page.locator("#power-chart svg .axis-title").text_content()
    no_value = [iso for iso, v in _table(page).items() if not v.strip()]  # missing is missing: said, not drawn as 0
    note = page.locator("#power-chart svg .missing")
    assert not {b["iso"] for b in bars} & set(no_value)
    if no_value:
        names = {r["iso3"]: r["name"] for r in page.evaluate("fetch('/api/members?group=SCO%402024-12-31').then(r => r.json())")["rows"]}
        assert note.text_content() == "No value, no bar: " + ", ".join(names[i] for i in sorted(no_value, key=lambda i: names[i])) + "."
    else:
        assert note.count() == 0
    assert errors == []


def test_power_chart_downloads_csv_png_and_svg(browser, url):
    page, errors = new_page(browser)
    _open(page, url + GDP)
    name, data = download(page, "Download as CSV — Power balance")
    lines = data.decode("utf-8").splitlines()
    assert name.startswith("sco-power-") and name.endswith(".csv")
    assert lines[0].startswith("iso3,year,code,value") and len(lines) == 1 + len(_table(page))
    name, data = download(page, "Download as SVG — Power balance")
    text = data.decode("utf-8")
    assert name.endswith(".svg") and text.startswith("<svg") and text.rstrip().endswith("</svg>")
    assert 'class="bar"' in text and "China" in text and "<title>" in text and "GDP (current US$), log scale" in text
    assert "main-svg" not in text and "foreignObject" not in text  # the page's own chart, rasterisable
    name, data = download(page, "Download as PNG — Power balance")
    assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    png_width = struct.unpack(">I", data[16:20])[0]  # the IHDR chunk's width
    assert png_width == 2 * int(page.locator("#power-chart svg").get_attribute("width"))  # the SVG, at twice its size
    assert errors == []


def test_power_chart_fits_a_phone_and_prints(browser, url):
    page, errors = new_page(browser)
    _open(page, url + GDP)
    wide = int(page.locator("#power-chart svg").get_attribute("width"))
    page.set_viewport_size({"width": 390, "height": 900})
    page.wait_for_function(f"Number(document.querySelector('#power-chart svg').getAttribute('width')) < {wide}")
    assert len(_bars(page)) == 10 and overflowing(page) == []
    page.set_viewport_size({"width": 1320, "height": 900})
    pypdf = pytest.importorskip("pypdf", reason="the pypdf package is not installed (pip install -e '.[test]')")
    pdf = page.pdf(format="A4", print_background=True)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "value and share of the group" in text and "GDP (current US$), log scale" in text
    assert errors == []


def test_no_plotly_before_the_first_view(browser, url):
    """plotly.js (the page's longest parse) is neither requested nor run before the first viewport is drawn:
    the map and the power chart are the page's own SVG; the panels below the fold load it when they are built."""
    page, errors = new_page(browser)
    page.add_init_script("""window.__plotly = {}; new MutationObserver(() => {
      if (!window.__plotly.tag && document.querySelector('script[src*="plotly"]')) window.__plotly.tag = performance.now();
    }).observe(document, {subtree: true, childList: true});""")
    page.goto(url + GDP)
    page.wait_for_selector("body[data-ready='1']")
    first_view = page.evaluate("performance.getEntriesByName('sco:first-view')[0].startTime")
    fetched = page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('plotly')).map(e => e.startTime)")
    assert len(fetched) == 1 and fetched[0] >= first_view  # fetched once, after the first view
    assert page.evaluate("window.__plotly.tag") >= first_view
    assert page.locator("#power-chart svg g.bar").count() == 10  # the first view's chart, without plotly
    assert page.locator(".js-plotly-plot").count() >= 1  # the panels below the fold still draw their plotly charts
    # no script error (a slow server's 504 on a heavy panel, logged by the browser, is not this test's subject)
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
