"""`sco report` as a whole process, current code against another checkout, run in turn.

Each run is a new `python -m sco_observatory report -o OUT` (stdout and stderr piped, as a script or CI
runs it). The two sides alternate (A B A B ...) so a drift of the shared machine's speed hits both
alike; each side has its own home and its own cache dir (SCO_CACHE_DIR: other checkouts on the machine
cannot evict its ledger cache between runs). Reported per side: median, min, max wall seconds, the
median CPU seconds of the child (user+sys, getrusage) and the median of the per-pair ratios
current/baseline (< 1: current is faster), with the load average before and after.

- warm (default): both homes are seeded and hold the open-data snapshot before the timed runs (one
  untimed warm-up each, which also builds each side's caches), so each timed run is a report on a home
  that already holds the snapshot;
- `--fresh`: every timed run starts from a new, empty home (the first `sco report` after an install
  or on a new machine: the catalog created, the embedded tables seeded, the snapshot pinned); the cache
  dirs are kept, warmed once, as an installed package's are.

Before any timing the two sides' reports (same PYTHONHASHSEED) are checked to be the same report
(benchmarks/compare_reports.py). The baseline is a checkout's `src/` (e.g. a `git worktree` of main)
put first on PYTHONPATH for the same interpreter.

Usage: python benchmarks/bench_report_process.py --baseline-src DIR [--runs 5] [--fresh]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_reports import normalised  # noqa: E402


def run_once(src: Path, home: Path, cache: Path, out: Path) -> tuple[float, float]:
    """(wall s, child cpu s) of one `sco report` with `src` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "SCO_OBSERVATORY_HOME": str(home), "SCO_CACHE_DIR": str(cache),
           "PYTHONHASHSEED": "0"}
    env.pop("SCO_ENGINE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sco_observatory", "report", "-o", str(out)], capture_output=True,
                          text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{src}: sco report failed ({done.returncode}): {done.stderr[-800:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _origin(src: Path) -> str:
    done = subprocess.run([sys.executable, "-c", "import sco_observatory; print(sco_observatory.__file__)"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(src)}, check=True)
    return done.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="the other checkout's src/ directory")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each side (default 5)")
    ap.add_argument("--fresh", action="store_true", help="a new, empty home for every timed run")
    opts = ap.parse_args()
    sides = {"baseline": opts.baseline_src.resolve(), "current": (ROOT / "src").resolve()}
    for name, src in sides.items():
        origin = _origin(src)
        if not origin.startswith(str(src)):
            raise SystemExit(f"{name}: PYTHONPATH={src} imports {origin}")
    with tempfile.TemporaryDirectory(prefix="sco-bench-report-") as tmp:
        base = Path(tmp)
        outs = {name: base / f"{name}.html" for name in sides}
        for name, src in sides.items():  # warm-up: seeds the warm homes, builds each side's caches
            run_once(src, base / f"home-{name}", base / f"cache-{name}", outs[name])
        if normalised(str(outs["baseline"])) != normalised(str(outs["current"])):
            raise SystemExit(f"the two reports differ: python benchmarks/compare_reports.py {outs['baseline']} {outs['current']}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for i in range(opts.runs):
            for name, src in sides.items():
                home = base / (f"fresh-{name}-{i}" if opts.fresh else f"home-{name}")
                runs[name].append(run_once(src, home, base / f"cache-{name}", outs[name]))
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        kind = "fresh home (first run)" if opts.fresh else "home holding the snapshot"
        print(f"sco report -o x.html, {kind}: {opts.runs} runs of each side in turn after a warm-up")
        print(f"{'side':10} {'wall median':>11} {'min':>7} {'max':>7} {'cpu median':>10} {'wall A/B':>9} {'cpu A/B':>8}")
        for name, measured in runs.items():
            walls, cpus = [w for w, _ in measured], [c for _, c in measured]
            ratios = "" if name == "baseline" else (
                f"{statistics.median(c[0] / b[0] for c, b in zip(measured, runs['baseline'])):9.2f}"
                f"{statistics.median(c[1] / b[1] for c, b in zip(measured, runs['baseline'])):9.2f}")
            print(f"{name:10} {statistics.median(walls):11.2f} {min(walls):7.2f} {max(walls):7.2f} "
                  f"{statistics.median(cpus):10.2f} {ratios}")


if __name__ == "__main__":
    main()
