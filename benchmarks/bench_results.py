"""How `store.results.frame` reads a query, against the two routes it chooses between, side by side.

Why: DuckDB 2.x has only the relation route (`con.sql(sql, params=...).pl()`); DuckDB 1.x also has
`con.execute(sql, params).pl()`, which the code used before. `store.results` picks the execute route
where the client has it and the relation route otherwise; this shows what each costs on the installed
client. The routes run in turn, round by round, on the same store and queries (a drift of the
machine's speed hits all of them); each query's frames are checked equal first. Prints per query the
median seconds per call of each route and the medians of the per-round ratios against `execute`.

On DuckDB 2.x the execute route does not exist (its results have no `.pl()`): the ratios are n/a, and
the seconds can be set beside a 1.x venv's run of the same command.

Usage: python benchmarks/bench_results.py [--rounds 9] [--repeat 10]
       (imports the shared DOTS focus file into a memory store; SCO_SHARED_DATA as for the tests)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from sco_observatory.ingest import import_file
from sco_observatory.store import open_memory_store
from sco_observatory.store.results import EXECUTE_HAS_FRAMES, frame, release

SHARED = Path(os.environ.get("SCO_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DOTS = SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"

QUERIES = {
    "one indicator, 2 countries (tens of rows)": (
        "SELECT iso3, year, value FROM indicator WHERE code = ? AND iso3 IN (?, ?) ORDER BY iso3, year",
        ["MS.MIL.XPND.CD", "CHN", "RUS"]),
    "trade of CA5, all years (thousands of rows)": (
        "SELECT reporter, partner, year, flow, value_usd FROM trade WHERE list_contains(?::VARCHAR[], reporter) "
        "ORDER BY ALL", [["KAZ", "KGZ", "TJK", "TKM", "UZB"]]),
    "whole trade table, grouped (one scan)": (
        "SELECT reporter, year, sum(value_usd) AS v FROM trade GROUP BY ALL ORDER BY ALL", None),
}


def execute_route(con, sql: str, params) -> pl.DataFrame:
    return (con.execute(sql, params) if params else con.execute(sql)).pl()


def relation_route(con, sql: str, params) -> pl.DataFrame:
    release(con)
    return (con.sql(sql, params=params) if params else con.sql(sql)).pl()


def timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=10, help="calls per timing")
    args = parser.parse_args()
    store = open_memory_store()
    import_file(store, DOTS)
    con = store.con
    routes = {"frame": frame, "relation": relation_route}
    if EXECUTE_HAS_FRAMES:
        routes = {"execute": execute_route, **routes}
    print(f"duckdb {duckdb.__version__}, polars {pl.__version__}; frame uses the "
          f"{'execute' if EXECUTE_HAS_FRAMES else 'relation'} route; {args.rounds} rounds x {args.repeat} calls")
    print(f"{'query':46}" + "".join(f"{r + ' s':>12}" for r in routes) + f"{'frame/exec':>12}{'rel/exec':>10}")
    for name, (sql, params) in QUERIES.items():
        calls = {r: (lambda f=f: f(con, sql, params)) for r, f in routes.items()}
        first = {r: call() for r, call in calls.items()}
        base = first["frame"]
        assert base.height > 0, name
        for got in first.values():
            assert_frame_equal(got, base, check_exact=False, rel_tol=1e-12)
        times: dict[str, list[float]] = {r: [] for r in routes}
        for _ in range(args.rounds):
            for r, call in calls.items():
                times[r].append(timed(call, args.repeat))
        line = f"{name:46}" + "".join(f"{statistics.median(times[r]):12.5f}" for r in routes)
        if EXECUTE_HAS_FRAMES:
            ratio = lambda r: statistics.median(a / b for a, b in zip(times[r], times["execute"]))  # noqa: E731
            line += f"{ratio('frame'):12.2f}{ratio('relation'):10.2f}"
        else:
            line += f"{'n/a':>12}{'n/a':>10}"
        print(line)


if __name__ == "__main__":
    main()
