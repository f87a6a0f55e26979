"""Checks shared by the browser tests: console errors, horizontal overflow and axe-core.

The accessibility check injects the vendored axe-core (tests/fixtures/axe) and returns the violations
of impact "serious" or "critical" — the gate the dashboard and the report must pass.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "fixtures" / "axe" / "axe.min.js"
CHROMIUM = os.environ.get("SCO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BLOCKING = ("serious", "critical")
WAIT_MS = 120_000
"""How long a browser test waits for a page to draw: generous, because the slowest panels wait on the server's
heaviest queries (several seconds each on a loaded 2-core machine); a wait, never a timing assertion."""


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module; skipped where it is absent, but never in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}: .ci/run must install Debian's chromium package")
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium to run the browser tests)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def new_page(browser, width: int = 1320, height: int = 900):
    """A page that records console errors (with the failing URL) and uncaught exceptions."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def download(page, name: str) -> tuple[str, bytes]:
    """Click the button named `name`; the file it saves (suggested name, bytes). A click that saves
    nothing fails the test."""
    with page.expect_download(timeout=30000) as info:
        page.get_by_role("button", name=name, exact=True).click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def overflowing(page) -> list[str]:
    """Elements that stick out of the viewport to the right, outside any horizontally scrolling box.

    A wide table inside an `overflow-x:auto` panel is fine (the panel scrolls); the page itself must
    never need a horizontal scroll bar.
    """
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth, out = [];
      if (document.documentElement.scrollWidth > width + 1) out.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
      for (const e of document.querySelectorAll('body *')) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) continue;
        let p = e.parentElement, scrolled = false;
        while (p && p !== document.body) {
          const s = getComputedStyle(p);
          if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) { scrolled = true; break; }
          p = p.parentElement;
        }
        if (!scrolled) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} right=${Math.round(r.right)}`);
      }
      return out.slice(0, 10);
    }""")


def axe_violations(page, selector: str | None = None) -> list[str]:
    """Serious or critical axe-core violations on the page (or inside `selector`), one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async (sel) => {
      const r = await axe.run(sel ? document.querySelector(sel) : document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", selector)
    return [f"{v['impact']}: {v['id']} — {v['help']} at {v['nodes']}" for v in result if v["impact"] in BLOCKING]
