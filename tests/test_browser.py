"""Headless Chromium (Debian's, driven by Playwright) on the generated report and the served dashboard.

Checks that sections and key numbers are there, that changing the date changes the members table,
that the pages log no console errors, and saves screenshots under test-artifacts/.
"""

from __future__ import annotations

import pytest

from browser_checks import ARTIFACTS, WAIT_MS, browser  # noqa: F401 (browser: the shared module-scoped fixture)
from live_server import LiveServer

pytestmark = pytest.mark.browser


def _page(browser):
    page = browser.new_page(viewport={"width": 1320, "height": 900})
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from sco_observatory.report import build_report
    from sco_observatory.store import open_store

    home = tmp_path_factory.mktemp("report")
    with open_store(home / "store.duckdb") as store:
        return build_report(home / "sco-report.html", as_of="2024-12-31", store=store)


def test_report_opens_offline_with_sections_and_numbers(browser, report_file):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _page(browser)
    page.route("http*://**", lambda route: route.abort())  # offline: any network request fails
    page.goto(report_file.resolve().as_uri())
    page.wait_for_selector("#glance")
    for section in ["glance", "architecture", "power", "integration", "convergence", "claims", "projects", "sources"]:
        assert page.locator(f"section#{section}").count() == 1, section
    members = page.locator("#sco-member td[data-col=iso3]").all_inner_texts()
    assert {"CHN", "RUS", "IND", "PAK", "IRN", "BLR"} <= set(members) and len(members) == 10
    assert page.locator("#footnotes li").count() > 5
    assert "966.4" in page.locator("#defence-ratios").inner_text()  # the report's CHN/KGZ ratio, recomputed
    assert page.locator("#claims .verdict-agree").count() >= 6
    assert page.locator(".js-plotly-plot").count() >= 2  # timeline and network rendered by inline plotly
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert errors == []


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("dash") / "store.duckdb")) as url:
        yield url


def test_dashboard_date_change_updates_members(browser, dashboard_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _page(browser)
    page.goto(f"{dashboard_url}/?org=SCO&date=2012-12-31&statuses=member&year=2012&indicator=defence")
    page.wait_for_selector("body[data-ready='1'][data-complete='1']")
    before = set(page.locator("#members td[data-col=iso3]").all_inner_texts())
    assert before == {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"}
    assert "China" in page.locator("#power").inner_text()  # country cells name the country
    # the scenarios grid: one row per signpost, 2010 onwards, with the 2014 baseline column marked
    assert page.locator("#scenarios tbody tr").count() >= 8
    assert page.locator("#scenarios th.base").inner_text() == "2014"
    page.screenshot(path=str(ARTIFACTS / "dashboard-2012.png"), full_page=True)

    page.fill("#date", "2024-12-31")
    page.dispatch_event("#date", "change")
    page.wait_for_function("document.querySelectorAll('#members td[data-col=iso3]').length === 10")
    after = set(page.locator("#members td[data-col=iso3]").all_inner_texts())
    assert after - before == {"IND", "PAK", "IRN", "BLR"}
    assert "date=2024-12-31" in page.url  # the state lives in the URL
    page.screenshot(path=str(ARTIFACTS / "dashboard-2024.png"), full_page=True)

    # a shared URL reproduces the view, including a what-if
    page.goto(f"{dashboard_url}/?org=SCO&date=2016-12-31&statuses=member&add=IND,PAK&year=2013&indicator=population")
    page.wait_for_selector("body[data-ready='1']")
    assert "SCO@2016-12-31+IND+PAK" in page.locator("#expr").inner_text()
    assert {"IND", "PAK"} <= set(page.locator("#members td[data-col=iso3]").all_inner_texts())
    whatif = page.locator("#whatif").inner_text()  # baseline vs changed group, in words
    assert "Population, total: concentration (CON)" in whatif and "Power balance" in whatif
    assert "population con" not in whatif and "largest_share" not in whatif
    page.screenshot(path=str(ARTIFACTS / "dashboard-whatif.png"), full_page=True)
    assert errors == []


def test_dashboard_shows_bad_input_as_a_message(browser, dashboard_url):
    page, errors = _page(browser)
    page.goto(f"{dashboard_url}/?org=SCO&date=2012-12-31&add=Narnia")
    page.wait_for_selector("body[data-ready='1']")
    assert "unknown country 'Narnia'" in page.locator("#members .error").inner_text()
    # the failed API call is logged by the browser as a 404 resource error; nothing else may be
    assert all("404" in e for e in errors), errors


# plotly.js fetched only after the first view: tests/test_browser_power.py (test_no_plotly_before_the_first_view)
