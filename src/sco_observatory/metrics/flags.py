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
