"""First-call (cold) cost of `/api/claims` and `/api/scenarios`' computations, this checkout against another.

Usage: python benchmarks/bench_cold_api.py [--baseline SRC_DIR] [--rounds 3] [--home DIR]

Each round starts a new interpreter per side (this checkout's `src/`, then `--baseline`'s, in turn),
opens the store of `--home` (default: a new home, which then holds the open-data snapshot and the
embedded tables; both sides read the same one), imports the modules the endpoints use, and then times
what each endpoint computes on a store whose per-commit caches are empty: `metrics.claims.check`
(`/api/claims`) and `signposts.evaluate` over the default years plus its summary (`/api/scenarios`),
with the DuckDB statements each issues (a counting proxy on the store's connection). The answers are
checked equal between the two sides first. Prints per endpoint the median ms of each side and the ratio.
The server's HTTP layer and response cache are not in these figures: they are the computation a
visitor's first request waits for (web/cache.py keeps the answer per commit afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from profile_report import Counting
from sco_observatory.store import open_store
from sco_observatory.metrics import claims as claims_mod
from sco_observatory.signposts import evaluate, summary
from sco_observatory.signposts.evaluate import FIRST_YEAR, latest_year
store = open_store()
store.con = Counting(store.con)
out = {}
for name, run in (("claims", lambda: claims_mod.check(store)),
                  ("scenarios", lambda: (lambda f: (f, summary(f)))(evaluate(store, years=(FIRST_YEAR, latest_year(store)))))):
    n0, t0 = Counting.total, time.perf_counter()
    answer = run()
    ms = (time.perf_counter() - t0) * 1000
    frames = answer if isinstance(answer, tuple) else (answer,)
    out[name] = {"ms": ms, "statements": Counting.total - n0,
                 "answer": [f.sort(f.columns).write_json() for f in frames]}
print(json.dumps(out))
"""


def child(src: Path, home: str) -> dict:
    env = {**os.environ, "SCO_OBSERVATORY_HOME": home}
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(HERE)], capture_output=True, text=True,
                          env=env, timeout=600)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same(a, b) -> bool:
    """Equal frames, floats to 1e-12 relative: two runs of the same code differ in a trade sum's last bit
    (DuckDB's parallel float sum)."""
    import polars as pl

    if a.columns != b.columns or a.height != b.height:
        return False
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.is_float():
            scale = pl.DataFrame({"x": x.abs(), "y": y.abs()}).max_horizontal()
            close = ((x - y).abs() <= 1e-12 * scale) | (x.is_null() & y.is_null())
            if not close.fill_null(False).all():
                return False
        elif not x.equals(y):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another checkout's src/ (e.g. a worktree of main)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--home")
    args = ap.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="sco-cold-api-")
    sides = {"current": HERE.parent / "src"}
    if args.baseline:
        sides["baseline"] = args.baseline
    child(sides["current"], home)  # a new home is created and seeded here, outside the timing
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    for _ in range(args.rounds):
        for side, src in sides.items():
            runs[side].append(child(src, home))
    if "baseline" in runs:
        import io

        import polars as pl

        for name in ("claims", "scenarios"):
            for a, b in zip(runs["current"][0][name]["answer"], runs["baseline"][0][name]["answer"]):
                if not _same(pl.read_json(io.StringIO(a)), pl.read_json(io.StringIO(b))):
                    raise SystemExit(f"{name}: the two sides' answers differ")
    print(f"{'endpoint':12} {'side':9} {'median ms':>10} {'min':>8} {'max':>8} {'statements':>10}")
    for name in ("claims", "scenarios"):
        med = {}
        for side in sides:
            ms = [r[name]["ms"] for r in runs[side]]
            med[side] = statistics.median(ms)
            print(f"{'/api/' + name:12} {side:9} {med[side]:10.1f} {min(ms):8.1f} {max(ms):8.1f} "
                  f"{runs[side][0][name]['statements']:10d}")
        if "baseline" in med:
            print(f"{'':12} {'ratio':9} {med['current'] / med['baseline']:10.2f}  (current / baseline)")
    print(f"answers checked equal: {'yes' if 'baseline' in runs else 'no baseline'}; home {home}")


if __name__ == "__main__":
    main()
