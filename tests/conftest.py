"""Shared fixtures: an isolated store per test, and the shared real data folder (skip if absent); and
the order in which pytest-xdist hands the test modules to its workers (longest first)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sco_observatory import config

REPO = Path(__file__).resolve().parents[1]

# Seconds per module, idle 2-core machine, 2 xdist workers: session 7's runs (docs/testing.md) — the
# per-module sums of `--durations=0` under load, scaled to the idle times of the modules measured
# both ways. A scheduling hint only, so a wrong or missing entry costs wall time, never a result.
# Modules not listed are estimated by `_estimate` (which overrates browser modules: listed here).
MODULE_SECONDS = {
    "test_fuzz_cli.py": 85, "test_engine_spark.py": 60, "test_store_crash.py": 50, "test_labels.py": 30,
    "test_browser_panels.py": 35, "test_browser_pdf.py": 30, "test_snapshot.py": 30, "test_store_load.py": 30,
    "test_bench_metrics_quick.py": 25, "test_trade_flagged.py": 20, "test_sources_bounds.py": 20,
    "test_cli_formats.py": 20, "test_browser.py": 18, "test_packaging_wheel.py": 15, "test_browser_power.py": 15,
    "test_api.py": 14, "test_store_crash_commit.py": 12, "test_typing.py": 10, "test_report_asof.py": 11,
    "test_browser_report.py": 10, "test_docs_site.py": 9, "test_report_no_pandas.py": 7, "test_lang.py": 5,
    "test_ingest_files.py": 5, "test_import_fixed_cost.py": 3, "test_web_dashboard_api.py": 1,
}
MARKED_SECONDS, UNMARKED_SECONDS = 15.0, 0.3
"""The estimate of one test marked slow, browser or spark, and of any other test."""


def _estimate(name: str, items: list) -> float:
    if name in MODULE_SECONDS:
        return MODULE_SECONDS[name]
    marked = sum(any(item.get_closest_marker(m) for m in ("slow", "browser", "spark")) for item in items)
    return marked * MARKED_SECONDS + (len(items) - marked) * UNMARKED_SECONDS


def pytest_collection_modifyitems(config, items):
    """Modules longest first, each module's tests in their own order (pyproject runs `--dist loadscope
    --no-loadscope-reorder`: xdist then hands the modules out in this order).

    Why: with two workers the wall time is at least max(longest module, total / 2), and it reaches
    that only when the long modules start first and the short ones fill in at the end (longest
    processing time first). xdist's own reordering, by the number of tests, started the 3-test crash
    module near the end. The sort is stable and depends only on the collection, so every worker
    collects the same order (xdist checks that)."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(modules, key=lambda m: -_estimate(Path(m).name, modules[m]))
    items[:] = [item for module in order for item in modules[module]]


def _shared_data() -> Path:
    env = os.environ.get("SCO_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (or $SCO_SHARED_DATA); tests using it skip with the reason where it is absent."""
    path = _shared_data()
    if not path.is_dir():
        pytest.skip(f"real data folder {path} is absent (set SCO_SHARED_DATA to run these tests)")
    return path


@pytest.fixture(scope="session")
def dots_data(shared_data) -> Path:
    """The shared data folder, for tests that read its IMF DOTS files; skips with the reason where
    trade_imf_dots/ is absent."""
    if not (shared_data / "trade_imf_dots").is_dir():
        pytest.skip(f"the IMF DOTS files ({shared_data / 'trade_imf_dots'}) are absent")
    return shared_data


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own data directory, so no test touches a user's store."""
    home = tmp_path / "home"
    monkeypatch.setenv(config.HOME_ENV, str(home))
    config.set_home(None)
    yield home
    config.set_home(None)


@pytest.fixture
def ledger_copy(tmp_path) -> Path:
    """A writable copy of the shipped knowledge-base ledger, for tests that break it on purpose."""
    import shutil

    from sco_observatory.kb.model import FILES, default_directory

    target = tmp_path / "kb"
    target.mkdir()
    for name in FILES:
        shutil.copy(default_directory() / name, target / name)
    return target


@pytest.fixture
def store():
    """A fresh in-memory store seeded with the embedded default."""
    from sco_observatory.store import open_memory_store

    s = open_memory_store()
    yield s
    s.close()


@pytest.fixture
def embedded_only(monkeypatch):
    """Stores opened in this test hold the report's embedded tables only, not the open-data snapshot.

    For tests whose point is a fallback (no SIPRI → IISS) or an import into a store that lacks the source.
    """
    monkeypatch.setenv("SCO_SNAPSHOT_DIR", "")
