"""Whole-process start-up of `sco` commands: current code against a baseline commit, run by run.

Each command runs as a new process (`python -m sco_observatory ARGS`), the baseline and the current
code in turn (A B A B ...) after a warm-up, so a drift of the machine's speed hits both alike; the
table gives each side's median, min and max wall seconds, the median CPU seconds (user+sys of the
child, from getrusage) and the median of the per-pair ratios baseline/current (> 1: current is
faster). Both sides' stdout are checked equal first. The current code runs with a warm ledger cache
(kb/cache.py, built by the warm-up); the row "(cold cache)" runs it with an empty cache directory
each time, which is what the first `sco` after an install or a ledger change pays.

The baseline is a git worktree of REV (default 07a1277, before the lazy command loading and the
ledger cache) put first on PYTHONPATH for the same interpreter. `--importtime` also prints, for
each side, the modules whose import took longest in one run (`python -X importtime`).

Usage: python benchmarks/bench_startup.py [--baseline REV] [--runs 7] [--importtime] [-- ARGS ...]
(default ARGS: members SCO@2012)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARGS = ["members", "SCO@2012"]
COMMANDS = [DEFAULT_ARGS, ["--version"], ["orgs", "--format", "csv"], ["history", "KAZ", "--format", "csv"]]


def run_once(src: Path, args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, child cpu s, stdout) of one `python -m sco_observatory ARGS` with `src` first on the path."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sco_observatory", *args], capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(src)}, cwd=env["SCO_OBSERVATORY_HOME"])
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{src}: sco {' '.join(args)} failed ({done.returncode}): {done.stderr[-500:]}")
    return wall, cpu, done.stdout


def import_times(src: Path, args: list[str], env: dict[str, str], top: int = 12) -> list[tuple[float, str]]:
    """The `top` slowest imports (cumulative ms, module) of one run, from `python -X importtime`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sco_observatory", *args], capture_output=True,
                          text=True, env={**env, "PYTHONPATH": str(src)}, cwd=env["SCO_OBSERVATORY_HOME"])
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if match and len(match.group(2)) <= 3:  # top-level imports and their direct children
            rows.append((int(match.group(1)) / 1000, match.group(3)))
    return sorted(rows, reverse=True)[:top]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} {min(values):7.3f} {max(values):7.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="07a1277", help="git revision to compare against (default 07a1277)")
    ap.add_argument("--runs", type=int, default=7, help="counted runs of each side (after one warm-up)")
    ap.add_argument("--importtime", action="store_true", help="also list the slowest imports of each side")
    ap.add_argument("args", nargs="*", help="one sco command line (default: members SCO@2012 and a few others)")
    opts = ap.parse_args()
    commands = [opts.args] if opts.args else COMMANDS
    with tempfile.TemporaryDirectory(prefix="sco-bench-startup-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), opts.baseline], check=True,
                       capture_output=True)
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**os.environ, "SCO_OBSERVATORY_HOME": str(home), "SCO_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("SCO_ENGINE", None)
        current = ROOT / "src"
        try:
            print(f"whole-process wall seconds, median min max of {opts.runs} runs after a warm-up; "
                  f"baseline {opts.baseline} vs current, run in turn")
            print(f"{'command':44} {'side':16} {'median':>7} {'min':>7} {'max':>7} {'cpu s':>7} {'ratio':>7}")
            for args in commands:
                label = "sco " + " ".join(args)
                _, _, base_out = run_once(tree / "src", args, env)  # warm-up (also the OS file cache)
                _, _, cur_out = run_once(current, args, env)  # warm-up: builds the ledger cache
                if base_out != cur_out:
                    raise SystemExit(f"{label}: baseline and current print different output")
                sides: dict[str, list[tuple[float, float]]] = {"baseline": [], "current": [], "current (cold cache)": []}
                for i in range(opts.runs):
                    sides["baseline"].append(run_once(tree / "src", args, env)[:2])
                    sides["current"].append(run_once(current, args, env)[:2])
                    cold = {**env, "SCO_CACHE_DIR": str(Path(tmp) / f"cold-{label.replace(' ', '_')}-{i}")}
                    sides["current (cold cache)"].append(run_once(current, args, cold)[:2])
                for side, runs in sides.items():
                    walls = [w for w, _ in runs]
                    ratio = "" if side == "baseline" else \
                        f"{statistics.median(b / c for (b, _), (c, _) in zip(sides['baseline'], runs)):6.2f}x"
                    print(f"{label:44} {side:16} {summary(walls)} {statistics.median(c for _, c in runs):7.3f} {ratio:>7}")
            if opts.importtime:
                for side, src in (("baseline", tree / "src"), ("current", current)):
                    print(f"\nslowest imports, {side}, sco {' '.join(commands[0])} (cumulative ms):")
                    for ms, module in import_times(src, commands[0], env):
                        print(f"  {ms:8.1f}  {module}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


if __name__ == "__main__":
    main()
