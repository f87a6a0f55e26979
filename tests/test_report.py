"""`sco report`: sections, key numbers with footnotes, notes where data are missing, offline file."""

import re

import pytest

from sco_observatory.cli import main
from sco_observatory.report import build_report
from sco_observatory.store import open_store


@pytest.fixture(scope="module")
def embedded_report(tmp_path_factory):
    home = tmp_path_factory.mktemp("rep")
    with pytest.MonkeyPatch.context() as mp:  # the embedded default only, without the open-data snapshot
        mp.setenv("SCO_SNAPSHOT_DIR", "")
        with open_store(home / "s.duckdb") as store:
            path = build_report(home / "r.html", as_of="2012-12-31", store=store)
    return path.read_text(encoding="utf-8")


def test_all_sections_present(embedded_report):
    for section in ["glance", "architecture", "power", "integration", "convergence", "claims", "projects", "sources"]:
        assert f'<section id="{section}">' in embedded_report


def test_self_contained_no_external_scripts(embedded_report):
    assert not re.search(r"<script[^>]+src=", embedded_report)
    assert not re.search(r"<link[^>]+href=\"http", embedded_report)
    assert "Plotly" in embedded_report  # the library is inlined


def test_key_numbers_from_the_embedded_default(embedded_report):
    # members on 2012-12-31 and the report's defence figures (IISS via the report), footnoted
    assert "The SCO counted 6 members, 5 observers, 3 dialogue partners" in embedded_report.replace("</b>", "").replace("<b>", "") \
        or "6 members, 5 observers, 3 dialogue partners" in embedded_report
    assert "102,436" in embedded_report and "966.4" in embedded_report
    assert re.search(r"Military Balance 2013", embedded_report)


def test_missing_data_is_a_note_with_the_command(embedded_report):
    assert 'class="missing"' in embedded_report
    assert "sco import dots_focus_reporters_1990_2020.csv" in embedded_report


def test_every_footnote_marker_resolves(embedded_report):
    markers = set(re.findall(r'href="#fn-(\d+)"', embedded_report))
    targets = set(re.findall(r'<li id="fn-(\d+)"', embedded_report))
    assert markers and markers <= targets


def test_report_grows_with_data(tmp_path, shared_data):
    from sco_observatory.ingest import import_file

    with open_store(tmp_path / "s.duckdb") as store:
        for f in ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv"]:
            import_file(store, shared_data / f)
        html = build_report(tmp_path / "r.html", as_of="2012-12-31", store=store).read_text(encoding="utf-8")
    assert 'id="siei-pairs"' in html and 'id="beta"' in html
    assert "0.922" in html  # KAZ-RUS, SIEI-style trade integration 2012 (H1)


def test_cli_report_and_bad_date(tmp_path, capsys):
    out = tmp_path / "x.html"
    assert main(["report", "-o", str(out), "--as-of", "2017-06-09"]) == 0
    assert out.exists() and "2017-06-09" in out.read_text(encoding="utf-8")
    assert main(["report", "-o", str(out), "--as-of", "2017-02-30"]) == 2
    assert "bad date" in capsys.readouterr().err


def test_whatif_heading_prints_the_years_the_rows_hold():
    """D1: the what-if heading names the years of the values used (each row's `year`), per indicator
    where they differ — the defence rows of 2022 under a GDP year of 2024 — not the year asked."""
    import polars as pl

    from sco_observatory.report.sections import _years_used

    def frame(rows):
        return pl.DataFrame(rows, schema={"section": pl.String, "measure": pl.String, "iso3": pl.String, "year": pl.Int64},
                            orient="row")

    mixed = frame([("power", "defence share", "CHN", 2022), ("power", "defence share", "UZB", None),
                   ("power", "defence con", "group", 2022), ("power", "gdp share", "CHN", 2024),
                   ("power", "population share", "CHN", 2024), ("power", "population share", "RUS", 2023)])
    assert _years_used(mixed) == "Military expenditure 2022; GDP 2024; Population, total 2023–2024"
    same = frame([("power", "defence share", "CHN", 2012), ("power", "gdp share", "CHN", 2012)])
    assert _years_used(same) == "2012"
    assert _years_used(frame([("power", "gdp share", "CHN", None)])) == ""


@pytest.mark.parametrize("lang", [None, "ru"])
def test_whatif_heading_names_the_indicators_as_its_table_does(tmp_path, lang):
    """The what-if heading's years name each indicator as the table under it does ("Military expenditure
    2022", the table's "Military expenditure: HHI"), not by the alias ("defence"): one definition,
    labels.measure_indicator. Russian report: the headings stay English, so the same names."""
    import html as html_lib

    page = build_report(tmp_path / "r.html", lang=lang).read_text(encoding="utf-8")
    blocks = re.findall(r"<h4>(.*?)</h4>(.*?)</table>", page, flags=re.S)
    whatifs = [(h, t) for h, t in blocks if " join" in h]
    assert len(whatifs) == 3
    assert any(";" in h for h, _ in whatifs)  # the snapshot's defence rows (2022) end before its GDP (2024)
    for heading, table in whatifs:
        years = html_lib.unescape(re.search(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)$", heading)[1])
        if ";" not in years:  # every indicator of one year: the heading names none
            assert re.fullmatch(r"\d{4}(–\d{4})?", years), heading
            continue
        rows = html_lib.unescape(table)
        for entry in years.split("; "):
            name = re.fullmatch(r"(.+) \d{4}(?:–\d{4})?", entry)[1]
            assert f"{name}: " in rows, (entry, heading)  # the table's measure "<name>: HHI" etc.
        assert "defence" not in years.lower() and "gdp," not in years.lower()
