"""Query results as polars or Arrow, the same way on DuckDB 1.x and 2.x.

Why one module: DuckDB 2.0's Python client removed the frame outputs from `con.execute(...)` results
(`.pl()`, `.arrow()`, `fetch_arrow_table()`, `fetch_record_batch()`; `to_arrow_table()` there copies
and warns) and `fetchone()`/`fetchmany()` from relations. What both majors share is the relation
route, `con.sql(query, params=...)` then `.pl()`, `.to_arrow_table()` or `.to_arrow_reader(n)`; but
on 1.x that route was measured 1.5-5x slower than `con.execute(...).pl()` (benchmarks/bench_results.py,
side by side on the same queries). So the route is chosen once,
by what the installed client offers: 1.x reads `execute()` results, 2.x relations. Every frame the
library reads from DuckDB goes through the functions below, so a further change in the client is one
edit here. Values are bound by DuckDB (parameters), never formatted into the SQL.

Rule kept from 1.x: a new query on a connection ends the result it had open. DuckDB 2.0 streams
`con.execute()` results and refuses relation work while one is unread (`con.execute(q).fetchone()`
reads one row and leaves the result open); 1.x simply replaced it. So before building a relation the
connection's open result, if any, is aborted (`con.abort()`, 2.x only; a no-op with none open). The
store's code only ever keeps a result for the duration of one expression, so nothing is cut short.

Reference: DuckDB, "Migrating Python Code to DuckDB 2.0" (duckdb.org/docs/2.0/clients/python/migration).

Examples:
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> frame(con, "SELECT range AS i FROM range(5) WHERE range >= ?", [3])["i"].to_list()
    [3, 4]
    >>> arrow(con, "SELECT 1 AS one").column_names
    ['one']
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import duckdb
import polars as pl
import pyarrow as pa

Params = Sequence[Any] | Mapping[str, Any] | None

EXECUTE_HAS_FRAMES = hasattr(duckdb.DuckDBPyConnection, "pl")
"""True on DuckDB 1.x, whose `con.execute()` returns the connection with `.pl()` and the Arrow fetches."""


def release(con: Any) -> None:
    """End the result `con.execute()` left open, if any, as DuckDB 1.x did at the connection's next
    query (2.x refuses relation work and `register` while one is open; 1.x has no `abort`)."""
    abort = getattr(con, "abort", None)
    if abort is not None:
        abort()


def _executed(con: Any, sql: str, params: Params):
    """DuckDB 1.x: the connection holding the result of `sql` with its values bound."""
    return con.execute(sql, params) if params else con.execute(sql)


def _relation(con: Any, sql: str, params: Params):
    """DuckDB 2.x: a lazy relation over `sql` with its values bound, any open result ended first."""
    release(con)
    return con.sql(sql, params=params) if params else con.sql(sql)


def frame(con: Any, sql: str, params: Params = None) -> pl.DataFrame:
    """The rows of a SELECT as a polars DataFrame."""
    return (_executed(con, sql, params) if EXECUTE_HAS_FRAMES else _relation(con, sql, params)).pl()


def arrow(con: Any, sql: str, params: Params = None) -> pa.Table:
    """The rows of a SELECT as an Arrow table."""
    if EXECUTE_HAS_FRAMES:
        result = _executed(con, sql, params)
        return (getattr(result, "to_arrow_table", None) or result.fetch_arrow_table)()  # renamed in 1.4
    return _relation(con, sql, params).to_arrow_table()


def arrow_batches(con: Any, sql: str, params: Params = None, batch_size: int = 1 << 17) -> pa.RecordBatchReader:
    """The rows of a SELECT streamed as Arrow record batches of at most `batch_size` rows."""
    if EXECUTE_HAS_FRAMES:
        result = _executed(con, sql, params)
        return (getattr(result, "to_arrow_reader", None) or result.fetch_record_batch)(batch_size)  # renamed in 1.4
    return _relation(con, sql, params).to_arrow_reader(batch_size)
