"""Independent review of the metrics (issue 4): numbers recomputed from the raw shared CSVs with the
csv module and numpy (no library code on the reference side), compared with what the metrics return
on a store loaded by the real importers (`sco_observatory.ingest.import_file`); a tiny hand-made
BACI-like table for the product-level measures; and regression tests for the bugs the review found.

The raw files are read from ../shared/data (or $SCO_SHARED_DATA); nothing is copied into the repository.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sco_observatory.errors import ObservatoryError
from sco_observatory.ingest import import_file
from sco_observatory.metrics import convergence, power, siei, trade
from sco_observatory.store import open_memory_store

CA5 = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
FOUNDERS = ["CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"]
IMPORTED = (
    "trade_imf_dots/dots_focus_reporters_1990_2020.csv",
    "trade_imf_dots/dots_other_reporters_to_focus_partners_1990_2020.csv",
    "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv", "wdi/sp.pop.totl.csv",
    "cow_nmc/NMC-60-abridged.csv", "military_expenditure/sipri_milex_1949_2024_long.csv",
)


# -- raw readers (reference side: csv module only) ----------------------------------------------

def _dots(data: Path, year: int) -> dict[tuple[str, str, str], float]:
    """(reporter_iso3, partner_iso3, flow) -> US$ for rows whose two ISO3 columns are filled (focus + WLD)."""
    out = {}
    for name in ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv"):
        with open(data / "trade_imf_dots" / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if int(r["year"]) == year and r["reporter_iso3"] and r["partner_iso3"]:
                    out[(r["reporter_iso3"], r["partner_iso3"], r["flow"])] = float(r["value_usd_mn"]) * 1e6
    return out


def _wdi(data: Path, code: str) -> dict[tuple[str, int], float]:
    with open(data / "wdi" / f"{code.lower()}.csv", newline="", encoding="utf-8") as fh:
        return {(r["Country Code"], int(r["Year"])): float(r["Value"]) for r in csv.DictReader(fh) if r["Value"]}


def _nmc(data: Path, year: int) -> dict[str, dict[str, float | None]]:
    comps = ("milex", "milper", "irst", "pec", "tpop", "upop", "cinc")
    out = {}
    with open(data / "cow_nmc" / "NMC-60-abridged.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if int(r["year"]) == year:
                out[r["stateabb"]] = {c: (None if float(r[c]) == -9 else float(r[c])) for c in comps}
    return out


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """alpha, beta, se(beta), R² by the textbook formulas."""
    n = len(x)
    xm, ym = x.mean(), y.mean()
    sxx = ((x - xm) ** 2).sum()
    b = ((x - xm) * (y - ym)).sum() / sxx
    a = ym - b * xm
    resid = y - a - b * x
    se = math.sqrt((resid @ resid) / (n - 2) / sxx)
    r2 = 1 - (resid @ resid) / ((y - ym) ** 2).sum()
    return a, b, se, r2


@pytest.fixture(scope="module")
def real():
    """A store loaded from the shared files by the real importers (plus the embedded default)."""
    from conftest import _shared_data

    data = _shared_data()
    if not data.is_dir():
        pytest.skip(f"real data folder {data} is absent")
    s = open_memory_store()
    for rel in IMPORTED:
        import_file(s, data / rel)
    yield s, data
    s.close()


# -- trade (METHODS §4) ----------------------------------------------------------------------------

def test_trade_intensity_kaz_rus_2012_reported_and_mirror(real):
    s, data = real
    d = _dots(data, 2012)
    # reported: exporter-reported exports FOB; world totals from the World reporter's FOB exports
    ref = (d["KAZ", "RUS", "exports_fob"] / d["KAZ", "WLD", "exports_fob"]) / (
        d["WLD", "RUS", "exports_fob"] / d["WLD", "WLD", "exports_fob"])
    got = trade.trade_intensity(s, ["KAZ"], (2012, 2012), "reported", partners=["RUS"])
    assert got["value"][0] == pytest.approx(ref, rel=1e-9)
    assert ref == pytest.approx(4.2150, abs=5e-5)
    assert got["valuation"][0] == "FOB" and got["basis"][0] == "reported"
    # mirror: importer-reported CIF imports, world totals from the same side (World's CIF imports)
    ref_m = (d["RUS", "KAZ", "imports_cif"] / d["WLD", "KAZ", "imports_cif"]) / (
        d["RUS", "WLD", "imports_cif"] / d["WLD", "WLD", "imports_cif"])
    got_m = trade.trade_intensity(s, ["KAZ"], (2012, 2012), "mirror", partners=["RUS"])
    assert got_m["value"][0] == pytest.approx(ref_m, rel=1e-9)
    assert ref_m == pytest.approx(8.1199, abs=5e-5)
    assert got_m["valuation"][0] == "CIF" and got_m["basis"][0] == "mirror"


def test_ca5_2012_intra_share_intensity_introversion(real):
    s, data = real
    d = _dots(data, 2012)
    x_rr = sum(d.get((i, j, "exports_fob"), 0.0) for i in CA5 for j in CA5 if i != j)
    with_flows = sum((i, j, "exports_fob") in d for i in CA5 for j in CA5 if i != j)
    x_r = sum(d[i, "WLD", "exports_fob"] for i in CA5)
    m_r = sum(d["WLD", i, "exports_fob"] for i in CA5)
    x_w = d["WLD", "WLD", "exports_fob"]
    is_x, is_t = x_rr / x_r, 2 * x_rr / (x_r + m_r)

    def rtii(is_, w):
        hi, he = is_ / w, (1 - is_) / (1 - w)
        return (hi - he) / (hi + he)

    ref = {"intra_share_exports": is_x, "intra_share_trade": is_t, "intensity_group": is_x / (m_r / x_w),
           "introversion_trade": rtii(is_t, (x_r + m_r) / (2 * x_w)), "introversion_exports": rtii(is_x, x_r / x_w)}
    g = trade.group_indicators(s, CA5, (2012, 2012))
    # 16 of 20 ordered pairs have a reported flow; the 4 others are missing, not zero: no group value
    assert g["pairs_with_flows"][0] == with_flows == 16 and g["pairs_possible"][0] == 20
    assert g["value"].is_null().all() and g["x_rr"].is_null().all()
    # (the old zero-filled figures over the 16 present flows were IS_X 0.03875, RTII 0.8045)
    assert ref["intra_share_exports"] == pytest.approx(0.03875, abs=5e-6)
    assert ref["introversion_trade"] == pytest.approx(0.8045, abs=5e-5)
    # neither side of DOTS holds the 4 flows: `best` is no more complete, and stays missing
    best = trade.group_indicators(s, CA5, (2012, 2012), "best")
    assert best["pairs_with_flows"][0] == 16 and best["value"].is_null().all()
    assert set(g["valuation"]) == {"FOB"} and set(g["basis"]) == {"reported"}


def test_siei_h1_pairs_2012_from_raw(real):
    s, data = real
    d, gdp = _dots(data, 2012), _wdi(data, "NY.GDP.MKTP.CD")
    isos = CA5 + ["RUS"]
    got = siei.trade_index(s, isos, (2012, 2012))
    for r in got.iter_rows(named=True):
        a, b = r["iso3_a"], r["iso3_b"]
        xab, xba = d.get((a, b, "exports_fob")), d.get((b, a, "exports_fob"))
        if xab is None or xba is None:
            assert r["value"] is None, (a, b)  # missing stays missing
            continue
        assert r["value"] == pytest.approx(100 * (xab + xba) / (gdp[a, 2012] + gdp[b, 2012]), rel=1e-9), (a, b)
    top = got.filter(pl.col("value").is_not_null()).sort("value", descending=True).row(0, named=True)
    assert (top["iso3_a"], top["iso3_b"]) == ("KAZ", "RUS") and top["value"] == pytest.approx(0.9218, abs=5e-5)


def test_market_concentration_wits_and_unctad_labelled_apart(real):
    s, data = real
    from sco_observatory import countries

    by_name: dict[str, float] = {}  # the file repeats some rows identically: one value per partner name
    with open(data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["reporter_iso3"] == "KAZ" and r["flow"] == "exports_fob" and r["year"] == "2012":
                by_name[r["partner"]] = float(r["value_usd_mn"])
    shares: dict[str, float] = {}
    for name, value in by_name.items():
        c = countries.lookup(name)
        if c is not None and c.kind == "country" and c.iso3 != "WLD" and value > 0:
            shares[c.iso3] = shares.get(c.iso3, 0.0) + value
    v = np.array(list(shares.values()))
    sq = ((v / v.sum()) ** 2).sum()
    n = len(v)
    got = trade.market_concentration(s, ["KAZ"], (2012, 2012), "reported")
    assert got["n_partners"][0] == n
    assert got["hh_wits"][0] == pytest.approx(sq, rel=1e-9)
    assert got["hh_unctad"][0] == pytest.approx((math.sqrt(sq) - math.sqrt(1 / n)) / (1 - math.sqrt(1 / n)), rel=1e-9)
    # the Ray-Singer CON of the same shares is a different number (METHODS §5.3 vs §4.6)
    assert math.sqrt((sq - 1 / n) / (1 - 1 / n)) != pytest.approx(got["hh_unctad"][0], rel=1e-3)


BACI = """t,i,j,k,v,q
2012,398,643,010121,10,1
2012,398,643,270900,50,1
2012,398,156,270900,40,1
2012,643,398,010121,5,1
2012,643,398,720000,30,1
2012,643,156,270900,100,1
2012,643,156,720000,20,1
2012,156,398,720000,25,1
2012,156,398,010121,2,1
2012,156,643,720000,60,1
"""
CODES = """country_code,country_name,country_iso2,country_iso3
398,Kazakhstan,KZ,KAZ
643,Russian Federation,RU,RUS
156,China,CN,CHN
"""


@pytest.fixture
def baci(tmp_path):
    (tmp_path / "BACI_HS17_Y2012_V202401b.csv").write_text(BACI)
    (tmp_path / "country_codes_V202401b.csv").write_text(CODES)
    s = open_memory_store(seed=False)
    import_file(s, tmp_path / "BACI_HS17_Y2012_V202401b.csv")
    yield s
    s.close()


def test_product_measures_on_a_tiny_baci_table(baci):
    """Hand-checkable: exports KAZ 100 (p1 10, p2 90), RUS 155, CHN 87, world 342 (k$);
    imports KAZ p1 7 p3 55, RUS p1 10 p2 50 p3 60, CHN p2 140 p3 20."""
    C = ["CHN", "KAZ", "RUS"]
    r = trade.rca(baci, C, 2012)
    rv = {(a, p): v for a, p, v in r.select("iso3", "product", "value").iter_rows()}
    assert rv["KAZ", "270900"] == pytest.approx((90 / 100) / (190 / 342))  # 1.62
    assert rv["KAZ", "010121"] == pytest.approx((10 / 100) / (17 / 342))
    assert rv["CHN", "720000"] == pytest.approx((85 / 87) / (135 / 342))
    tc = trade.complementarity(baci, C, C, 2012)
    tv = {(i, j): v for i, j, v in tc.select("importer", "exporter", "value").iter_rows()}
    # CHN imports p2 .875 p3 .125; KAZ exports p1 .1 p2 .9: Σ|m-x| = .1 + .025 + .125 = .25
    assert tv["CHN", "KAZ"] == pytest.approx(100 * (1 - 0.25 / 2))
    assert tv["KAZ", "CHN"] == pytest.approx(100 * (2 / 87 + 55 / 62))
    gl = trade.grubel_lloyd(baci, ["KAZ"], 2012)
    assert gl["value"][0] == pytest.approx((17 - 3) / (17 + 90 + 55))  # only p1 is two-way
    gl_b = trade.grubel_lloyd(baci, ["KAZ"], 2012, partners=["RUS"])
    assert gl_b["value"][0] == pytest.approx(10 / 95)
    xs = trade.export_similarity(baci, C, 2012)
    assert xs.filter((pl.col("iso3_a") == "KAZ") & (pl.col("iso3_b") == "RUS"))["value"][0] == pytest.approx(
        100 * (5 / 155 + 100 / 155))
    pc = trade.product_concentration(baci, ["KAZ"], 2012)
    assert pc["hh_wits"][0] == pytest.approx(0.82)
    assert pc["hh_unctad"][0] == pytest.approx((math.sqrt(0.82) - math.sqrt(0.5)) / (1 - math.sqrt(0.5)))
    ti = trade.trade_intensity(baci, ["KAZ"], (2012, 2012), partners=["RUS"])
    assert ti["value"][0] == pytest.approx((60 / 100) / (120 / 342))  # world = the dataset's reporters


# -- convergence (METHODS §6) -------------------------------------------------------------------------

def test_sigma_and_beta_founders_1995_2019(real):
    s, data = real
    y = _wdi(data, "NY.GDP.PCAP.CD")
    sig = convergence.sigma(s, FOUNDERS, "gdp_pc", (1995, 2019))
    for yr in (1995, 2005, 2012, 2019):
        v = np.array([y[c, yr] for c in FOUNDERS])
        row = sig.filter(pl.col("year") == yr).row(0, named=True)
        assert row["sd_log"] == pytest.approx(np.log(v).std(ddof=0), rel=1e-9)
        assert row["cv"] == pytest.approx(v.std(ddof=1) / v.mean(), rel=1e-9)
    assert sig.filter(pl.col("year") == 1995)["sd_log"][0] == pytest.approx(0.82078, abs=1e-5)
    x = np.log([y[c, 1995] for c in FOUNDERS])
    g = np.log(np.array([y[c, 2019] for c in FOUNDERS]) / np.exp(x)) / 24
    a, b, se, r2 = _ols(x, g)
    got = convergence.beta(s, FOUNDERS, "gdp_pc", 1995, 2019).row(0, named=True)
    assert (got["alpha"], got["beta"], got["se_beta"], got["r2"]) == pytest.approx((a, b, se, r2), rel=1e-9)
    assert got["beta"] > 0 and not got["converging"]  # divergence: no speed, no half-life
    assert math.isnan(got["lambda"]) and math.isnan(got["half_life"])


def test_beta_speed_matches_the_annualised_regression(real):
    """A converging window (8 EU economies 1995-2019): λ = −ln(1+βT)/T reproduces the structural form
    −β = (1 − e^{−λT})/T exactly (METHODS §6.2), not REAT's −ln(1+β)/T."""
    s, data = real
    y = _wdi(data, "NY.GDP.PCAP.CD")
    eu = ["DEU", "FRA", "ITA", "ESP", "PRT", "GRC", "POL", "ROU"]
    T = 24
    x = np.log([y[c, 1995] for c in eu])
    g = np.log(np.array([y[c, 2019] for c in eu]) / np.exp(x)) / T
    a, b, se, r2 = _ols(x, g)
    got = convergence.beta(s, eu, "gdp_pc", 1995, 2019).row(0, named=True)
    assert got["beta"] == pytest.approx(b, rel=1e-9) and got["beta"] == pytest.approx(-0.024037, abs=1e-6)
    lam = got["lambda"]
    assert (1 - math.exp(-lam * T)) / T == pytest.approx(-b, rel=1e-12)
    assert lam == pytest.approx(0.035839, abs=1e-6) and lam != pytest.approx(-math.log(1 + b) / T, rel=1e-2)
    assert got["half_life"] == pytest.approx(math.log(2) / lam)
    assert got["t"] == pytest.approx(b / se, rel=1e-9) and got["n"] == 8


@pytest.mark.parametrize("t,df,p", [(2.228138851986, 10, 0.05), (2.776445105, 4, 0.05), (12.706204736, 1, 0.05),
                                    (2.0, 10, 0.0733880348), (-3.1, 2, 0.0902007301)])
def test_t_pvalue_against_t_tables(t, df, p):
    assert convergence.t_pvalue(t, df) == pytest.approx(p, abs=1e-8)


# -- power (METHODS §5) ---------------------------------------------------------------------------------

def test_cinc_2012_all_states_and_within_founders(real):
    s, data = real
    raw = _nmc(data, 2012)
    comps = ("milex", "milper", "irst", "pec", "tpop", "upop")
    allc = power.cinc(s, None, (2012, 2012))
    assert allc.height == len(raw) == 195
    assert (allc["cinc_group"] - allc["cinc_published"]).abs().max() < 1e-7  # COW: mean over available shares
    cow = {"CHN": "CHN", "RUS": "RUS", "KAZ": "KZK", "KGZ": "KYR", "TJK": "TAJ", "UZB": "UZB"}
    tot = {c: sum(raw[k][c] for k in cow.values() if raw[k][c] is not None) for c in comps}
    ref = {iso: np.mean([raw[k][c] / tot[c] for c in comps if raw[k][c] is not None]) for iso, k in cow.items()}
    got = power.cinc(s, FOUNDERS, (2012, 2012))
    for iso, v in zip(got["iso3"], got["cinc_group"]):
        assert v == pytest.approx(ref[iso], rel=1e-9), iso
    assert got.filter(pl.col("iso3") == "UZB")["components"][0] == 5  # milex -9 in NMC: left out, not zero
    assert got.filter(pl.col("iso3") == "CHN")["cinc_group"][0] == pytest.approx(0.79004, abs=1e-5)


def test_defence_shares_hhi_con_2012_sipri(real):
    s, data = real
    names = {"China": "CHN", "Russia": "RUS", "Kazakhstan": "KAZ", "Kyrgyz Republic": "KGZ", "Tajikistan": "TJK",
             "Uzbekistan": "UZB", "India": "IND"}
    v = {}
    with open(data / "military_expenditure" / "sipri_milex_1949_2024_long.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["measure"] == "milex_current_usd_mn" and r["year"] == "2012" and r["country"] in names and r["value"]:
                v[names[r["country"]]] = float(r["value"]) * 1e6
    assert "UZB" not in v  # SIPRI '...' for Uzbekistan 2012

    def hc(isos):
        a = np.array([v[i] for i in isos if i in v])
        sh = a / a.sum()
        h = (sh ** 2).sum()
        return h, math.sqrt((h - 1 / len(a)) / (1 - 1 / len(a)))

    sh = power.shares(s, FOUNDERS, "defence", 2012, source="sipri")
    assert sh["n_missing"][0] == 1 and sh.filter(pl.col("iso3") == "UZB")["share"][0] is None
    c = power.concentration(sh)
    assert (c["hhi"][0], c["con"][0]) == pytest.approx(hc(FOUNDERS), rel=1e-9)
    assert c["con"][0] == pytest.approx(0.64031, abs=1e-5) and c["n"][0] == 5
    c2 = power.concentration(power.shares(s, FOUNDERS + ["IND"], "defence", 2012, source="sipri"))
    assert (c2["hhi"][0], c2["con"][0]) == pytest.approx(hc(FOUNDERS + ["IND"]), rel=1e-9)


# -- bugs found in review ---------------------------------------------------------------------------------

def test_sigma_of_a_single_country_is_missing_not_zero(real):
    """Bug: with one member holding a value (CHN before 1987 among the founders) sd_log was 0.0 —
    a fake 'perfect convergence' point on the σ path; the dispersion of one value is undefined."""
    s, _ = real
    sig = convergence.sigma(s, FOUNDERS, "gdp_pc", (1984, 1990))
    one = sig.filter(pl.col("n") < 2)
    assert one.height >= 1
    assert one["sd_log"].is_null().all() and one["cv"].is_null().all() and one["sd_level"].is_null().all()
    assert sig.filter(pl.col("n") >= 2)["sd_log"].is_not_null().all()


def test_ratio_of_a_country_to_itself_is_a_clear_error(real):
    """Bug: `sco ratio CHN CHN` died with an IndexError traceback (the de-duplicated frame has one row)."""
    s, _ = real
    with pytest.raises(ObservatoryError):
        power.ratio(s, "CHN", "chn", "defence", 2012)


def test_cinc_uses_one_source_when_two_nmc_versions_are_held():
    """Bug: with two NMC releases in the store, the within-group CINC summed both copies of every
    component (halving every share) and duplicated rows — 'one source per call' was broken."""
    from conftest import _shared_data

    data = _shared_data()
    if not data.is_dir():
        pytest.skip("real data absent")
    s = open_memory_store(seed=False)
    import_file(s, data / "cow_nmc" / "NMC-60-abridged.csv")
    before = power.cinc(s, FOUNDERS, (2012, 2012)).sort("iso3")
    s.con.execute("INSERT INTO source SELECT * REPLACE ('cow:nmc-5.0' AS source_id) FROM source WHERE source_id = 'cow:nmc-6.0'")
    s.con.execute("""INSERT INTO indicator SELECT * REPLACE ('cow:nmc-5.0' AS source_id, value * 1.1 AS value)
                     FROM indicator WHERE source_id = 'cow:nmc-6.0' AND year <= 2012 AND code <> 'COW.NMC.MILEX'""")
    after = power.cinc(s, FOUNDERS, (2012, 2012)).sort("iso3")
    assert after.height == 6
    assert after["source"].n_unique() == 1 and "," not in after["source"][0]
    if after["source"][0] == "cow:nmc-6.0":
        assert after["cinc_group"].to_list() == pytest.approx(before["cinc_group"].to_list(), rel=1e-12)
    pinned = power.cinc(s, FOUNDERS, (2012, 2012), source="cow:nmc-6.0").sort("iso3")
    assert pinned["cinc_group"].to_list() == pytest.approx(before["cinc_group"].to_list(), rel=1e-12)
    assert pinned["cinc_published"].to_list() == pytest.approx(before["cinc_published"].to_list(), rel=1e-12)
    s.close()


def test_whatif_compares_both_sides_on_one_source(real):
    """Bug: baseline and changed group each picked their own source. Adding UZB in 2010 switched the
    changed side from SIPRI (no UZB) to the report's IISS table, so KGZ's 'delta' (0.0011 -> 0.0002)
    was a change of source, while the source column still said sipri."""
    from sco_observatory.whatif import whatif

    s, _ = real
    w = whatif(s, ["CHN", "RUS", "KAZ", "KGZ", "TJK"], add=["UZB"], year=2010, indicators=["defence"],
               integration=False)
    assert w["source"].drop_nulls().n_unique() == 1
    src = w["source"][0]
    for side, group in (("baseline", ["CHN", "RUS", "KAZ", "KGZ", "TJK"]), ("changed", FOUNDERS)):
        ref = power.shares(s, group, "defence", 2010, source=src)
        got = w.filter(pl.col("measure") == "defence share").select("iso3", side)
        for iso, v in zip(ref["iso3"], ref["share"]):
            g = got.filter(pl.col("iso3") == iso)[side][0]
            assert (g is None) if v is None else g == pytest.approx(v), (side, iso)


def test_mirror_basis_on_a_dataset_without_import_flows_says_so(baci):
    """Bug: BACI holds exporter-side flows only; `--flows mirror` returned empty frames silently."""
    from sco_observatory.errors import DataMissingError

    with pytest.raises(DataMissingError, match="mirror"):
        trade.rca(baci, ["KAZ"], 2012, "mirror")
    with pytest.raises(DataMissingError, match="mirror"):
        trade.trade_intensity(baci, ["KAZ"], (2012, 2012), "mirror", partners=["RUS"])
    assert trade.rca(baci, ["KAZ"], 2012, "best").height == 2  # best falls back to reported flows


def test_claim_india_rebalances_is_computed_on_the_iiss_figures_it_cites(real):
    """Bug: the claim says 'IISS' but the call did not pin a source, so with SIPRI loaded it was
    computed on SIPRI."""
    from sco_observatory.metrics import claims

    s, _ = real
    r = claims.check(s, ["india-rebalances"]).row(0, named=True)
    assert r["source"] == "embedded:iiss-mb2013" and r["verdict"] == "agree"
