"""Crash safety at the two commit steps, deterministic: a child process kills itself with SIGKILL right
after writing its parquet files, and right after its Delta commit but before the catalog commit; the
store then opens holding exactly what it held, is cleaned of the dead write's files, and takes the
import again. (Kills from outside, at seeded moments inside each phase of a real `sco import`, are in
tests/test_store_crash.py; the two modules are split so pytest-xdist can run them side by side.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sco_observatory.ingest import import_file
from sco_observatory.store import open_store
from store_checks import assert_clean, fingerprint


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


def _env(home: Path) -> dict:
    return {**os.environ, "SCO_OBSERVATORY_HOME": str(home)}


KILL_AT = """
import os, signal, sys
from pathlib import Path
from sco_observatory.ingest import import_file
from sco_observatory.store import catalog, lake, open_store
where = sys.argv[1]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if where == "after-files":
    lake.commit = die
else:
    catalog.Catalog.commit = die
store = open_store()
import_file(store, Path(sys.argv[2]))
"""




def _env(home: Path) -> dict:
    return {**os.environ, "SCO_OBSERVATORY_HOME": str(home)}


@pytest.mark.parametrize("where", ["after-files", "between-delta-and-catalog"])
def test_kill_at_the_commit_steps_leaves_the_store_as_it_was(isolated_home, shared_data, where, tmp_path):
    first = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    dots = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    with open_store() as store:
        import_file(store, first)
        import_file(store, dots)
        before = fingerprint(store)
    changed = tmp_path / dots.name  # a new version of the file: replaces the source's rows
    changed.write_text("".join(dots.read_text().splitlines(keepends=True)[:-1]))  # last row dropped
    done = subprocess.run([sys.executable, "-c", KILL_AT, where, str(changed)], env=_env(isolated_home),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    root = isolated_home / "store" / "tables" / "trade"
    assert len(list(root.rglob("*.parquet"))) > 31  # the dead write left its files
    with open_store() as store:  # recovery runs on open (the lock is free)
        assert fingerprint(store) == before
        assert_clean(store)
        again = import_file(store, changed)
        assert again.status == "replaced" and again.rows > 100_000
        assert_clean(store)
