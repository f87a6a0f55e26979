"""Where an import's time goes: cProfile of one `import_file` into a fresh file store, and the
import's own per-phase timings (`ImportResult.phases`, when the import path records them).

DuckDB runs each statement inside one `execute` call, so cProfile attributes a statement's time to
the Python function that issued it: the cumulative column per function of `ingest/base.py`,
`ingest/guard.py` and `store/*.py` is the time of that function's SQL.

Usage: SCO_OBSERVATORY_HOME=$(mktemp -d) python benchmarks/profile_import.py FILE [--top 25]
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


if __name__ == "__main__":
    main()
