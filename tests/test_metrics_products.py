"""Product-level answers (`sco trade products`, `sco trade complexity`): top products with a partner,
Balassa RCA of each side, and economic complexity (ECI/PCI, Hidalgo & Hausmann 2009).

The store holds tests/fixtures/products/BACI_HS17_Y2020_V000000.csv — a small hand-made BACI-format
year (8 countries, 8 HS6 products, values in thousand US$; synthetic, for tests only) imported with
the real BACI reader. Expected values are computed here from the CSV independently of the SQL.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import sco_observatory as sco
from sco_observatory import config
from sco_observatory.cli import main
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import complexity as cx

FIXTURE = Path(__file__).parent / "fixtures" / "products"
BACI = FIXTURE / "BACI_HS17_Y2020_V000000.csv"
CODES = {156: "CHN", 643: "RUS", 398: "KAZ", 417: "KGZ", 860: "UZB", 276: "DEU", 842: "USA", 699: "IND"}
CA5 = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


def _flows() -> pl.DataFrame:
    raw = pl.read_csv(BACI, schema_overrides={"k": pl.String})
    return raw.select(pl.col("i").replace_strict(CODES).alias("exporter"), pl.col("j").replace_strict(CODES).alias("importer"),
                      pl.col("k").alias("product"), (pl.col("v") * 1000).alias("value"))


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("products")
    with sco.open(path) as obs:
        obs.import_file([BACI])
    return path


@pytest.fixture()
def obs(home):
    with sco.open(home) as o:
        yield o


# -- complexity on a hand-computable matrix ---------------------------------------------------------

def test_nested_three_by_three_by_hand():
    """M = [[1,1,1],[1,1,0],[1,0,0]]: M̃_cc has eigenvalues 1, 1/4, 1/9 (trace 49/36, det 1/36);
    the 1/4 eigenvector is K ∝ (2, −1, −4) (sign: with diversity), Q = D_p⁻¹MᵀK/λ = (−4, 2, 8);
    mean K = −1, std K = √6, so ECI = (3, 0, −3)/√6 and PCI = (−3, 3, 9)/√6."""
    eci, pci, second, rows, cols = cx.eci_pci(np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]]))
    assert second == pytest.approx(0.25, abs=1e-12)
    assert eci == pytest.approx(np.array([3, 0, -3]) / math.sqrt(6), abs=1e-12)
    assert pci == pytest.approx(np.array([-3, 3, 9]) / math.sqrt(6), abs=1e-12)
    assert rows.all() and cols.all()


def test_eci_is_the_mean_pci_of_a_countrys_products():
    rng = np.random.default_rng(7)
    m = (rng.random((12, 30)) < 0.35).astype(float)
    eci, pci, _, rows, cols = cx.eci_pci(m)
    kept = m[rows][:, cols]
    assert eci == pytest.approx((kept @ pci) / kept.sum(axis=1), abs=1e-10)
    assert np.corrcoef(kept.sum(axis=1), eci)[0, 1] > 0


def test_empty_rows_and_columns_are_dropped_and_too_little_is_refused():
    m = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    eci, pci, _, rows, cols = cx.eci_pci(m)
    assert rows.tolist() == [True, True, True, False] and cols.tolist() == [True, True, True, False]
    assert len(eci) == 3 and len(pci) == 3
    with pytest.raises(DataMissingError, match="at least 2 countries"):
        cx.eci_pci(np.array([[1, 1]]))
    with pytest.raises(DataMissingError, match="separate blocks"):
        cx.eci_pci(np.array([[1, 0], [0, 1]]))


def test_rca_matrix_is_balassa():
    x = np.array([[10.0, 30.0], [50.0, 10.0]])
    want = (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0) / x.sum())
    assert cx.rca_matrix(x) == pytest.approx(want)


def test_same_as_the_ecomplexity_package():
    """Our eigenvector route (countries' symmetric matrix) against the `ecomplexity` package (products'
    matrix, numpy.linalg.eig) on the same export matrix, to 1e-6."""
    ecomplexity = pytest.importorskip("ecomplexity", reason="the `ecomplexity` package is not installed "
                                      "(pip install ecomplexity; it is in the [complexity] extra)")
    pd = pytest.importorskip("pandas")
    flows = _flows().group_by("exporter", "product").agg(pl.col("value").sum())
    ours = cx.from_exports(flows)
    data = pd.DataFrame({"year": 2020, "exporter": flows["exporter"].to_list(), "product": flows["product"].to_list(),
                         "value": flows["value"].to_list()})
    theirs = ecomplexity.ecomplexity(data, {"time": "year", "loc": "exporter", "prod": "product", "val": "value"})
    eci = theirs.groupby("exporter")["eci"].first()
    pci = theirs.groupby("product")["pci"].first()
    assert np.abs(ours.eci - eci.loc[list(ours.countries)].to_numpy()).max() < 1e-6
    assert np.abs(ours.pci - pci.loc[list(ours.products)].to_numpy()).max() < 1e-6


# -- the store-level answers -------------------------------------------------------------------------

def test_top_products_with_a_partner(obs):
    got = obs.trade_products("CA5", "CHN", 2020, top=3)
    flows = _flows()
    exports = (flows.filter(pl.col("exporter").is_in(CA5) & (pl.col("importer") == "CHN"))
               .group_by("product").agg(pl.col("value").sum()).sort("value", descending=True))
    rows = got.filter(pl.col("direction") == "exports")
    assert rows["product"].to_list() == exports["product"].head(3).to_list() == ["270900", "740311", "520100"]
    assert rows["value"].to_list() == pytest.approx(exports["value"].head(3).to_list())
    assert rows["share"][0] == pytest.approx(8000 / 10550)
    assert rows["products"][0] == exports.height == 4
    assert rows["rank"].to_list() == [1, 2, 3]
    imports = got.filter(pl.col("direction") == "imports")
    assert imports["product"].to_list() == ["847130", "870323", "610910"]
    assert imports["value"][0] == pytest.approx(1_100_000)
    assert set(got["valuation"]) == {"FOB"} and set(got["basis"]) == {"reported"}
    assert got["source"][0] == "baci:BACI_HS17_Y2020_V000000"


def test_rca_of_the_group_and_of_the_partner(obs):
    got = obs.trade_products("CA5", "CHN", 2020, top=10)
    flows = _flows()
    x_ik = flows.group_by("exporter", "product").agg(pl.col("value").sum())
    world_k = x_ik.group_by("product").agg(pl.col("value").sum().alias("xw_k"))
    x_w = x_ik["value"].sum()

    def rca(side):
        own = x_ik.filter(pl.col("exporter").is_in(side)).group_by("product").agg(pl.col("value").sum())
        return {r["product"]: (r["value"] / own["value"].sum()) / (r["xw_k"] / x_w)
                for r in own.join(world_k, on="product").iter_rows(named=True)}

    group, partner = rca(CA5), rca(["CHN"])
    for row in got.iter_rows(named=True):
        assert row["rca_group"] == pytest.approx(group.get(row["product"], 0.0)), row["product"]
        assert row["rca_partner"] == pytest.approx(partner.get(row["product"], 0.0)), row["product"]
    assert got.filter(pl.col("product") == "847130")["rca_group"][0] == 0.0  # CA5 export no computers: a true zero


def test_pci_in_the_answer_is_the_years_complexity(obs):
    got = obs.trade_products("CA5", "CHN", 2020, top=10)
    pci = obs.complexity(2020, level="products")
    joined = got.join(pci.select("product", pl.col("pci").alias("want")), on="product", how="left")
    assert joined["pci"].to_list() == pytest.approx(joined["want"].to_list(), nan_ok=True)
    assert pci.height >= 5 and pci["pci_rank"].to_list() == list(range(1, pci.height + 1))


def test_complexity_ranks_all_exporters_and_filters_to_the_group(obs):
    everyone = obs.complexity(2020)
    assert set(everyone["iso3"]) == set(CODES.values())
    assert everyone["eci"].mean() == pytest.approx(0, abs=1e-9)
    assert everyone["eci"].std(ddof=0) == pytest.approx(1)
    ca5 = obs.complexity(2020, "CA5")
    assert set(ca5["iso3"]) == {"KAZ", "KGZ", "UZB"} and set(ca5["countries"]) == {8}
    direct = cx.from_exports(_flows().group_by("exporter", "product").agg(pl.col("value").sum()))
    want = dict(zip(direct.countries, direct.eci))
    for iso, eci in ca5.select("iso3", "eci").iter_rows():
        assert eci == pytest.approx(want[iso], abs=1e-9)


def test_without_a_product_level_dataset_one_line_names_it(tmp_path, shared_data, capsys):
    home = tmp_path / "dots"
    dots = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    if not dots.exists():
        pytest.skip("shared DOTS file absent")
    assert main(["--home", str(home), "import", str(dots)]) == 0
    capsys.readouterr()
    code = main(["--home", str(home), "trade", "products", "CA5", "--partner", "CHN", "--year", "2012"])
    config.set_home(None)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "product-level" in err and "BACI" in err


@pytest.mark.parametrize(("args", "says"), [
    (["--top", "0"], "--top"),
    (["--pairs"], "--pairs"),
    (["--factor", "2"], "--factor"),
    (["--years", "2019-2020"], "one year"),
])
def test_bad_options_are_one_line(home, capsys, args, says):
    argv = ["--home", str(home), "trade", "products", "CA5", "--partner", "CHN", "--year", "2020", *args]
    if args[0] == "--years":
        argv = ["--home", str(home), "trade", "products", "CA5", "--partner", "CHN", *args]
    code = main(argv)
    config.set_home(None)
    err = capsys.readouterr().err
    assert code == 2 and says in err and "Traceback" not in err


def test_partner_in_the_group_and_missing_partner_are_refused(obs, home, capsys):
    with pytest.raises(ObservatoryError, match="overlaps the group"):
        obs.trade_products("CA5", "KAZ", 2020)
    assert main(["--home", str(home), "trade", "products", "CA5", "--year", "2020"]) == 2
    assert main(["--home", str(home), "trade", "complexity", "CA5", "--year", "2020", "--partner", "CHN"]) == 2
    config.set_home(None)
    assert "needs --partner" in capsys.readouterr().err


def test_cli_table_says_what_it_covers(home, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--home", str(home), "trade", "products", "CA5", "--partner", "CHN", "--year", "2020", "--top", "2"]) == 0
    config.set_home(None)
    out = capsys.readouterr().out
    assert "Top products of CA5 with CHN" in out and "exports: top 2 of 4 products" in out
    assert "RCA, group" in out and "PCI" in out and "rca_group" not in out


def test_web_endpoint_gives_the_same_rows(home):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with sco.open(home) as obs:
        want = obs.trade_products("CA5", "CHN", 2020, top=3)
        path = obs.store_path
    with TestClient(create_app(str(path)), raise_server_exceptions=False) as client:
        got = client.get("/api/trade/products", params={"group": "CA5", "partner": "CHN", "year": 2020, "top": 3})
        assert got.status_code == 200, got.text
        assert [r["product"] for r in got.json()["rows"]] == want["product"].to_list()
        bad = client.get("/api/trade/products", params={"group": "CA5", "partner": "KAZ", "year": 2020})
        assert bad.status_code == 400 and "overlaps" in bad.json()["error"]
