"""Copy the dashboard's partial plotly.js bundle from npm into the package (web/static/plotly-cartesian.min.js).

Why: the dashboard draws only `bar`, `scatter` and `heatmap` traces (its map is an SVG of the offline
Natural Earth geometry, not a plotly geo trace), so the full plotly.js that the Python package embeds
(4.8 MB, ~1 s to parse on this machine) is mostly dead weight on the first load. plotly's own "cartesian"
distribution (`plotly.js-cartesian-dist-min`, MIT; traces bar, box, contour, heatmap, histogram*, image,
pie, scatter, scatterternary, violin) is 1.4 MB and has the same API (`Plotly.react`, `Plotly.toImage`).
The version is pinned in package.json / package-lock.json (same major as the plotly.js inside the Python
plotly package, which the report inlines); the built file is committed, so installing the Python package
needs no npm.

Usage (from the repository root):
    npm ci --ignore-scripts            # installs the pinned bundle into ./node_modules (integrity-checked)
    python scripts/build_plotly.py     # copies it and writes PLOTLY.md (version, licence, sha256)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "sco_observatory" / "web" / "static"
PACKAGE = "plotly.js-cartesian-dist-min"
FILE = "plotly-cartesian.min.js"
TRACES_USED = ("bar", "scatter", "heatmap")  # what web/static/dashboard.js draws (checked by tests/test_browser_assets.py)


def main() -> None:
    source = ROOT / "node_modules" / PACKAGE
    meta = json.loads((source / "package.json").read_text("utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text("utf-8"))
    pinned = lock["packages"][f"node_modules/{PACKAGE}"]["version"]
    if meta["version"] != pinned:
        raise SystemExit(f"node_modules holds {PACKAGE} {meta['version']}, package-lock.json pins {pinned}: run `npm ci`")
    target = STATIC / FILE
    shutil.copyfile(source / FILE, target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    (STATIC / "PLOTLY.md").write_text(
        f"# plotly.js bundle of the dashboard\n\n`{FILE}` is `{FILE}` of the npm package `{PACKAGE}` {meta['version']} "
        f"(Plotly, Inc., {meta['license']} licence), copied unchanged by `scripts/build_plotly.py` "
        f"(version pinned in package.json and package-lock.json).\n\n"
        f"It holds plotly's cartesian trace types; the dashboard uses {', '.join(TRACES_USED)}. "
        f"SHA-256: `{digest}` ({target.stat().st_size:,} bytes).\n", "utf-8")
    print(f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {digest[:12]}…) and PLOTLY.md")


if __name__ == "__main__":
    main()
