"""Scenarios and signposts (issue 7): loading and validation, evaluation on the shared real data,
values checked against the raw files read independently with the csv module, missing data reported
as not evaluable, and one-line errors for malformed scenario files."""

from __future__ import annotations

import csv
import json
import math
import textwrap
from pathlib import Path

import polars as pl
import pytest

from sco_observatory.cli import main
from sco_observatory.signposts import ScenarioFileError, evaluate, load_scenarios, summary

FILES = [
    "wdi/ny.gdp.mktp.kd.zg.csv", "wdi/ms.mil.xpnd.gd.zs.csv", "wdi/ny.gdp.pcap.cd.csv", "wdi/ny.gdp.mktp.cd.csv",
    "trade_imf_dots/dots_focus_reporters_1990_2020.csv", "trade_imf_dots/dots_other_reporters_to_focus_partners_1990_2020.csv",
    "migration/UN_MigrantStockByOriginAndDestination_2019_clean.csv",
] + [f"opium_afghanistan/afg_district_poppy_cultivation_ha_2010_2020_part{i}.csv" for i in (1, 2, 4, 5, 6, 7, 8)]
CA5 = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
STATUSES = {"lit", "not lit", "not evaluable", "baseline period"}


@pytest.fixture(scope="module")
def real_store(request):
    """An in-memory store holding only the files the shipped signposts read (module-scoped: ~4 s once)."""
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_memory_store

    shared = request.getfixturevalue("shared_data")
    store = open_memory_store()
    for name in FILES:
        import_file(store, shared / name)
    yield store
    store.close()


@pytest.fixture(scope="module")
def grid(real_store):
    return evaluate(real_store, load_scenarios(), (2010, 2020))


def _cell(frame: pl.DataFrame, signpost: str, year: int) -> dict:
    rows = frame.filter((pl.col("signpost") == signpost) & (pl.col("year") == year)).to_dicts()
    assert len(rows) == 1, (signpost, year)
    return rows[0]


def _wdi(shared: Path, name: str) -> dict[tuple[str, int], float]:
    with open(shared / "wdi" / name, encoding="utf-8", newline="") as fh:
        return {(r["Country Code"], int(r["Year"])): float(r["Value"]) for r in csv.DictReader(fh) if r["Value"]}


# ------------------------------------------------------------------------------------ the shipped file
def test_shipped_scenarios_load_and_are_complete():
    s = load_scenarios()
    assert [sc.id for sc in s.scenarios] == ["stable-engagement", "afghan-collapse"]
    assert len(s.signposts) >= 8
    for sc in s.scenarios:
        sides = {sp.evidence for sp in s.signposts if sp.scenario == sc.id}
        assert sides == {"for", "against"}
    for sp in s.signposts:
        cond = sp.threshold or sp.direction
        assert cond.unit and sp.why and sp.section
        assert sp.call.text().startswith(sp.call.metric + "(")


# ------------------------------------------------------------------------------------ evaluation on real data
def test_signposts_evaluate_2010_2020(grid):
    s = load_scenarios()
    assert set(grid["status"].unique()) <= STATUSES
    assert grid.filter(pl.col("signpost") == "afg-growth-sustained")["year"].to_list() == list(range(2010, 2021))
    assert grid.select("signpost").n_unique() == len(s.signposts)
    # at least eight signposts can be read (lit or not lit) in some year after the 2014 baseline
    readable = grid.filter(pl.col("status").is_in(["lit", "not lit"]) & (pl.col("year") > 2014))["signpost"].unique()
    assert readable.len() >= 8, readable.to_list()
    # a lit row always names its scenario and direction; no other row does
    lit = grid.filter(pl.col("status") == "lit")
    assert (lit["points_to"] == lit["evidence"] + " " + lit["scenario"]).all()
    assert (grid.filter(pl.col("status") != "lit")["points_to"] == "").all()
    # every evaluated value has a source
    assert grid.filter(pl.col("value").is_not_null())["source"].is_not_null().all()


def test_indicator_values_match_the_raw_wdi_files(grid, shared_data):
    growth = _wdi(shared_data, "ny.gdp.mktp.kd.zg.csv")
    defence = _wdi(shared_data, "ms.mil.xpnd.gd.zs.csv")
    for year in range(2010, 2021):
        assert _cell(grid, "afg-growth-sustained", year)["value"] == growth[("AFG", year)]
        assert _cell(grid, "afg-contraction", year)["value"] == growth[("AFG", year)]
        mean = math.fsum(growth[(c, year)] for c in CA5) / 5
        assert _cell(grid, "central-asia-growth-falters", year)["value"] == pytest.approx(mean, rel=1e-13, abs=0)
    for year in (2010, 2011, 2012, 2014, 2015, 2020):
        assert _cell(grid, "tajik-defence-up", year)["value"] == defence[("TJK", year)]
    assert _cell(grid, "tajik-defence-up", 2016)["reference"] == defence[("TJK", 2014)]
    assert _cell(grid, "uzbek-defence-high", 2018)["value"] == defence[("UZB", 2018)]
    # the conditions, read off the raw numbers
    assert _cell(grid, "afg-contraction", 2020)["status"] == ("lit" if growth[("AFG", 2020)] < 0 else "not lit")
    assert _cell(grid, "afg-growth-sustained", 2019)["status"] == ("lit" if growth[("AFG", 2019)] >= 3 else "not lit")


def test_sigma_matches_the_raw_gdp_per_capita(grid, shared_data):
    pc = _wdi(shared_data, "ny.gdp.pcap.cd.csv")
    for year in (2014, 2019):
        logs = [math.log(pc[(c, year)]) for c in ("CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB")]
        mean = math.fsum(logs) / len(logs)
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in logs) / len(logs))
        assert _cell(grid, "incomes-converge", year)["value"] == pytest.approx(sd, rel=1e-12)


def test_trade_share_gap_matches_the_raw_dots_files(grid, shared_data):
    """China's minus Russia's share of CA5 goods trade, exporter-reported (FOB), from the raw DOTS CSVs."""
    flows: dict[tuple[str, str, int], float] = {}
    for name in ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv"):
        with open(shared_data / "trade_imf_dots" / name, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["flow"] == "exports_fob" and r["reporter_iso3"] and r["partner_iso3"] and 2014 <= int(r["year"]) <= 2019:
                    flows[(r["reporter_iso3"], r["partner_iso3"], int(r["year"]))] = float(r["value_usd_mn"])
    for year in (2014, 2017, 2019):
        def with_partner(p):
            return math.fsum(flows[(i, p, year)] + flows[(p, i, year)] for i in CA5)
        total = with_partner("WLD")
        expected = with_partner("CHN") / total - with_partner("RUS") / total
        assert _cell(grid, "china-ahead-of-russia", year)["value"] == pytest.approx(expected, rel=1e-9)


def test_migrant_stock_matches_the_raw_undesa_matrix(grid, shared_data):
    names = {"Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan"}
    with open(shared_data / "migration" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Dest"].strip() in names]
    for year in (2010, 2015, 2019):
        cells = [r["Afghanistan"].strip().replace(",", "") for r in rows if int(r["Year"]) == year]
        assert len(cells) == 5
        expected = sum(0 if c == "-" else int(c) for c in cells)
        assert _cell(grid, "afghan-migrants-central-asia", year)["value"] == expected


def test_ledger_signposts_count_status_changes(grid):
    cell = _cell(grid, "sco-widens", 2017)
    assert cell["value"] == 2 and cell["status"] == "lit" and "IND" in cell["reason"] and "PAK" in cell["reason"]
    assert _cell(grid, "sco-widens", 2016)["status"] == "not lit"
    assert set(grid.filter(pl.col("signpost") == "csto-central-asia-joins")["value"].to_list()) == {0.0}


def test_missing_data_is_reported_as_not_evaluable_and_never_counted(grid):
    uzb = _cell(grid, "uzbek-defence-high", 2015)
    assert uzb["status"] == "not evaluable" and uzb["value"] is None and "UZB" in uzb["reason"]
    mig = _cell(grid, "afghan-migrants-central-asia", 2016)
    assert mig["status"] == "not evaluable" and "2016" in mig["reason"]
    summ = summary(grid).filter((pl.col("scenario") == "afghan-collapse") & (pl.col("year") == 2016)).row(0, named=True)
    assert summ["lit_for"] + summ["lit_against"] + summ["not_lit"] + summ["baseline_period"] + summ["not_evaluable"] == summ["signposts"]
    assert "uzbek-defence-high" in summ["not_evaluable_why"] and "uzbek-defence-high" not in (summ["lit"] or "")


def test_a_user_signpost_without_data_is_not_evaluable(real_store, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent("""\
        signposts:
          - id: afg-inflation
            title: Afghan inflation above 10 %
            scenario: afghan-collapse
            evidence: for
            call: {metric: indicator, group: AFG, indicator: FP.CPI.TOTL.ZG, window: 2012-2016}
            threshold: {op: ">", value: 10, unit: percent a year}
            why: Prices running away would follow a collapse of the state.
            section: "3. Scenarios"
        """), encoding="utf-8")
    s = load_scenarios([path])
    frame = evaluate(real_store, s, (2010, 2020)).filter(pl.col("signpost") == "afg-inflation")
    assert frame["year"].to_list() == [2012, 2013, 2014, 2015, 2016]  # the signpost's own window
    assert set(frame["status"]) == {"not evaluable"}
    assert "FP.CPI.TOTL.ZG" in frame["reason"][0]


# ------------------------------------------------------------------------------------ malformed files
GOOD = """\
signposts:
  - id: my-sign
    title: Afghan growth above 5 %
    scenario: stable-engagement
    evidence: for
    call: {metric: indicator, group: AFG, indicator: NY.GDP.MKTP.KD.ZG, window: 2010-2020}
    threshold: {op: ">", value: 5, unit: percent a year}
    why: Strong growth means outside support keeps flowing.
    section: "3. Scenarios"
"""


@pytest.mark.parametrize("old,new,expected", [
    ("value: 5, unit: percent a year}", "value: 5}", "signpost 1 (my-sign): threshold.unit"),
    ("unit: percent a year", "unit: persons", "does not match the metric's unit"),
    ("metric: indicator", "metric: horoscope", "unknown metric 'horoscope'"),
    ("group: AFG", "group: Atlantis", "call does not resolve: unknown country 'Atlantis'"),
    ("group: AFG", "group: CA5", "must be one country"),
    ("scenario: stable-engagement", "scenario: utopia", "scenario 'utopia' is not defined"),
    ("evidence: for", "evidence: maybe", "evidence"),
    ("window: 2010-2020", "window: 2020-2010", "runs backwards"),
    ("    why: Strong", "    colour: blue\n    why: Strong", "colour"),
])
def test_malformed_file_fails_with_file_and_entry_named(tmp_path, old, new, expected):
    path = tmp_path / "broken.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioFileError) as info:
        load_scenarios([path])
    line = info.value.one_line()
    assert "broken.yaml" in line and expected in line and "\n" not in line


def test_scenario_needs_one_signpost_per_direction(tmp_path):
    path = tmp_path / "lonely.yaml"
    path.write_text(GOOD.replace("scenario: stable-engagement", "scenario: lonely").replace(
        "signposts:", "scenarios:\n  - {id: lonely, title: A lonely future, summary: Nothing but good news here., "
                      "time_frame: {from: 2014, to: 2025}}\nsignposts:"), encoding="utf-8")
    with pytest.raises(ScenarioFileError, match=r"lonely.yaml, scenario 1 \(lonely\): needs at least one signpost with evidence: against"):
        load_scenarios([path])


def test_duplicate_id_and_bad_yaml(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text(GOOD.replace("my-sign", "afg-contraction"), encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="id 'afg-contraction' is already used in koldunova2014.yaml"):
        load_scenarios([dup])
    bad = tmp_path / "bad.yaml"
    bad.write_text("signposts:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="bad.yaml, line"):
        load_scenarios([bad])


def test_cli_malformed_file_exit_2_one_line(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("value: 5, unit: percent a year}", "value: 5}"), encoding="utf-8")
    assert main(["scenarios", "--scenarios", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: scenarios: broken.yaml, signpost 1 (my-sign): threshold.unit")
    assert len(err.splitlines()) == 1 and "Traceback" not in captured.err + captured.out
    assert main(["scenarios", "--scenarios", str(tmp_path / "nope.yaml")]) == 2


def test_cli_json_on_an_empty_store_reports_not_evaluable(capsys, embedded_only):
    """No data imported: only the ledger signposts can be read; everything else says why not."""
    assert main(["scenarios", "--from", "2014", "--to", "2016", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["years"] == [2014, 2016]
    rows = out["signposts"]
    by_status = {r["signpost"] for r in rows if r["status"] in ("lit", "not lit")}
    assert by_status == {"sco-widens", "csto-central-asia-joins"}
    afg = next(r for r in rows if r["signpost"] == "afg-growth-sustained" and r["year"] == 2015)
    assert afg["status"] == "not evaluable" and "NY.GDP.MKTP.KD.ZG" in afg["reason"]
    collapse_2015 = next(r for r in out["summary"] if r["scenario"] == "afghan-collapse" and r["year"] == 2015)
    assert collapse_2015["lit_for"] == 0 and collapse_2015["not_evaluable"] >= 5


def test_cli_csv_and_table(capsys):
    assert main(["scenarios", "--from", "2015", "--to", "2015", "--format", "csv", "--summary"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.startswith("scenario,year,signposts,lit_for,lit_against")
    assert main(["scenarios", "--from", "2015", "--to", "2015"]) == 0
    assert "Per scenario and year" in capsys.readouterr().out


# ------------------------------------------------------------------------------------ opium (UNODC reader)
def _province_totals(shared: Path) -> dict[int, float]:
    """Sum of the `<Province> Total` rows of the seven raw files ('p-f' = 0), read with the csv module."""
    totals: dict[int, float] = {}
    provinces = set()
    for path in sorted((shared / "opium_afghanistan").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["Province"].endswith(" Total") and row["Province"] != "Rounded Total":
                    provinces.add(row["Province"])
                    for y in range(2010, 2021):
                        cell = row[str(y)].strip().replace(",", "")
                        totals[y] = totals.get(y, 0.0) + (0.0 if cell.lower() == "p-f" else float(cell))
    assert len(provinces) == 34
    return totals


def test_opium_area_is_the_sum_of_the_34_province_totals(grid, shared_data):
    raw = _province_totals(shared_data)
    for year in range(2010, 2021):
        assert _cell(grid, "opium-expands", year)["value"] == raw[year]
    assert _cell(grid, "opium-expands", 2017)["status"] == "lit"       # 328,304 ha against 224,125 in 2014
    assert _cell(grid, "opium-expands", 2019)["status"] == "not lit"


def test_opium_partial_import_is_not_evaluable(shared_data):
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_memory_store

    with open_memory_store() as store:
        result = import_file(store, shared_data / "opium_afghanistan" / "afg_district_poppy_cultivation_ha_2010_2020_part8.csv")
        assert result.source_id == "unodc:afg-opium-2020-part8"
        assert any("national Total rows" in k for k in result.skipped)
        frame = evaluate(store, load_scenarios(), (2015, 2016)).filter(pl.col("signpost") == "opium-expands")
    assert set(frame["status"]) == {"not evaluable"}
    assert "3 of 34 province totals" in frame["reason"][0]
