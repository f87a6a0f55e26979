"""Shared fixtures: an isolated store per test, and the shared real data folder (skip if absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sco_observatory import config

REPO = Path(__file__).resolve().parents[1]


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
