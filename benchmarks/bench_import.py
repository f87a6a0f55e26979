"""Import speed.

Default (a BACI-scale year): whole processes, run by run in turn, each on the same file —
  A  `sco import FILE` on a fresh home (parse, map codes, validate, guard, write Delta parquet, commit);
  B  `python -c` one DuckDB `CREATE TABLE t AS SELECT * FROM read_csv(FILE)` (in memory, DuckDB defaults);
  C  `python -c` one DuckDB `COPY (SELECT * FROM read_csv(FILE)) TO 'x.parquet' (FORMAT parquet)`;
  A0 `sco import` of a one-row file of the same format on a fresh home (BACI: the first data row of
     FILE, its country-code file copied beside it): the fixed cost of a `sco` process (interpreter,
     imports, store creation and pinning, commit), so A - A0 is what the rows cost.
Prints the median of `--runs` (default 3) wall seconds and peak RSS of each (the kernel's
ru_maxrss of that child alone, via os.wait4), and the ratios of each to B (the CTAS) taken run by run (so
a drift in the machine's speed hits both sides of a pair) with their median. `--baseline DIR` also
runs A and A0 from another checkout's sources (e.g. `git worktree add --detach DIR main`), in turn
with the others, and prints A / A base. The import's result is
checked first: its row count must equal the file's data rows less the rows it reports skipped.

`--small`: the earlier in-process comparison on the shared WDI and DOTS files against a naive
row-by-row script and a vectorised pandas script (no validation), best of 3.

Usage: python benchmarks/bench_import.py [FILE] [--rows 10000000] [--runs 3] [--baseline DIR] [--small [FILE ...]]
       (without FILE a BACI-like year of --rows rows is generated into a temporary directory)
"""

from __future__ import annotations

import csv
import os
import resource
import sys
import time
from pathlib import Path

from sco_observatory.countries import lookup
from sco_observatory.ingest import import_file
from sco_observatory.store import open_memory_store

SHARED = Path(os.environ.get("SCO_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEFAULT = [SHARED / "wdi" / "ny.gdp.mktp.cd.csv", SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(path: Path) -> tuple[int, float]:
    store = open_memory_store(seed=False)
    t = time.perf_counter()
    result = import_file(store, path)
    elapsed = time.perf_counter() - t
    store.close()
    return result.rows, elapsed


def baseline(path: Path) -> tuple[int, float]:
    """Row-by-row: the csv module, one resolver call per row, executemany insert (WDI long or DOTS long)."""
    store = open_memory_store(seed=False)
    t = time.perf_counter()
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        for r in reader:
            if "Country Code" in r:
                c = lookup(r["Country Code"])
                if c is None or c.kind == "aggregate" and c.iso3 != "WLD" or not r["Value"]:
                    continue
                rows.append((c.iso3, int(r["Year"]), path.stem.upper(), float(r["Value"]), None, False, "baseline"))
            else:
                a, b = lookup(r["reporter"]), lookup(r["partner"])
                if a is None or b is None or not b.iso3 or a.kind == "aggregate":
                    continue
                flow = "X" if r["flow"].startswith("exports") else "M"
                rows.append((a.iso3, b.iso3, int(r["year"]), flow, "TOTAL", float(r["value_usd_mn"]) * 1e6,
                             "FOB" if flow == "X" else "CIF", r["imf_estimate"] == "1", "baseline"))
    table = "indicator" if rows and len(rows[0]) == 7 else "trade"
    store.con.execute("BEGIN")
    store.con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    store.con.execute("COMMIT")
    elapsed = time.perf_counter() - t
    store.close()
    return len(rows), elapsed


def baseline_pandas(path: Path) -> tuple[int, float]:
    """A vectorised script: pandas.read_csv, codes mapped with a dict per distinct value, one bulk insert."""
    import pandas as pd

    store = open_memory_store(seed=False)
    t = time.perf_counter()
    df = pd.read_csv(path, encoding="utf-8-sig")
    if "Country Code" in df.columns:
        codes = {v: lookup(v) for v in df["Country Code"].dropna().unique()}
        iso = df["Country Code"].map(lambda v: None if codes.get(v) is None or codes[v].kind == "aggregate" and codes[v].iso3 != "WLD" else codes[v].iso3)
        out = pd.DataFrame({"iso3": iso, "year": df["Year"], "code": path.stem.upper(), "value": df["Value"],
                            "unit": None, "estimate": False, "source_id": "baseline"}).dropna(subset=["iso3", "value"])
        table = "indicator"
    else:
        names = {v: lookup(v) for v in pd.unique(df[["reporter", "partner"]].values.ravel())}
        to_iso = lambda v: None if names.get(v) is None or not names[v].iso3 or names[v].kind == "aggregate" and names[v].iso3 != "WLD" else names[v].iso3
        flow = df["flow"].str.startswith("exports").map({True: "X", False: "M"})
        out = pd.DataFrame({"reporter": df["reporter"].map(to_iso), "partner": df["partner"].map(to_iso), "year": df["year"],
                            "flow": flow, "product": "TOTAL", "value_usd": df["value_usd_mn"] * 1e6,
                            "valuation": flow.map({"X": "FOB", "M": "CIF"}), "estimate": df["imf_estimate"] == 1,
                            "source_id": "baseline"}).dropna(subset=["reporter", "partner"]).drop_duplicates()
        table = "trade"
    store.con.register("frame", out)
    store.con.execute(f"INSERT INTO {table} SELECT * FROM frame")
    elapsed = time.perf_counter() - t
    store.close()
    return len(out), elapsed


def small(paths: list[Path]) -> None:
    print("ours = sco import (validated, transactional); naive = csv module + executemany; "
          "pandas = read_csv + dict mapping + one bulk insert (no validation). Ratios: baseline time / ours.")
    print(f"{'file':40} {'rows':>9} {'ours s':>7} {'rows/s':>9} {'naive s':>8} {'ratio':>6} {'pandas s':>9} {'ratio':>6}")
    for path in paths:
        if not path.exists():
            print(f"{path.name:40} missing (set SCO_SHARED_DATA)")
            continue
        best_ours = min((ours(path) for _ in range(3)), key=lambda r: r[1])
        best_base = min((baseline(path) for _ in range(2)), key=lambda r: r[1])
        best_pd = min((baseline_pandas(path) for _ in range(3)), key=lambda r: r[1])
        print(f"{path.name[:40]:40} {best_ours[0]:>9,} {best_ours[1]:>7.2f} {best_ours[0] / best_ours[1]:>9,.0f} "
              f"{best_base[1]:>8.2f} {best_base[1] / best_ours[1]:>5.1f}x {best_pd[1]:>9.2f} {best_pd[1] / best_ours[1]:>5.1f}x")
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


CTAS = ("import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[1]]); "
        "print(con.execute('SELECT count(*) FROM t').fetchone()[0])")
PARQUET = ("import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
           "print(con.execute('COPY (SELECT * FROM read_csv(?)) TO ' + repr(sys.argv[2]) + ' (FORMAT parquet, RETURN_STATS true)', "
           "[sys.argv[1]]).fetchall()[0][1])")


def child(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of this child alone, stdout); stops the benchmark if it fails."""
    import subprocess
    import tempfile

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, problem = out.read(), err.read().strip()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:5])} failed ({proc.returncode}): {problem.splitlines()[-1] if problem else ''}")
    return wall, usage.ru_maxrss / 1024, text


def data_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b"")) - 1


def one_row_copy(path: Path, target: Path) -> Path:
    """FILE's header and first data row in `target`, with the files beside FILE (a BACI country-code file)."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for other in path.parent.glob("country_codes_*.csv"):
        shutil.copy(other, target / other.name)
    with open(path, encoding="utf-8") as src:
        head = src.readline() + src.readline()
    (target / path.name).write_text(head, encoding="utf-8")
    return target / path.name


def _import_once(path: Path, home: Path, expected: int, env_extra: dict) -> tuple[float, float, int, int]:
    """One `sco import FILE` on a fresh home: (wall s, peak RSS MB, rows kept, rows reported skipped)."""
    import re
    import shutil

    env = {**os.environ, **env_extra, "SCO_OBSERVATORY_HOME": str(home)}
    wall, peak, out = child([sys.executable, "-m", "sco_observatory", "import", str(path)], env)
    imported = int(re.search(r"imported ([\d,]+) rows", out).group(1).replace(",", ""))
    skipped = sum(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:rows with|identical)", out))
    if imported + skipped != expected:
        raise SystemExit(f"sco import kept {imported:,} + skipped {skipped:,} rows of {expected:,}: {out.strip()}")
    shutil.rmtree(home, ignore_errors=True)
    return wall, peak, imported, skipped


def whole_process(path: Path, runs: int, warmup: int = 1, baseline: Path | None = None) -> None:
    """The judge: A, A0, B, C (and with `baseline`, A and A0 of that checkout) in turn, run by run."""
    import shutil
    import statistics
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="sco-bench-import-"))
    expected = data_rows(path)
    names = ["A sco import", "B duckdb CTAS", "C duckdb COPY parquet", "A0 sco import, 1 row"]
    sides = {"A sco import": {}, "A0 sco import, 1 row": {}}
    if baseline is not None:  # the same commands from another checkout's sources (PYTHONPATH first)
        base_env = {"PYTHONPATH": str(baseline / "src")}
        names += ["A base sco import", "A0 base, 1 row"]
        sides.update({"A base sco import": base_env, "A0 base, 1 row": base_env})
    tiny = one_row_copy(path, work / "tiny")
    walls: dict[str, list[float]] = {n: [] for n in names}
    peaks: dict[str, list[float]] = {n: [] for n in names}
    try:
        for run in range(1 - warmup, runs + 1):  # run 0 (the warm-up) fills the page cache; not counted
            got: dict[str, tuple[float, float]] = {}
            for name in names:
                if name in sides and "A0" not in name:
                    wall, peak, imported, skipped = _import_once(path, work / f"home{run}", expected, sides[name])
                    got[name] = (wall, peak)
                elif name in sides:
                    got[name] = _import_once(tiny, work / f"tiny-home{run}", 1, sides[name])[:2]
                elif name.startswith("B"):
                    b_wall, b_peak, b_out = child([sys.executable, "-c", CTAS, str(path)])
                    if int(b_out.strip().splitlines()[-1]) != expected:
                        raise SystemExit(f"the CTAS read {b_out.strip()} rows, expected {expected:,}")
                    got[name] = (b_wall, b_peak)
                else:
                    c_wall, c_peak, c_out = child([sys.executable, "-c", PARQUET, str(path), str(work / "x.parquet")])
                    if int(c_out.strip().splitlines()[-1]) != expected:
                        raise SystemExit(f"the COPY read {c_out.strip()} rows, expected {expected:,}")
                    got[name] = (c_wall, c_peak)
            if run == 1 - warmup:
                print(f"{path.name}: {expected:,} rows; sco import kept {imported:,} (skipped {skipped:,}); "
                      f"SCO_MEMORY_LIMIT={os.environ.get('SCO_MEMORY_LIMIT', '1GB')}"
                      + (f"; baseline sources {baseline}" if baseline else ""), flush=True)
            if run == 0:
                continue
            for name, (w, p) in got.items():
                walls[name].append(w)
                peaks[name].append(p)
            print(f"  run {run}: " + ", ".join(f"{n.split()[0] + (' base' if 'base' in n else '')} {w:.2f} s"
                                               for n, (w, _) in got.items()), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'command':24} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12} {'this/B (median of pairs)':>25}")
    for name in names:
        ratios = [a / b for a, b in zip(walls[name], walls[names[1]])]
        print(f"{name:24} {statistics.median(walls[name]):>9.2f} {min(walls[name]):>7.2f} {max(walls[name]):>7.2f} "
              f"{max(peaks[name]):>12,.0f} {statistics.median(ratios):>24.2f}x")
    marginal = [(a - a0) / b for a, a0, b in zip(walls[names[0]], walls[names[3]], walls[names[1]])]
    print(f"(A - A0) / B, the rows' cost against the CTAS (median of pairs): {statistics.median(marginal):.2f}x")
    if baseline is not None:
        against = [a / ab for a, ab in zip(walls[names[0]], walls["A base sco import"])]
        print(f"A / A base, this checkout against the baseline (median of pairs): {statistics.median(against):.2f}x")
    order = ", ".join(n.split()[0] + (" base" if "base" in n else "") for n in names)
    print(f"{runs} counted runs after {warmup} warm-up, {order} in turn; peak RSS = the largest of the runs")


def main() -> None:
    import argparse
    import subprocess
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="*", type=Path)
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the generated BACI-like year (no FILE)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, choices=[0, 1], default=1, help="uncounted first round")
    ap.add_argument("--small", action="store_true", help="the in-process comparison on small shared files")
    ap.add_argument("--baseline", type=Path, help="a checkout (e.g. a git worktree of main) whose `sco import` runs too, "
                                                  "side by side (its src/ first on PYTHONPATH)")
    args = ap.parse_args()
    if args.small:
        small(args.file or DEFAULT)
        return
    if args.file:
        whole_process(args.file[0], args.runs, args.warmup, args.baseline)
        return
    with tempfile.TemporaryDirectory(prefix="sco-baci-") as tmp:
        subprocess.run([sys.executable, str(Path(__file__).with_name("make_baci_sample.py")), tmp, "--rows", str(args.rows)],
                       check=True, stdout=subprocess.DEVNULL)
        whole_process(next(Path(tmp).glob("BACI_*.csv")), args.runs, args.warmup, args.baseline)


if __name__ == "__main__":
    main()
