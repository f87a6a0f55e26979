"""Every trade answer counts its flagged flows (`flows_flagged`): shares, intensity, group-shares, group,
the SIEI-style trade index at its three levels and trade-series — each count recomputed here from the
shared IMF DOTS files with the csv module and the rule's arithmetic (ratio of the two figures > 2, the
larger at least US$ 1 mn), not with project code."""

from __future__ import annotations

import csv
from itertools import permutations
import sys
from pathlib import Path

import polars as pl
import pytest

from sco_observatory.metrics import flag_rules, quality, siei, trade

CA5 = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
FILES = ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv")
YEARS = (2000, 2020)


@pytest.fixture(scope="module")
def data(dots_data) -> Path:
    return dots_data


@pytest.fixture(scope="module")
def raw(data) -> dict[tuple[str, str, str, int], float]:
    """(reporter, partner, flow, year) -> US$ mn, rows whose two ISO3 columns are filled."""
    out: dict[tuple[str, str, str, int], float] = {}
    for name in FILES:
        with open(data / "trade_imf_dots" / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["reporter_iso3"] and r["partner_iso3"] and int(r["year"]) in YEARS:
                    key = (r["reporter_iso3"], r["partner_iso3"], r["flow"], int(r["year"]))
                    out[key] = max(out.get(key, 0.0), float(r["value_usd_mn"]))
    return out


def _flagged(raw, exporter: str, importer: str, year: int) -> int:
    """1 where the exporter's FOB figure and the importer's CIF figure differ by more than 2×."""
    x = raw.get((exporter, importer, "exports_fob", year))
    m = raw.get((importer, exporter, "imports_cif", year))
    if not x or not m or max(x, m) < 1.0:
        return 0
    return int(max(x, m) / min(x, m) > 2)


@pytest.fixture(scope="module")
def dots(data):
    sys.path.insert(0, str(Path(__file__).parent))
    from metrics_fixtures import dots_gdp_memory_store

    s = dots_gdp_memory_store(data)
    yield s
    s.close()


def test_flow_sides_frame_equals_the_sql_definition(dots):
    group, partners = CA5, ["CHN", "RUS", *CA5]
    got = trade.flow_sides(dots, group, YEARS, partners)
    want = quality._flow_sides_sql(dots, group, YEARS, partners)
    assert got.height == want.height > 50
    assert got.rows() == want.rows()


def test_shares_and_intensity_count_both_figures_by_hand(dots, raw):
    """KGZ–CHN 2020: CHN reports US$ 2,876 mn of exports, KGZ US$ 737 mn of imports — one flagged flow."""
    shares = trade.trade_shares(dots, CA5, (2020, 2020), partners=["CHN", "RUS"])
    assert shares.height == 10 and shares["flows_flagged"].sum() > 0
    for r in shares.iter_rows(named=True):
        a, b, y = r["iso3_a"], r["iso3_b"], r["year"]
        assert r["flows_flagged"] == _flagged(raw, a, b, y) + _flagged(raw, b, a, y), (a, b)
    kgz = shares.filter((pl.col("iso3_a") == "KGZ") & (pl.col("iso3_b") == "CHN"))
    assert kgz["flows_flagged"][0] >= 1 and _flagged(raw, "CHN", "KGZ", 2020) == 1
    intensity = trade.trade_intensity(dots, CA5, (2020, 2020), partners=["CHN", "RUS"])
    for r in intensity.iter_rows(named=True):
        assert r["flows_flagged"] == _flagged(raw, r["iso3_a"], r["iso3_b"], r["year"])


def test_group_answers_count_every_intra_flow_once(dots, raw):
    for year in YEARS:
        intra = sum(_flagged(raw, a, b, year) for a, b in permutations(CA5, 2))
        g = trade.group_indicators(dots, CA5, (year, year))
        assert set(g["flows_flagged"].to_list()) == {intra}
        gs = trade.group_shares(dots, CA5, (year, year))
        for r in gs.iter_rows(named=True):
            i = r["iso3"]
            assert r["flows_flagged"] == sum(_flagged(raw, i, j, year) + _flagged(raw, j, i, year) for j in CA5 if j != i)
        assert gs["flows_flagged"].sum() == 2 * intra
        # SIEI-style trade index: pair = both directions, country = its flows, group = all intra flows
        pair = siei.trade_index(dots, CA5, (year, year), "pair")
        assert pair["flows_flagged"].sum() == intra
        country = siei.trade_index(dots, CA5, (year, year), "country")
        assert dict(country.select("iso3", "flows_flagged").rows()) == dict(gs.select("iso3", "flows_flagged").rows())
        group = siei.trade_index(dots, CA5, (year, year), "group")
        assert group["flows_flagged"].to_list() == [intra]
    assert sum(_flagged(raw, a, b, 2000) for a, b in permutations(CA5, 2)) > 0  # the test can fail: flags exist


def test_partners_count_uses_the_same_rule(dots, raw):
    p = trade.trade_partners(dots, CA5, ["CHN"], "2000,2020")
    for r in p.iter_rows(named=True):
        y = r["year"]
        assert r["flows_flagged"] == sum(_flagged(raw, i, "CHN", y) + _flagged(raw, "CHN", i, y) for i in CA5)


def test_count_pair_flags_joins_without_reordering():
    frame = pl.DataFrame({"iso3_a": ["B", "A", "A"], "iso3_b": ["A", "B", "C"], "year": [2020, 2020, 2020]})
    flagged = pl.DataFrame({"exporter": ["A"], "importer": ["B"], "year": [2020]})
    out = flag_rules.count_pair_flags(frame, flagged)
    assert out["iso3_a"].to_list() == ["B", "A", "A"] and out["flows_flagged"].to_list() == [1, 1, 0]
    assert flag_rules.count_pair_flags(frame, flagged, directions=1)["flows_flagged"].to_list() == [0, 1, 0]


def test_trade_series_marks_the_flagged_dots_rows(data, isolated_home):
    from sco_observatory import api

    with api.open() as obs:
        frame = obs.trade_series("KGZ", "CHN", "2020")
    by_flow = dict(frame.select("flow", "flows_flagged").rows())
    # KGZ's imports from CHN (737) against CHN's exports to KGZ (2,876): flagged; KGZ's exports to CHN by hand
    assert by_flow["M"] == 1
    assert by_flow["X"] == _flagged_files(data, "KGZ", "CHN", 2020)


def _flagged_files(data: Path, exporter: str, importer: str, year: int) -> int:
    wanted = {(exporter, importer, "exports_fob"), (importer, exporter, "imports_cif")}
    found = {}
    for name in FILES:
        with open(data / "trade_imf_dots" / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                key = (r["reporter_iso3"], r["partner_iso3"], r["flow"])
                if key in wanted and int(r["year"]) == year:
                    found[key[2]] = float(r["value_usd_mn"])
    x, m = found.get("exports_fob"), found.get("imports_cif")
    return int(bool(x and m and max(x, m) >= 1 and max(x, m) / min(x, m) > 2))


ANSWERS = [["trade", "shares", "CA5", "--partners", "CHN,RUS", "--years", "2020"],
           ["trade", "group-shares", "CA5", "--years", "2020"],
           ["trade", "intensity", "CA5", "--years", "2020"],
           ["trade", "group", "CA5", "--years", "2000,2020"],
           ["trade", "concentration", "CA5", "--years", "2020"],
           ["trade", "partners", "CA5", "--partners", "CHN", "--years", "2020"],
           ["siei", "trade", "CA5", "--years", "2020", "--level", "pair"],
           ["siei", "trade", "CA5", "--years", "2020", "--level", "country"],
           ["siei", "trade", "CA5", "--years", "2020", "--level", "group"],
           ["trade-series", "KGZ", "--partners", "CHN", "--years", "2019-2020"]]


@pytest.mark.slow
def test_every_trade_answer_carries_the_count_in_json_csv_and_a_note_in_the_table(isolated_home, capsys):
    """On a fresh home (the embedded snapshot holds IMF DOTS): the column in JSON and CSV, one note line in the table."""
    import json

    from sco_observatory.cli import main

    for argv in ANSWERS:
        assert main([*argv, "--format", "json"]) == 0, argv
        rows = json.loads(capsys.readouterr().out)
        assert rows and all("flows_flagged" in r for r in rows), argv
        assert main([*argv, "--format", "csv"]) == 0, argv
        assert "flows_flagged" in capsys.readouterr().out.splitlines()[0].split(","), argv
        assert main([*argv]) == 0, argv
        table = " ".join(capsys.readouterr().out.split())
        assert "data quality:" in table, argv
    assert main(["trade", "shares", "CA5", "--partners", "CHN", "--years", "2020"]) == 0
    assert "`sco trade discrepancies CA5 --partners CHN --years 2020` lists both figures" in " ".join(capsys.readouterr().out.split())


@pytest.mark.slow
def test_report_has_a_data_quality_note_with_the_worst_cases(isolated_home, tmp_path):
    from sco_observatory import api

    out = tmp_path / "report.html"
    with api.open() as obs:
        obs.report(out, as_of="2020")
    html = out.read_text(encoding="utf-8")
    block = html[html.index("id='data-quality'"):]
    block = block[:block.index("</div>")]
    assert "Data quality, 2020:" in block and "flows where reported and mirror figures disagree" in block
    assert "exports to" in block and "(CIF, mirror)" in block and "imf-dots:" in block  # both figures, both sources
    assert "Flows flagged" in html  # the pairs table's column, in words


@pytest.mark.slow
def test_api_trade_endpoints_take_every_years_form_and_count_flags(isolated_home):
    """/api/trade, /api/trade/member-shares and /api/siei read years with the one parser (2012,
    2000,2020, 2000-2020, 2000-2020:10) and carry flows_flagged; a bad form is a 4xx with one message."""
    from fastapi.testclient import TestClient

    from sco_observatory import config
    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(config.store_path())), raise_server_exceptions=False) as client:
        for years, want in (("2020", {2020}), ("2000,2020", {2000, 2020}), ("2018-2020", {2018, 2019, 2020}),
                            ("2000-2020:10", {2000, 2010, 2020})):
            body = client.get("/api/trade", params={"group": "CA5", "measure": "shares", "years": years}).json()
            assert {r["year"] for r in body["rows"]} == want, years
            assert "flows_flagged" in body["columns"] and body["data_quality"].startswith("data quality:")
        body = client.get("/api/trade", params={"group": "CA5", "measure": "group-shares", "years": "2020"}).json()
        assert body["rows"] and all("flows_flagged" in r for r in body["rows"])
        body = client.get("/api/trade/member-shares", params={"group": "CA5", "partners": "CHN", "years": "2000,2020"}).json()
        assert {r["year"] for r in body["rows"]} == {2000, 2020} and "flows_flagged" in body["columns"]
        body = client.get("/api/siei", params={"group": "CA5", "years": "2000,2020", "level": "group"}).json()
        assert [r["year"] for r in body["rows"]] == [2000, 2020] and "flows_flagged" in body["columns"]
        bad = client.get("/api/trade", params={"group": "CA5", "years": "20x0"})
        assert bad.status_code in (400, 422) and "Traceback" not in bad.text


USES = {
    "partners": {"--partners", "--factor", "--partial", "--flows"},
    "discrepancies": {"--partners", "--factor"},
    "shares": {"--partners", "--pairs", "--flows"}, "intensity": {"--partners", "--pairs", "--flows"},
    "group-shares": {"--flows"}, "group": {"--flows"}, "concentration": {"--flows"},
    "rca": {"--flows"}, "complementarity": {"--partners", "--flows"}, "grubel-lloyd": {"--partners", "--flows"},
    "similarity": {"--flows"}, "product-concentration": {"--flows"},
    "products": {"--partners", "--top", "--flows"}, "complexity": {"--flows"},
}
OPTIONS = {"--partners": ["--partners", "CHN"], "--pairs": ["--pairs"], "--top": ["--top", "3"],
           "--factor": ["--factor", "3"], "--partial": ["--partial"], "--flows": ["--flows", "best"]}


def test_every_trade_subcommand_refuses_the_options_it_does_not_use(isolated_home, capsys):
    """Walk every `sco trade` measure × option: an option the measure does not use is one line, exit 2."""
    from sco_observatory.cli import main
    from sco_observatory.metrics.trade import MEASURES

    assert set(USES) == {"partners", "discrepancies", "products", "complexity", *MEASURES}
    refused = 0
    for measure, used in USES.items():
        for option, argv in OPTIONS.items():
            if option in used:
                continue
            base = ["trade", measure, "CA5", "--years", "2020"]
            if measure == "products" and option != "--partners":
                base += ["--partners", "CHN"]
            assert main([*base, *argv]) == 2, (measure, option)
            err = capsys.readouterr().err
            assert "does not use" in err and "Traceback" not in err and err.count("\n") <= 3, (measure, option, err)
            refused += 1
    assert refused == 6 * len(USES) - sum(len(u) for u in USES.values())


def test_siei_refuses_options_its_dimension_does_not_use(isolated_home, capsys):
    from sco_observatory.cli import main

    for argv in (["siei", "migration", "CA5", "--years", "2015", "--flows", "mirror"],
                 ["siei", "education", "CA5", "--years", "2015", "--source", "wdi"],
                 ["siei", "migration", "CA5", "--years", "2015", "--hypotheses"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "does not use" in err and "Traceback" not in err, (argv, err)


def test_partner_group_sco_minus_ca5_as_one_row_by_hand(dots, raw):
    """`--partners 'SCO@2024-CA5'`: one row per year, exports = Σ best(i→j), i ∈ CA5, j ∈ the set, from the CSVs;
    years as '2000-2020:20' (the stepped form: 2000 and 2020)."""
    from sco_observatory.groups import partner_sets

    sets = partner_sets(["SCO@2024-CA5"])
    members = sets["SCO@2024-CA5"]
    assert {"CHN", "RUS", "IND", "PAK"} <= set(members) and not set(members) & set(CA5)
    p = trade.trade_partners(dots, CA5, sets, "2000-2020:20")
    assert p["year"].to_list() == [2000, 2020] and set(p["partner"]) == {"SCO@2024-CA5"}

    def best(e, i, y):
        x = raw.get((e, i, "exports_fob", y))
        return x if x is not None else raw.get((i, e, "imports_cif", y))

    for r in p.iter_rows(named=True):
        y = r["year"]
        values = [best(i, j, y) for i in CA5 for j in members]
        back = [best(j, i, y) for i in CA5 for j in members]
        assert r["flows_missing"] == sum(v is None for v in values + back)
        if None in values:  # missing is not zero: the sum is left empty and the row says how many are absent
            assert r["exports"] is None and r["estimate"].startswith("missing:")
        else:
            assert r["exports"] == pytest.approx(1e6 * sum(values), rel=1e-9)
        assert r["flows_flagged"] == sum(_flagged(raw, i, j, y) + _flagged(raw, j, i, y) for i in CA5 for j in members)


def test_products_say_hs_descriptions_are_not_in_the_data(isolated_home, capsys):
    """The product answer prints HS codes and says why (no HS description file in the shared data)."""
    from sco_observatory.cli import main

    baci = Path(__file__).parent / "fixtures" / "products" / "BACI_HS17_Y2020_V000000.csv"
    assert main(["import", str(baci)]) == 0
    capsys.readouterr()
    assert main(["trade", "products", "CA5", "--partner", "CHN", "--year", "2020", "--top", "3"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "products are shown as HS codes: no HS description file is in the data" in out


def test_concentration_counts_the_exporters_flagged_flows_with_every_partner(dots):
    """Every partner economy (not only focus economies): the count equals the mirror flags that
    `sco trade discrepancies` lists for the exporter, and the any-partner flow sides equal the SQL definition."""
    got = trade.flow_sides(dots, CA5, YEARS, None)
    assert got.rows() == quality._flow_sides_sql(dots, CA5, YEARS, None).rows() and got.height > 1000
    c = trade.market_concentration(dots, CA5, (2020, 2020))
    listed = quality.discrepancies(dots, CA5, [2020]).filter(pl.col("kind") == "mirror")
    for r in c.iter_rows(named=True):
        assert r["flows_flagged"] == listed.filter(pl.col("exporter") == r["iso3"]).height, r["iso3"]
    assert c["flows_flagged"].sum() > 10
