"""The report as of a date uses the data of that date, and says which (dataset, year) in each heading;
its sources section lists each dataset's publisher, vintage, retrieval date, URL and licence; the arms
section says which file to import on a fresh home and shows SIPRI's figures once imported."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sco_observatory.report import build_report
from sco_observatory.store import open_store


def headings(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([a-z]+)">\s*<h2>([^<]*)</h2>', html))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    home = tmp_path_factory.mktemp("asof")
    with open_store(home / "store") as store:
        today = build_report(home / "today.html", store=store).read_text(encoding="utf-8")
        then = build_report(home / "2012.html", as_of="2012", store=store).read_text(encoding="utf-8")
    return today, then


@pytest.mark.slow
def test_headings_today_name_the_latest_year(reports):
    h = headings(reports[0])
    from sco_observatory.store import open_store as _open

    with _open() as store:  # the latest defence year the snapshot holds for most of today's SCO
        last = store.con.execute("SELECT max(year) FROM indicator WHERE code = 'MS.MIL.XPND.CD' AND year <= ?",
                                 [dt.date.today().year]).fetchone()[0]
    assert h["power"] == f"Power balance — World Bank WDI, {last}"
    assert re.fullmatch(r"Integration — .+, 20\d\d", h["integration"])
    assert re.fullmatch(r"Convergence of incomes — World Bank WDI, 20\d\d", h["convergence"])


@pytest.mark.slow
def test_as_of_2012_reproduces_the_reports_frame(reports):
    h = headings(reports[1])
    # the report's own frame: its IISS defence table covers every member in 2012 (WDI lacks Uzbekistan)
    assert h["power"] == "Power balance — IISS (via the 2014 report), 2012"
    assert h["integration"] == "Integration — IMF DOTS, 2012"
    assert h["convergence"] == "Convergence of incomes — World Bank WDI, 2012"
    assert h["scenarios"].endswith("— 2012")
    body = reports[1]
    assert "Pairwise trade integration, 2012" in body and "0.922" in body  # KAZ–RUS, H1, as in docs/metrics.md
    # nothing after the report's date: no year 2013+ in the headings (the 2014 report, named as the
    # source of the IISS table, is a publication, not a data year)
    assert not any(re.search(r"\b20(1[3-9]|2\d)\b", t.replace("the 2014 report", "")) for t in h.values())


@pytest.mark.slow
def test_education_investment_energy_in_the_integration_section(reports):
    today = reports[0]
    assert 'id="siei-education"' in today and 'id="siei-investment"' in today
    assert "Energy integration — data missing" in today and "kWh" in today
    assert "[H]" in today  # the proxies' evidence tag is stated (formula notes)


@pytest.mark.slow
def test_sources_section_lists_licences_and_vintages(reports):
    section = reports[0].split('<section id="sources">')[1]
    table = section.split('id="datasets"')[1].split("</table>")[0]
    assert "World Bank" in table and "CC BY 4.0" in table and "2026-07-01" in table
    assert "https://data.worldbank.org" in table and "1960-2025" in table


@pytest.mark.slow
def test_arms_section_on_a_fresh_home_says_what_to_import(reports):
    arms = reports[0].split('<section id="arms">')[1].split("</section>")[0]
    assert "not shipped" in arms and "sco import" in arms and "sipri.org" in arms
    assert "store holds no" not in arms


def test_arms_section_with_the_register(store, shared_data):
    from sco_observatory.groups import resolve_group
    from sco_observatory.ingest import import_file
    from sco_observatory.report import sections
    from sco_observatory.report.builder import Context

    import_file(store, shared_data / "arms_transfers_sipri" / "sipri_trade_register_2000_2023.csv")
    ctx = Context(store, dt.date(2024, 12, 31), resolve_group("SCO@2024"), "SCO@2024")
    section = sections.arms(ctx)
    assert section.title == "Arms-transfer dependence — SIPRI Arms Transfers Database, 2023"
    assert 'id="arms-shares"' in section.body and "2020-2023" in section.body
    ctx12 = Context(store, dt.date(2012, 12, 31), resolve_group("SCO@2012"), "SCO@2012")
    assert sections.arms(ctx12).title.endswith(", 2012")


def test_estimates_are_marked_where_the_shares_are_printed():
    from sco_observatory.groups import resolve_group
    from sco_observatory.metrics import power
    from sco_observatory.report import sections
    from sco_observatory.report.builder import Context

    with open_store() as store:  # 2024 defence: the snapshot's derived series, every row flagged estimate
        shares, _ = power.power_balance(store, ["CHN", "RUS", "KAZ"], 2024, indicators=["defence"])
        ctx = Context(store, dt.date(2024, 12, 31), resolve_group("SCO@2024"), "SCO@2024")
        legend = sections._estimate_legend(ctx, shares)
        none = sections._estimate_legend(ctx, power.power_balance(store, ["CHN", "RUS", "KAZ"], 2012, indicators=["gdp"])[0])
    assert set(shares["source"]) == {"wdi-derived:MS.MIL.XPND.CD"}
    assert "⚑" in legend and "MS.MIL.XPND.CD 2024 (wdi-derived:MS.MIL.XPND.CD): CHN, KAZ, RUS" in legend
    assert none == ""


@pytest.mark.slow
def test_whatif_tables_show_measures_in_words(reports):
    """The what-if blocks say "Military expenditure: HHI", not the frame's key "defence hhi"."""
    html = reports[0]
    block = html[html.index("What if the group changes?"):]
    block = block[:block.index("</table>", block.index("Belarus joins"))]
    assert "Military expenditure: HHI" in block
    assert re.search(r"GDP: largest member(&#x27;|&#39;|')s share", block)
    assert not re.search(r">(defence|gdp|population) (hhi|con|share|largest_share)<", block)
