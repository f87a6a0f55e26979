"""A fresh home out of the box: first open of the store, `sco report` on the snapshot, and the wheel size.

    python benchmarks/bench_fresh_home.py [--repeat 2] [--baseline /path/to/other/checkout/src]

* first open: `bench_snapshot.py`'s measurement (new process, new home; with the snapshot referenced
  vs embedded only, alternated), its ratio; with `--baseline SRC` also this checkout's first open
  and first `sco power 'SCO@2024-12-31' --indicator defence --year 2024` against the baseline's
  (alternated, each in a new process on a new home; the two `sco power` outputs checked equal first on
  their common columns), with the user's ledger cache and with an empty one (a fresh machine);
* `sco report` on a fresh home (snapshot only, no import, no network), median wall seconds; with
  `--baseline SRC` the same command on another checkout's sources (e.g. /work/main/src) is run
  alternately and the ratio printed. Before timing, each variant's report is checked to hold every
  section id of the baseline's (the branch may add sections; it must lose none);
* wheel size: `pip wheel . --no-deps` into a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_snapshot import CHILD, _open  # noqa: E402

POWER = ["power", "SCO@2024-12-31", "--indicator", "defence", "--year", "2024", "--format", "csv"]


def _fresh(src: Path, argv: list[str] | None, *, cold: bool = False) -> tuple[float, str]:
    """Wall seconds of one new process on a new home with `src` first on the path: the first open
    (`argv` None: bench_snapshot's child, which prints its own open time) or one `sco` command.
    `cold`: also a new, empty ledger cache (SCO_CACHE_DIR) — a fresh machine, not only a fresh home."""
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "SCO_OBSERVATORY_HOME": home, "PYTHONPATH": str(src)}
        env.pop("SCO_SNAPSHOT_DIR", None)
        if cold:
            env["SCO_CACHE_DIR"] = cache
        cmd = [sys.executable, "-c", CHILD] if argv is None else [sys.executable, "-m", "sco_observatory", *argv]
        started = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        wall = time.perf_counter() - started
    return (float(out.split()[0]) if argv is None else wall), out


def _report(src: Path) -> tuple[float, set[str], int]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SCO_OBSERVATORY_HOME": home, "PYTHONPATH": str(src)}
        out = Path(home) / "r.html"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sco_observatory", "report", "-o", str(out)], env=env, check=True,
                       capture_output=True)
        seconds = time.perf_counter() - started
        html = out.read_text(encoding="utf-8")
    return seconds, set(re.findall(r'<section id="([a-z]+)">', html)), len(html.encode())


def _wheel() -> int:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", folder], check=True,
                       capture_output=True)
        return sum(p.stat().st_size for p in Path(folder).glob("*.whl"))


def _common(a: str, b: str) -> tuple[list[dict], list[dict]]:
    """Two CSV answers restricted to the columns both have (a branch may add columns, e.g. flags)."""
    rows_a, rows_b = list(csv.DictReader(io.StringIO(a))), list(csv.DictReader(io.StringIO(b)))
    shared = [c for c in (rows_a[0] if rows_a else {}) if c in (rows_b[0] if rows_b else {})]
    return [{c: r[c] for c in shared} for r in rows_a], [{c: r[c] for c in shared} for r in rows_b]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ to compare `sco report` with")
    args = parser.parse_args()
    ours = REPO / "src"
    variants = {"this checkout": ours, **({"baseline": args.baseline} if args.baseline else {})}
    first = {name: _report(src) for name, src in variants.items()}  # warm-up and the equality check
    if args.baseline:
        lost = first["baseline"][1] - first["this checkout"][1]
        assert not lost, f"sections lost against the baseline: {sorted(lost)}"
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, src in variants.items():
            times[name].append(_report(src)[0])
    snap, embedded = [], []
    for _ in range(args.repeat):
        snap.append(_open(True)[0])
        embedded.append(_open(False)[0])
    rows = [("first open, snapshot referenced (s)", f"{statistics.median(snap):.2f}"),
            ("first open, embedded only (s)", f"{statistics.median(embedded):.2f}"),
            ("first open ratio snapshot / embedded", f"{statistics.median(snap) / statistics.median(embedded):.2f}")]
    if args.baseline:
        ours_power, base_power = (_common(_fresh(ours, POWER)[1], _fresh(args.baseline, POWER)[1]))
        assert ours_power == base_power, "sco power answers differ from the baseline's"
        opened = {name: [] for name in variants}
        powered = {name: [] for name in variants}
        cold = {name: [] for name in variants}
        for _ in range(args.repeat):
            for name, src in variants.items():
                opened[name].append(_fresh(src, None)[0])
                powered[name].append(_fresh(src, POWER)[0])
                cold[name].append(_fresh(src, POWER, cold=True)[0])
        for label, measured in (("first open_store()", opened), ("first sco power, warm ledger cache (wall)", powered),
                                ("first sco power, fresh machine: cold ledger cache (wall)", cold)):
            a, b = statistics.median(measured["this checkout"]), statistics.median(measured["baseline"])
            rows.append((f"{label}, this checkout / baseline (s)", f"{a:.2f} / {b:.2f} = {a / b:.2f}"))
    for name in variants:
        rows.append((f"sco report, fresh home, {name} (s)", f"{statistics.median(times[name]):.1f} "
                     f"({first[name][2] / 1e6:.1f} MB, {len(first[name][1])} sections)"))
    if args.baseline:
        rows.append(("sco report ratio this checkout / baseline",
                     f"{statistics.median(times['this checkout']) / statistics.median(times['baseline']):.2f}"))
    rows.append(("wheel size (bytes)", f"{_wheel():,}"))
    width = max(len(r[0]) for r in rows)
    for what, value in rows:
        print(f"{what:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
