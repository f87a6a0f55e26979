"""store/json_rows.insert_rows writes what binding the same values wrote, and never hands DuckDB a value.

Why: the store's writes of a fresh home (the pin's `source` rows, the embedded seed) go through it so
that DuckDB does not import pandas (benchmarks/README.md, "report, session 6"); a row must arrive
with the same types and text as the bound INSERT gave, quotes, newlines and nulls included."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sco_observatory.store.json_rows import insert_rows

COLUMNS = [("id", "VARCHAR"), ("n", "INTEGER"), ("v", "DOUBLE"), ("flag", "BOOLEAN"), ("seen", "TIMESTAMP")]
ROWS = [("o'brien \\ \"q\"\n;DROP", 7, 0.1, True, "2026-12-02 12:00:00.123456"),
        ("embedded:iiss-mb2013", None, 1e300, False, None),
        ("кириллица", -3, -2.5, None, "2001-06-15 00:00:00")]


def _table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"CREATE TABLE {name} (id VARCHAR PRIMARY KEY, n INTEGER, v DOUBLE, flag BOOLEAN, seen TIMESTAMP)")


def test_rows_arrive_as_bound_values_do():
    con = duckdb.connect()
    _table(con, "a")
    _table(con, "b")
    insert_rows(con, "a", COLUMNS, ROWS)
    con.executemany("INSERT INTO b VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP))", ROWS)
    assert con.execute("SELECT * FROM a ORDER BY id").fetchall() == con.execute("SELECT * FROM b ORDER BY id").fetchall()
    assert con.execute("SELECT seen FROM a WHERE n = 7").fetchone()[0] == dt.datetime(2026, 12, 2, 12, 0, 0, 123456)


def test_replace_overwrites_by_key_and_plain_insert_refuses_a_duplicate():
    con = duckdb.connect()
    _table(con, "a")
    insert_rows(con, "a", COLUMNS, ROWS)
    insert_rows(con, "a", COLUMNS, [("embedded:iiss-mb2013", 1, 2.0, True, None)], replace=True)
    assert con.execute("SELECT n, v, flag FROM a WHERE id = 'embedded:iiss-mb2013'").fetchone() == (1, 2.0, True)
    with pytest.raises(duckdb.ConstraintException):
        insert_rows(con, "a", COLUMNS, [("embedded:iiss-mb2013", 1, 2.0, True, None)])


def test_a_value_json_cannot_hold_is_refused_before_duckdb_reads_it():
    con = duckdb.connect()
    _table(con, "a")
    with pytest.raises(ValueError):
        insert_rows(con, "a", COLUMNS, [("x", 1, float("nan"), True, None)])
    assert con.execute("SELECT count(*) FROM a").fetchone()[0] == 0
