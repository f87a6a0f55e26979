"""The query text memo (engine/query.py `_Memo`): a shape built before gives sqlglot's text and the same
parameters without sqlglot, across processes; a wrong binding still raises; SCO_CACHE_DIR="" keeps nothing."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from sco_observatory.engine import Builder, query

query_mod = importlib.import_module("sco_observatory.engine.query")  # `engine.query` is the function


def _shapes(countries):
    b = Builder()
    rows = b.cte("rows", "SELECT * FROM trade WHERE year BETWEEN $y0 AND $y1 AND reporter IN ($c)", y0=2000, y1=2012,
                 c=countries)
    again = b.cte("rows", "SELECT * FROM trade WHERE year = $y0 AND partner IN ($c)", y0=2012, c=list(reversed(countries)))
    return b.build("SELECT a.reporter, sum(a.value) AS v FROM rows AS a, r2 WHERE a.year = r2.year AND a.flow = $f "
                   "GROUP BY 1", rows=rows, r2=again, f="X")


@pytest.fixture
def fresh_memo(tmp_path, monkeypatch):
    """An empty memo that keeps its file in tmp_path, as a new process would start."""
    monkeypatch.setenv("SCO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(query_mod, "_MEMO", query_mod._Memo())
    return tmp_path


def test_a_memo_hit_is_sqlglots_text_with_the_same_parameters(fresh_memo, monkeypatch):
    built = _shapes(["KAZ", "RUS", "CHN"])
    assert built._expression is not None  # first time: built by sqlglot
    query_mod._MEMO.save()
    assert list(fresh_memo.glob("sql-text-*.json"))
    monkeypatch.setattr(query_mod, "_MEMO", query_mod._Memo())  # a new process: the memo read from the file
    for countries in (["KAZ", "RUS", "CHN"], ["UZB", "KGZ", "TJK"]):  # same shape, other values
        hit = _shapes(countries)
        assert hit._expression is None  # answered by the memo
        ref, _ = Builder._replay(hit._steps)
        assert hit.sql() == ref.sql() and hit.params == ref.params
        assert sorted(v for k, v in hit.params.items() if k.endswith("_c")) == sorted(countries * 2)
        assert hit.sql("spark") == ref.sql("spark")  # the expression, built when asked
    other = _shapes(["KAZ", "RUS"])  # another list length: another shape, built by sqlglot
    assert other._expression is not None


def test_a_wrong_binding_raises_also_when_the_fragment_is_held(fresh_memo):
    query("SELECT * FROM trade WHERE year = $y", y=2010)
    with pytest.raises(KeyError, match="no value"):
        query("SELECT * FROM trade WHERE year = $y")
    with pytest.raises(KeyError, match="without a placeholder"):
        query("SELECT * FROM trade WHERE year = $y", y=1, z=2)
    with pytest.raises(TypeError, match="IN"):
        query("SELECT * FROM trade WHERE year = $y", y=[1, 2])


def test_nothing_is_kept_with_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SCO_CACHE_DIR", "")
    memo = query_mod._Memo()
    monkeypatch.setattr(query_mod, "_MEMO", memo)
    _shapes(["KAZ"])
    memo.save()
    assert memo.path is None and not list(tmp_path.iterdir())


def test_a_second_process_builds_its_queries_without_importing_sqlglot(tmp_path):
    code = ("import sys; from sco_observatory import engine; from sco_observatory.store import open_memory_store; "
            "s = open_memory_store(seed=False); "
            "engine.run(s, engine.query('SELECT count(*) AS n FROM trade WHERE year = $y AND reporter IN ($c)', y=2012, c=['KAZ', 'RUS'])); "
            "print('sqlglot' in sys.modules)")
    env = {**os.environ, "SCO_CACHE_DIR": str(tmp_path)}
    first, second = (subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()[-1]
                     for _ in range(2))
    assert (first, second) == ("True", "False")
