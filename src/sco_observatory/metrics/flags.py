"""Publishers' estimate flags for indicator values already chosen by a metric.

Why: a metric returns the value it used (iso3, code, year, source); the `indicator` table keeps the
publisher's flag beside it (`estimate`: an IMF or UIS estimate, a national office's "preliminary"
year, or a value derived by the snapshot, e.g. `wdi-derived:MS.MIL.XPND.CD`). Presentation needs
the flag wherever the number is printed; this looks it up for exactly the rows shown, in one query.
"""

from __future__ import annotations

import polars as pl

from sco_observatory.engine import query, run

_SQL = """
    SELECT iso3, code, CAST(year AS BIGINT) AS year, source_id AS source, bool_or(coalesce(estimate, FALSE)) AS estimate
    FROM indicator WHERE code IN ($codes) AND source_id IN ($sources) AND iso3 IN ($isos)
    GROUP BY iso3, code, year, source_id"""


def estimate_flags(store, rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` (iso3, code, year, source, ...) with an `estimate` column (False where the store has no flag)."""
    keys = rows.filter(pl.col("source").is_not_null() & pl.col("year").is_not_null())
    if keys.height == 0:
        return rows.with_columns(pl.lit(False).alias("estimate"))
    flags = run(store, query(_SQL, codes=keys["code"].unique().to_list(), sources=keys["source"].unique().to_list(),
                             isos=keys["iso3"].unique().to_list()))
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
