"""The DuckDB engine (default): runs queries on the store's own connection, `store.con`.

Parameters travel as DuckDB named parameters (`{"p1_x": value}`) to `store.results.frame`, which reads the
frame the way the installed DuckDB, 1.x or 2.x, allows: user text is never part of the SQL text. Only values
whose literal is inert (ints, finite floats, codes of letters, digits and `_.:@/+%-`) are written into the
statement there instead of bound (`store.results.inline`: binding makes DuckDB import pandas).
"""

from __future__ import annotations

from typing import Any, Mapping

import polars as pl
from sqlglot import exp

from sco_observatory.engine.base import split
from sco_observatory.engine.query import Query
from sco_observatory.store.results import arrow, frame


class DuckDBEngine:
    """Queries on a DuckDB connection (the store's)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con) -> None:
        self.con = con

    def execute(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        expression, values = split(query, params)
        sql = expression.sql(dialect=self.dialect)
        return frame(self.con, sql, values)

    def arrow(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None):
        """`execute` as an Arrow table: string columns stay Arrow strings (`.pl()` converts every one
        to polars' string layout, a copy a caller that only codes the strings does not need)."""
        expression, values = split(query, params)
        return arrow(self.con, expression.sql(dialect=self.dialect), values)
