"""The engine interface: run a built `Query` and return a polars DataFrame.

Why an interface: the metric queries are written once (`engine.query`), and the same query must run
on the embedded DuckDB store (the default: one machine, no setup) or on Apache Spark (data that
outgrows one machine). An engine knows how to render the query in its dialect, bind the parameters
its own way and hand back a polars frame; the metric code never sees which engine ran it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping, Protocol, runtime_checkable

import polars as pl

from sco_observatory.engine.query import Query

if TYPE_CHECKING:  # sqlglot is imported where a query is built or printed by it (engine/query.py)
    from sqlglot import exp


@runtime_checkable
class Engine(Protocol):
    """Runs metric queries against one store."""

    name: str
    dialect: str

    def execute(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        """Result rows of `query` with its placeholders bound to `params` (default: `query.params`)."""
        ...

    def batches(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None,
                batch_size: int = 1 << 18) -> Iterator[Any]:
        """`execute`'s rows as `pyarrow.RecordBatch`es of at most `batch_size` rows (string columns stay
        Arrow strings, for callers that code them themselves)."""
        ...


def split(query: Query | exp.Expression, params: Mapping[str, Any] | None) -> tuple[exp.Expression, dict[str, Any]]:
    """(expression, parameters) from either a `Query` or a bare expression plus parameters."""
    if isinstance(query, Query):
        return query.expression, dict(query.params if params is None else params)
    return query, dict(params or {})
