"""Small read-only views the dashboard needs beyond the metrics: which year to show for a date, the β
verdict in words, and the citations of the source keys a table names.

Kept out of the routes so that the routes only parse input and call library functions; the store is
read only through `store.queries` (no SQL here).
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import polars as pl

from sco_observatory.errors import DataMissingError
from sco_observatory.store.queries import latest_indicator_year, source_citations

BETA_SIGNIFICANCE = 0.05
"""Level at which the dashboard calls a negative β 'converging' (two-sided p of the OLS slope)."""


def latest_year(store, code: str, countries: Sequence[str], day: dt.date) -> int:
    """The latest year at or before `day` for which the store holds `code` for any of `countries`
    (:func:`sco_observatory.store.queries.latest_indicator_year` with quorum 0)."""
    from sco_observatory.metrics import indicator_code

    code = indicator_code(code)
    year = latest_indicator_year(store, code, countries, day.year, quorum=0)
    if year is None:
        raise DataMissingError(f"the store holds no {code} for these countries at or before {day.isoformat()}",
                               "choose a later date or another indicator, or import the data (`sco import FILE`)")
    return year


def beta_verdict(beta: pl.DataFrame, level: float = BETA_SIGNIFICANCE) -> str:
    """'converging' only where β < 0 with p < level; otherwise 'no evidence of β-convergence'."""
    row = beta.row(0, named=True)
    b, p = row["beta"], row["p_value"]
    if b is not None and p is not None and p == p and b < 0 and p < level:
        return (f"converging: β = {b:.4f} < 0, significant at the {level:.0%} level "
                f"(p = {p:.3f}, N = {row['n']})")
    return (f"no evidence of β-convergence at the {level:.0%} level "
            f"(β = {b:.4f}, p = {p:.3f}, N = {row['n']})")


def citations(store, keys: Sequence[str]) -> pl.DataFrame:
    """Full citation of each source key a table names: ledger sources (kb) and data sources in the store
    (with their vintage: publication year and retrieval date). Columns: id, citation, url, vintage.
    A key found in neither keeps its id as citation, so nothing is silently dropped."""
    from sco_observatory.kb import queries as kb

    wanted = sorted({k.strip() for key in keys if key for k in str(key).split(";") if k.strip()})
    ledger = kb.sources().filter(pl.col("id").is_in(wanted)).select(
        "id", pl.coalesce("citation", "title").alias("citation"), "url", pl.col("date").alias("vintage"))
    found = pl.concat([ledger, source_citations(store, wanted)])
    missing = [k for k in wanted if k not in set(found["id"].to_list())]
    extra = pl.DataFrame({"id": missing, "citation": missing, "url": [None] * len(missing), "vintage": [None] * len(missing)},
                         schema={c: pl.Utf8 for c in ("id", "citation", "url", "vintage")})
    return pl.concat([found, extra]).unique("id", keep="first").sort("id")
