"""The query builder and the engine selection: values stay out of the SQL text, names stay unique."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sco_observatory import engine
from sco_observatory.engine import Builder, query
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import siei, trade, values
from sco_observatory.store import open_memory_store

NASTY = ["o'brien", "x' OR '1'='1", "'; DROP TABLE trade; --"]


def test_values_are_placeholders_never_text():
    q = query("SELECT * FROM trade WHERE source_id = $s AND reporter IN ($c)", s=NASTY[1], c=NASTY)
    for dialect in ("duckdb", "spark"):
        text = q.sql(dialect)
        assert all(v not in text for v in NASTY) and "brien" not in text
    assert sorted(q.params.values()) == sorted([NASTY[1]] + NASTY)
    assert "$p" in q.sql("duckdb") and ":p" in q.sql("spark")


def test_cte_names_and_parameters_are_unique_across_fragments():
    b = Builder()
    f1 = b.cte("f", "SELECT * FROM trade WHERE year = $y", y=2010)
    f2 = b.cte("f", "SELECT * FROM trade WHERE year = $y", y=2011)
    q = b.build("SELECT * FROM f AS a JOIN g AS b ON a.year + 1 = b.year", f=f1, g=f2)
    assert f1.name != f2.name
    assert set(q.params.values()) == {2010, 2011} and len(q.params) == 2
    text = q.sql()
    assert text.count(f1.name) == 2 and text.count(f2.name) == 2  # defined once, used once each


def test_a_table_keeps_its_name_as_alias_when_renamed():
    """`FROM f` becomes `FROM f_1 AS f`, so `f.col` in the fragment still resolves."""
    s = open_memory_store(seed=False)
    b = Builder()
    f = b.cte("f", "SELECT 1 AS one")
    assert engine.run(s, b.build("SELECT f.one FROM f", f=f))["one"].to_list() == [1]


def test_lists_splice_into_in_and_arrays_and_an_empty_list_matches_nothing():
    s = open_memory_store(seed=False)
    got = engine.run(s, query("SELECT x FROM (SELECT unnest([$xs]) AS x) AS t WHERE x IN ($keep) ORDER BY x",
                              xs=["a", "b", "c"], keep=["a", "c"]))
    assert got["x"].to_list() == ["a", "c"]
    none = engine.run(s, query("SELECT x FROM (SELECT unnest([$xs]) AS x) AS t WHERE x IN ($keep)", xs=["a"], keep=[]))
    assert none.height == 0


def test_a_missing_or_unused_value_is_a_programming_error():
    with pytest.raises(KeyError, match="no value"):
        query("SELECT * FROM trade WHERE year = $y")
    with pytest.raises(KeyError, match="without a placeholder"):
        query("SELECT * FROM trade", y=1)
    with pytest.raises(TypeError, match="IN"):
        query("SELECT * FROM trade WHERE year = $y", y=[1, 2])
    with pytest.raises(ValueError, match="WITH"):
        query("WITH a AS (SELECT 1) SELECT * FROM a")


def _toy_store():
    s = open_memory_store(seed=False)
    for sid, table in (("imf-dots:toy", "trade"), ("o'brien", "trade"), ("wdi:toy", "indicator"), ("un:o'mig", "migration")):
        s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                         VALUES (?, 'toy', 'test', ?, 'test', ?, 0)""", [sid, dt.datetime(2020, 1, 1), table])
    x = [("AAA", "BBB", 10), ("AAA", "WLD", 100), ("BBB", "AAA", 20), ("BBB", "WLD", 200), ("WLD", "AAA", 150),
         ("WLD", "BBB", 100), ("WLD", "WLD", 1000)]
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', 'TOTAL', ?, 'FOB', false, 'imf-dots:toy')", x)
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', 'TOTAL', ?, 'FOB', false, 'o''brien')",
                      [(a, b, v * 2) for a, b, v in x])
    s.con.executemany("INSERT INTO indicator VALUES (?, 2010, 'NY.GDP.MKTP.CD', ?, 'US$', false, 'wdi:toy')",
                      [("AAA", 1000.0), ("BBB", 3000.0)])
    s.con.executemany("INSERT INTO indicator VALUES (?, 2010, 'SP.POP.TOTL', ?, 'persons', false, 'wdi:toy')",
                      [("AAA", 10.0), ("BBB", 30.0)])
    s.con.executemany("INSERT INTO migration VALUES (?, ?, 2010, ?, 'un:o''mig')", [("AAA", "BBB", 5.0), ("BBB", "AAA", 7.0)])
    return s


def test_a_quote_in_a_source_id_is_just_a_value():
    """`--source "o'brien"` used to break DuckDB's parser; now it selects that source."""
    s = _toy_store()
    t = trade.trade_intensity(s, ["AAA", "BBB"], (2010, 2010), source="o'brien")
    assert set(t["source"]) == {"o'brien"} and t.height == 2
    assert t.filter(pl.col("iso3_a") == "AAA")["x_ab"][0] == 20
    m = siei.migration_index(s, ["AAA", "BBB"], 2010, source="un:o'mig")
    assert m["value"][0] == pytest.approx(100 * (5 + 7) / (10 + 30)) and set(m["source"]) == {"un:o'mig"}


def test_an_injected_condition_matches_nothing():
    """`x' OR '1'='1` as a source or a country is compared as a string, so it selects no row."""
    s = _toy_store()
    with pytest.raises(DataMissingError, match="holds no flows"):
        trade.trade_intensity(s, ["AAA", "BBB"], (2010, 2010), source="x' OR '1'='1")
    f = trade.bilateral_flows(s, ["x' OR '1'='1"], (2010, 2010))
    assert f.height == 0
    v = values(s, "gdp", ["AAA", "x' OR '1'='1"], 2010)
    assert v["value"].to_list()[0] == 1000.0 and v["value"].to_list()[1] is None
    assert s.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 14  # nothing dropped or changed


def test_engine_selection_env_and_option(monkeypatch):
    monkeypatch.delenv("SCO_ENGINE", raising=False)
    assert engine.engine_name() == "duckdb"
    monkeypatch.setenv("SCO_ENGINE", "Spark")
    assert engine.engine_name() == "spark"
    monkeypatch.setenv("SCO_ENGINE", "postgres")
    with pytest.raises(engine.UnknownEngineError, match="SCO_ENGINE"):
        engine.engine_name()
    with engine.using("duckdb"):
        assert engine.engine_name() == "duckdb"  # the explicit choice wins over the environment
    with pytest.raises(engine.UnknownEngineError, match="--engine"):
        engine.set_engine("oracle")


@pytest.mark.parametrize("argv,env", [(["--engine", "nope", "data", "list"], None), (["data", "list"], "nope")])
def test_cli_bad_engine_is_one_line_exit_2(argv, env, monkeypatch, capsys):
    from sco_observatory.cli import main

    if env:
        monkeypatch.setenv("SCO_ENGINE", env)
    try:
        assert main(argv) == 2
    finally:
        engine.set_engine(None)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown engine 'nope'" in err and "duckdb, spark" in err
