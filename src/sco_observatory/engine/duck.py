"""The DuckDB engine (default): runs queries on the store's own connection, `store.con`.

Parameters travel as DuckDB named parameters (`{"p1_x": value}`) to `store.results.frame`, which reads the
frame the way the installed DuckDB, 1.x or 2.x, allows: user text is never part of the SQL text. Only values
whose literal is inert (ints, finite floats, codes of letters, digits and `_.:@/+%-`) are written into the
statement there instead of bound (`store.results.inline`: binding makes DuckDB import pandas).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import polars as pl

from sco_observatory.engine.base import split
from sco_observatory.engine.query import Query
from sco_observatory.store.results import arrow_batches, frame

if TYPE_CHECKING:
    from sqlglot import exp


class DuckDBEngine:
    """Queries on a DuckDB connection (the store's)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con) -> None:
        self.con = con

    def _text(self, query: Query | exp.Expression, params: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """(DuckDB SQL text, values): a built `Query` prints itself once (`Query.sql` keeps the text; one
        answered by the text memo holds it without a sqlglot expression, engine/query.py `_Memo`)."""
        if isinstance(query, Query):
            return query.sql(self.dialect), dict(query.params if params is None else params)
        expression, values = split(query, params)
        return expression.sql(dialect=self.dialect), values

    def execute(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        return frame(self.con, *self._text(query, params))

    def batches(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None, batch_size: int = 1 << 18):
        """`execute` as a stream of Arrow record batches (`results.arrow_batches`): string columns stay
        Arrow strings (`.pl()` converts every one to polars' layout, a copy a caller that only codes
        the strings does not need), and the caller works on one batch while DuckDB's threads produce
        the next (a whole table is converted on one thread before the caller sees any row)."""
        return arrow_batches(self.con, *self._text(query, params), batch_size)
