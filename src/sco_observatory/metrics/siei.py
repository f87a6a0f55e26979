"""SIEI-style integration indices — proxies after the EDB's *System of Indicators of Eurasian Integration*.

**These are not the EDB's indices.** The EDB's formulas are not public (METHODS.md §1.2 [NF]); what
is verified is the architecture (market integration: trade, labour migration, electric power,
agriculture, education, investment; convergence: macroeconomic, monetary, fiscal, financial), the
levels (pair, country, region) and the scaling "relative to GDP and population" [V]. Every index here
is a documented proxy from METHODS §1.4 and says so in its `label` and `evidence` columns.

Trade (§1.3 H1, selected by the hypothesis test in `trade_hypotheses`, see docs/metrics.md):

    pair     TI_ij = 100 · (X_ij + X_ji) / (Y_i + Y_j)                     [H — matches the 2014 report]
    country  TI_i  = Σ_{j∈R, j≠i} TI_ij                                    [H — aggregation proxy, §1.4]
    group    TI_R  = 100 · Σ_{i≠j∈R} X_ij / Σ_{i∈R} Y_i                   [H — §1.4]

Labour migration (§1.4): `100 · (Mig_{i→j} + Mig_{j→i}) / (P_i + P_j)` (migrant stocks, UN DESA;
population SP.POP.TOTL), country and group analogues as for trade.

Agriculture (§1.4): the trade formula restricted to HS chapters 01–24 (needs product-level trade).
Education and investment (§1.4): siei_education.py (UIS students over population) and
siei_investment.py (IMF CDIS positions over GDP). Energy: no bilateral electricity data in the
shared sources — a `DataMissingError` says which data it needs.
Convergence dimensions: see `convergence.py` (σ, β) — `siei(..., dimension='convergence')` runs σ and β
on the §1.4 variable list for whatever the store holds.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import Builder, query, run
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import require_group, values
from sco_observatory.metrics.flag_rules import count_pair_flags
from sco_observatory.metrics.siei_parts import LABEL, Level, _levels, _pairs_from_flows, _scale_frame
from sco_observatory.metrics.trade import Basis, flows_cte, totals_cte

DIMENSIONS = ("trade", "migration", "agriculture", "energy", "education", "investment", "convergence")

CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
AGRI_CHAPTERS = tuple(f"{c:02d}" for c in range(1, 25))
"""HS chapters 01-24 (live animals ... tobacco): the agriculture dimension's products (METHODS §1.4)."""


ENERGY_MISSING = ("the SIEI-style energy index is data missing: it needs bilateral electricity trade "
                  "(kWh, UN Comtrade HS 2716 or national grid operators) and each country's electricity consumption")
ENERGY_HINT = ("no shipped or importable source holds bilateral electricity flows yet; the proxy "
               "100·(E_ij + E_ji)/(C_i + C_j) is in docs/metrics.md")


class UnknownDimensionError(ObservatoryError):
    """A SIEI dimension that is not one of DIMENSIONS."""


_PRODUCT_FLOWS_SQL = """
    SELECT exporter AS origin, importer AS dest, CAST(year AS BIGINT) AS year, sum(value) AS value,
           string_agg(DISTINCT valuation, '/' ORDER BY valuation) AS valuation
    FROM f WHERE product <> 'TOTAL' AND substr(product, 1, 2) IN ($chapters)
    GROUP BY exporter, importer, year"""
_WITHIN_SQL = "SELECT * FROM f WHERE origin IN ($countries) AND dest IN ($countries)"


def _trade_flow_frame(store, countries, years, basis, source, chapters=None
                      ) -> tuple[pl.DataFrame, str, str, pl.DataFrame | None]:
    """Flows origin -> dest within the group (totals, or summed over the given 2-digit HS chapters),
    the source label, the valuation label and (totals only) the flagged flows within the group
    (`trade.pair_totals`: the values and the flags from one fetch of the published rows)."""
    from sco_observatory.metrics import trade

    # World rows (synthesised for a dataset without them) are read only if asked for as a country
    if chapters:
        b = Builder()
        rel, ds = trade._flows(b, store, years, basis, source, True, "WLD" in countries)
        flows = b.cte("flows", _PRODUCT_FLOWS_SQL, f=rel, chapters=list(chapters))
        frame, flagged = run(store, b.build(_WITHIN_SQL, f=flows, countries=list(countries))), None
    else:  # the totals as a frame: no ordered DISTINCT aggregates (see trade.totals_frame)
        ds, world_rows = trade._chosen(store, years, basis, source, False, "WLD" in countries)
        t, flagged = trade.pair_totals(store, ds, years, basis, countries, world_rows=world_rows, flags=True)
        frame = t.select(pl.col("exporter").alias("origin"), pl.col("importer").alias("dest"), "year", "value", "valuation")
    valuation = "/".join(sorted(frame["valuation"].drop_nulls().unique().to_list())) or "n/a"
    return frame.drop("valuation"), ds.label, valuation, flagged


def trade_index(store, countries: Sequence[str], years: tuple[int, int], level: Level = "pair",
                basis: Basis = "reported", *, source: str | None = None, gdp_source: str | None = None) -> pl.DataFrame:
    """SIEI-style trade integration index [H] (METHODS §1.3 H1, §1.4): see the module docstring.

    `X_ij` on one flow basis (`reported` = exporter-reported FOB, `mirror` = importer-reported CIF);
    `Y` = GDP, current US$ (NY.GDP.MKTP.CD). In percent: 1 means mutual trade worth 1 % of the pair's
    combined GDP. Pair rows: iso3_a, iso3_b, year, value, f_ab, f_ba, y_a, y_b, label, formula, basis,
    valuation, evidence, source, y_source, flows_flagged (every level counts the flagged flows it sums).
    """
    isos = require_group(countries, 2, "a SIEI-style index")
    flows, label, valuation, flagged = _trade_flow_frame(store, isos, years, basis, source)
    scale = _scale_frame(store, "NY.GDP.MKTP.CD", isos, years, gdp_source)
    meta = {"label": LABEL, "dimension": "trade", "formula": "100·(X_ij + X_ji)/(Y_i + Y_j) (METHODS §1.3 H1)",
            "basis": basis, "valuation": valuation,
            "evidence": "[H] hypothesis H1, consistent with the 2014 report's statement; EDB formula not public",
            "source": label}
    # flows_flagged of each pair (X_ab and X_ba) gathered in the pair grid; the levels sum it — country:
    # the country's flows with the group, both directions; group: every intra-group flow of the year
    # the pair level's order is built into the grid's gather (no second sort of the finished frame)
    pair = level == "pair"
    return _levels(_pairs_from_flows(flows, scale, isos, flagged, by_index=pair), level, meta, ordered=pair)


def _count_flagged(frame: pl.DataFrame, flagged: pl.DataFrame, level: Level) -> pl.DataFrame:
    """`flows_flagged` on each row by joins of the flagged set: of the flows the row sums, how many
    have reported and mirror figures more than a factor 2 apart (`flag_rules`) — pair: X_ab and X_ba;
    country: the country's flows with the group, both directions; group: every intra-group flow of the
    year. The definition the pair grid's gathered counts equal (tests/test_metrics_siei_pairs.py)."""
    if level == "pair":
        return count_pair_flags(frame, flagged)
    if level == "country":
        per = (pl.concat([flagged.select(pl.col("exporter").alias("iso3"), "year"),
                          flagged.select(pl.col("importer").alias("iso3"), "year")])
               .group_by("iso3", "year").agg(pl.len().cast(pl.UInt32).alias("flows_flagged")))
        out = frame.with_columns(pl.col("year").cast(pl.Int64)).join(per, on=["iso3", "year"], how="left", maintain_order="left")
    else:
        per = flagged.group_by("year").agg(pl.len().cast(pl.UInt32).alias("flows_flagged"))
        out = frame.with_columns(pl.col("year").cast(pl.Int64)).join(per, on="year", how="left", maintain_order="left")
    return out.with_columns(pl.col("flows_flagged").fill_null(0))


def agriculture_index(store, countries, years, level: Level = "pair", basis: Basis = "reported", *,
                      source=None, gdp_source=None) -> pl.DataFrame:
    """SIEI-style agriculture index [H] (METHODS §1.4): the trade index on HS chapters 01–24 over GDP."""
    isos = require_group(countries, 2, "a SIEI-style index")
    flows, label, valuation, _ = _trade_flow_frame(store, isos, years, basis, source, chapters=AGRI_CHAPTERS)
    scale = _scale_frame(store, "NY.GDP.MKTP.CD", isos, years, gdp_source)
    meta = {"label": LABEL, "dimension": "agriculture", "formula": "100·(A_ij + A_ji)/(Y_i + Y_j), A = trade in HS 01-24",
            "basis": basis, "valuation": valuation, "evidence": "[H] proxy after METHODS §1.4", "source": label}
    return _levels(_pairs_from_flows(flows, scale, isos), level, meta)


_MIGRATION_SQL = {
    # Without a source, the newest edition (UN DESA revises every earlier year in each edition) that
    # holds this year for these countries: one edition per year, never two editions' stocks summed.
    False: """SELECT origin, destination AS dest, CAST(year AS BIGINT) AS year, stock AS value, source_id
              FROM migration WHERE year = $year AND origin IN ($isos) AND destination IN ($isos)
                AND source_id = (
                    SELECT m.source_id FROM migration AS m LEFT JOIN source AS s ON s.source_id = m.source_id
                    WHERE m.year = $year AND m.origin IN ($isos) AND m.destination IN ($isos)
                    GROUP BY m.source_id, s.year ORDER BY s.year DESC NULLS LAST, m.source_id DESC LIMIT 1)""",
    True: """SELECT origin, destination AS dest, CAST(year AS BIGINT) AS year, stock AS value, source_id
             FROM migration WHERE year = $year AND (source_id = $source OR starts_with(source_id, $prefix))
               AND origin IN ($isos) AND destination IN ($isos)""",
}


def migration_index(store, countries: Sequence[str], year: int, level: Level = "pair", *,
                    source: str | None = None, population_source: str | None = None) -> pl.DataFrame:
    """SIEI-style labour-migration index [H] (METHODS §1.4): `100·(Mig_{i→j} + Mig_{j→i}) / (P_i + P_j)`.

    `Mig_{i→j}` = migrant stock born in i living in j (UN DESA, `migration` table); `P` = SP.POP.TOTL
    of the same year. Stocks, not flows: the index measures accumulated labour-market linkage.
    Without `source`, the newest UN DESA edition holding the year answers (each edition revises the
    earlier years; two editions are never mixed in one year).
    """
    isos = require_group(countries, 2, "a SIEI-style index")
    values_ = {"year": int(year), "isos": isos}
    if source:
        values_.update(source=source, prefix=source + ":")
    flows = run(store, query(_MIGRATION_SQL[bool(source)], **values_))
    if flows.height == 0:
        span = run(store, query(
            "SELECT string_agg(DISTINCT CAST(year AS VARCHAR), ', ' ORDER BY CAST(year AS VARCHAR)) AS span FROM migration")).item(0, 0)
        raise DataMissingError(
            f"no bilateral migrant stocks for {', '.join(isos)} in {year}",
            (f"the store holds migrant stocks for {span}" if span else
             "import UN DESA: `sco import UN_MigrantStockByOriginAndDestination_2019.csv`"),
        )
    label = ",".join(sorted(set(flows["source_id"].to_list())))
    scale = _scale_frame(store, "SP.POP.TOTL", isos, (year, year), population_source)
    meta = {"label": LABEL, "dimension": "migration", "formula": "100·(Mig_ij + Mig_ji)/(P_i + P_j) (METHODS §1.4)",
            "basis": "stocks", "valuation": "persons", "evidence": "[H] proxy after METHODS §1.4", "source": label}
    return _levels(_pairs_from_flows(flows.drop("source_id"), scale, isos), level, meta)


def trade_hypotheses(store, countries: Sequence[str] = CENTRAL_ASIA + ("RUS",), year: int = 2012, *,
                     source: str | None = None, gdp_source: str | None = None) -> pl.DataFrame:
    """The METHODS §1.3 test: H1–H3 for every pair, to see which reading of "trade integration index"
    matches the report ("no pair of countries in Central Asia ... exceeds 1; the highest ... Kazakhstan
    and Russia").

    H1 `100·(X_ij + X_ji)/(Y_i + Y_j)` (exporter-reported FOB flows);
    H2 `100·min(T_ij/Y_i, T_ij/Y_j)`, `T_ij` = reporter i's exports + imports with j (`h2_reporter_a`,
        `h2_reporter_b`) and the mirror average (`h2_mirror_avg`);
    H3 `100·T_ij/Y_i` directional (`h3_a`, `h3_b`, T from the mirror average).
    Columns: iso3_a, iso3_b, year, central_asian_pair, with_central_asia, h1, h2_*, h3_*.
    """
    isos = require_group(countries, 2, "the hypothesis test")
    b = Builder()
    rel_x, label = flows_cte(b, store, (year, year), "reported", source)
    rel_m, _ = flows_cte(b, store, (year, year), "mirror", source)
    f = run(store, b.build("""
        SELECT coalesce(x.exporter, m.exporter) AS origin, coalesce(x.importer, m.importer) AS dest,
               x.value AS x_rep, m.value AS x_mir
        FROM x FULL JOIN m ON x.exporter = m.exporter AND x.importer = m.importer
        WHERE coalesce(x.exporter, m.exporter) IN ($isos) AND coalesce(x.importer, m.importer) IN ($isos)""",
        x=totals_cte(b, rel_x), m=totals_cte(b, rel_m), isos=isos))
    gdp = values(store, "NY.GDP.MKTP.CD", isos, year, source=gdp_source)
    a = pl.DataFrame({"iso3_a": sorted(isos)})
    pairs = a.join(a.rename({"iso3_a": "iso3_b"}), how="cross").filter(pl.col("iso3_a") < pl.col("iso3_b"))

    def fl(o, d, col, name):
        return f.select(pl.col("origin").alias(o), pl.col("dest").alias(d), pl.col(col).alias(name))

    p = (pairs.join(fl("iso3_a", "iso3_b", "x_rep", "x_ab"), on=["iso3_a", "iso3_b"], how="left")
         .join(fl("iso3_b", "iso3_a", "x_rep", "x_ba"), on=["iso3_a", "iso3_b"], how="left")
         .join(fl("iso3_a", "iso3_b", "x_mir", "xm_ab"), on=["iso3_a", "iso3_b"], how="left")
         .join(fl("iso3_b", "iso3_a", "x_mir", "xm_ba"), on=["iso3_a", "iso3_b"], how="left")
         .join(gdp.select(pl.col("iso3").alias("iso3_a"), pl.col("value").alias("y_a")), on="iso3_a", how="left")
         .join(gdp.select(pl.col("iso3").alias("iso3_b"), pl.col("value").alias("y_b")), on="iso3_b", how="left"))
    # reporter a's turnover with b: its exports (x_ab) + its imports from b (mirror of b's exports: xm_ba)
    t_a = pl.col("x_ab") + pl.col("xm_ba")
    t_b = pl.col("x_ba") + pl.col("xm_ab")
    t_avg = (t_a + t_b) / 2
    ymax = pl.max_horizontal("y_a", "y_b")
    ca = list(CENTRAL_ASIA)
    return p.with_columns(
        pl.lit(year).alias("year"),
        (pl.col("iso3_a").is_in(ca) & pl.col("iso3_b").is_in(ca)).alias("central_asian_pair"),
        (pl.col("iso3_a").is_in(ca) | pl.col("iso3_b").is_in(ca)).alias("with_central_asia"),
        (100 * (pl.col("x_ab") + pl.col("x_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("h1"),
        (100 * t_a / ymax).alias("h2_reporter_a"),
        (100 * t_b / ymax).alias("h2_reporter_b"),
        (100 * t_avg / ymax).alias("h2_mirror_avg"),
        (100 * t_avg / pl.col("y_a")).alias("h3_a"),
        (100 * t_avg / pl.col("y_b")).alias("h3_b"),
        pl.lit(label).alias("source"), pl.lit(gdp["source"][0]).alias("gdp_source"),
    ).select("iso3_a", "iso3_b", "year", "central_asian_pair", "with_central_asia", "h1", "h2_reporter_a",
             "h2_reporter_b", "h2_mirror_avg", "h3_a", "h3_b", "x_ab", "x_ba", "xm_ab", "xm_ba", "y_a", "y_b",
             "source", "gdp_source")


def hypothesis_verdicts(h: pl.DataFrame) -> pl.DataFrame:
    """For each hypothesis column: (a) max over Central-Asian-only pairs < 1? (b) is KAZ–RUS the maximum
    among pairs with a Central Asian country? -> matches = a and b. One row per hypothesis."""
    cols = ["h1", "h2_reporter_a", "h2_reporter_b", "h2_mirror_avg", "h3_a", "h3_b"]
    ca = h.filter(pl.col("central_asian_pair"))
    wc = h.filter(pl.col("with_central_asia"))
    rows = []
    for c in cols:  # six hypothesis columns, not data rows
        ca_max = ca[c].max()
        top = wc.sort(c, descending=True, nulls_last=True).head(1)
        top_pair = f"{top['iso3_a'][0]}-{top['iso3_b'][0]}" if top.height else None
        kaz_rus = h.filter((pl.col("iso3_a") == "KAZ") & (pl.col("iso3_b") == "RUS"))[c]
        a_ok = ca_max is not None and ca_max < 1
        b_ok = top_pair == "KAZ-RUS"
        rows.append({"hypothesis": c, "max_central_asian_pair": ca_max, "no_ca_pair_above_1": a_ok,
                     "top_pair_with_central_asia": top_pair, "kaz_rus": kaz_rus[0] if kaz_rus.len() else None,
                     "kaz_rus_highest": b_ok, "matches_report": a_ok and b_ok})
    return pl.DataFrame(rows)


def siei(store, dimension: str, countries: Sequence[str], years: tuple[int, int], level: Level = "pair",
         basis: Basis = "reported", *, source: str | None = None) -> pl.DataFrame:
    """Dispatch one SIEI-style dimension (see module docstring)."""
    dim = dimension.lower()
    if dim == "trade":
        return trade_index(store, countries, years, level, basis, source=source)
    if dim == "agriculture":
        return agriculture_index(store, countries, years, level, basis, source=source)
    if dim == "migration":
        frames = []
        years_held = run(store, query("SELECT DISTINCT year FROM migration WHERE year BETWEEN $y0 AND $y1 ORDER BY year",
                                      y0=int(years[0]), y1=int(years[1])))["year"].to_list()
        for y in years_held or [years[0]]:  # UN DESA stocks are 5-yearly: a handful of years
            frames.append(migration_index(store, countries, y, level, source=source))
        return pl.concat(frames, how="diagonal")
    if dim == "convergence":
        from sco_observatory.metrics.convergence import siei_convergence

        return siei_convergence(store, countries, years)
    if dim == "education":
        from sco_observatory.metrics.siei_education import education_index

        return education_index(store, countries, years, level)
    if dim == "investment":
        from sco_observatory.metrics.siei_investment import investment_index

        return investment_index(store, countries, years, level)
    if dim == "energy":
        raise DataMissingError(ENERGY_MISSING, ENERGY_HINT)
    raise UnknownDimensionError(f"unknown SIEI dimension '{dimension}'", f"use one of: {', '.join(DIMENSIONS)}")
