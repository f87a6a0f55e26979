"""Housekeeping of the store: vacuum deletes the files of replaced data that no pinned reader needs,
and the leftovers of a dead process (spill directories, delta-rs commit temporaries, parquet files no
commit knows) are removed by the next open or the next write."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sco_observatory.cli import main
from sco_observatory.errors import StoreError
from sco_observatory.ingest import import_file
from sco_observatory.store import open_store
from sco_observatory.store.vacuum import protected_commits, vacuum
from store_checks import assert_clean, fingerprint

pytestmark = pytest.mark.usefixtures("embedded_only")

SOURCE_DIR = "source_id=wdi%3ANY.GDP.MKTP.CD"


def _versions(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The real WDI GDP file and a new version of it (one value changed, same rows): a replacement."""
    first = tmp_path / "v1" / "ny.gdp.mktp.cd.csv"
    second = tmp_path / "v2" / "ny.gdp.mktp.cd.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    shutil.copy(shared_data / "wdi" / "ny.gdp.mktp.cd.csv", first)
    lines = first.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    fields = lines[-1].rstrip("\n").split(",")
    fields[-1] = str(float(fields[-1] or 1) * 1.5)
    second.write_text("".join(lines[:-1]) + ",".join(fields) + "\n", encoding="utf-8")
    return first, second


def _source_files(store) -> set[Path]:
    return set((store.table_root("indicator") / SOURCE_DIR).rglob("*.parquet"))


def _read_files(store) -> int:
    """Rows of the pinned snapshot's indicator files, read from disk (not from the reader's memory copy)."""
    files = store.table_files("indicator")
    assert all(Path(f).is_file() for f in files)
    return duckdb.sql(f"SELECT count(*) FROM read_parquet({files!r}, hive_partitioning = true)").fetchall()[0][0]


def test_vacuum_deletes_replaced_files_and_keeps_what_readers_are_pinned_to(shared_data, tmp_path):
    first, second = _versions(shared_data, tmp_path)
    with open_store() as store:
        import_file(store, first)
        old = _source_files(store)
        with open_store(read_only=True) as old_reader:  # pinned to the commit holding v1
            assert import_file(store, second).status == "replaced"
            new = _source_files(store) - old
            assert old and new and _source_files(store) == old | new  # the replacement left v1's files
            # The defaults keep the newest 2 commits: the old reader's commit is one of them.
            kept = vacuum(store, retention=dt.timedelta(0))
            assert kept.files == {} and _source_files(store) == old | new
            assert _read_files(old_reader) == old_reader.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
            # A retention of an hour keeps them too: v1's commit was the newest a moment ago.
            assert vacuum(store, keep_commits=1).files == {}
            with open_store(read_only=True) as reader:  # pinned to the current commit
                before = fingerprint(reader)
                dry = vacuum(store, keep_commits=1, retention=dt.timedelta(0), dry_run=True)
                assert dry.files == {"indicator": len(old)} and _source_files(store) == old | new
                done = vacuum(store, keep_commits=1, retention=dt.timedelta(0))
                assert done.files == {"indicator": len(old)} and done.bytes["indicator"] > 0
                assert _source_files(store) == new  # v1's files are gone, v2's are all there
                assert fingerprint(reader) == before
                assert _read_files(reader) == reader.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
        assert_clean(store)
        after = fingerprint(store)
    with open_store() as store:  # a fresh open reads the same rows from the remaining files
        assert fingerprint(store) == after
        assert vacuum(store, keep_commits=1, retention=dt.timedelta(0)).files == {}


def test_protected_commits_rules():
    t = dt.datetime(2026, 12, 1, 12)
    history = [(0, t - dt.timedelta(days=3), {}, "created"), (1, t - dt.timedelta(days=2), {"trade": 1}, "replace a"),
               (2, t - dt.timedelta(hours=2), {"trade": 2}, "replace a"), (3, t - dt.timedelta(minutes=30), {"trade": 3}, "replace a")]
    assert protected_commits(history, 1, dt.timedelta(0), now=t) == [3]
    assert protected_commits(history, 2, dt.timedelta(0), now=t) == [2, 3]
    # commit 2 was the newest until 30 minutes ago; commit 1 until 2 hours ago
    assert protected_commits(history, 1, dt.timedelta(hours=1), now=t) == [2, 3]
    assert protected_commits(history, 1, dt.timedelta(hours=3), now=t) == [1, 2, 3]
    # a vacuum's commit (same files) does not count towards the newest N
    after = history + [(4, t - dt.timedelta(minutes=10), {"trade": 5}, "vacuum")]
    assert protected_commits(after, 2, dt.timedelta(0), now=t) == [2, 3, 4]
    with pytest.raises(StoreError):
        protected_commits(history, 0, dt.timedelta(0), now=t)


def test_data_vacuum_command(shared_data, tmp_path, capsys):
    first, second = _versions(shared_data, tmp_path)
    assert main(["import", str(first)]) == 0
    assert main(["import", str(second)]) == 0
    capsys.readouterr()
    assert main(["data", "vacuum", "--keep-commits", "1", "--retention-hours", "0"]) == 0
    out = capsys.readouterr().out
    assert "deleted 1 file(s)" in out and "indicator 1" in out
    code = main(["data", "vacuum", "--keep-commits", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "keep-commits" in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _leave_leftovers(root: Path) -> list[Path]:
    """What a process killed mid-write leaves: a spill directory, a delta-rs commit temp file, an untracked parquet file."""
    spill = root / "tmp" / f"{_dead_pid()}-deadbeef"
    spill.mkdir(parents=True)
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 4096)
    log = root / "tables" / "indicator" / "_delta_log"
    temp = log / "_commit_0f0e0d0c.json.tmp"
    temp.write_text("{}")
    stray = root / "tables" / "indicator" / "source_id=user%3Agone" / "part-0000.parquet"
    stray.parent.mkdir(parents=True)
    duckdb.sql(f"COPY (SELECT 1 AS x) TO '{stray}' (FORMAT parquet)")
    return [spill, temp, stray]


def test_leftover_temporary_files_are_cleaned_by_the_next_open_and_the_next_write(shared_data, isolated_home):
    with open_store() as store:
        before = fingerprint(store)
        root = store.root
    leftovers = _leave_leftovers(root)
    with open_store() as store:  # the next open (writer lock free) recovers
        assert not any(p.exists() for p in leftovers), [p for p in leftovers if p.exists()]
        assert fingerprint(store) == before
        assert_clean(store)
        leftovers = _leave_leftovers(root)  # left while this store is open: the next write cleans them
        import_file(store, shared_data / "wdi" / "ny.gdp.mktp.cd.csv")
        assert not any(p.exists() for p in leftovers), [p for p in leftovers if p.exists()]
        assert_clean(store)
