"""Growth: time and peak memory of the import and of the trade metrics as the data grows.

Two ladders, each step in fresh processes on a fresh home:

- BACI-like years (`make_baci_sample.py`, default seed) of 1M, 3M and 10M rows (30M with `--30m`,
  about 3x the 10M step's time and a 1 GB file in --work): `sco import`
  of the year, then RCA for every exporter x product (`trade.rca`) and export product concentration
  (HH / UNCTAD, `trade.product_concentration`) for every exporter;
- IMF DOTS (the two shared extracts, 1990-2020) cut to the first 1, 5, 10 and 31 years: `sco import`
  of both files, then trade intensity of every ordered pair of reporters over those years
  (`trade.trade_intensity`).

Every figure is one process: the import is the whole `sco import` process (interpreter start,
store creation, import, commit); a metric is a child that opens the store read-only and runs the
metric once, and reports the metric's own seconds (open excluded) while its peak RSS is the whole
child's. Peak RSS is the kernel's `ru_maxrss` of that child alone (`os.wait4`), so steps do not
mix. Growth is read from the last columns: seconds and MB per million input rows, and the ratio of
each step's time to the smallest step's scaled by the input ratio (1.00 = linear, < 1 sub-linear:
fixed costs such as interpreter start and store creation dominate small inputs).

DuckDB is bounded by SCO_MEMORY_LIMIT (default 1GB) in every child; beyond it, it spills to the
store's tmp directory. Generated files go to --work (default a temporary directory) and are reused
when present; never commit them.

Usage: python benchmarks/bench_growth.py [--30m] [--baci 1000000,3000000,10000000] [--dots 1,5,10,31]
                                          [--work DIR] [--part baci|dots|both]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import child  # noqa: E402 (the one whole-process timer of the benchmarks)

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
DOTS = [SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv",
        SHARED / "trade_imf_dots" / "dots_other_reporters_to_focus_partners_1990_2020.csv"]
FIRST_DOTS_YEAR = 1990

METRIC = r"""
import json, sys, time
from sco_observatory.metrics import trade
from sco_observatory.store import open_store
name, part = sys.argv[1], sys.argv[2]
store = open_store(read_only=True)
con = store.con
if part == "baci":
    year = con.execute("SELECT max(year) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0]
    countries = [r[0] for r in con.execute(
        "SELECT DISTINCT reporter FROM trade WHERE source_id LIKE 'baci:%' ORDER BY 1").fetchall()]
    rows = con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0]
    call = {"rca": lambda: trade.rca(store, countries, year),
            "product_concentration": lambda: trade.product_concentration(store, countries, year)}[name]
else:
    first, last = con.execute("SELECT min(year), max(year) FROM trade WHERE source_id LIKE 'imf-dots%'").fetchone()
    countries = [r[0] for r in con.execute(
        "SELECT DISTINCT reporter FROM trade WHERE reporter <> 'WLD' ORDER BY 1").fetchall()]
    rows = con.execute("SELECT count(*) FROM trade").fetchone()[0]
    call = lambda: trade.trade_intensity(store, countries, (first, last))
started = time.perf_counter()
out = call()
print(json.dumps({"seconds": time.perf_counter() - started, "result_rows": out.height, "input_rows": rows}))
"""


def measured(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of this child alone, stdout): bench_import.child, one definition."""
    return child([str(c) for c in cmd], env)


def fresh_env(home: Path) -> dict:
    """A fresh home whose store holds only what the step imports (no open-data snapshot referenced:
    its DOTS sources would be the ones the cut files replace)."""
    return {**os.environ, "SCO_OBSERVATORY_HOME": str(home), "SCO_SNAPSHOT_DIR": ""}


def baci_file(work: Path, rows: int) -> Path:
    target = work / f"baci_{rows}"
    found = sorted(target.glob("BACI_*.csv"))
    if not found:
        print(f"generating a {rows:,}-row BACI-like year in {target} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / "make_baci_sample.py"), str(target), "--rows", str(rows)],
                       check=True, stdout=subprocess.DEVNULL)
        found = sorted(target.glob("BACI_*.csv"))
    return found[0]


def dots_files(work: Path, years: int) -> list[Path]:
    """The two DOTS extracts cut to their first `years` years (same header, rows in file order)."""
    target = work / f"dots_{years}y"
    target.mkdir(parents=True, exist_ok=True)
    last = FIRST_DOTS_YEAR + years - 1
    out = []
    for path in DOTS:
        if not path.exists():
            raise SystemExit(f"{path} missing (set SCO_SHARED_DATA)")
        cut = target / path.name
        if not cut.exists():
            with open(path, newline="", encoding="utf-8-sig") as src, open(cut, "w", newline="", encoding="utf-8") as dst:
                reader = csv.reader(src)
                header = next(reader)
                year_col = header.index("year")
                writer = csv.writer(dst, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(r for r in reader if int(r[year_col]) <= last)
        out.append(cut)
    return out


def step(part: str, label: str, files: list[Path], metrics: list[str], work: Path) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix=f"home-{part}-", dir=work))
    env = fresh_env(home)
    wall, rss, _ = measured([sys.executable, "-m", "sco_observatory", "import", *map(str, files)], env)
    rows = []
    first = True
    for name in metrics:
        _, m_rss, text = measured([sys.executable, "-c", METRIC, name, part], env)
        # the child's answer is the JSON object at the end of its output (DuckDB's progress bar,
        # drawn with carriage returns on a long query, shares its line)
        got = json.loads(text[text.rindex('{"seconds"'):].strip())
        rows.append({"part": part, "step": label, "input_rows": got["input_rows"],
                     "import_s": wall if first else None, "import_mb": rss if first else None,
                     "metric": name, "metric_s": got["seconds"], "metric_mb": m_rss, "result_rows": got["result_rows"]})
        first = False
    subprocess.run(["rm", "-rf", str(home)], check=False)
    return rows


def table(rows: list[dict]) -> str:
    """The growth table; `x lin` = (time / smallest step's time) / (rows / smallest step's rows)."""
    lines = [f"{'data':6} {'step':>9} {'input rows':>11} {'import s':>9} {'imp MB':>7} {'s/M':>6} {'x lin':>6}  "
             f"{'metric':22} {'s':>7} {'MB':>6} {'s/M':>6} {'x lin':>6}"]
    base: dict[tuple, tuple[float, int]] = {}
    for r in rows:
        millions = r["input_rows"] / 1e6
        imp = ""
        if r["import_s"] is not None:
            b = base.setdefault((r["part"], "import"), (r["import_s"], r["input_rows"]))
            lin = (r["import_s"] / b[0]) / (r["input_rows"] / b[1])
            imp = f"{r['import_s']:>9.2f} {r['import_mb']:>7.0f} {r['import_s'] / millions:>6.2f} {lin:>6.2f}"
        else:
            imp = f"{'':>9} {'':>7} {'':>6} {'':>6}"
        b = base.setdefault((r["part"], r["metric"]), (r["metric_s"], r["input_rows"]))
        lin = (r["metric_s"] / b[0]) / (r["input_rows"] / b[1])
        lines.append(f"{r['part']:6} {r['step']:>9} {r['input_rows']:>11,} {imp}  {r['metric']:22} "
                     f"{r['metric_s']:>7.2f} {r['metric_mb']:>6.0f} {r['metric_s'] / millions:>6.2f} {lin:>6.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baci", default="1000000,3000000,10000000", help="BACI-like rows per step")
    ap.add_argument("--30m", dest="with_30m", action="store_true", help="add a 30M-row BACI step")
    ap.add_argument("--dots", default="1,5,10,31", help="DOTS years per step (from 1990)")
    ap.add_argument("--part", choices=["baci", "dots", "both"], default="both")
    ap.add_argument("--work", type=Path, help="where generated files go (reused when present)")
    args = ap.parse_args()
    work_dir = tempfile.TemporaryDirectory(prefix="sco-growth-") if args.work is None else None
    work = Path(work_dir.name) if work_dir else args.work
    work.mkdir(parents=True, exist_ok=True)
    print(f"SCO_MEMORY_LIMIT={os.environ.get('SCO_MEMORY_LIMIT', '1GB')}; import = whole `sco import` process on a "
          "fresh home; metric = its own seconds in a read-only child, MB = that child's peak RSS; "
          "s/M = seconds per million input rows; x lin = time ratio to the first step / rows ratio (1.00 = linear)",
          flush=True)
    rows: list[dict] = []
    if args.part in ("dots", "both"):
        for years in (int(y) for y in args.dots.split(",")):
            rows += step("dots", f"{years}y", dots_files(work, years), ["trade_intensity"], work)
            print(f"  dots {years} years: {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    if args.part in ("baci", "both"):
        sizes = [int(x) for x in args.baci.split(",")] + ([30_000_000] if args.with_30m else [])
        for n in sizes:
            rows += step("baci", f"{n / 1e6:g}M", [baci_file(work, n)], ["rca", "product_concentration"], work)
            print(f"  baci {n:,} rows: {json.dumps(rows[-2:])}", file=sys.stderr, flush=True)
    print(table(rows))
    if work_dir:
        work_dir.cleanup()


if __name__ == "__main__":
    main()
