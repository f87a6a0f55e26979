"""INSERT rows of Python values into a DuckDB table without handing DuckDB a Python value.

Why: DuckDB's Python client imports pandas (~0.3 s) the first time it converts any Python object it
is given — a bound parameter, a registered Arrow table, `executemany`'s rows — and no store write
needs pandas. So the rows are written as JSON lines to a fresh temporary file that DuckDB reads with
the columns' types (`read_json(..., columns = {...})`); the file's path goes into the statement by
`results.inline` (mkstemp's names are inert text; any other path is bound as before). Used by the
pin's `source` rows (db._insert_sources) and each import's catalog row (Store._put_source); the
embedded seed reads its package CSV with one read_csv instead (embedded.py).

Values must be JSON's: str, int, float (finite: JSON has no NaN), bool, None; dates as ISO text.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Iterable, Sequence

from sco_observatory.store.results import inline


def insert_rows(con: Any, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *,
                replace: bool = False) -> None:
    """`INSERT [OR REPLACE] INTO table (<columns>) SELECT <columns> FROM` the rows (each in `columns`'
    order), `columns` being (name, DuckDB type) pairs written by the caller's code (never user text:
    they go into the SQL)."""
    names = [name for name, _ in columns]
    fd, path = tempfile.mkstemp(prefix="sco-rows-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(dict(zip(names, row)), allow_nan=False) + "\n")
        types = ", ".join(f"{name}: '{kind}'" for name, kind in columns)
        cols = ", ".join(names)
        verb = "INSERT OR REPLACE INTO" if replace else "INSERT INTO"
        sql, params = inline(f"{verb} {table} ({cols}) SELECT {cols} FROM read_json(?, "  # sql-hygiene: constants
                             f"format = 'newline_delimited', columns = {{{types}}})", [path])  # of the caller's code
        if params:
            con.execute(sql, params)
        else:
            con.execute(sql)
    finally:
        os.unlink(path)
