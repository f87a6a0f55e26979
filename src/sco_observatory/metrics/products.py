"""Product-level answers for a group and a partner: its top products (value, share), the Balassa RCA of
each side in them, and the products' complexity (PCI); and each country's ECI — METHODS §4.5, §4.11.

Why: `sco trade partners` says how much a group trades with a partner; this says *in what*. It
needs a product-level dataset (CEPII BACI, UN Comtrade by HS code); IMF DOTS holds totals only.

One year, one flow basis (reported by default: CEPII BACI is exporter-side FOB only). Notation as
in metrics/trade.py: `x_ik` exports of i in product k to all importers of the dataset, `X_i = Σ_k x_ik`,
`x_Wk = Σ_i x_ik`, `X_W = Σ_ik x_ik` (the world is the dataset's exporters, METHODS §4.0).

- exports of group G to partner P in k: `v_k = Σ_{i∈G, j∈P} x_ijk`; share `v_k / Σ_k v_k`; imports of
  G from P the same with i∈P, j∈G (on the same basis: P's exports to G where reported);
- RCA of a group as one exporter (Balassa 1965): `RCA_Gk = (Σ_{i∈G} x_ik / Σ_{i∈G} X_i) / (x_Wk / X_W)`,
  intra-group exports included (they are exports of the members); `rca_group` for G, `rca_partner`
  for P. A product a side exports none of has RCA 0: BACI writes no row for a zero flow;
- PCI from metrics/complexity.py over all exporters and products of the year.

Every SQL fragment is constant; countries, the year and N travel as bound parameters.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import Builder, run
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import complexity as cx
from sco_observatory.metrics.trade import Basis, flows_cte

DEFAULT_TOP = 10
MAX_TOP = 10_000


class BadTopError(ObservatoryError):
    """--top outside 1..MAX_TOP."""


def check_top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise BadTopError(f"--top {top} is not a number of products from 1 to {MAX_TOP:,}", "e.g. --top 10")
    return top


def _bilateral(b: Builder, store, year: int, basis: Basis, source: str | None):
    rel, label = flows_cte(b, store, (year, year), basis, source, product_level=True)
    bil = b.cte("bilateral", "SELECT * FROM f WHERE product <> 'TOTAL' AND exporter <> 'WLD' AND importer <> 'WLD'", f=rel)
    xk = b.cte("xk", "SELECT exporter, product, sum(value) AS x FROM b GROUP BY exporter, product", b=bil)
    return bil, xk, label


_SIDE_SQL = "SELECT product, sum(x) AS x_k FROM xk WHERE exporter IN ($side) GROUP BY product"
_SIDE_TOTAL_SQL = "SELECT sum(x) AS x_tot FROM xk WHERE exporter IN ($side)"
_WORLD_SQL = "SELECT product, sum(x) AS x_wk FROM xk GROUP BY product"
_WORLD_TOTAL_SQL = "SELECT sum(x) AS x_w FROM xk"
_FLOWS_SQL = """
    SELECT 'exports' AS direction, product, sum(value) AS value, string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation
    FROM b WHERE exporter IN ($group) AND importer IN ($partner) GROUP BY product
    UNION ALL
    SELECT 'imports' AS direction, product, sum(value) AS value, string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation
    FROM b WHERE exporter IN ($partner) AND importer IN ($group) GROUP BY product"""
_TOP_SQL = """
    SELECT fl.direction, fl.rank, fl.product, CAST($year AS BIGINT) AS year, fl.value, fl.share,
           (coalesce(g.x_k, 0) / NULLIF(gt.x_tot, 0)) / NULLIF(w.x_wk / NULLIF(wt.x_w, 0), 0) AS rca_group,
           (coalesce(p.x_k, 0) / NULLIF(pt.x_tot, 0)) / NULLIF(w.x_wk / NULLIF(wt.x_w, 0), 0) AS rca_partner,
           fl.products, fl.valuation
    FROM (SELECT *, row_number() OVER (PARTITION BY direction ORDER BY value DESC, product) AS rank,
                 value / NULLIF(sum(value) OVER (PARTITION BY direction), 0) AS share,
                 count(*) OVER (PARTITION BY direction) AS products
          FROM fl) AS fl
    JOIN w ON w.product = fl.product
    LEFT JOIN g ON g.product = fl.product
    LEFT JOIN p ON p.product = fl.product
    CROSS JOIN gt CROSS JOIN pt CROSS JOIN wt
    WHERE fl.rank <= $top"""


def trade_products(store, group: Sequence[str], partner: Sequence[str], year: int, basis: Basis = "reported", *,
                   top: int = DEFAULT_TOP, source: str | None = None) -> pl.DataFrame:
    """The top `top` products of G's exports to P and of G's imports from P in `year`.

    Columns: direction (exports | imports), rank, product, year, value (US$), share (of the
    direction's total over all products), rca_group, rca_partner, products (how many products the
    direction has in all), pci (null where no exporter has RCA ≥ 1 in the product, or where
    complexity is not defined for the data — `complexity()` says why), valuation, basis, source.
    """
    check_top(top)
    overlap = sorted(set(group) & set(partner))
    if overlap:
        raise ObservatoryError(f"the partner overlaps the group ({', '.join(overlap)})",
                               "choose a partner outside the group, e.g. --partner CHN for CA5")
    b = Builder()
    bil, xk, label = _bilateral(b, store, int(year), basis, source)
    g = b.cte("g", _SIDE_SQL, xk=xk, side=list(group))
    p = b.cte("p", _SIDE_SQL, xk=xk, side=list(partner))
    gt = b.cte("gt", _SIDE_TOTAL_SQL, xk=xk, side=list(group))
    pt = b.cte("pt", _SIDE_TOTAL_SQL, xk=xk, side=list(partner))
    w = b.cte("w", _WORLD_SQL, xk=xk)
    wt = b.cte("wt", _WORLD_TOTAL_SQL, xk=xk)
    fl = b.cte("fl", _FLOWS_SQL, b=bil, group=list(group), partner=list(partner))
    frame = run(store, b.build(_TOP_SQL, fl=fl, w=w, g=g, p=p, gt=gt, pt=pt, wt=wt, year=int(year), top=int(top)))
    pci = _product_complexity(store, int(year), basis, source)
    frame = frame.join(pci.select("product", "pci"), on="product", how="left")
    return (frame.with_columns(pl.lit(basis).alias("basis"), pl.lit(label).alias("source"))
            .select("direction", "rank", "product", "year", "value", "share", "rca_group", "rca_partner", "pci",
                    "products", "valuation", "basis", "source")
            .sort("direction", "rank"))


def _exports(store, year: int, basis: Basis, source: str | None) -> tuple[pl.DataFrame, str, str]:
    """(exporter, product, value) of every exporter in the year, the source label and the valuations."""
    b = Builder()
    bil, xk, label = _bilateral(b, store, year, basis, source)
    frame = run(store, b.build("""SELECT xk.exporter, xk.product, xk.x AS value, v.valuation FROM xk,
                                  (SELECT string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation FROM b) AS v""",
                               xk=xk, b=bil))
    valuation = frame["valuation"][0] if frame.height else ""
    return frame.drop("valuation"), label, valuation


def _product_complexity(store, year: int, basis: Basis, source: str | None) -> pl.DataFrame:
    """PCI of the year's products; empty where complexity is not defined for these data (too few
    exporters or products, or a disconnected network — `complexity()` raises and says why)."""
    try:
        return complexity(store, year, basis, source=source).products
    except DataMissingError:
        return pl.DataFrame(schema={"product": pl.String, "pci": pl.Float64})


class ComplexityFrames:
    """ECI per country and PCI per product of one year (both frames carry year, basis and source)."""

    def __init__(self, countries: pl.DataFrame, products: pl.DataFrame) -> None:
        self.countries = countries
        self.products = products


def complexity(store, year: int, basis: Basis = "reported", *, source: str | None = None) -> ComplexityFrames:
    """ECI of every exporter and PCI of every product of the dataset in `year` (METHODS §4.11 [V]).

    countries: iso3, year, eci, eci_rank (1 = most complex), diversity (products with RCA ≥ 1),
    countries (how many were ranked), valuation, basis, source; products: product, year, pci,
    pci_rank, ubiquity (countries with RCA ≥ 1), valuation, basis, source.
    """
    exports, label, valuation = _exports(store, int(year), basis, source)
    result = cx.from_exports(exports)
    n = len(result.countries)
    common = [pl.lit(int(year)).cast(pl.Int64).alias("year")]
    tail = [pl.lit(valuation).alias("valuation"), pl.lit(basis).alias("basis"), pl.lit(label).alias("source")]
    countries = pl.DataFrame({"iso3": result.countries, "eci": result.eci, "diversity": result.diversity.astype(int)})
    countries = (countries.with_columns(*common, pl.col("eci").rank("ordinal", descending=True).cast(pl.Int64).alias("eci_rank"),
                                        pl.lit(n).cast(pl.Int64).alias("countries"), *tail)
                 .select("iso3", "year", "eci", "eci_rank", "diversity", "countries", "valuation", "basis", "source")
                 .sort("eci_rank"))
    products = pl.DataFrame({"product": result.products, "pci": result.pci, "ubiquity": result.ubiquity.astype(int)})
    products = (products.with_columns(*common, pl.col("pci").rank("ordinal", descending=True).cast(pl.Int64).alias("pci_rank"), *tail)
                .select("product", "year", "pci", "pci_rank", "ubiquity", "valuation", "basis", "source")
                .sort("pci_rank"))
    return ComplexityFrames(countries, products)
