"""First load of the dashboard in headless Chromium: from navigation until every panel has rendered.

Serves the app (uvicorn, 127.0.0.1) on a store holding IMF DOTS, WDI, SIPRI and COW NMC from
$SCO_SHARED_DATA (or the embedded store only, with --embedded), opens the dashboard N times in fresh
browser contexts (no cache) and reports the median and worst time until `body[data-ready=1]`, which
the page sets once the view's panels have drawn, and until `body[data-complete=1]`, set once the panels
that are the same in every state (claims, projects, signposts; loaded after the view) have drawn too.
The target is a first load under 1 s.

Usage: python benchmarks/bench_first_load.py [--runs 5] [--embedded] [--url-query '?org=SCO&date=2024-12-31']
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SHARED = Path(os.environ.get("SCO_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv",
         "wdi/sp.pop.totl.csv", "cow_nmc_v7/NMC-70-abridged_from_peacesciencer.csv",
         "military_expenditure/sipri_milex_1949_2024_long.csv"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--embedded", action="store_true", help="only the embedded report tables")
    ap.add_argument("--url-query", default="?org=SCO&date=2024-12-31&statuses=member&indicator=gdp")
    args = ap.parse_args()

    from browser_checks import ARGS, CHROMIUM
    from live_server import LiveServer
    from playwright.sync_api import sync_playwright

    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        with open_store(path) as store:
            if not args.embedded:
                for name in FILES:
                    import_file(store, SHARED / name)
        with LiveServer(str(path)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            times, completes = [], []
            for i in range(args.runs + 1):
                context = browser.new_context(viewport={"width": 1320, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url + "/" + args.url_query)
                page.wait_for_selector("body[data-ready='1']", timeout=60000)
                elapsed = time.perf_counter() - start
                page.wait_for_selector("body[data-complete='1']", timeout=60000)
                complete = time.perf_counter() - start
                context.close()
                if i:  # the first run warms the server's caches (plotly.js, DuckDB); reported apart
                    times.append(elapsed)
                    completes.append(complete)
                else:
                    warm_up = elapsed
            browser.close()
    store_label = "embedded" if args.embedded else "DOTS+WDI+SIPRI+NMC"
    print(f"first load of the dashboard ({store_label}, {args.runs} runs, fresh browser context each): "
          f"view drawn (map, members, power, what-if, trade, integration, convergence, CINC, overlap) median "
          f"{statistics.median(times):.3f} s, worst {max(times):.3f} s; with claims, projects and signposts median "
          f"{statistics.median(completes):.3f} s (warm-up run {warm_up:.3f} s)")


if __name__ == "__main__":
    main()
