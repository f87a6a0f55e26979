"""Query results as polars or Arrow, the same way on DuckDB 1.x and 2.x.

Why one module: DuckDB 2.0's Python client removed the frame outputs from `con.execute(...)` results
(`.pl()`, `.arrow()`, `fetch_arrow_table()`, `fetch_record_batch()`; `to_arrow_table()` there copies
and warns) and `fetchone()`/`fetchmany()` from relations. What both majors share is the relation
route, `con.sql(query, params=...)` then `.pl()`, `.to_arrow_table()` or `.to_arrow_reader(n)`; but
on 1.x that route was measured 1.5-5x slower than `con.execute(...).pl()` (benchmarks/bench_results.py,
side by side on the same queries). So the route is chosen once,
by what the installed client offers: 1.x reads `execute()` results, 2.x relations. Every frame the
library reads from DuckDB goes through the functions below, so a further change in the client is one
edit here.

Values: DuckDB's Python client imports pandas the first time it converts any Python value it is
given (a bound parameter, a registered table) — about 0.3 s of every process that does, though no
answer needs pandas. So a value whose SQL literal is inert is written into the statement instead of
being bound (`inline`): ints, finite floats (as `CAST(repr AS DOUBLE)`, the same DOUBLE a bound float
is), booleans, and strings made only of letters, digits and `_ . : @ / + % -` (codes, ISO3s, source
ids) — no quote, backslash or space can reach the SQL, so such a value cannot change the statement.
Any other value (free text, None, a date) makes the whole statement bound as before. Placeholders are
found with DuckDB's own tokenizer, so a `?` inside a string or a comment is never touched.

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

import math
import re
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


_INERT_TEXT = re.compile(r"[A-Za-z0-9_.:@/+%\-]*\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def sql_string(text: Any) -> str:
    """The SQL string literal of `text` (a path, a name) with its quotes doubled: how a file path the
    store or an importer chose goes into `read_csv`/`read_parquet`/`COPY … TO` by value. The one
    definition: a parameter cannot stand there, and binding one would import pandas (module docstring).

    >>> sql_string("/tmp/o'brien.csv")
    "'/tmp/o''brien.csv'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def _literal(value: Any) -> str | None:
    """The SQL literal of `value` where it is inert and typed as DuckDB would bind it; else None."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value) if -(1 << 63) <= value < (1 << 63) else None
    if isinstance(value, float):
        return f"CAST({value!r} AS DOUBLE)" if math.isfinite(value) else None
    if isinstance(value, str):
        return f"'{value}'" if _INERT_TEXT.match(value) else None
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        items = [_literal(v) for v in value]
        return None if None in items else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    return None


def inline(sql: str, params: Params) -> tuple[str, Params]:
    """(`sql` with every placeholder replaced by its value's literal, None) where all values are inert
    (see the module docstring); else (`sql`, `params`) unchanged, to be bound. `?` takes the next value
    of a sequence, `$name` the named value of a mapping; `$1`, `?1` and mixed styles are left bound.

    >>> inline("SELECT * FROM t WHERE a = ? AND b IN (?, ?) AND c = '?'", [1, "KAZ", 2.5])
    ("SELECT * FROM t WHERE a = 1 AND b IN ('KAZ', CAST(2.5 AS DOUBLE)) AND c = '?'", None)
    >>> inline("SELECT $code", {"code": "o'brien"})
    ('SELECT $code', {'code': "o'brien"})
    """
    if not params:
        return sql, params
    named = isinstance(params, Mapping)
    literals = ({k: _literal(v) for k, v in params.items()} if named  # type: ignore[union-attr]
                else [_literal(v) for v in params])  # type: ignore[union-attr]
    if None in (literals.values() if named else literals):  # type: ignore[union-attr]
        return sql, params
    out, at, used = [], 0, 0
    for start, kind in duckdb.tokenize(sql):
        if kind != duckdb.token_type.operator or sql[start] not in "?$":
            continue
        if named:
            name = _NAME.match(sql, start + 1) if sql[start] == "$" else None
            if name is None or name.group() not in literals:
                return sql, params
            end, text = name.end(), literals[name.group()]  # type: ignore[index]
        else:
            if sql[start] != "?" or sql[start + 1:start + 2].isdigit() or used >= len(literals):
                return sql, params
            end, text = start + 1, literals[used]  # type: ignore[index]
            used += 1
        out += [sql[at:start], text]
        at = end
    if not named and used != len(literals):
        return sql, params
    return "".join(out) + sql[at:], None


def _executed(con: Any, sql: str, params: Params):
    """DuckDB 1.x: the connection holding the result of `sql` with its values inlined or bound."""
    sql, params = inline(sql, params)
    return con.execute(sql, params) if params else con.execute(sql)


def _relation(con: Any, sql: str, params: Params):
    """DuckDB 2.x: a lazy relation over `sql` with its values inlined or bound, any open result ended first."""
    release(con)
    sql, params = inline(sql, params)
    return con.sql(sql, params=params) if params else con.sql(sql)


def rows(con: Any, sql: str, params: Params = None) -> list[tuple]:
    """The rows of a statement as tuples (a small answer: a count, a year), values inlined where inert."""
    sql, params = inline(sql, params)
    return (con.execute(sql, params) if params else con.execute(sql)).fetchall()


def first(con: Any, sql: str, params: Params = None) -> tuple | None:
    """The first row of a statement (None when it has none), values inlined where inert."""
    found = rows(con, sql, params)
    return found[0] if found else None


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
