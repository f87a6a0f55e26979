"""Publishers' estimate flags for indicator values already chosen by a metric.

Why: a metric returns the value it used (iso3, code, year, source); the `indicator` table keeps the
publisher's flag beside it (`estimate`: an IMF or UIS estimate, a national office's "preliminary"
year, or a value derived by the snapshot, e.g. `wdi-derived:MS.MIL.XPND.CD`). Presentation needs
the flag wherever the number is printed; this looks it up for exactly the rows shown, from
the rows of their codes the metrics already read (`metrics.indicator_rows`).
"""

from __future__ import annotations

import polars as pl


def _flags(store, codes: list[str], sources: list[str], isos: list[str]) -> pl.DataFrame:
    """Per (iso3, code, year, source) of the given codes, sources and countries whether any of the
    store's rows is flagged as an estimate (a null flag is not): iso3, code, year, source, estimate.

    Read from each code's rows kept per store commit (`metrics.indicator_rows`) instead of one more
    indicator query per call (it was `bool_or(coalesce(estimate, FALSE)) ... GROUP BY iso3, code, year,
    source_id`): the power shares, claims and what-ifs ask for the flags of values they have just read."""
    from sco_observatory.metrics import indicator_rows

    parts = [indicator_rows(store, code)
             .filter(pl.col("source_id").is_in(sources) & pl.col("iso3").is_in(isos))
             .group_by("iso3", "year", "source_id")
             .agg(pl.col("estimate").fill_null(False).any().alias("estimate"))
             .select("iso3", pl.lit(code).alias("code"), "year", pl.col("source_id").alias("source"), "estimate")
             for code in codes]
    return pl.concat(parts)


def estimate_flags(store, rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` (iso3, code, year, source, ...) with an `estimate` column (False where the store has no flag)."""
    keys = rows.filter(pl.col("source").is_not_null() & pl.col("year").is_not_null())
    if keys.height == 0:
        return rows.with_columns(pl.lit(False).alias("estimate"))
    flags = _flags(store, keys["code"].unique().to_list(), keys["source"].unique().to_list(),
                   keys["iso3"].unique().to_list())
    out = rows.drop("estimate", strict=False).with_columns(pl.col("year").cast(pl.Int64))
    return (out.join(flags, on=["iso3", "code", "year", "source"], how="left")
            .with_columns(pl.col("estimate").fill_null(False)))


FLOW_FLAGS_SQL = """
    SELECT exporter, importer, year, side, bool_or(estimate) AS estimate
    FROM (SELECT CASE WHEN flow = 'X' THEN reporter ELSE partner END AS exporter,
                 CASE WHEN flow = 'X' THEN partner ELSE reporter END AS importer,
                 CAST(year AS BIGINT) AS year, CASE WHEN flow = 'X' THEN 'reported' ELSE 'mirror' END AS side,
                 coalesce(estimate, FALSE) AS estimate
          FROM rows
          WHERE (reporter IN ($isos) AND partner IN ($others)) OR (reporter IN ($others) AND partner IN ($isos))) AS s
    GROUP BY exporter, importer, year, side"""
"""Per flow side (exporter, importer, year, side) whether the publisher flags it, over the `rows` of one
trade dataset (metrics/trade.py binds `rows`, `isos` = the group, `others` = partners ∪ group)."""


def estimated_flows(sides: pl.DataFrame, group, partner_sets: dict[str, list[str]], years, basis: str) -> pl.DataFrame:
    """How many of the flows a bloc-level trade answer sums carry their publisher's estimate flag.

    Why: IMF DOTS marks estimated figures (its `e` status / `imf_estimate`), national offices mark
    preliminary years; a group's trade with a partner sums many flows, so the row says how many of
    them are such figures (`flows_estimated`), as `flows_missing` says how many are absent.

    `sides`: `FLOW_FLAGS_SQL`'s answer. The flows counted are those `metrics.trade.trade_partners`
    sums: for group R and partner set P, every ordered flow i→j with one end in R and the other in P,
    i≠j. The side read is the basis': `reported` (the exporter's X row), `mirror` (the importer's M
    row), `best` (reported where the exporter publishes the flow, else mirror). A flow is flagged when
    any product row of that side is. Returns year, partner, flows_estimated (0 where none).
    """
    ys = sorted({int(y) for y in years})
    isos = sorted({c.upper() for c in group})
    sides = sides.filter(pl.col("year").is_in(ys) & (pl.col("exporter") != pl.col("importer")))
    keys = ["exporter", "importer", "year"]
    reported = sides.filter(pl.col("side") == "reported")
    mirror = sides.filter(pl.col("side") == "mirror")
    used = {"reported": reported, "mirror": mirror,
            "best": pl.concat([reported, mirror.join(reported, on=keys, how="anti")])}[basis]
    out = []
    for label, members in partner_sets.items():
        picked = used.filter(((pl.col("exporter").is_in(isos) & pl.col("importer").is_in(members))
                              | (pl.col("importer").is_in(isos) & pl.col("exporter").is_in(members))))
        counts = picked.group_by("year").agg(pl.col("estimate").sum().cast(pl.Int64).alias("flows_estimated"))
        out.append(pl.DataFrame({"year": ys}, schema={"year": pl.Int64}).join(counts, on="year", how="left")
                   .with_columns(pl.col("flows_estimated").fill_null(0), pl.lit(label).alias("partner")))
    return pl.concat(out).select("year", "partner", "flows_estimated")
