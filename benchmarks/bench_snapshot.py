"""First open of a fresh store with the referenced open-data snapshot vs the embedded-only store.

    python benchmarks/bench_snapshot.py [--repeat 3]

Each open runs in a new process on a new home (what `sco` does on a fresh machine), alternating
the two variants so machine load hits both alike. Before timing, the two stores are checked to
hold the same embedded rows (the snapshot adds sources; it changes none of the report's). Prints
the median seconds of each and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = """
import time, sys
t = time.perf_counter()
from sco_observatory.store import open_store
s = open_store()
opened = time.perf_counter() - t
n = s.con.execute("SELECT count(*) FROM indicator WHERE source_id LIKE 'embedded:%'").fetchone()[0]
total = s.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
print(opened, n, total)
"""


def _open(snapshot: bool) -> tuple[float, int, int]:
    env = dict(os.environ)
    if not snapshot:
        env["SCO_SNAPSHOT_DIR"] = ""
    with tempfile.TemporaryDirectory() as home:
        env["SCO_OBSERVATORY_HOME"] = home
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    seconds, embedded, total = out.stdout.split()
    return float(seconds), int(embedded), int(total)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with_snap, without = _open(True), _open(False)
    assert with_snap[1] == without[1], "the embedded rows differ"
    times = {True: [], False: []}
    for _ in range(args.repeat):
        for variant in (True, False):
            times[variant].append(_open(variant)[0])
    a, b = statistics.median(times[True]), statistics.median(times[False])
    print(f"fresh store first open (incl. Python imports, seeding the report's tables): "
          f"with snapshot {a:.2f} s ({with_snap[2]:,} indicator rows), embedded only {b:.2f} s "
          f"({without[2]:,} rows); ratio {a / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
