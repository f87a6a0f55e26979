"""First load of the dashboard in headless Chromium, against a baseline commit served side by side.

What is timed, in the page's own clock (ms from navigation start, recorded by an init script that both
versions get, so the baseline needs no marks of its own):
  * first panel — the members table is in the DOM (the first panel a reader sees filled),
  * first screen — the map and the members table are both in the DOM (at 1320×900 the header, the
    controls and the map fill the first screen; the members table is the first panel below it),
  * first view — every panel that the first viewport (1320×900) shows is drawn: the page's `sco:first-view`
    mark (map, members and the power chart; the panels below the fold are built lazily since session 5). A
    version without that mark builds every panel before it draws its view, so its first view is its view,
  * view — `body[data-ready=1]`: every panel of the view has drawn (map, members, power, what-if, trade,
    integration, convergence, CINC, arms, overlap, sources), charts included — the lazy panels built in
    the idle time after the first view,
  * lazy panel, scrolled to — the longest build of one lazy panel (its `sco:panel:<id>` measure: from the
    moment it comes near the viewport, or the page is idle, to its table and chart drawn), what a reader
    scrolling down waits for at most; 0 for a version that builds everything up front,
  * complete — `body[data-complete=1]`: claims, projects and signposts (the same in every state) too,
  * long tasks — main-thread tasks over 50 ms before the first view is drawn, summed (where parsing
    plotly.js and drawing charts show up; the profile that says where the time goes).

Both servers are real uvicorn processes on 127.0.0.1 over the same store: the current tree and `git
archive` of the baseline revision (default 07a1277, before the partial plotly bundle), each in its own
interpreter (PYTHONPATH). Runs alternate baseline/current in fresh browser contexts (no cache); the
first round warms both servers and is not counted. Before timing, both pages must show the same members
and power tables. The store is a fresh home's (the open-data snapshot: WDI, IMF DOTS, COW NMC…); with
--files the SIPRI files of $SCO_SHARED_DATA are imported too (milex, and the arms register that the arms
panel needs). The target is a view drawn in under 1 s.

Two modes, both by default: "live" (the server answers every request, so server-side speed counts) and
"replayed" (the /api answers recorded in the warm-up run are given back at once, so only the page's own
work counts: parsing scripts, the order of its requests, drawing tables, the map and charts). A third,
"fresh" (`--mode fresh` or `all`), starts both servers anew before each load (with SCO_WARM_CACHE=1, as
`sco serve` runs): the first dashboard after a server start, when no answer is cached yet — in "live"
the servers' response caches are warm from the earlier rounds.

Usage: python benchmarks/bench_first_load.py [--runs 5] [--baseline REV] [--files] [--mode live|replayed|fresh|both|all]
       [--url-query '?org=SCO&...']
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SHARED = Path(os.environ.get("SCO_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = ["military_expenditure/sipri_milex_1949_2024_long.csv", "arms_transfers_sipri/sipri_trade_register_2000_2023.csv"]
BASELINE = "07a1277"
SERVE = ("import sys, uvicorn; from sco_observatory.web.app import create_app; "
         "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')")
# Recorded in the page from its first script on: when the members table appears, when the body says ready
# and complete, and the long tasks before that.
TIMING = """(() => {
  const t = window.__scoTiming = {longtasks: 0};
  const firstView = () => (performance.getEntriesByName('sco:first-view')[0] || {}).startTime || t.view || Infinity;
  try { new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.startTime < firstView()) t.longtasks += e.duration; })
        .observe({type: 'longtask', buffered: true}); } catch (e) {}
  new MutationObserver(() => {
    const now = performance.now();
    if (!t.first && document.querySelector('#members table')) t.first = now;
    if (!t.screen && document.querySelector('#members table') && document.querySelector('#map svg')) t.screen = now;
    if (!t.view && document.body && document.body.dataset.ready === '1') t.view = now;
    if (!t.complete && document.body && document.body.dataset.complete === '1') t.complete = now;
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();"""
MEASURES = [("first", "first panel (members table)"), ("screen", "first screen (map and members)"),
            ("firstview", "first view (the first viewport's panels)"), ("lazy", "longest lazy panel build, scrolled to"),
            ("view", "view drawn (every panel of the state)"),
            ("complete", "with claims, projects, signposts"), ("longtasks", "main-thread long tasks before the first view")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(src: Path, store: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(src), "SCO_WARM_CACHE": "1"}
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(store), str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/orgs", timeout=2).read()
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the server from {src} exited with {proc.returncode}")
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server from {src} did not start in 60 s")


def extract(rev: str, into: Path) -> Path:
    """The baseline's src/ tree, from `git archive` (leaves the repository's worktrees alone)."""
    done = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True)
    if done.returncode:
        raise SystemExit(f"git archive {rev} failed: {done.stderr.decode().strip()}")
    tarfile.open(fileobj=io.BytesIO(done.stdout)).extractall(into, filter="data")
    return into / "src"


def load(browser, url: str, replay: dict[str, tuple[int, bytes]] | None = None,
         record: dict[str, tuple[int, bytes]] | None = None) -> tuple[dict, dict]:
    """One first load in a fresh context: the timings, and the members and power tables' text.

    `record` collects every /api answer; `replay` answers /api requests from such a record at once
    (the page's own work alone: parsing, requests in flight, drawing), the static files still come
    from the server."""
    context = browser.new_context(viewport={"width": 1320, "height": 900})
    context.add_init_script(TIMING)
    if replay is not None:
        def answer(route):
            hit = replay.get(route.request.url)
            if hit is None:
                route.continue_()
            else:
                route.fulfill(status=hit[0], body=hit[1], content_type="application/json")
        context.route("**/api/**", answer)
    page = context.new_page()
    if record is not None:
        def keep(response):
            if "/api/" in response.url:
                try:
                    record[response.url] = (response.status, response.body())
                except Exception:  # noqa: BLE001 (a response the page abandoned has no body)
                    pass
        page.on("response", keep)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    page.wait_for_selector("body[data-complete='1']", timeout=60000)
    page.wait_for_function("window.__scoTiming.complete > 0")
    timing = page.evaluate("""() => {
      const t = {...window.__scoTiming};
      const fv = performance.getEntriesByName('sco:first-view')[0];
      t.firstview = fv ? fv.startTime : t.view;
      const builds = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('sco:panel:'));
      t.lazy = builds.length ? Math.max(...builds.map((e) => e.duration)) : 0;
      return t;
    }""")
    # the tables' cells, a source cell as its keys (the versions may label a source differently)
    tables = {k: page.locator(f"#{k} table").evaluate(r"""t => [...t.rows].map(r => [...r.cells].map(c => c.dataset.col === 'source'
        ? [...c.querySelectorAll('a.src')].map(a => a.dataset.keys || a.dataset.key).join(';') : c.innerText).join('\t')).slice(1).join('\n')""")
              for k in ("members", "power")}
    context.close()
    return timing, tables


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    ap.add_argument("--files", action="store_true", help="also import the SIPRI files of $SCO_SHARED_DATA")
    ap.add_argument("--mode", choices=["live", "replayed", "fresh", "both", "all"], default="both",
                    help="live: the server answers; replayed: the warm-up run's API answers, at once; fresh: "
                         "servers started anew before each load; both: live and replayed; all: the three")
    ap.add_argument("--url-query", default="?org=SCO&date=2024-12-31&statuses=member&indicator=gdp")
    args = ap.parse_args()

    from browser_checks import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        with open_store(path) as store:
            if args.files:
                for name in FILES:
                    import_file(store, SHARED / name)
        trees = {"baseline": extract(args.baseline, Path(tmp) / "baseline"), "current": ROOT / "src"}
        servers = {k: start_server(src, path) for k, src in trees.items()}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                modes = {"both": ["live", "replayed"], "all": ["live", "replayed", "fresh"]}.get(args.mode, [args.mode])
                got = {(m, k): [] for m in modes for k in trees}
                seen: dict[str, dict] = {}
                records: dict[str, dict] = {k: {} for k in trees}
                for i in range(args.runs + 1):
                    for mode in modes if i else ["live"]:
                        if mode == "fresh":  # new processes: nothing cached, start-up warming just begun
                            for label, (proc, _) in list(servers.items()):
                                proc.terminate()
                                proc.wait(timeout=20)
                                servers[label] = start_server(trees[label], path)
                        for label, (_, url) in servers.items():
                            timing, tables = load(browser, url + "/" + args.url_query,
                                                  replay=records[label] if mode == "replayed" else None,
                                                  record=records[label] if i == 0 else None)
                            seen[label] = tables
                            if i:  # the first round warms both servers (DuckDB, plotly.js read from disk)
                                got[(mode, label)].append(timing)
                    if i == 0 and seen["baseline"] != seen["current"]:
                        raise SystemExit(f"the two versions show different tables: {json.dumps(seen)[:400]}")
                browser.close()
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=20)
    store_label = "fresh home (snapshot)" + (" + SIPRI milex and arms" if args.files else "")
    print(f"Dashboard first load, {store_label}, {args.url_query}, {args.runs} runs each, alternating, fresh context")
    for mode in modes:
        print(f"\n{mode}: " + {"live": "the API answered by the server",
                               "fresh": "the API answered by servers started just before the load",
                               "replayed": "the API answers of the warm-up run replayed at once (the page's own work)"}[mode])
        print(f"{'ms (median, worst)':46} {'baseline ' + args.baseline:>22} {'current':>18} {'baseline/current':>17}")
        for key, text in MEASURES:
            b = [t.get(key, 0.0) for t in got[(mode, "baseline")]]
            c = [t.get(key, 0.0) for t in got[(mode, "current")]]
            mb, mc = statistics.median(b), statistics.median(c)
            ratio = f"{mb / mc:16.2f}x" if mc and mb else f"{'—':>17}"
            print(f"{text:46} {mb:10.0f} {max(b):10.0f} {mc:9.0f} {max(c):8.0f} {ratio}")


if __name__ == "__main__":
    main()
