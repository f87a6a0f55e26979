"""Where an import's time goes: cProfile of one `import_file` into a fresh file store, and the
import's own per-phase timings (`ImportResult.phases`, when the import path records them).

DuckDB runs each statement inside one `execute` call, so cProfile attributes a statement's time to
the Python function that issued it: the cumulative column per function of `ingest/base.py`,
`ingest/guard.py` and `store/*.py` is the time of that function's SQL.

`--explain` then runs DuckDB's `EXPLAIN ANALYZE` of the one-pass statement (`base._one_pass_sql`,
for a plan `base.one_pass_ready` accepts, e.g. BACI) and of the scan of its written files, in a
separate in-memory store bounded like the import: the time per operator (CSV read, joins,
projection, the parquet write).

Usage: SCO_OBSERVATORY_HOME=$(mktemp -d) python benchmarks/profile_import.py FILE [--top 25] [--explain]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import time
from pathlib import Path

from sco_observatory.ingest import import_file
from sco_observatory.store import open_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE of the one-pass statement")
    args = ap.parse_args()
    store = open_store(seed=False)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    result = import_file(store, args.file)
    profile.disable()
    total = time.perf_counter() - started
    store.close()
    print(f"{result.summary()}: {total:.2f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    phases = getattr(result, "phases", None) or {}
    if phases:
        print(f"{'phase':28} {'s':>7} {'share':>6}")
        for name, seconds in phases.items():
            print(f"{name:28} {seconds:>7.2f} {seconds / total:>6.0%}")
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text).sort_stats("cumulative")
    stats.print_stats(r"sco_observatory/(ingest|store)/", args.top)
    print(text.getvalue())
    if args.explain:
        explain(args.file)


def explain(path: Path) -> None:
    """EXPLAIN ANALYZE of the one-pass COPY and of the validation scan over what it wrote."""
    import shutil
    import tempfile

    from sco_observatory import config
    from sco_observatory.ingest import _plan, base
    from sco_observatory.store import open_memory_store

    plan = _plan(path, "auto", {})
    if not base.one_pass_ready(plan):
        print(f"{plan.meta.format}: not read in one pass (no code domain); nothing to explain")
        return
    store = open_memory_store(seed=False)
    work = Path(tempfile.mkdtemp(prefix="sco-explain-"))
    try:
        store.con.execute(f"SET memory_limit = '{config.memory_limit()}'")
        maps = base._domain_maps(store, "explain", plan)
        cols = [c for c in base.COLUMNS[plan.meta.table_name] if c != "source_id"]
        select = base._one_pass_sql(store, plan, maps, cols)
        out = base.sql_string(work / "rows")
        for title, sql in [("one pass", f"COPY ({select}) TO {out} (FORMAT parquet, PARTITION_BY (_status, year))"),
                           ("scan of the written rows", f"SELECT count(*), list(DISTINCT reporter), list(DISTINCT partner), "
                            f"count(DISTINCT year), min(year), max(year) "
                            f"FROM read_parquet({base.sql_string(work / 'rows' / '_status=ok' / '*' / '*.parquet')})")]:
            print(f"== EXPLAIN ANALYZE: {title}")
            for _, text in store.con.execute(f"EXPLAIN ANALYZE {sql}").fetchall():
                print(text)
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
