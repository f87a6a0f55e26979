"""Where `sco report`'s time goes: import, store open, each section (seconds and DuckDB statements), HTML.

Usage: python benchmarks/profile_report.py [-o OUT.html] [--home DIR]

Run it twice on one home (`SCO_OBSERVATORY_HOME`, or `--home`): the first run pays the fresh home's
first open (catalog, seed, pins), the second is a home that already holds the snapshot. The statement
count wraps the store's DuckDB connection in a counting proxy (every `execute`/`sql` call on it and on
the cursors taken from it), so it counts what the report's code asks DuckDB, not DuckDB's internal work.
Prints one table; whether pandas was imported is its last line (DuckDB's parameter binding and
`pyarrow.array` over Python objects import it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

T0 = time.perf_counter()


class Counting:
    """A DuckDB connection that counts the statements it is given (and those of its cursors)."""

    total = 0
    log: list[str] | None = None

    def __init__(self, con) -> None:
        object.__setattr__(self, "_con", con)

    def execute(self, *args, **kwargs):
        Counting.total += 1
        if Counting.log is not None:
            Counting.log.append(" ".join(str(args[0]).split())[:160])
        return self._con.execute(*args, **kwargs)

    def sql(self, *args, **kwargs):
        Counting.total += 1
        if Counting.log is not None:
            Counting.log.append(" ".join(str(args[0]).split())[:160])
        return self._con.sql(*args, **kwargs)

    def cursor(self):
        return Counting(self._con.cursor())

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __setattr__(self, name, value):
        setattr(self._con, name, value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default="/tmp/sco-profile-report.html")
    ap.add_argument("--home", help="SCO_OBSERVATORY_HOME for this run")
    ap.add_argument("--sql", action="store_true", help="also print each section's statements (first 160 characters)")
    ap.add_argument("--kept", action="store_true",
                    help="let a kept report of the same commit be rendered (report/cache.py); by default every "
                         "section is built, as on a store's first report after a commit")
    args = ap.parse_args()
    if args.home:
        os.environ["SCO_OBSERVATORY_HOME"] = args.home
    rows: list[tuple[str, float, int]] = []

    t = time.perf_counter()
    from sco_observatory.report import builder, sections
    from sco_observatory.store import open_store

    rows.append(("imports (report builder, store)", time.perf_counter() - t, 0))
    t = time.perf_counter()
    store = open_store()
    rows.append(("open_store()", time.perf_counter() - t, 0))
    store.con = Counting(store.con)
    if args.sql:
        Counting.log = []

    original = list(sections.ALL)

    def timed(b):
        def run(ctx):
            n0, t0 = Counting.total, time.perf_counter()
            try:
                return b(ctx)
            finally:
                if Counting.log is not None:
                    print(f"--- {b.__name__}: {len(Counting.log)} statements")
                    for line in Counting.log:
                        print("   ", line)
                    Counting.log.clear()
                rows.append((f"section {b.__name__}", time.perf_counter() - t0, Counting.total - n0))
        run.__name__ = b.__name__
        return run

    sections.ALL[:] = [timed(b) for b in original]
    if not args.kept:
        from sco_observatory.report import cache

        cache.load = lambda key: None  # profile the build, not the kept sections
    n0 = Counting.total
    t = time.perf_counter()
    builder.build_report(args.out, store=store)
    whole = time.perf_counter() - t
    in_sections = sum(s for name, s, _ in rows if name.startswith("section "))
    rows.append(("sources, template, HTML write (rest of build_report)", whole - in_sections, 0))
    rows.append(("build_report total", whole, Counting.total - n0))
    store.close()
    rows.append(("process so far (from interpreter start of this script)", time.perf_counter() - T0, Counting.total))
    width = max(len(r[0]) for r in rows)
    print(f"{'part':<{width}}  {'seconds':>8}  {'statements':>10}")
    for name, secs, n in rows:
        print(f"{name:<{width}}  {secs:8.3f}  {n:10d}")
    print(f"pandas imported: {'pandas' in sys.modules}; report {os.path.getsize(args.out):,} bytes")


if __name__ == "__main__":
    main()
