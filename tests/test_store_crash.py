"""Crash safety, measured: a writer killed with SIGKILL at any moment leaves a store that opens,
holds exactly what it held before, is cleaned of the dead write's files, and takes the import again.

Deterministic kills (fast): a child process kills itself right after writing its parquet files, and
right after its Delta commit but before the catalog commit. Random kills (slow): `sco import` of a
3M-row BACI-like file killed 20 times at random moments (half of them in the last 30% of the
estimated time to commit, where files are written and committed)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sco_observatory.ingest import import_file
from sco_observatory.store import open_store
from store_checks import assert_clean, fingerprint

REPO = Path(__file__).resolve().parents[1]

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


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


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


def _make_baci(target: Path, rows: int, seed: int) -> Path:
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_baci_sample.py"), str(target), "--rows", str(rows),
                    "--year", "2021", "--seed", str(seed)], check=True, capture_output=True, timeout=600)
    return next(target.glob("BACI_*.csv"))


def _sco(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sco_observatory", *args], env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_random_kill_9_of_a_3m_row_import(isolated_home, tmp_path):
    baci = _make_baci(tmp_path / "baci", 3_000_000, 7)
    new = tmp_path / "v2" / baci.name  # same source id, different content (last rows dropped)
    new.parent.mkdir()
    for codes in baci.parent.glob("country_codes_*.csv"):
        shutil.copy(codes, new.parent / codes.name)
    with open(baci) as src, open(new, "w") as dst:
        for n, line in enumerate(src):
            if n <= 2_900_000:
                dst.write(line)
    started = time.perf_counter()
    first = _sco(isolated_home, "import", str(baci))
    assert first.wait(timeout=900) == 0, first.stderr.read()
    full = time.perf_counter() - started  # estimate of an import's time to commit, lowered as kills land after it
    rows_of = {baci: 3_000_000, new: 2_900_000}
    with open_store() as store:
        held = fingerprint(store)
        committed = {baci: fingerprint(store, retrieved=False), new: None}
    current, target = baci, new
    rng = random.Random(20261201)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(20):
        # Half the kills anywhere in the import, half in its last part (files written, commits).
        delay = rng.uniform(0.3, full) if attempt % 2 == 0 else rng.uniform(0.7 * full, full)
        proc = _sco(isolated_home, "import", "--replace", str(target))  # v2 is smaller: the guard asks for --replace
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        assert code in (0, -signal.SIGKILL), proc.stderr.read()  # killed while importing, or already done
        with open_store() as store:
            state = fingerprint(store)
            assert_clean(store)
            if state == held:
                outcomes["before"] += 1
                continue
            # The kill came after the commit: the store holds exactly the target file's rows.
            rows = store.con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0]
            assert rows == rows_of[target]
            loose = fingerprint(store, retrieved=False)
            committed[target] = committed[target] or loose
            assert loose == committed[target]
            outcomes["after"] += 1
            held, current, target = state, target, current  # the next kills import the other version
            full = min(full, delay)  # the commit came before `delay`: aim the next kills inside the import
    print(f"20 SIGKILLs of a {rows_of[baci]:,}-row import (time to commit <= {full:.0f} s): {outcomes}")
    assert outcomes["before"] >= 8, outcomes  # most kills land inside the import
    done = _sco(isolated_home, "import", "--replace", str(target))
    assert done.wait(timeout=900) == 0, done.stderr.read()
    with open_store() as store:
        rows = store.con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0]
        assert rows == rows_of[target]
        if committed[target] is not None:
            assert fingerprint(store, retrieved=False) == committed[target]
        assert_clean(store)
