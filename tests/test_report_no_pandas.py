"""`sco report` on a fresh home and on one holding the open-data snapshot imports no pandas (on the second
no plotly or rich either), and the values written into its statements instead of being bound
(store/results.inline) cannot change a statement.

Why: DuckDB's Python client imports pandas (~0.3 s) the first time it is handed any Python value, and
nothing the report computes needs it (benchmarks/README.md, "Serving": `sco report`); the charts are
plotly's JSON written without plotly (report/plotly_html.py; plotly ~0.15 s to import and ~0.3 s to
validate the figures, "report, session 6"), plotly only building its template once per install; and
rich (~0.1 s) only where a spinner is drawn on a terminal or a table printed."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from sco_observatory.store import results


@pytest.mark.slow
def test_a_report_process_imports_no_pandas(tmp_path):
    env = {**os.environ, "SCO_OBSERVATORY_HOME": str(tmp_path / "home"), "SCO_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys; from sco_observatory.cli import main; rc = main(sys.argv[1:]); "
            "print('PANDAS', 'pandas' in sys.modules); print('PLOTLY', 'plotly' in sys.modules); "
            "print('RICH', 'rich' in sys.modules); sys.exit(rc)")
    out = tmp_path / "r.html"
    # a first report on another home fills the cache dir (the ledger; plotly's template, whose one build
    # imports plotly and with it pandas), as an installed package's first run does
    warm = subprocess.run([sys.executable, "-c", code, "report", "-o", str(out)], capture_output=True, text=True,
                          env={**env, "SCO_OBSERVATORY_HOME": str(tmp_path / "other")}, timeout=600)
    assert warm.returncode == 0, warm.stderr
    for run in range(2):  # the first seeds the fresh home (the seed's and the pin's rows go through JSON lines)
        done = subprocess.run([sys.executable, "-c", code, "report", "-o", str(out)], capture_output=True, text=True,
                              env=env, timeout=600)
        assert done.returncode == 0, done.stderr
        assert "PANDAS False" in done.stdout, run
    assert "PLOTLY False" in done.stdout  # and a cache dir holding plotly's template
    assert "RICH False" in done.stdout  # stderr is a pipe here: no spinner, so no rich (cli/report._spinner)
    assert "id='claims'" in out.read_text("utf-8") or 'id="claims"' in out.read_text("utf-8")


@pytest.mark.parametrize("params", [
    ["o'brien"], ["a b"], ["x\\"], ["a;b"], [None], [float("nan")], [1 << 70], [["KAZ", "it's"]],
])
def test_values_that_are_not_inert_stay_bound(params):
    sql = "SELECT ? AS v"
    assert results.inline(sql, params) == (sql, params)


def test_inlined_values_give_what_binding_gives():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (code VARCHAR, year INTEGER, v DOUBLE)")
    con.execute("INSERT INTO t VALUES ('NY.GDP.MKTP.CD', 2012, 1.5), ('embedded:iiss-mb2013', 2013, 2.5), ('?', 1, 0)")
    sql = ("SELECT code, year, v * ? AS w, typeof(?) AS k FROM t  -- a ? in a comment\n"
           "WHERE code IN (?, ?) AND year BETWEEN ? AND ? AND code <> '?' ORDER BY code")
    params = [0.1, 7, "NY.GDP.MKTP.CD", "embedded:iiss-mb2013", 2000, 2020]
    text, left = results.inline(sql, params)
    assert left is None and "0.1" in text and "'?'" in text
    assert results.frame(con, sql, params).rows() == con.execute(sql, params).fetchall()
    named = "SELECT count(*) FROM t WHERE code = $code AND year >= $y"
    assert results.inline(named, {"code": "NY.GDP.MKTP.CD", "y": 2000})[0] == (
        "SELECT count(*) FROM t WHERE code = 'NY.GDP.MKTP.CD' AND year >= 2000")
    assert results.first(con, named, {"code": "NY.GDP.MKTP.CD", "y": 2000}) == (1,)


def test_placeholders_it_cannot_match_leave_the_statement_bound():
    assert results.inline("SELECT ?, ?", [1]) == ("SELECT ?, ?", [1])  # fewer values than placeholders
    assert results.inline("SELECT ?", [1, 2]) == ("SELECT ?", [1, 2])  # more
    assert results.inline("SELECT $1", [1]) == ("SELECT $1", [1])  # numbered
    assert results.inline("SELECT $a", {"b": 1}) == ("SELECT $a", {"b": 1})  # unknown name
