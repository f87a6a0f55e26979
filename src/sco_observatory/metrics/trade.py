"""Standard trade indicators (WITS / UNCTAD / ESCAP definitions; METHODS.md §4), in DuckDB SQL.

Every measure runs on one *flow basis*, chosen with `basis` and never mixed silently (§4.0):

- `reported` — exporter-reported exports: `X_ij` = i's reported exports to j (FOB in IMF DOTS);
- `mirror`   — partner-reported imports: `X_ij` = j's reported imports from i (CIF in IMF DOTS);
- `best`     — reported where the exporter reports the flow, mirror otherwise; every row keeps its
  own `basis` and `valuation`, and frames say how many flows came from each side.

World totals come from the same basis: `X_i = X_{i,WLD}`, `X_{W,j} = X_{WLD,j}`, `X_W = X_{WLD,WLD}`
(IMF DOTS publishes the "World" partner and reporter rows); a dataset without WLD rows (BACI) gets
them as sums over all its flows, i.e. the world is the dataset's reporter set (§4.0 "World total").
Each output states the valuation (FOB/CIF) and the source ids.

Notation (METHODS): `X_ij` exports i→j; `X_i` total exports of i; `M_i = X_{W,i}` total imports of i;
`R` a group; `k` a product.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, Sequence

import numpy as np
import polars as pl

from sco_observatory.dates import years_text
from sco_observatory.engine import Builder, CteName, Query, prefetched, query, run, run_batches
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import cache, flag_rules, pairwise, require_group

Basis = Literal["reported", "mirror", "best"]
BASES = ("reported", "mirror", "best")
DATASET_PRIORITY = ("imf-dots", "baci", "comtrade", "cow-trade")


class BadBasisError(ObservatoryError):
    """An unknown --flows value."""


@lru_cache(maxsize=1)
def _aggregate_codes() -> frozenset[str]:
    import csv

    with resources.files("sco_observatory.data").joinpath("aggregates.csv").open(encoding="utf-8") as fh:
        return frozenset(r["code"] for r in csv.DictReader(fh) if r["code"]) | {"WLD"}


_SUMMARY_SQL = """
    SELECT source_id, CAST(year AS BIGINT) AS year, flow, product = 'TOTAL' AS total,
           reporter = 'WLD' AS reporter_world, partner = 'WLD' AS partner_world, valuation, count(*) AS n
    FROM trade
    GROUP BY source_id, year, flow, product = 'TOTAL', reporter = 'WLD', partner = 'WLD', valuation"""
"""What the trade table holds, in a few hundred rows: per source id, year, flow side, TOTAL-or-product,
World-or-not and valuation, the row count. Every dataset choice, flow-side probe and valuation label
is answered from it (one scan per store commit, `metrics.cache`) instead of one scan each per call."""


def _summary(store) -> pl.DataFrame:
    return cache.cached(store, ("trade-summary",), lambda: run(store, query(_SUMMARY_SQL)))


def _reporter_years(store) -> dict[int, frozenset[str]]:
    """year -> the reporters with a row of it in the trade table, read in one scan per store commit."""
    def build() -> dict[int, frozenset[str]]:
        rows = run(store, query("SELECT DISTINCT CAST(year AS BIGINT) AS year, reporter FROM trade "
                                "WHERE year IS NOT NULL AND reporter IS NOT NULL"))
        held: dict[int, set[str]] = {}
        for year, reporter in zip(rows["year"].to_list(), rows["reporter"].to_list()):
            held.setdefault(year, set()).add(reporter)
        return {y: frozenset(r) for y, r in held.items()}
    return cache.cached(store, ("reporter-years",), build)


def latest_year(store, reporters: Sequence[str], ceiling: int) -> int:
    """The latest year <= `ceiling` that most of `reporters` report flows for: the rule of
    `store.queries.latest_trade_year` (a year where at least half of them report; where none reaches
    half, the latest year any of them reports; DataMissingError when none does), answered from the
    trade table's (year, reporter) pairs kept per store commit (`_reporter_years`).

    Why: the report asks it for two groups, and each SQL answer scanned the trade table (~20 ms)."""
    wanted = set(reporters)
    counts = {y: len(wanted & held) for y, held in _reporter_years(store).items() if y <= ceiling}
    counts = {y: n for y, n in counts.items() if n}
    if not counts:
        raise DataMissingError("the store holds no bilateral trade for these countries",
                               "sco import dots_focus_reporters_1990_2020.csv (IMF DOTS) or "
                               "sco fetch imf --reporters CA5 --partners SCO --years 1995-2024")
    most = [y for y, n in counts.items() if n * 2 >= len(reporters)]
    return max(most) if most else max(counts)


def _years_summary(store, years: tuple[int, int]) -> pl.DataFrame:
    return _summary(store).filter(pl.col("year").is_between(int(years[0]), int(years[1])))


@dataclass(frozen=True)
class Dataset:
    """The one trade dataset a call uses: a source-id family, or a single source id within it."""

    family: str
    source_id: str | None
    label: str
    ids: tuple[str, ...] = ()
    """The family's source ids holding rows of the years (the rows are read as `source_id IN ids`,
    which prunes the store's source_id/year partitions; empty: by family name)."""


@cache.per_commit("_dataset_filter")
def _dataset_filter(store, years: tuple[int, int], source: str | None, product_level: bool = False) -> Dataset:
    """The one dataset used, and its label (the source ids it spans).

    A dataset is a source-id family (`imf-dots:*` is both DOTS files); `source` may name a family or
    one source id. Default: the first family in `DATASET_PRIORITY` holding data for the years
    (and, for product-level measures, rows other than TOTAL).
    """
    held = _years_summary(store, years)
    if product_level:
        held = held.filter(~pl.col("total"))
    rows = (held.group_by(pl.col("source_id").str.split(":").list.first().alias("family"))
            .agg(pl.col("source_id").unique().sort().str.join(",").alias("ids"), pl.col("n").sum())
            .sort("family").rows())
    if source:
        fam = [r for r in rows if r[0] == source.rstrip(":") or source in r[1].split(",")]
        if not fam:
            raise DataMissingError(
                f"trade source '{source}' holds no {'product-level ' if product_level else ''}flows for {years_text(years)}",
                "`sco data list` shows the trade sources; import IMF DOTS with "
                "`sco import dots_focus_reporters_1990_2020.csv` (IMF DOTS) or `sco fetch imf --reporters CA5 --partners SCO --years 1995-2024`",
            )
        if source in fam[0][1].split(","):
            return Dataset(fam[0][0], source, source)
        rows = fam
    if not rows:
        what = "product-level (HS/SITC) bilateral trade" if product_level else "bilateral trade"
        raise DataMissingError(
            f"the store holds no {what} for {years_text(years)}",
            ("import a product-level dataset (CEPII BACI or UN Comtrade by HS code); IMF DOTS holds totals only"
             if product_level else
             "import IMF DOTS: `sco import dots_focus_reporters_1990_2020.csv "
             "dots_other_reporters_to_focus_partners_1990_2020.csv` or `sco fetch imf`"),
        )
    rows.sort(key=lambda r: (DATASET_PRIORITY.index(r[0]) if r[0] in DATASET_PRIORITY else 99, -r[2]))
    family, ids, _ = rows[0]
    return Dataset(family, None, ids, tuple(ids.split(",")))


# The dataset's rows of the years: one fragment per way of naming the dataset (a family, or one source id).
_ROWS_SQL = {
    "family": "SELECT * FROM trade WHERE year BETWEEN $y0 AND $y1 AND split_part(source_id, ':', 1) = $family",
    "ids": "SELECT * FROM trade WHERE year BETWEEN $y0 AND $y1 AND source_id IN ($ids)",
    "source": "SELECT * FROM trade WHERE year BETWEEN $y0 AND $y1 AND source_id = $source_id",
}
_REPORTED_SQL = """SELECT reporter AS exporter, partner AS importer, year, product, value_usd AS value,
                          coalesce(valuation, 'FOB') AS valuation, 'reported' AS basis, source_id AS source
                   FROM rows WHERE flow = 'X'"""
_MIRROR_SQL = """SELECT partner AS exporter, reporter AS importer, year, product, value_usd AS value,
                        coalesce(valuation, 'CIF') AS valuation, 'mirror' AS basis, source_id AS source
                 FROM rows WHERE flow = 'M'"""
_BEST_SQL = """SELECT * FROM reported
               UNION ALL
               SELECT m.* FROM mirror AS m ANTI JOIN reported AS r USING (exporter, importer, year, product)"""
_WITH_WORLD_SQL = """
    SELECT * FROM f
    UNION ALL SELECT exporter, 'WLD', year, product, sum(value), any_value(valuation), any_value(basis), any_value(source)
              FROM f GROUP BY exporter, year, product
    UNION ALL SELECT 'WLD', importer, year, product, sum(value), any_value(valuation), any_value(basis), any_value(source)
              FROM f GROUP BY importer, year, product
    UNION ALL SELECT 'WLD', 'WLD', year, product, sum(value), any_value(valuation), any_value(basis), any_value(source)
              FROM f GROUP BY year, product"""


def _rows_cte(b: Builder, ds: Dataset, years: tuple[int, int]) -> CteName:
    y0, y1 = int(years[0]), int(years[1])
    if ds.source_id:
        return b.cte("rows", _ROWS_SQL["source"], y0=y0, y1=y1, source_id=ds.source_id)
    if ds.ids:
        return b.cte("rows", _ROWS_SQL["ids"], y0=y0, y1=y1, ids=list(ds.ids))
    return b.cte("rows", _ROWS_SQL["family"], y0=y0, y1=y1, family=ds.family)


def _dataset_summary(store, ds: Dataset, years: tuple[int, int]) -> pl.DataFrame:
    """The summary rows (`_SUMMARY_SQL`) of one dataset's years."""
    held = _years_summary(store, years)
    if ds.source_id:
        return held.filter(pl.col("source_id") == ds.source_id)
    return held.filter(pl.col("source_id").str.split(":").list.first() == ds.family)


@cache.per_commit("_probe")
def _probe(store, ds: Dataset, years: tuple[int, int], flow: str) -> tuple[bool, bool]:
    """Does the dataset hold rows of this flow side, and published World (partner WLD) rows?"""
    held = _dataset_summary(store, ds, years)
    return bool((held["flow"] == flow).any()), bool(held["partner_world"].any())


_SIDES = {"reported": ("X", "FOB"), "mirror": ("M", "CIF")}
"""Flow side and default valuation of each single-side basis (as `_REPORTED_SQL` / `_MIRROR_SQL` read them)."""


@cache.per_commit("_valuation")
def _valuation(store, ds: Dataset, years: tuple[int, int], basis: str, *, world_rows: bool) -> str | None:
    """The '/'-joined valuations of the dataset's product-level rows on a single-side basis, from the summary.

    The same set `string_agg(DISTINCT valuation, '/' ORDER BY valuation)` gives over the flow relation:
    `world_rows=False` for the bilateral rows (neither side WLD), True for all product rows — synthesised
    World rows carry one of their group's valuations, so they add none. None where no row.
    """
    flow, default = _SIDES[basis]
    held = _dataset_summary(store, ds, years).filter((pl.col("flow") == flow) & ~pl.col("total"))
    if not world_rows:
        held = held.filter(~pl.col("reporter_world") & ~pl.col("partner_world"))
    found = sorted(set(held["valuation"].fill_null(default).to_list()))
    return "/".join(found) if found else None


def flows_cte(b: Builder, store, years: tuple[int, int], basis: Basis = "reported", source: str | None = None,
              product_level: bool = False, *, world: bool = True) -> tuple[CteName, str]:
    """Add the flow relation F(exporter, importer, year, product, value, valuation, basis, source) on
    one basis to `b`, with WLD rows present (synthesised if the dataset lacks them); returns the CTE
    name and the source label. `world=False`: no synthesised WLD rows (for measures that read only
    bilateral rows — the synthesis is three GROUP BYs over the whole relation)."""
    rel, ds = _flows(b, store, years, basis, source, product_level, world)
    return rel, ds.label


def _flows(b: Builder, store, years: tuple[int, int], basis: Basis, source: str | None, product_level: bool,
           world: bool) -> tuple[CteName, Dataset]:
    """`flows_cte`, returning the chosen `Dataset` too."""
    ds, world_rows = _chosen(store, years, basis, source, product_level, world)
    return _relation(b, ds, years, basis, world_rows=world_rows), ds


def _chosen(store, years: tuple[int, int], basis: Basis, source: str | None, product_level: bool,
            world: bool) -> tuple[Dataset, bool]:
    """The dataset `_flows` reads and whether its relation synthesises World rows (refused where the
    basis' flow side holds no rows)."""
    _basis_check(basis)
    ds = _dataset_filter(store, years, source, product_level)
    y0, y1 = int(years[0]), int(years[1])
    side = {"reported": ("X", "exporter-reported exports", "mirror or best"),
            "mirror": ("M", "partner-reported imports", "reported or best")}.get(basis)
    has_flow, has_world = _probe(store, ds, years, side[0] if side else "X")
    if side and not has_flow:
        raise DataMissingError(  # an empty basis would otherwise give empty frames, silently
            f"{ds.label} holds no {side[1]} for {years_text((y0, y1))}, so the '{basis}' flow basis has no data",
            f"use --flows {side[2]} (CEPII BACI, for one, is exporter-side FOB only)",
        )
    return ds, world and not has_world


def _relation(b: Builder, ds: Dataset, years: tuple[int, int], basis: str, *, world_rows: bool) -> CteName:
    """The flow relation of a chosen dataset on one basis (`world_rows`: with synthesised WLD rows)."""
    rows = _rows_cte(b, ds, years)
    if basis == "reported":
        rel = b.cte("reported", _REPORTED_SQL, rows=rows)
    elif basis == "mirror":
        rel = b.cte("mirror", _MIRROR_SQL, rows=rows)
    else:
        reported = b.cte("reported", _REPORTED_SQL, rows=rows)
        mirror = b.cte("mirror", _MIRROR_SQL, rows=rows)
        rel = b.cte("best", _BEST_SQL, reported=reported, mirror=mirror)
    if world_rows:
        rel = b.cte("with_world", _WITH_WORLD_SQL, f=rel)
    return rel


_TOTALS_SQL = """
    SELECT exporter, importer, year, sum(value) AS value, string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation,
           string_agg(DISTINCT basis, '/' ORDER BY basis) AS basis, string_agg(DISTINCT source, ',' ORDER BY source) AS source
    FROM f, (SELECT count(*) > 0 AS yes FROM f WHERE product = 'TOTAL') AS has_total
    WHERE (has_total.yes AND product = 'TOTAL') OR (NOT has_total.yes)
    GROUP BY exporter, importer, year"""


def totals_cte(b: Builder, rel: CteName) -> CteName:
    """Flows summed over products (TOTAL rows where the dataset has them, else the sum of products)."""
    return b.cte("totals", _TOTALS_SQL, f=rel)


_RAW_SQL = """SELECT exporter, importer, CAST(year AS BIGINT) AS year, product, value, valuation, basis, source FROM f
               WHERE exporter IN ($codes) AND importer IN ($codes)"""


def totals_frame(store, b: Builder, rel: CteName, codes: Sequence[str], has_total: bool) -> pl.DataFrame:
    """`totals_cte` over `rel`, for flows with both ends in `codes`, as a frame (columns exporter,
    importer, year, value, valuation, basis, source) — the same rows and values.

    Why not the SQL: `string_agg(DISTINCT x, '/' ORDER BY x)` three times per (exporter, importer,
    year) is an ordered DISTINCT aggregate, DuckDB's slowest kind — it was most of trade intensity's
    time (EXPLAIN ANALYZE: 11.8 s of operator time for 104k DOTS groups, of which almost every one
    holds a single row). Here the rows are fetched filtered (the engine pushes the code filter down),
    a flow held by one row keeps that row's value and labels as they are (what the aggregates give
    for one row), and only flows held by several rows are aggregated — labels sorted, distinct,
    '/'-joined, null where every label is null, and the value null where every value is.
    `has_total`: whether the whole relation holds TOTAL rows (`_has_total`; then only they count).
    """
    raw = run(store, b.build(_RAW_SQL, f=rel, codes=sorted(set(codes))))
    return _sum_totals(raw, has_total)


def _sum_totals(raw: pl.DataFrame | pl.LazyFrame, has_total: bool) -> pl.DataFrame:
    """`totals_frame`'s summation over fetched relation rows (exporter, importer, year, product, value,
    valuation, basis, source): TOTAL rows only where `has_total`; a one-row flow keeps its row."""
    lazy = raw.lazy()  # one polars call for the split below (the calls, not the rows, cost on small answers)
    if has_total:  # TOTAL rows where the dataset has them, else the sum of products
        lazy = lazy.filter(pl.col("product") == "TOTAL")
    keys = ["exporter", "importer", "year"]
    lazy = lazy.with_columns(pl.len().over(keys).alias("_n"))
    single, several = pl.collect_all([lazy.filter(pl.col("_n") == 1).select(*keys, "value", "valuation", "basis", "source"),
                                      lazy.filter(pl.col("_n") > 1)])
    if several.height == 0:
        return single

    def joined(col: str, sep: str) -> pl.Expr:
        return pl.when(pl.col(col).count() > 0).then(pl.col(col).drop_nulls().unique().sort().str.join(sep))

    agg = several.group_by(keys).agg(pl.when(pl.col("value").count() > 0).then(pl.col("value").sum()).alias("value"),
                                     joined("valuation", "/").alias("valuation"), joined("basis", "/").alias("basis"),
                                     joined("source", ",").alias("source"))
    return pl.concat([single, agg.select(single.columns)], how="vertical_relaxed")


def _basis_check(basis: str) -> None:
    if basis not in BASES:
        raise BadBasisError(f"unknown flow basis '{basis}'", "use --flows reported, mirror or best")


def bilateral_flows(store, countries: Sequence[str], years: tuple[int, int], basis: Basis = "reported", *,
                    partners: Sequence[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """Total goods flows `X_ij` for i in countries, j in partners (default: the same countries), WLD included.

    Columns: exporter, importer, year, value_usd, valuation, basis, source.
    """
    _basis_check(basis)
    b = Builder()
    rel, _ = flows_cte(b, store, years, basis, source)
    t = totals_cte(b, rel)
    parts = list(partners) if partners else list(countries)
    return run(store, b.build(
        """SELECT exporter, importer, CAST(year AS BIGINT) AS year, value AS value_usd, valuation, basis, source
           FROM t
           WHERE (exporter IN ($countries) AND importer IN ($partners))
              OR (importer IN ($countries) AND exporter IN ($partners))
           ORDER BY year, exporter, importer""", t=t, countries=list(countries), partners=parts + ["WLD"]))


_PAIRS_SQL = """
    SELECT p.iso3_a, p.iso3_b, CAST(p.year AS BIGINT) AS year,
           xab.value AS x_ab, xba.value AS x_ba,
           xa.value AS x_a_world, ma.value AS m_a_world, xwb.value AS x_world_b, xw.value AS x_world,
           coalesce(xab.valuation, xa.valuation) AS valuation, xba.valuation AS valuation_ba,
           coalesce(xab.basis, xa.basis) AS basis, xba.basis AS basis_ba,
           coalesce(xab.source, xba.source, xa.source) AS source
    FROM (SELECT a.iso3_a, b.iso3_b, y.year
          FROM (SELECT unnest([$countries]) AS iso3_a) AS a, (SELECT unnest([$partners]) AS iso3_b) AS b,
               (SELECT DISTINCT year FROM t) AS y
          WHERE a.iso3_a <> b.iso3_b) AS p
    LEFT JOIN t AS xab ON xab.exporter = p.iso3_a AND xab.importer = p.iso3_b AND xab.year = p.year
    LEFT JOIN t AS xba ON xba.exporter = p.iso3_b AND xba.importer = p.iso3_a AND xba.year = p.year
    LEFT JOIN t AS xa  ON xa.exporter = p.iso3_a AND xa.importer = 'WLD' AND xa.year = p.year
    LEFT JOIN t AS ma  ON ma.exporter = 'WLD' AND ma.importer = p.iso3_a AND ma.year = p.year
    LEFT JOIN t AS xwb ON xwb.exporter = 'WLD' AND xwb.importer = p.iso3_b AND xwb.year = p.year
    LEFT JOIN t AS xw  ON xw.exporter = 'WLD' AND xw.importer = 'WLD' AND xw.year = p.year
    ORDER BY p.year, p.iso3_a, p.iso3_b"""


def _pair_frame(store, countries, years, basis, partners, source, columns: set[str] | None = None,
                flags: int = 0) -> pl.DataFrame:
    """Per ordered pair (i, j), i∈countries, j∈partners, j≠i: X_ij, X_ji, X_i, M_i, X_Wj, X_W and provenance;
    `flags` 1 or 2: `flows_flagged`, how many of X_ij (and, 2, X_ji) are flagged (`flag_rules`), from
    the same fetch of the published rows as the values (`pair_totals`).

    The totals of the codes involved come from SQL (on the engine in force); the pair × year panel is
    assembled as a dense cube (`pairwise.pair_panel`) — equal to `_pair_frame_sql`, the SQL definition.
    """
    _basis_check(basis)
    ds, world_rows = _chosen(store, years, basis, source, False, True)
    parts = list(partners) if partners else list(countries)
    flows, flagged = pair_totals(store, ds, years, basis, sorted(set(countries) | set(parts) | {"WLD"}),
                                 world_rows=world_rows, flags=bool(flags))
    frame = pairwise.pair_panel(flows, list(countries), parts, _panel_years(store, ds, years, basis), columns,
                                flagged=flagged, directions=flags)
    return frame.with_columns(pl.lit(ds.label).alias("dataset"))


def _basis_summary(store, ds: Dataset, years: tuple[int, int], basis: str) -> pl.DataFrame:
    """The summary rows of the flow sides a basis reads (`best`: both)."""
    flows = [_SIDES[basis][0]] if basis in _SIDES else ["X", "M"]
    return _dataset_summary(store, ds, years).filter(pl.col("flow").is_in(flows))


@cache.per_commit("_has_total")
def _has_total(store, ds: Dataset, years: tuple[int, int], basis: str) -> bool:
    """Whether the flow relation holds TOTAL rows (the `has_total` of `_TOTALS_SQL`)."""
    return bool(_basis_summary(store, ds, years, basis)["total"].any())


def _panel_years(store, ds: Dataset, years: tuple[int, int], basis: str) -> list[int]:
    """The years of `totals_cte` over the flow relation (`SELECT DISTINCT year FROM t`), from the summary:
    the years holding rows of the basis' flow sides — only those with TOTAL rows where the relation has any."""
    return list(_held_years(store, ds, years, basis))  # a new list each call: the cached tuple stays as it is


@cache.per_commit("_held_years")
def _held_years(store, ds: Dataset, years: tuple[int, int], basis: str) -> tuple[int, ...]:
    held = _basis_summary(store, ds, years, basis)
    if held["total"].any():
        held = held.filter(pl.col("total"))
    return tuple(sorted(set(held["year"].to_list())))


def _pair_frame_sql(store, countries, years, basis, partners, source) -> pl.DataFrame:
    """`_pair_frame` as one SQL query (`_PAIRS_SQL`): the definition the dense assembly must equal."""
    _basis_check(basis)
    b = Builder()
    rel, label = flows_cte(b, store, years, basis, source)
    t = totals_cte(b, rel)
    parts = list(partners) if partners else list(countries)
    frame = run(store, b.build(_PAIRS_SQL, t=t, countries=list(countries), partners=parts))
    return frame.with_columns(pl.lit(label).alias("dataset"))


def trade_shares(store, countries: Sequence[str], years: tuple[int, int], basis: Basis = "reported", *,
                 partners: Sequence[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """Bilateral trade shares (METHODS §4.1 [V]), one row per ordered pair (a, b):

    `export_share = X_ab / X_a`, `import_share = X_ba / M_a`, `trade_share = (X_ab + X_ba)/(X_a + M_a)`
    (M_a = world exports to a on the same basis). `flows_flagged`: how many of the row's two flows
    (a→b, b→a) have reported and mirror figures more than a factor 2 apart (`flag_rules`).
    Columns: iso3_a, iso3_b, year, x_ab, x_ba, export_share, import_share, trade_share, flows_flagged,
    valuation, basis, source, formula.
    """
    f = _pair_frame(store, countries, years, basis, partners, source, flags=2)
    return f.with_columns(
        (pl.col("x_ab") / pl.col("x_a_world")).alias("export_share"),
        (pl.col("x_ba") / pl.col("m_a_world")).alias("import_share"),
        ((pl.col("x_ab") + pl.col("x_ba")) / (pl.col("x_a_world") + pl.col("m_a_world"))).alias("trade_share"),
        pl.lit("export_share = X_ab/X_a; import_share = X_ba/M_a; trade_share = (X_ab+X_ba)/(X_a+M_a)").alias("formula"),
    ).select("iso3_a", "iso3_b", "year", "x_ab", "x_ba", "export_share", "import_share", "trade_share", "flows_flagged",
             "valuation", "valuation_ba", "basis", "basis_ba", "dataset", "formula").rename({"dataset": "source"})


def trade_intensity(store, countries: Sequence[str], years: tuple[int, int], basis: Basis = "reported", *,
                    partners: Sequence[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """Trade intensity index, pair level (WITS; METHODS §4.2 [V]).

    `TII_ab = (X_ab / X_a) / (X_{W,b} / X_W)`; > 1 means a exports more to b than b's share of world
    imports would predict. Size-biased upper bound `X_W / X_{W,b}`. `flows_flagged`: 1 where the flow
    a→b has reported and mirror figures more than a factor 2 apart (`flag_rules`), else 0.
    Columns: iso3_a, iso3_b, year, value, x_ab, x_a_world, x_world_b, x_world, flows_flagged,
    valuation, basis, source, formula.
    """
    f = _pair_frame(store, countries, years, basis, partners, source,
                    {"x_ab", "x_a_world", "x_world_b", "x_world", "valuation", "basis"}, flags=1)
    return f.with_columns(
        ((pl.col("x_ab") / pl.col("x_a_world")) / (pl.col("x_world_b") / pl.col("x_world"))).alias("value"),
        pl.lit("TII_ab = (X_ab/X_a)/(X_Wb/X_W) (WITS; METHODS §4.2)").alias("formula"),
    ).select("iso3_a", "iso3_b", "year", "value", "x_ab", "x_a_world", "x_world_b", "x_world", "flows_flagged",
             "valuation", "basis", pl.col("dataset").alias("source"), "formula")


def group_indicators(store, countries: Sequence[str], years: tuple[int, int], basis: Basis = "reported", *,
                     source: str | None = None) -> pl.DataFrame:
    """Group-level trade integration measures, tidy (one row per year × measure):

    - `intra_share_exports` `IS_R = X_RR / X_R` (METHODS §4.1 [V]), `X_RR = Σ_{i≠j∈R} X_ij`, `X_R = Σ_{i∈R} X_i`
    - `intra_share_trade` `2·X_RR / (X_R + M_R)` (trade basis: each intra flow counted as an export and an import)
    - `intensity_group` `TII_RR = (X_RR/X_R)/(X_{W,R}/X_W)`, `X_{W,R} = M_R` (ESCAP; §4.2 [V])
    - `introversion_trade` Iapadre's regional trade introversion, trade basis: `IS = 2X_RR/(X_R+M_R)`,
      `W = (X_R+M_R)/(2X_W)`, `HI = IS/W`, `HE = (1−IS)/(1−W)`, `RTII = (HI−HE)/(HI+HE)` ∈ [−1,1]
    - `introversion_exports` the same on the export basis (`IS = X_RR/X_R`, `W = X_R/X_W`)

    **Introversion is [S/R] in METHODS §4.3**: the formula follows Hamanaka (2015)'s review, its exact
    typography in Iapadre (2006) was not verified — the `evidence` column says so.
    `flows_flagged`: how many of the intra-group flows X_ij of the year have reported and mirror
    figures more than a factor 2 apart (`flag_rules`).
    Columns: year, measure, value, x_rr, x_r, m_r, x_world, pairs_with_flows, pairs_possible, flows_flagged,
    members_with_totals, n, valuation, basis, source, evidence, formula.
    """
    isos = require_group(countries, 2, "a group trade measure")
    f = _pair_frame(store, isos, years, basis, None, source, flags=1)
    n = len(isos)
    per_year = (f.group_by("year").agg(
        pl.col("x_ab").sum().alias("x_rr"), pl.col("flows_flagged").sum().alias("flows_flagged"),
        pl.col("x_ab").is_not_null().sum().alias("pairs_with_flows"),
        pl.concat_list("valuation", "valuation_ba").explode(empty_as_null=True).drop_nulls().unique().sort().str.join("/").alias("valuation"),
        pl.concat_list("basis", "basis_ba").explode(empty_as_null=True).drop_nulls().unique().sort().str.join("/").alias("basis"),
        pl.col("dataset").first().alias("source"),
        pl.col("x_world").first().alias("x_world"),
    ))
    members = (f.group_by(["year", "iso3_a"]).agg(pl.col("x_a_world").first(), pl.col("m_a_world").first())
               .group_by("year").agg(pl.col("x_a_world").sum().alias("x_r"), pl.col("m_a_world").sum().alias("m_r"),
                                     (pl.col("x_a_world").is_not_null() & pl.col("m_a_world").is_not_null()).sum()
                                     .alias("members_with_totals")))
    g = per_year.join(members, on="year").sort("year")
    # missing is not zero (docs/metrics.md): a sum with an absent flow or member total is absent
    whole = g["pairs_with_flows"].to_numpy() == n * (n - 1)
    members_ok = g["members_with_totals"].to_numpy() == n
    sums = ("x_rr", "x_r", "m_r", "x_world")
    got = g.select(*(pl.col(c).cast(pl.Float64).fill_null(0.0) for c in sums),
                   *(pl.col(c).is_null().alias(f"{c}_null") for c in sums))  # one polars call for the four

    def values(col: str, ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(values, null mask) of a year column, null also where `ok` is False."""
        null = got[f"{col}_null"].to_numpy()
        return got[col].to_numpy(), (null if ok is None else null | ~ok)

    (x_rr, n_rr), (x_r, n_r), (m_r, n_m), (x_w, n_w) = (values("x_rr", whole), values("x_r", members_ok),
                                                         values("m_r", members_ok), values("x_world"))
    with np.errstate(divide="ignore", invalid="ignore"):  # IEEE results (inf, NaN), as polars divides
        is_x, is_t = x_rr / x_r, 2 * x_rr / (x_r + m_r)
        w_t, w_x = (x_r + m_r) / (2 * x_w), x_r / x_w

        def rtii(is_, w):
            hi, he = is_ / w, (1 - is_) / (1 - w)
            return (hi - he) / (hi + he)

        # sorted by name: the rows come out sorted by (year, measure) without a sort
        measures = {
            "intensity_group": (is_x / (m_r / x_w), n_rr | n_r | n_m | n_w,
                                "TII_RR = (X_RR/X_R)/(X_WR/X_W)", "[V] METHODS §4.2"),
            "intra_share_exports": (is_x, n_rr | n_r, "IS_R = X_RR/X_R", "[V] METHODS §4.1"),
            "intra_share_trade": (is_t, n_rr | n_r | n_m, "IS_R = 2X_RR/(X_R+M_R)", "[V] METHODS §4.1"),
            "introversion_exports": (rtii(is_x, w_x), n_rr | n_r | n_w,
                                     "RTII on the export basis (IS = X_RR/X_R, W = X_R/X_W)",
                                     "[S/R] METHODS §4.3 — Iapadre's exact definition not verified"),
            "introversion_trade": (rtii(is_t, w_t), n_rr | n_r | n_m | n_w,
                                   "RTII = (HI-HE)/(HI+HE), HI = IS/W, HE = (1-IS)/(1-W), trade basis",
                                   "[S/R] METHODS §4.3 — Iapadre's exact definition not verified"),
        }
    k = len(measures)
    value = np.stack([v for v, _, _, _ in measures.values()], axis=1).ravel()  # year-major, then measure
    null = np.stack([z for _, z, _, _ in measures.values()], axis=1).ravel()
    rows = np.repeat(np.arange(g.height), k)

    def nulled(col: str, arr: np.ndarray, mask: np.ndarray) -> pl.Series:
        return pl.Series(col, np.where(mask, np.nan, arr)[rows], nan_to_null=True)  # sums: never NaN themselves

    # the same frame (columns, dtypes, rows) the per-measure polars frames concatenated and sorted gave;
    # built from numpy on the ≤ 31 year rows: two polars calls instead of ~12 (a fixed cost per answer)
    out = g[rows].with_columns(
        pl.Series("value", value).set(pl.Series(null), None) if null.any() else pl.Series("value", value),
        pl.Series("measure", list(measures) * g.height, dtype=pl.String),
        nulled("x_rr", x_rr, n_rr), nulled("x_r", x_r, n_r), nulled("m_r", m_r, n_m),
        pl.lit(n * (n - 1), dtype=pl.Int32).alias("pairs_possible"), pl.lit(n, dtype=pl.Int32).alias("n"),
        pl.Series("formula", [f for _, _, f, _ in measures.values()] * g.height, dtype=pl.String),
        pl.Series("evidence", [e for _, _, _, e in measures.values()] * g.height, dtype=pl.String))
    cols = ["year", "measure", "value", "x_rr", "x_r", "m_r", "x_world", "pairs_with_flows", "pairs_possible",
            "flows_flagged", "members_with_totals", "n", "valuation", "basis", "source", "evidence", "formula"]
    return out.select(cols)


def intra_regional_share(store, countries, years, basis: Basis = "reported", *, source=None) -> pl.DataFrame:
    """Intra-regional trade share, export and trade bases (METHODS §4.1 [V]); see `group_indicators`."""
    return group_indicators(store, countries, years, basis, source=source).filter(pl.col("measure").str.starts_with("intra_share"))


def introversion(store, countries, years, basis: Basis = "reported", *, source=None) -> pl.DataFrame:
    """Iapadre's regional trade introversion index — [S/R] (METHODS §4.3); see `group_indicators`."""
    return group_indicators(store, countries, years, basis, source=source).filter(pl.col("measure").str.starts_with("introversion"))


def group_intensity(store, countries, years, basis: Basis = "reported", *, source=None) -> pl.DataFrame:
    """Group trade intensity `TII_RR` (ESCAP; METHODS §4.2 [V]); see `group_indicators`."""
    return group_indicators(store, countries, years, basis, source=source).filter(pl.col("measure") == "intensity_group")


def group_shares(store, countries, years, basis: Basis = "reported", *, source=None, partial: bool = False) -> pl.DataFrame:
    """Each member's share of its trade that is with the rest of the group (METHODS §4.1 [V]).

    `export_share_i = Σ_{j∈R, j≠i} X_ij / X_i`; `trade_share_i = Σ_j (X_ij + X_ji)/(X_i + M_i)`.
    A member's sums are empty where one of its flows with the group is absent (`flows_missing`);
    `partial=True` sums the flows present (a lower bound of the share, as the criteria check reads it).
    `flows_flagged`: how many of the member's flows with the group (both directions) have reported
    and mirror figures more than a factor 2 apart (`flag_rules`).
    Columns: iso3, year, export_share, import_share, trade_share, partners_with_flows, flows_missing,
    flows_flagged, valuation, basis, source.
    """
    isos = require_group(countries, 2, "group trade shares")
    f = _pair_frame(store, isos, years, basis, None, source, flags=2)
    return (f.group_by(["iso3_a", "year"]).agg(
                pl.col("x_ab").sum().alias("x_to_group"), pl.col("x_ba").sum().alias("m_from_group"),
                pl.col("x_a_world").first(), pl.col("m_a_world").first(),
                pl.col("x_ab").is_not_null().sum().alias("partners_with_flows"),
                (pl.col("x_ab").null_count() + pl.col("x_ba").null_count()).alias("flows_missing"),
                pl.col("flows_flagged").sum(), pl.col("valuation").first(), pl.col("basis").first(), pl.col("dataset").first().alias("source"))
            .with_columns(  # missing is not zero: a member's sum with an absent flow is absent (unless partial)
                pl.when(pl.lit(partial) | (pl.col("flows_missing") == 0)).then(pl.col("x_to_group")).alias("x_to_group"),
                pl.when(pl.lit(partial) | (pl.col("flows_missing") == 0)).then(pl.col("m_from_group")).alias("m_from_group"))
            .with_columns((pl.col("x_to_group") / pl.col("x_a_world")).alias("export_share"),
                          (pl.col("m_from_group") / pl.col("m_a_world")).alias("import_share"),
                          ((pl.col("x_to_group") + pl.col("m_from_group")) / (pl.col("x_a_world") + pl.col("m_a_world"))).alias("trade_share"))
            .rename({"iso3_a": "iso3"})
            .select("iso3", "year", "export_share", "import_share", "trade_share", "partners_with_flows",
                    "flows_missing", "flows_flagged", "valuation", "basis", "source")
            .sort(["year", "iso3"]))


def market_concentration(store, countries: Sequence[str], years: tuple[int, int], basis: Basis = "mirror", *,
                         source: str | None = None) -> pl.DataFrame:
    """Export market concentration, two labelled indices (METHODS §4.6; never compare across them):

    - `hh_wits` = `Σ_j s_ij²`, `s_ij = X_ij / Σ_j X_ij` over partner economies (WITS, un-normalised [V];
      WITS uses mirror exports, partners exclude World and aggregates — default basis here is mirror);
    - `hh_unctad` = `(sqrt(Σ s²) − sqrt(1/N)) / (1 − sqrt(1/N))`, N = number of partner economies [S].
    `flows_flagged`: how many of the exporter's flows to partner economies that year have reported and
    mirror figures more than a factor 2 apart (`flag_rules`).
    Columns: iso3, year, hh_wits, hh_unctad, n_partners, flows_flagged, valuation, basis, source.
    """
    b = Builder()
    rel, label = flows_cte(b, store, years, basis, source)
    t = totals_cte(b, rel)
    shares = b.cte("shares", """
        SELECT exporter AS iso3, year, importer, value / NULLIF(sum(value) OVER (PARTITION BY exporter, year), 0) AS s,
               valuation, basis FROM t
        WHERE exporter IN ($countries) AND importer NOT IN ($aggregates)
              AND regexp_matches(importer, '^[A-Z]{3}$') AND value > 0""",
        t=t, countries=list(countries), aggregates=sorted(_aggregate_codes()))
    frame = run(store, b.build("""
        SELECT iso3, CAST(year AS BIGINT) AS year, sum(s * s) AS hh_wits,
               (sqrt(sum(s * s)) - sqrt(1e0 / count(*))) / NULLIF(1 - sqrt(1e0 / count(*)), 0) AS hh_unctad,
               count(*) AS n_partners, min(valuation) AS valuation, min(basis) AS basis
        FROM s GROUP BY iso3, year ORDER BY year, iso3""", s=shares))
    flagged = flagged_set(store, countries, None, range(int(years[0]), int(years[1]) + 1), source)
    per = (flagged.filter(pl.col("exporter").is_in(list(countries))).group_by(pl.col("exporter").alias("iso3"), "year")
           .agg(pl.len().cast(pl.UInt32).alias("flows_flagged")))
    frame = (frame.join(per, on=["iso3", "year"], how="left", maintain_order="left")
             .with_columns(pl.col("flows_flagged").fill_null(0)))
    return frame.select("iso3", "year", "hh_wits", "hh_unctad", "n_partners", "flows_flagged", "valuation", "basis",
                        pl.lit(label).alias("source"))


# -- product-level measures (need HS/SITC-level bilateral data: BACI, Comtrade) -----------------------

_WITH_VALUATION_SQL = """
    SELECT g.*, v.valuation
    FROM g, (SELECT string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation FROM f) AS v"""
"""A result `g` with the valuations (FOB/CIF) of relation `f`, '/'-joined, as a column."""


def _product_rel(b: Builder, store, year: int, basis: Basis, source: str | None) -> tuple[CteName, CteName, str]:
    """(product rows of F without WLD rows, those rows including WLD rows, label) for one year.

    The WLD rows are the world totals (published or synthesised); product measures that sum over
    partners themselves read the first relation (and use `_products(..., world=False)`, which skips
    the synthesis).
    """
    p = _products(b, store, year, basis, source, world=True)
    return p.bilateral, p.products, p.label


_BY_SQL = object()
"""`_finish(valuation=_BY_SQL)`: read the valuation label off the relation with SQL (the `best` basis,
whose surviving mirror rows only the query knows)."""


@dataclass(frozen=True)
class _Products:
    """The product-level relations of one year and what is needed to label them without another scan."""

    bilateral: CteName
    products: CteName
    label: str
    dataset: Dataset
    year: int
    basis: Basis

    def valuation(self, store, *, world_rows: bool):
        """The valuation label of `products` (world_rows=True) or `bilateral`, from the cached summary."""
        if self.basis not in _SIDES:
            return _BY_SQL
        return _valuation(store, self.dataset, (self.year, self.year), self.basis, world_rows=world_rows)


def _products(b: Builder, store, year: int, basis: Basis, source: str | None, *, world: bool,
              dataset: Dataset | None = None) -> _Products:
    """The product rows of one year; `dataset`: a second copy of relations already chosen (no look-up)."""
    if dataset is not None:
        rel = _relation(b, dataset, (year, year), basis, world_rows=False)
        ds = dataset
    else:
        rel, ds = _flows(b, store, (year, year), basis, source, True, world)
    products = b.cte("products", "SELECT * FROM f WHERE product <> 'TOTAL'", f=rel)
    bilateral = b.cte("bilateral", "SELECT * FROM f WHERE exporter <> 'WLD' AND importer <> 'WLD'", f=products)
    return _Products(bilateral, products, ds.label, ds, int(year), basis)


def _finish(store, b: Builder, result: CteName, rel: CteName, keys: list[str], basis: str, label: str,
            valuation=_BY_SQL) -> pl.DataFrame:
    """Run `result` with the valuation column of `rel`, add the constant basis / source columns, sort by `keys`.

    `valuation`: the label when already known (`_Products.valuation`), so the relation is not scanned
    a second time for it; `_BY_SQL` reads it with `_WITH_VALUATION_SQL`.
    """
    if valuation is _BY_SQL:
        frame = run(store, b.build(_WITH_VALUATION_SQL, g=result, f=rel))
        valuation = frame["valuation"][0] if frame.height else None  # one value: a cross join with one row
        frame = frame.drop("valuation")
    else:
        frame = run(store, b.build("SELECT * FROM g", g=result))
    # sorted before the constant columns are added, so the sort moves only the columns that vary
    return frame.sort(keys, nulls_last=True).with_columns(
        pl.lit(valuation, dtype=pl.String).alias("valuation"), pl.lit(basis).alias("basis"), pl.lit(label).alias("source"))


def rca(store, countries: Sequence[str], year: int, basis: Basis = "reported", *, source: str | None = None,
        products: Sequence[str] | None = None) -> pl.DataFrame:
    """Balassa revealed comparative advantage (METHODS §4.5 [V]).

    `RCA_ik = (x_ik / X_i) / (x_Wk / X_W)`; world = all exporters in the dataset (one reporter set for
    numerator and denominator, §4.0). Also `rsca = (RCA−1)/(RCA+1)` [R — common normalisation, not verified].
    Columns: iso3, year, product, value, rsca, x_ik, valuation, basis, source.

    The one GROUP BY (exporter, product) runs as SQL on the engine in force; the three totals X_i,
    x_Wk, X_W and the ratio are then integer-keyed numpy sums over its rows (`_rca_ratio`). As SQL
    window sums they were half the query's time (EXPLAIN ANALYZE, 2M BACI rows: 1.2 s of 2.2 s of
    operator time in the two partitioned windows), and the rows are sorted for the answer anyway.
    """
    b = Builder()
    p = _products(b, store, year, basis, source, world=False)
    xik = b.cte("xik", "SELECT exporter AS iso3, product, sum(value) AS x_ik FROM b GROUP BY exporter, product",
                b=p.bilateral)
    grouped = run(store, b.build("SELECT iso3, product, x_ik FROM x", x=xik))
    frame = _rca_ratio(grouped, countries, products).with_columns(pl.lit(int(year), dtype=pl.Int64).alias("year"))
    return frame.select("iso3", "year", "product", "value", "rsca", "x_ik").with_columns(
        pl.lit(_valuation_label(store, p, world_rows=False), dtype=pl.String).alias("valuation"),
        pl.lit(basis).alias("basis"), pl.lit(p.label).alias("source"))


def _dense_codes(column: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value in 0..n-1, rank of each code in the values' sorted order), by one hash join
    onto the distinct values — integer keys for the sums and the sort below."""
    uniq = column.unique()
    index = pl.DataFrame({"k": uniq, "_c": np.arange(uniq.len(), dtype=np.int64)})
    codes = pl.DataFrame({"k": column}).join(index, on="k", how="left", maintain_order="left")["_c"].to_numpy()
    rank = np.empty(uniq.len(), dtype=np.int64)
    rank[uniq.arg_sort(nulls_last=True).to_numpy()] = np.arange(uniq.len(), dtype=np.int64)
    return codes, rank


def _rca_ratio(x: pl.DataFrame, countries: Sequence[str], products: Sequence[str] | None) -> pl.DataFrame:
    """RCA of the (iso3, product, x_ik) sums, sorted by iso3, product: the SQL definition
    `(x_ik / NULLIF(X_i, 0)) / NULLIF(x_Wk / NULLIF(X_W, 0), 0)` and `rsca = (v − 1)/NULLIF(v + 1, 0)`, with
    X_i, x_Wk, X_W sums over every row (the world) before the countries and products are chosen.

    The sums are `np.bincount` over integer codes of iso3 and product, and the order an integer
    lexsort of their ranks (one hash of each string column; no string sort of the rows). A sum of
    no values (every x_ik null) is NULL in SQL and 0 here: both become null, as NULLIF turns 0 to NULL.
    """
    ic, irank = _dense_codes(x["iso3"])
    pc, prank = _dense_codes(x["product"])
    v = x["x_ik"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    w = np.nan_to_num(v, nan=0.0) if x["x_ik"].null_count() else v  # SQL sums skip nulls

    def nonzero(a):
        return np.where(a == 0, np.nan, a)

    with np.errstate(divide="ignore", invalid="ignore"):
        x_i = nonzero(np.bincount(ic, weights=w, minlength=irank.size))[ic]
        x_wk = nonzero(np.bincount(pc, weights=w, minlength=prank.size))[pc]
        x_w = nonzero(np.array(w.sum()))
        value = (v / x_i) / nonzero(x_wk / x_w)
        rsca = (value - 1) / nonzero(value + 1)
    keep = x["iso3"].is_in(list(countries)).to_numpy()
    if products:
        keep &= x["product"].is_in(list(products)).to_numpy()
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((prank[pc[rows]], irank[ic[rows]]))]
    return pl.DataFrame([x["iso3"].gather(rows), x["product"].gather(rows),
                         pl.Series("value", value[rows], nan_to_null=True), pl.Series("rsca", rsca[rows], nan_to_null=True),
                         x["x_ik"].gather(rows)])


def complementarity(store, importers: Sequence[str], exporters: Sequence[str], year: int, basis: Basis = "reported",
                    *, source: str | None = None) -> pl.DataFrame:
    """Trade complementarity index (Michaely; WITS; METHODS §4.4 [V]), directional.

    `TC_ij = 100 · (1 − Σ_k |m_ik − x_jk| / 2)`, `m_ik` = share of k in i's imports, `x_jk` = share of k
    in j's exports (products absent on one side count as share 0 — a true zero, not missing data).
    Computed as `100 · Σ_k min(m_ik, x_jk)` over the products both sides hold: since `Σ_k m_ik = Σ_k x_jk = 1`
    and `|a − b| = a + b − 2·min(a, b)`, `1 − Σ_k |m_ik − x_jk|/2 = Σ_k min(m_ik, x_jk)`, and a product one
    side lacks has min = 0 — so only common products count; `products` still counts the union.
    The per-country sums are SQL; the all-pairs sums run on the importer × product and exporter ×
    product share matrices (`metrics.pairwise`), equal to `_complementarity_sql` (the SQL definition,
    used where `pairwise.regular` fails) to 1e-9.
    Columns: importer, exporter, year, value, products, valuation, basis, source, formula.
    """
    b = Builder()
    p = _products(b, store, year, basis, source, world=False)
    m, x = _complementarity_sides(b, p, importers, exporters)
    grouped = run(store, b.build("""SELECT 'm' AS side, i AS code, product, v FROM m
                                    UNION ALL SELECT 'x', j, product, v FROM x""", m=m, x=x))
    gm = grouped.filter(pl.col("side") == "m").select(pl.col("code").alias("i"), "product", "v")
    gx = grouped.filter(pl.col("side") == "x").select(pl.col("code").alias("j"), "product", "v")
    if not pairwise.regular(gm, gx):
        return _complementarity_sql(store, importers, exporters, year, basis, source=source)
    tc = pairwise.complementarity(gm, gx).with_columns(pl.lit(int(year), dtype=pl.Int64).alias("year"))
    frame = _label(store, tc.select("importer", "exporter", "year", "value", "products"), p, world_rows=False)
    return frame.with_columns(pl.lit("TC_ij = 100(1 - Σ_k |m_ik - x_jk|/2)").alias("formula"))


def _valuation_label(store, p: "_Products", *, world_rows: bool) -> str | None:
    """The valuation label of `p`'s rows: from the summary, or (the `best` basis) read with SQL."""
    valuation = p.valuation(store, world_rows=world_rows)
    if valuation is _BY_SQL:
        b = Builder()
        q = _products(b, store, p.year, p.basis, p.dataset.source_id or p.dataset.family, world=False)
        valuation = run(store, b.build("SELECT string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS v FROM f",
                                       f=q.products if world_rows else q.bilateral)).item(0, 0)
    return valuation


def _label(store, frame: pl.DataFrame, p: "_Products", *, world_rows: bool) -> pl.DataFrame:
    """A result computed outside SQL with the valuation / basis / source columns `_finish` adds, sorted
    on its string keys the way `_finish` sorts them."""
    valuation = _valuation_label(store, p, world_rows=world_rows)
    keys = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.sort(keys, nulls_last=True).with_columns(  # sorted before the constant columns (see _finish)
        pl.lit(valuation, dtype=pl.String).alias("valuation"), pl.lit(p.basis).alias("basis"), pl.lit(p.label).alias("source"))


def _complementarity_sides(b: Builder, p: "_Products", importers, exporters) -> tuple[CteName, CteName]:
    """(i, product, v) import sums of the importers and (j, product, v) export sums of the exporters.

    Each side reads its own copy of the flow relation: a CTE referenced twice is materialised by
    DuckDB with every column (2M BACI rows: most of the query's time), one referenced once is inlined
    and reads only the columns it needs."""
    m = b.cte("m", "SELECT importer AS i, product, sum(value) AS v FROM b WHERE importer IN ($importers) GROUP BY importer, product",
              b=p.bilateral, importers=list(importers))
    other = _products(b, None, p.year, p.basis, None, world=False, dataset=p.dataset)
    x = b.cte("x", "SELECT exporter AS j, product, sum(value) AS v FROM b WHERE exporter IN ($exporters) GROUP BY exporter, product",
              b=other.bilateral, exporters=list(exporters))
    return m, x


def _complementarity_sql(store, importers: Sequence[str], exporters: Sequence[str], year: int,
                         basis: Basis = "reported", *, source: str | None = None) -> pl.DataFrame:
    """`complementarity` as one SQL query (the definition; the Spark-equal reference of the matrix path)."""
    b = Builder()
    p = _products(b, store, year, basis, source, world=False)
    m, x = _complementarity_sides(b, p, importers, exporters)
    ms = b.cte("ms", """SELECT i, product, v / NULLIF(sum(v) OVER (PARTITION BY i), 0) AS s,
                               count(*) OVER (PARTITION BY i) AS n FROM m""", m=m)
    xs = b.cte("xs", """SELECT j, product, v / NULLIF(sum(v) OVER (PARTITION BY j), 0) AS s,
                               count(*) OVER (PARTITION BY j) AS n FROM x""", x=x)
    pairs = b.cte("pairs", """SELECT mi.i, xj.j, mi.n + xj.n AS n_both
                              FROM (SELECT DISTINCT i, n FROM ms) AS mi, (SELECT DISTINCT j, n FROM xs) AS xj
                              WHERE mi.i <> xj.j""", ms=ms, xs=xs)
    common = b.cte("common", """SELECT ms.i, xs.j, sum(least(ms.s, xs.s)) AS overlap, count(*) AS n_common
                                FROM ms JOIN xs ON ms.product = xs.product AND ms.i <> xs.j GROUP BY ms.i, xs.j""",
                   ms=ms, xs=xs)
    tc = b.cte("tc", """
        SELECT p.i AS importer, p.j AS exporter, CAST($year AS BIGINT) AS year,
               100 * coalesce(c.overlap, 0) AS value, p.n_both - coalesce(c.n_common, 0) AS products
        FROM pairs AS p LEFT JOIN common AS c ON c.i = p.i AND c.j = p.j""", pairs=pairs, common=common, year=int(year))
    frame = _finish(store, b, tc, p.bilateral, ["importer", "exporter"], basis, p.label, p.valuation(store, world_rows=False))
    return frame.with_columns(pl.lit("TC_ij = 100(1 - Σ_k |m_ik - x_jk|/2)").alias("formula"))


def product_concentration(store, countries: Sequence[str], year: int, basis: Basis = "reported", *,
                          source: str | None = None) -> pl.DataFrame:
    """Export product concentration: WITS HH `Σ_k s_ik²` [V] and UNCTAD normalised
    `(sqrt(Σ s²) − sqrt(1/N))/(1 − sqrt(1/N))` [S] (METHODS §4.6). UNCTAD uses N = SITC Rev.3 3-digit
    products; here N = the number of product codes the dataset holds for the exporter — state the
    classification (`classification` column) and do not compare across levels.
    Columns: iso3, year, hh_wits, hh_unctad, n_products, classification, valuation, basis, source.
    """
    b = Builder()
    # reads no WLD rows (unless asked for WLD itself): no synthesised world needed
    p = _products(b, store, year, basis, source, world="WLD" in countries)
    prods, label = p.products, p.label
    x = b.cte("x", """SELECT exporter AS iso3, product, sum(value) AS v FROM f
                      WHERE importer <> 'WLD' AND exporter IN ($countries) GROUP BY exporter, product""",
              f=prods, countries=list(countries))
    # Σ_k s_k² = Σ_k v_k² / (Σ_k v_k)² over the products with v > 0 (so the total is > 0): one GROUP BY
    # instead of a window sum for the shares and a second GROUP BY over them (equal to ~1e-15 relative)
    sq = b.cte("sq", """SELECT iso3, sum(v * v) / (sum(v) * sum(v)) AS hh, count(*) AS n, max(length(product)) AS digits
                        FROM x WHERE v > 0 GROUP BY iso3""", x=x)
    hh = b.cte("hh", """
        SELECT iso3, CAST($year AS BIGINT) AS year, hh AS hh_wits,
               (sqrt(hh) - sqrt(1e0 / n)) / NULLIF(1 - sqrt(1e0 / n), 0) AS hh_unctad, n AS n_products, digits
        FROM sq""", sq=sq, year=int(year))
    frame = _finish(store, b, hh, prods, ["iso3"], basis, label, p.valuation(store, world_rows=True))
    return frame.with_columns(
        pl.format("product codes of {} ({}-digit)", pl.lit(label), pl.col("digits")).alias("classification"),
    ).select("iso3", "year", "hh_wits", "hh_unctad", "n_products", "classification", "valuation", "basis", "source")


_GL_SIDES_SQL = {
    True: """SELECT cp.c, cp.p, product, value AS x, CAST(NULL AS DOUBLE) AS m
             FROM bx JOIN cp ON bx.exporter = cp.c AND bx.importer = cp.p
             UNION ALL
             SELECT cp.c, cp.p, product, CAST(NULL AS DOUBLE), value
             FROM bm JOIN cp ON bm.importer = cp.c AND bm.exporter = cp.p""",
    False: """SELECT exporter AS c, product, value AS x, CAST(NULL AS DOUBLE) AS m FROM bx WHERE exporter IN ($countries)
              UNION ALL
              SELECT importer, product, CAST(NULL AS DOUBLE), value FROM bm WHERE importer IN ($countries)""",
}
_GL_SQL = """
    SELECT iso3, partner, CAST($year AS BIGINT) AS year,
           sum((x + m) - abs(x - m)) / NULLIF(sum(x + m), 0) AS value, count(*) AS products
    FROM k GROUP BY iso3, partner"""
_GL_PAIRS_SQL = {
    True: """SELECT c.c, p.p FROM (SELECT unnest([$countries]) AS c) AS c, (SELECT unnest([$partners]) AS p) AS p
             WHERE c.c <> p.p""",
}


GL_FILTER_MAX = 64
"""Up to this many countries (or with `partners`) `grubel_lloyd` filters the flows in SQL before grouping
(`_grubel_lloyd_sql`); a longer list goes through the integer-coded dense sums (`_grubel_lloyd_dense`),
which read every bilateral row once whatever the list — the filter only pays when it drops most rows.
Measured on the 10M-row BACI-like year (250 countries, CPU seconds side by side): the SQL costs less
up to about the 64 largest traders or 125 countries taken at random, and 1.8x more for all 250."""

GL_BATCH_ROWS = 1 << 18
"""Rows per Arrow batch `_grubel_lloyd_dense` codes and sums at a time: each batch is coded and added to
the grid while DuckDB produces the next (10M-row BACI year, side by side: 256k-row batches cost less
CPU and wall than one whole table or 1M-row batches; benchmarks/README.md, "Metrics, session 7")."""

GL_MAX_CELLS = 1 << 26
"""Largest country × product grid (`_grubel_lloyd_dense`: three float64/bool arrays of this many cells,
at most ~1.1 GB; HS6 BACI is ~250 × 5,000 = 1.25M cells). Larger grids take the SQL definition."""


def grubel_lloyd(store, countries: Sequence[str], year: int, basis: Basis = "reported", *,
                 partners: Sequence[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """Grubel–Lloyd intra-industry trade, trade-weighted aggregate (METHODS §4.8 [V]).

    `GL = Σ_k [(X_k + M_k) − |X_k − M_k|] / Σ_k (X_k + M_k)`; with `partners` the flows are bilateral
    (`X_k = X_ij,k`, `M_k = X_ji,k`), else with the rest of the dataset's world. Aggregation bias
    raises GL: the `products` and `classification` columns say at which level it was computed.
    Columns: iso3, partner, year, value, products, classification, valuation, basis, source, formula.

    Two routes to the same numbers: bilateral, or a short list of countries (≤ `GL_FILTER_MAX`), is
    the SQL definition (`_grubel_lloyd_sql`); a long list against the world is `_grubel_lloyd_dense`
    (equal to it to 1e-12 in tests/test_metrics_trade.py).
    """
    if partners or len(set(countries)) <= GL_FILTER_MAX:
        return _grubel_lloyd_sql(store, countries, year, basis, partners=partners, source=source)
    b = Builder()
    p = _products(b, store, year, basis, source, world=False)
    frame = _grubel_lloyd_dense(store, b, p, countries)
    if frame is None:
        return _grubel_lloyd_sql(store, countries, year, basis, source=source)
    return _gl_columns(_label(store, frame, p, world_rows=False), p.label)


def _gl_columns(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit("product codes of " + label).alias("classification"),
        pl.lit("GL = Σ_k[(X_k+M_k) - |X_k-M_k|] / Σ_k(X_k+M_k)").alias("formula"),
    ).select("iso3", "partner", "year", "value", "products", "classification", "valuation", "basis", "source", "formula")


def _grubel_lloyd_sql(store, countries: Sequence[str], year: int, basis: Basis = "reported", *,
                      partners: Sequence[str] | None = None, source: str | None = None) -> pl.DataFrame:
    """`grubel_lloyd` as one SQL query (the definition; the route for bilateral GL and short lists)."""
    b = Builder()
    p = _products(b, store, year, basis, source, world=False)
    bil, label = p.bilateral, p.label
    bilateral = bool(partners)
    # the export and import sides read separate copies of the flows (see _complementarity_sides)
    bm = _products(b, None, p.year, p.basis, None, world=False, dataset=p.dataset).bilateral
    if bilateral:
        cp = b.cte("cp", _GL_PAIRS_SQL[True], countries=list(countries), partners=list(partners))
        sides = b.cte("sides", _GL_SIDES_SQL[True], bx=bil, bm=bm, cp=cp)
    else:  # with the world: a filter on the country, not a join with (country, 'WLD') pairs
        sides = b.cte("sides", _GL_SIDES_SQL[False], bx=bil, bm=bm, countries=list(countries))
    if bilateral:
        k = b.cte("k", """SELECT c AS iso3, p AS partner, product, coalesce(sum(x), 0) AS x, coalesce(sum(m), 0) AS m
                          FROM sides GROUP BY c, p, product""", sides=sides)
    else:  # one partner, the world: not a grouping key
        k = b.cte("k", """SELECT c AS iso3, 'WLD' AS partner, product, coalesce(sum(x), 0) AS x, coalesce(sum(m), 0) AS m
                          FROM sides GROUP BY c, product""", sides=sides)
    gl = b.cte("gl", _GL_SQL, k=k, year=int(year))
    frame = _finish(store, b, gl, bil, ["iso3", "partner"], basis, label, p.valuation(store, world_rows=False))
    return _gl_columns(frame, label)


_GL_KEYS_SQL = """
    SELECT 'c' AS kind, exporter AS code FROM e GROUP BY exporter
    UNION ALL SELECT 'c', importer FROM i GROUP BY importer
    UNION ALL SELECT 'p', product FROM k GROUP BY product"""


@cache.per_commit("_gl_keys")
def _gl_keys(store, ds: Dataset, year: int, basis: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(countries, products) of a year's bilateral product rows, each sorted: the dictionaries of
    `_grubel_lloyd_dense`'s integer codes, kept per store commit (three one-column GROUP BYs)."""
    b = Builder()
    e, i, k = (_products(b, None, year, basis, None, world=False, dataset=ds).bilateral for _ in range(3))
    keys = run(store, b.build(_GL_KEYS_SQL, e=e, i=i, k=k))
    codes = {kind: tuple(sorted(set(keys.filter(pl.col("kind") == kind)["code"].to_list()))) for kind in ("c", "p")}
    return codes["c"], codes["p"]


_GL_ROWS_SQL = "SELECT exporter, importer, product, value FROM b"
"""The bilateral rows `_grubel_lloyd_dense` reads: the three keys as strings and the value, nothing else."""


def _gl_codes(column, keys) -> np.ndarray | None:
    """Each value's position in the sorted `keys` (an Arrow string column in, int64 codes out), by
    Arrow's `index_in` (one hash look-up per row in a table of the keys); None where a value is not
    a key (the caller runs the SQL definition). `keys` is an Arrow string array, made once per call of
    `_grubel_lloyd_dense`, not per batch.

    Positions in Python's sorted() order are the ranks SQL ORDER BY gives (binary collation, by code point)."""
    import pyarrow.compute as pc

    at = pc.index_in(column, value_set=keys if keys.type == column.type else keys.cast(column.type))  # Spark: large strings
    if at.null_count:
        return None
    return at.to_numpy().astype(np.int64, copy=False)


def _grubel_lloyd_dense(store, b: Builder, p: "_Products", countries: Sequence[str]) -> pl.DataFrame | None:
    """GL of each of `countries` with the world (iso3, partner, year, value, products), sorted by iso3;
    None where the grid would exceed `GL_MAX_CELLS` (the caller runs the SQL definition).

    Why: as SQL the world GL is one GROUP BY (country, product) over the exports and the imports
    stacked — twice the rows hashed on two strings into ~1.2M groups (10M-row BACI year: 70% of the
    query, EXPLAIN ANALYZE; benchmarks/README.md). Here each row is read once (`_GL_ROWS_SQL`: the
    three keys and the value, one scan), streamed as Arrow batches of `GL_BATCH_ROWS` rows (pulled a
    thread ahead, `engine.prefetched`: DuckDB makes the next batch while this one is coded and
    summed — 1.72 → 0.86 s on a 10M-row year, benchmarks/README.md "Session 7"), and its
    keys become integer codes — ranks in the year's sorted countries and products (`_gl_keys`, kept
    per store commit) — by Arrow's hash look-up (`_gl_codes`); two cells per row, `exporter·P +
    product` (the export side) and `importer·P + product` (the import side). (Until session 7 the
    codes were three SQL joins with code tables: those joins, a statement printing 5,000 codes and a
    10M-row integer frame cost more than streaming the strings and coding them here —
    benchmarks/README.md, "Metrics, session 7".) The sums are dense: `X += bincount(xc, v)`,
    `M += bincount(mc, v)` per batch on the country × product grid, and per country
    `Σ_k[(X+M) − |X−M|]` and `Σ_k (X+M)` are row sums (cells without a row are 0 on both sides and
    add nothing). `products` counts the cells holding a row on either side — the SQL's groups: a
    cell whose sum is not 0, or one holding a row ≤ 0 (rows all > 0 never sum to 0); a zero
    denominator gives null (`NULLIF`). The country filter comes last: each country's GL reads only
    its own cells.
    """
    codes, products = _gl_keys(store, p.dataset, p.year, p.basis)
    cells = len(codes) * len(products)
    if not cells or cells > GL_MAX_CELLS:
        return None
    import pyarrow as pa

    n_p = len(products)
    code_set, product_set = pa.array(codes, type=pa.string()), pa.array(products, type=pa.string())
    x, m = np.zeros(cells), np.zeros(cells)
    marked = np.zeros(cells, dtype=bool)  # cells holding a row whose value is <= 0 (see below)
    for batch in prefetched(run_batches(store, b.build(_GL_ROWS_SQL, b=p.bilateral), GL_BATCH_ROWS)):
        if batch.column(3).null_count:  # the trade table holds none (NOT NULL); SQL's coalesce would be needed
            return None
        e, i, k = (_gl_codes(batch.column(c), keys) for c, keys in ((0, code_set), (1, code_set), (2, product_set)))
        if e is None or i is None or k is None:
            return None
        xc, mc = e * n_p + k, i * n_p + k
        v = batch.column(3).to_numpy().astype(np.float64, copy=False)
        x += np.bincount(xc, weights=v, minlength=cells)
        m += np.bincount(mc, weights=v, minlength=cells)
        low = v <= 0
        if low.any():
            marked[xc[low]] = marked[mc[low]] = True
    # a cell holds a row iff its sum is not 0 or it holds a row <= 0 (rows all > 0 cannot sum to 0)
    held = ((x != 0) | (m != 0) | marked).reshape(len(codes), -1)
    x, m = x.reshape(len(codes), -1), m.reshape(len(codes), -1)
    both = x + m
    num = (both - np.abs(x - m)).sum(axis=1)
    den = both.sum(axis=1)
    n = held.sum(axis=1).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gl = np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))
    keep = np.flatnonzero((n > 0) & np.isin(np.array(codes, dtype=object), list(set(countries))))
    return pl.DataFrame({
        "iso3": pl.Series([codes[i] for i in keep], dtype=pl.String),
        "partner": pl.Series(["WLD"] * keep.size, dtype=pl.String),
        "year": pl.Series([p.year] * keep.size, dtype=pl.Int64),
        "value": pl.Series(gl[keep], nan_to_null=True),
        "products": pl.Series(n[keep], dtype=pl.Int64),
    })


_XS_EXPORTS_SQL = {
    True: """SELECT exporter AS iso3, product, sum(value) AS v FROM f
             WHERE exporter IN ($countries) AND importer = $market GROUP BY exporter, product""",
    False: """SELECT exporter AS iso3, product, sum(value) AS v FROM f
              WHERE exporter IN ($countries) AND importer <> 'WLD' GROUP BY exporter, product""",
}


def _similarity_exports(b: Builder, store, countries, year, basis, market, source) -> tuple[CteName, "_Products"]:
    """(iso3, product, v): each country's exports of each product (to `market`, else to all partners)."""
    world = market == "WLD" or "WLD" in countries  # only then are WLD rows read
    p = _products(b, store, year, basis, source, world=world)
    x = b.cte("x", _XS_EXPORTS_SQL[bool(market)], f=p.products, countries=list(countries),
              **({"market": market} if market else {}))
    return x, p


def export_similarity(store, countries: Sequence[str], year: int, basis: Basis = "reported", *,
                      market: str | None = None, source: str | None = None) -> pl.DataFrame:
    """Finger–Kreinin export similarity (METHODS §4.9 [V]), every unordered pair of `countries`.

    `XS_ab = 100 · Σ_k min(s_ak, s_bk)`, `s_ak` = share of k in a's exports (to `market` if given,
    else to the world); pairs with at least one common product. The per-country sums are SQL, the
    all-pairs sums run on the country × product share matrix (`metrics.pairwise`), equal to
    `_export_similarity_sql` (the SQL definition, used where `pairwise.regular` fails) to 1e-9.
    Columns: iso3_a, iso3_b, year, value, market, valuation, basis, source, formula.
    """
    b = Builder()
    x, p = _similarity_exports(b, store, countries, year, basis, market, source)
    grouped = run(store, b.build("SELECT iso3, product, v FROM x", x=x))
    if not pairwise.regular(grouped):
        return _export_similarity_sql(store, countries, year, basis, market=market, source=source)
    xs = pairwise.export_similarity(grouped).with_columns(pl.lit(int(year), dtype=pl.Int64).alias("year"))
    frame = _label(store, xs.select("iso3_a", "iso3_b", "year", "value"), p, world_rows=True)
    return _similarity_columns(frame, market)


def _similarity_columns(frame: pl.DataFrame, market: str | None) -> pl.DataFrame:
    return frame.with_columns(pl.lit(market or "WLD").alias("market"),
                              pl.lit("XS_ab = 100 Σ_k min(s_ak, s_bk)").alias("formula"),
                              ).select("iso3_a", "iso3_b", "year", "value", "market", "valuation", "basis", "source", "formula")


def _export_similarity_sql(store, countries: Sequence[str], year: int, basis: Basis = "reported", *,
                           market: str | None = None, source: str | None = None) -> pl.DataFrame:
    """`export_similarity` as one SQL query (the definition; the Spark-equal reference of the matrix path)."""
    b = Builder()
    x, p = _similarity_exports(b, store, countries, year, basis, market, source)
    shares = b.cte("s", "SELECT iso3, product, v / NULLIF(sum(v) OVER (PARTITION BY iso3), 0) AS s FROM x", x=x)
    xs = b.cte("xs", """
        SELECT a.iso3 AS iso3_a, b.iso3 AS iso3_b, CAST($year AS BIGINT) AS year, 100 * sum(least(a.s, b.s)) AS value
        FROM s AS a JOIN s AS b ON a.product = b.product AND a.iso3 < b.iso3
        GROUP BY a.iso3, b.iso3""", s=shares, year=int(year))
    frame = _finish(store, b, xs, p.products, ["iso3_a", "iso3_b"], basis, p.label, p.valuation(store, world_rows=True))
    return _similarity_columns(frame, market)


MEASURES = {
    "shares": "bilateral trade shares (pairs)",
    "group-shares": "each member's trade share with the rest of the group",
    "intensity": "trade intensity index, pairs (WITS)",
    "group": "intra-regional shares, group intensity, introversion [S/R]",
    "concentration": "export market concentration: WITS HH and UNCTAD normalised",
    "rca": "revealed comparative advantage (product-level data)",
    "complementarity": "trade complementarity index (product-level data)",
    "grubel-lloyd": "Grubel–Lloyd intra-industry trade (product-level data)",
    "similarity": "Finger–Kreinin export similarity (product-level data)",
    "product-concentration": "export product concentration (product-level data)",
}


# -- bloc-level answers: a group's trade with a partner or partner group ------------------------------

DEFAULT_GROUP_BASIS: Basis = "best"
"""Basis of bloc-level answers: each flow as its exporter reports it, the importer's figure where the
exporter reports none — so a non-reporting member (TKM) still counts, and the rows say how many flows
came from each side."""


def trade_partners(store, group: Sequence[str], partners, years, basis: Basis = DEFAULT_GROUP_BASIS, *,
                   source: str | None = None, partial: bool = False, factor: float | None = None) -> pl.DataFrame:
    """A group's trade with each partner (a country or a partner group) as one figure per year.

    For group `R`, partner set `P` and year t, over the ordered pairs (i, j), i∈R, j∈P, i≠j, on one basis:
    `exports = Σ X_ij`, `imports = Σ X_ji`, `trade = exports + imports`, and the shares of the group's
    trade with the world `share = trade / (X_R + M_R)`, `X_R = Σ_{i∈R} X_{i,W}`, `M_R = Σ_{i∈R} X_{W,i}`
    (METHODS §4.1 [V], summed over the group; intra-group flows stay in X_R and M_R — the group's own
    trade with the world; a partner that is also a member counts its flows with the other members).

    **Missing is not zero**: a flow absent from the chosen basis (on `best`: absent from both sides)
    makes the sums it enters missing (null), and `flows_missing` says how many; with `partial=True` the
    present flows are summed and the `estimate` column says how many were left out.
    `flows_flagged` counts the flows whose reported and mirror figures differ by more than `factor`
    (metrics/quality.py; default 2).

    `partners`: a mapping label -> ISO3 codes (`groups.partner_sets`), or a sequence of ISO3 codes (each
    its own partner). `years`: anything `dates.parse_years` takes (2020, "2000,2020", "2000-2020:5").
    Columns: year, partner, partner_n, exports, imports, trade, share, export_share, import_share,
    world_exports, world_imports, flows_possible, flows_present, flows_missing, flows_reported,
    flows_mirror, flows_flagged, members_with_world_totals, estimate, valuation, basis, source, formula,
    flows_estimated (how many of the summed flows the publisher marks as estimates: metrics/flags.py).
    """
    from sco_observatory.dates import parse_years

    ys = parse_years(years)
    isos = list(dict.fromkeys(c.upper() for c in group))
    if not isos:
        raise ObservatoryError("the group has no members", "pass a group expression, e.g. CA5")
    psets = dict(partners) if hasattr(partners, "items") else {str(c).upper(): [str(c).upper()] for c in partners}
    if not psets:
        raise ObservatoryError("no partners given", "pass --partners, e.g. --partners CHN,RUS or --partners EU27")
    every = sorted({c for members in psets.values() for c in members})
    f = _pair_frame(store, isos, (ys[0], ys[-1]), basis, every, source).filter(pl.col("year").is_in(ys))
    flagged = flagged_set(store, isos, every, ys, source, factor)
    world = (f.group_by(["year", "iso3_a"]).agg(pl.col("x_a_world").first(), pl.col("m_a_world").first())
             .group_by("year").agg(pl.col("x_a_world").sum().alias("world_exports_present"),
                                   pl.col("m_a_world").sum().alias("world_imports_present"),
                                   (pl.col("x_a_world").is_not_null() & pl.col("m_a_world").is_not_null()).sum()
                                   .alias("members_with_world_totals")))
    frames = []
    for label, members in psets.items():
        pf = f.filter(pl.col("iso3_b").is_in(members))
        fl = flagged.filter(((pl.col("exporter").is_in(isos) & pl.col("importer").is_in(members))
                             | (pl.col("importer").is_in(isos) & pl.col("exporter").is_in(members)))
                            & (pl.col("exporter") != pl.col("importer")))
        agg = pf.group_by("year").agg(
            pl.col("x_ab").sum().alias("exports_present"), pl.col("x_ba").sum().alias("imports_present"),
            pl.col("x_ab").null_count().alias("x_missing"), pl.col("x_ba").null_count().alias("m_missing"),
            (2 * pl.len()).alias("flows_possible"),
            ((pl.col("basis") == "reported").sum() + (pl.col("basis_ba") == "reported").sum()).alias("flows_reported"),
            ((pl.col("basis") == "mirror").sum() + (pl.col("basis_ba") == "mirror").sum()).alias("flows_mirror"),
            pl.concat_list("valuation", "valuation_ba").explode(empty_as_null=True).drop_nulls().unique().sort()
            .str.join("/").alias("valuation"),
            pl.concat_list("basis", "basis_ba").explode(empty_as_null=True).drop_nulls().unique().sort()
            .str.join("/").alias("basis_used"),
            pl.col("dataset").first().alias("source"))
        agg = agg.join(fl.group_by("year").agg(pl.len().alias("flows_flagged")), on="year", how="left")
        frames.append(agg.with_columns(pl.lit(label).alias("partner"), pl.lit(len(members)).alias("partner_n")))
    if not frames or f.height == 0:
        raise DataMissingError(f"no trade flows between the group and {', '.join(psets)} in {', '.join(map(str, ys))}",
                               "check the years (`sco data list` shows what the store holds)")
    g = pl.concat(frames).join(world, on="year", how="left")
    keep = pl.lit(bool(partial))
    exports = pl.when(keep | (pl.col("x_missing") == 0)).then(pl.col("exports_present"))
    imports = pl.when(keep | (pl.col("m_missing") == 0)).then(pl.col("imports_present"))
    n = len(isos)
    wx = pl.when(keep | (pl.col("members_with_world_totals") == n)).then(pl.col("world_exports_present"))
    wm = pl.when(keep | (pl.col("members_with_world_totals") == n)).then(pl.col("world_imports_present"))
    g = g.with_columns(exports.alias("exports"), imports.alias("imports"), wx.alias("world_exports"),
                       wm.alias("world_imports"), (pl.col("x_missing") + pl.col("m_missing")).alias("flows_missing"),
                       pl.col("flows_flagged").fill_null(0))
    g = g.with_columns((pl.col("exports") + pl.col("imports")).alias("trade"))
    missing_text = pl.format("partial: {} missing flows left out of the sums", "flows_missing")
    g = g.with_columns(
        (pl.col("trade") / (pl.col("world_exports") + pl.col("world_imports"))).alias("share"),
        (pl.col("exports") / pl.col("world_exports")).alias("export_share"),
        (pl.col("imports") / pl.col("world_imports")).alias("import_share"),
        pl.when(pl.col("flows_missing") == 0).then(pl.lit("none: every flow present"))
        .when(keep).then(missing_text)
        .otherwise(pl.format("missing: {} flows absent, sums left empty (partial=True sums the rest)", "flows_missing"))
        .alias("estimate"),
        pl.format("{} ({})", pl.lit(basis), "basis_used").alias("basis"),
        pl.lit("share = (Σ X_ij + Σ X_ji)/(X_R + M_R), i∈group, j∈partner, i≠j").alias("formula"))
    order = {label: k for k, label in enumerate(psets)}
    from sco_observatory.metrics import flags  # the publisher's estimate flags (IMF DOTS `e`)

    fb = Builder()
    sides_sql = fb.build(flags.FLOW_FLAGS_SQL, rows=_rows_cte(fb, _dataset_filter(store, (ys[0], ys[-1]), source),
                                                              (ys[0], ys[-1])), isos=isos, others=sorted(set(every) | set(isos)))
    g = g.join(flags.estimated_flows(run(store, sides_sql), isos, psets, ys, basis), on=["year", "partner"], how="left")
    return (g.with_columns(pl.col("partner").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
            .sort(["year", "_o"])
            .select("year", "partner", "partner_n", "exports", "imports", "trade", "share", "export_share",
                    "import_share", "world_exports", "world_imports", "flows_possible",
                    (pl.col("flows_possible") - pl.col("flows_missing")).alias("flows_present"),
                    "flows_missing", "flows_reported", "flows_mirror", "flows_flagged", "members_with_world_totals",
                    "estimate", "valuation", "basis", "source", "formula",
                    pl.col("flows_estimated").fill_null(0)))


def partners_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns of a `trade_partners` answer a person reads first, in US$ mn and per cent
    (CSV and JSON keep every column, in US$)."""
    mn = 1e6
    return frame.select(
        "year", "partner",
        (pl.col("trade") / mn).round(1).alias("trade, US$ mn"),
        (100 * pl.col("share")).round(1).alias("share of group trade, %"),
        (pl.col("exports") / mn).round(1).alias("exports, US$ mn"),
        (pl.col("imports") / mn).round(1).alias("imports, US$ mn"),
        pl.format("{}/{}", "flows_present", "flows_possible").alias("flows present"),
        pl.format("{}/{}", "flows_reported", "flows_mirror").alias("reported/mirror"),
        pl.col("flows_flagged").alias("flagged"))


# -- data-quality flags: both published figures of each flow, and the flagged set an answer joins once ---

_SIDES_ROWS_SQL = """
    SELECT CASE flow WHEN 'X' THEN reporter ELSE partner END AS exporter,
           CASE flow WHEN 'X' THEN partner ELSE reporter END AS importer,
           CAST(year AS BIGINT) AS year, flow, product = 'TOTAL' AS total, value_usd AS value, source_id AS source
    FROM rows WHERE flow IN ('X', 'M') AND reporter IN ($codes) AND partner IN ($codes)"""
_SIDES_ANY_ROWS_SQL = """
    SELECT CASE flow WHEN 'X' THEN reporter ELSE partner END AS exporter,
           CASE flow WHEN 'X' THEN partner ELSE reporter END AS importer,
           CAST(year AS BIGINT) AS year, flow, product = 'TOTAL' AS total, value_usd AS value, source_id AS source
    FROM rows WHERE flow IN ('X', 'M') AND (reporter IN ($codes) OR partner IN ($codes))"""
"""Both flow sides of the dataset's rows among `codes` in one scan: X rows as the exporter reports
them (`_REPORTED_SQL`), M rows turned round to exporter → importer (`_MIRROR_SQL`)."""


def flow_sides(store, countries: Sequence[str], years, partners: Sequence[str] | None, *,
               source: str | None = None) -> pl.DataFrame:
    """Both published figures of every flow between `countries` and `partners` (i→j and j→i, i≠j),
    total goods, in `years`: exporter, importer, year, reported (the exporter's FOB exports),
    reported_source, mirror (the importer's CIF imports), mirror_source; a side the data lack is null.
    `partners=None`: every partner economy (ISO3 codes, World and the aggregates left out).

    One scan of the dataset's rows filtered to the codes (`_SIDES_ROWS_SQL`), each side summed over
    its rows in polars as `totals_cte` sums them (TOTAL rows where the side has them, else the
    products; a sum over no value is null; sources sorted, distinct, ','-joined) — the same rows as
    `quality._flow_sides_sql`, the SQL definition (a FULL OUTER JOIN of two string-aggregated totals).
    """
    ys = sorted({int(y) for y in years})
    span = (ys[0], ys[-1])
    ds = _dataset_filter(store, span, source)
    b = Builder()
    raw = run(store, b.build(_SIDES_ROWS_SQL if partners else _SIDES_ANY_ROWS_SQL, rows=_rows_cte(b, ds, span),
                             codes=sorted(set(countries) | set(partners or ()))))
    keys = ["exporter", "importer", "year"]
    both = _side_sums(store, raw, ds, span)
    c = list(countries)
    if partners:
        p = list(partners)
        pairs = ((pl.col("exporter").is_in(c) & pl.col("importer").is_in(p))
                 | (pl.col("importer").is_in(c) & pl.col("exporter").is_in(p)))
    else:
        agg = sorted(_aggregate_codes())
        pairs = ((pl.col("exporter").is_in(c) | pl.col("importer").is_in(c))
                 & ~pl.col("exporter").is_in(agg) & ~pl.col("importer").is_in(agg)
                 & pl.col("exporter").str.contains(r"^[A-Z]{3}$") & pl.col("importer").str.contains(r"^[A-Z]{3}$"))
    return (both.filter(pl.col("year").is_in(ys) & (pl.col("exporter") != pl.col("importer")) & pairs)
            .select(*keys, "reported", "reported_source", "mirror", "mirror_source")
            .sort(["year", "exporter", "importer"]))


def _side_sums(store, raw: pl.DataFrame, ds: Dataset, span: tuple[int, int]) -> pl.DataFrame:
    """Both sides of each flow (exporter, importer, year) summed over fetched rows (columns flow,
    exporter, importer, year, total, value, source): reported (X) and mirror (M), each over TOTAL rows
    where that side has them in the span, else its products; a sum over no value is null; sources
    sorted, distinct, ','-joined. The sides frame of `flag_rules` (before any pair filter)."""
    keys = ["exporter", "importer", "year"]
    sides = []
    for basis, flow in (("reported", "X"), ("mirror", "M")):
        side = raw.filter(pl.col("flow") == flow)
        if _has_total(store, ds, span, basis):
            side = side.filter(pl.col("total"))
        sides.append(side.group_by(keys).agg(
            pl.when(pl.col("value").count() > 0).then(pl.col("value").sum()).alias(basis),
            pl.when(pl.col("source").count() > 0).then(pl.col("source").drop_nulls().unique().sort().str.join(","))
            .alias(f"{basis}_source")))
    return sides[0].join(sides[1], on=keys, how="full", coalesce=True)


_PAIR_ROWS_SQL = """
    SELECT flow, CASE flow WHEN 'X' THEN reporter ELSE partner END AS exporter,
           CASE flow WHEN 'X' THEN partner ELSE reporter END AS importer,
           CAST(year AS BIGINT) AS year, product, product = 'TOTAL' AS total, value_usd AS value,
           coalesce(valuation, CASE flow WHEN 'X' THEN 'FOB' ELSE 'CIF' END) AS valuation, source_id AS source
    FROM rows WHERE flow IN ($flows) AND reporter IN ($codes) AND partner IN ($codes)"""
"""The published rows among `codes` of the flow sides an answer reads, in one scan, turned to exporter →
importer (`_REPORTED_SQL` for X, `_MIRROR_SQL` for M, valuations coalesced the same way)."""


@lru_cache(maxsize=256)
def _pair_rows_query(ds: Dataset, y0: int, y1: int, flows: tuple[str, ...], codes: tuple[str, ...]) -> Query:
    """`_PAIR_ROWS_SQL` over the dataset's rows of the years, built once per process and shape.

    Why: the statement depends only on these arguments (none of them store content), and building it
    — sqlglot copying, renaming and splicing the fragments — then printing it (`Query.sql`, memoised
    on the query) was a fixed ~20 ms of every pair answer (cProfile of `group_indicators`, 9 members,
    session 7), a quarter of the group measures' call beside a 50 ms scan. The query is never changed
    after it is built (engines read it), so one object serves every call."""
    b = Builder()
    return b.build(_PAIR_ROWS_SQL, rows=_rows_cte(b, ds, (y0, y1)), flows=list(flows), codes=list(codes))


def pair_totals(store, ds: Dataset, years: tuple[int, int], basis: str, codes: Sequence[str], *,
                world_rows: bool, flags: bool) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The totals of the flows among `codes` on one basis (`totals_frame`'s columns and rows) and, with
    `flags`, the flagged set of the flows among `codes` (`flag_rules.flagged_flows`, default factor),
    both from one fetch of the published rows.

    Why one fetch: an answer's flagged-flow count needs both published figures of its flows, and its
    values need one (or, `best`, both) of the same rows; fetching the two sides once (`_PAIR_ROWS_SQL`)
    and deriving the basis' relation (reported = X rows, mirror = M rows, best = X plus the M rows
    whose (exporter, importer, year, product) X lacks — `_BEST_SQL`) and both side sums from that frame
    replaces a second filtered scan per answer (`flagged_set`). The flagged set is kept per store
    commit, so a later answer over the same codes fetches only its basis' side.
    `world_rows`: the relation synthesises World rows (a dataset without them): those are sums over
    the whole relation, not over the codes, so there the totals come from the SQL relation
    (`totals_frame`) and the fetch serves the flags alone.
    """
    codes = sorted(set(codes))
    y0, y1 = int(years[0]), int(years[1])
    has_total = _has_total(store, ds, years, basis)
    box = cache.for_store(store)
    key = ("pair-flags", ds, (y0, y1), tuple(codes))
    flagged = box.get(key) if (flags and box is not None) else None
    need = [] if world_rows else {"reported": ["X"], "mirror": ["M"], "best": ["X", "M"]}[basis]
    flows = ["X", "M"] if flags and flagged is None else need
    if flows:
        raw = run(store, _pair_rows_query(ds, y0, y1, tuple(flows), tuple(codes)))
    if world_rows:
        b = Builder()
        totals = totals_frame(store, b, _relation(b, ds, years, basis, world_rows=True), codes, has_total)
    else:
        side = {f: raw.lazy().filter(pl.col("flow") == f).with_columns(pl.lit(n).alias("basis"))
                for f, n in (("X", "reported"), ("M", "mirror")) if f in need}  # lazy: run in _sum_totals' call
        rel = {"reported": lambda: side["X"], "mirror": lambda: side["M"],
               "best": lambda: pl.concat([side["X"], side["M"].join(
                   side["X"], on=["exporter", "importer", "year", "product"], how="anti")])}[basis]()
        totals = _sum_totals(rel.select("exporter", "importer", "year", "product", "value", "valuation", "basis",
                                        "source"), has_total)
    if flags and flagged is None:
        sides = _side_sums(store, raw, ds, (y0, y1)).filter(pl.col("exporter") != pl.col("importer"))
        flagged = flag_rules.flagged_flows(sides)
        if box is not None:
            box[key] = flagged
    return totals, flagged


def flagged_set(store, countries: Sequence[str], partners: Sequence[str] | None, years, source: str | None = None,
                factor: float | None = None) -> pl.DataFrame:
    """(exporter, importer, year) of the flows between `countries` and `partners` (None: every partner
    economy) whose reported and
    mirror figures differ by more than `factor` (default 2; `flag_rules`) — computed once per answer and
    joined to its rows, kept per store commit (`metrics.cache`: the dashboard and the report ask for
    the same group's flags from several answers). Empty (not an error) where the dataset holds one
    side only (BACI)."""
    ys = tuple(sorted({int(y) for y in years}))
    if not ys or not countries or partners is not None and not partners:
        return pl.DataFrame(schema={"exporter": pl.String, "importer": pl.String, "year": pl.Int64})
    f = flag_rules.check_factor(factor or flag_rules.DEFAULT_FACTOR)
    key = ("flagged", tuple(sorted(set(countries))), tuple(sorted(set(partners))) if partners else None, ys, source, f)
    return cache.cached(store, key, lambda: flag_rules.flagged_flows(
        flow_sides(store, countries, ys, partners, source=source), f))
