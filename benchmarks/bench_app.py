"""Report build time and dashboard API response times, against a baseline commit run side by side.

Measures, on the embedded default store and (if ../shared/data exists) on a store holding IMF DOTS and
WDI: the time to build `sco report`, and the median latency of each JSON endpoint over N calls
(in-process ASGI, no network noise). With `--baseline REV` the same measurements run on a git worktree
of REV, in a subprocess with its own interpreter state, and the table shows baseline/current ratios
(> 1 means the current code is faster). The endpoint figures are repeated calls, so with the response
cache (web/cache.py) they are cache hits; `--no-cache` sets SCO_RESPONSE_CACHE=0 for both sides, which
measures computing each answer.

Usage: python benchmarks/bench_app.py [--baseline REV] [--calls 20] [--no-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCO_SHARED_DATA", ROOT.parent / "shared" / "data"))
ENDPOINTS = [
    "/api/members?group=SCO@2012",
    "/api/history/KAZ",
    "/api/overlap?as_of=2024",
    "/api/power?group=SCO@2024&year=2012&indicator=defence",
    "/api/whatif?base=SCO@2016&add=IND,PAK&year=2012",
    "/api/claims",
    "/api/trade?group=CA5&years=2012",
    "/api/siei?group=CA5%2BRUS&years=2012",
    "/api/convergence?group=SCO@2012&years=1995-2019",
    "/",
]


def measure(calls: int) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from sco_observatory.ingest import import_file
    from sco_observatory.report import build_report
    from sco_observatory.store import open_store
    from sco_observatory.web.app import create_app

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"embedded": Path(tmp) / "embedded.duckdb"}
        open_store(stores["embedded"]).close()
        if SHARED.is_dir():
            stores["dots+wdi"] = Path(tmp) / "full.duckdb"
            with open_store(stores["dots+wdi"]) as store:
                for f in ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv",
                          "wdi/ny.gdp.pcap.cd.csv", "wdi/sp.pop.totl.csv"]:
                    import_file(store, SHARED / f)
        for label, path in stores.items():
            times = []
            for _ in range(3):
                with open_store(path) as store:
                    t = time.perf_counter()
                    build_report(Path(tmp) / "r.html", as_of="2024-12-31", store=store)
                    times.append(time.perf_counter() - t)
            out[f"report build [{label}] s"] = min(times)
            with TestClient(create_app(str(path))) as client:
                for url in ENDPOINTS:
                    client.get(url)  # warm caches (ledger, resolver)
                    lat = []
                    for _ in range(calls):
                        t = time.perf_counter()
                        client.get(url)
                        lat.append(time.perf_counter() - t)
                    out[f"GET {url} [{label}] ms"] = 1000 * statistics.median(lat)
    return out


def run_baseline(rev: str, calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                       capture_output=True)
        try:
            env = {**os.environ, "PYTHONPATH": str(tree / "src"), "SCO_SHARED_DATA": str(SHARED)}
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--json", "--calls", str(calls)],
                                  env=env, capture_output=True, text=True, check=True, cwd=tmp)
            return json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="git revision to compare against")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--no-cache", action="store_true", help="SCO_RESPONSE_CACHE=0: every call computed")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_cache:
        os.environ["SCO_RESPONSE_CACHE"] = "0"  # read by create_app; inherited by the baseline's subprocess
    current = measure(args.calls)
    if args.json:
        print(json.dumps(current))
        return
    base = run_baseline(args.baseline, args.calls) if args.baseline else {}
    print(f"{'measure':72} {'current':>9}" + (f" {'baseline':>9} {'ratio':>6}" if base else ""))
    for key, value in current.items():
        line = f"{key:72} {value:>9.2f}"
        if base:
            b = base.get(key)
            line += f" {b:>9.2f} {b / value:>5.2f}x" if b else f" {'n/a':>9}"
        print(line)


if __name__ == "__main__":
    main()
