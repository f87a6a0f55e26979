"""The cost of the import guard: replacing a BACI year with a new version, guard on vs guard off.

The guard (`ingest/guard.py`) compares the staged rows with the stored ones before the swap: counts,
distinct countries and years on both sides, and a full outer join on the table's keys to count and
rank changed values. This measures what that adds to a replacement import, side by side in one
process on the same files: a synthetic BACI year (`make_baci_sample.py`, seeded), then a new version
of it with 1 % of the values changed. Both runs end with the same store (checked before timing is
reported); rounds alternate guard on/off so both see the same load; the best round is kept.

Usage: python benchmarks/bench_guard.py [--rows 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from sco_observatory.ingest import diff_file, guard, import_file
from sco_observatory.store import open_memory_store


def make_versions(folder: Path, rows: int) -> tuple[Path, Path]:
    subprocess.run([sys.executable, str(Path(__file__).with_name("make_baci_sample.py")), str(folder),
                    "--rows", str(rows), "--year", "2022"], check=True, stdout=subprocess.DEVNULL)
    v1 = next(folder.glob("BACI_*.csv"))
    v2_dir = folder / "v2"
    v2_dir.mkdir()
    for codes in folder.glob("country_codes_*.csv"):
        (v2_dir / codes.name).write_bytes(codes.read_bytes())
    v2 = v2_dir / v1.name
    duckdb.sql(f"""COPY (SELECT t, i, j, k, CASE WHEN hash(i, j, k) % 100 = 0 THEN round(v * 1.5, 3) ELSE v END AS v, q
                         FROM read_csv('{v1}', header = true, all_varchar = false, types = {{'k': 'VARCHAR', 'q': 'VARCHAR'}}))
                   TO '{v2}' (HEADER, DELIMITER ',')""")
    return v1, v2


def replace_once(v1: Path, v2: Path, guarded: bool) -> tuple[float, tuple]:
    store = open_memory_store(seed=False)
    import_file(store, v1)
    original = guard.before_swap
    if not guarded:
        guard.before_swap = lambda *args, **kwargs: None
    try:
        started = time.perf_counter()
        result = import_file(store, v2)
        elapsed = time.perf_counter() - started
    finally:
        guard.before_swap = original
    assert result.status == "replaced"
    check = store.con.execute("SELECT count(*), sum(value_usd), count(DISTINCT reporter) FROM trade").fetchone()
    store.close()
    return elapsed, check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sco-bench-guard-") as tmp:
        v1, v2 = make_versions(Path(tmp), args.rows)
        on, off = [], []
        for _ in range(args.repeat):
            t_off, check_off = replace_once(v1, v2, guarded=False)
            t_on, check_on = replace_once(v1, v2, guarded=True)
            assert check_on == check_off, (check_on, check_off)  # the same store either way
            on.append(t_on)
            off.append(t_off)
        store = open_memory_store(seed=False)
        import_file(store, v1)
        change = diff_file(store, v2)
        store.close()
    print(f"rows {check_on[0]:,}; values changed by the new version: {change.changed_values:,}")
    print(f"replace import, guard off: {min(off):.2f} s   guard on: {min(on):.2f} s   "
          f"ratio on/off {min(on) / min(off):.2f}x (guard adds {min(on) - min(off):.2f} s)")


if __name__ == "__main__":
    main()
