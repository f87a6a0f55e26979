"""The one-pass import (issue #17): a BACI year is read, mapped, checked and written in one statement.

What must not change: the rows stored, the skip counts and the messages are those of the staged
path (`base._stage_and_swap`), which the one pass hands a file to when a row fails or a key
repeats; nothing is visible before the commit; the scratch files never outlive the import, and a
writer killed after writing them leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import base, import_file
from sco_observatory.store import open_store
from store_checks import assert_clean, fingerprint

pytestmark = pytest.mark.usefixtures("embedded_only")

CODES = ("country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n643,Russia,RU,RUS\n"
         "156,China,CN,CHN\n490,\"Other Asia, nes\",,S19\n129,\"Caribbean, nes\",,\n")
ROWS = ["2012,398,643,270900,1.5,1", "2012,643,398,10121,2.25,1", "2012,156,398,847130,1000,3",
        "2012,490,156,847130,7,1",  # 490 'Other Asia, nes' is Taiwan (comtrade_codes.csv)
        "2012,398,129,270900,4,1",  # a 'nes' area: dropped and counted
        "2012,398,156,270900,0,0"]


def _baci(folder: Path, rows: list[str], year: int = 2012) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "country_codes_V202401b.csv").write_text(CODES)
    path = folder / f"BACI_HS17_Y{year}_V202401b.csv"
    path.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    return path


def _import(path: Path, *, one_pass: bool, monkeypatch, **kwargs):
    with monkeypatch.context() as patch:
        if not one_pass:
            patch.setattr(base, "one_pass_ready", lambda plan: False)
        with open_store() as store:
            result = import_file(store, path, **kwargs)
            rows = store.con.execute("SELECT * FROM trade WHERE source_id LIKE 'baci:%' ORDER BY ALL").fetchall()
            assert_clean(store)
            assert not list(store.tmp.glob("import-*"))  # the scratch directory is gone
    return result, rows


def test_one_pass_stores_what_the_staged_path_stores(tmp_path, monkeypatch, isolated_home):
    path = _baci(tmp_path / "in", ROWS)
    fast, fast_rows = _import(path, one_pass=True, monkeypatch=monkeypatch)
    assert "read, map, check, write (one pass)" in fast.phases
    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(tmp_path / "other"))
    staged, staged_rows = _import(path, one_pass=False, monkeypatch=monkeypatch)
    assert "read (staging table)" in staged.phases
    assert fast_rows == staged_rows and len(fast_rows) == 5
    assert ("TWN", "CHN", 2012, "X", "847130", 7000.0, "FOB", False, "baci:BACI_HS17_Y2012_V202401b") in fast_rows
    assert ("RUS", "KAZ", 2012, "X", "010121", 2250.0, "FOB", False, "baci:BACI_HS17_Y2012_V202401b") in fast_rows
    assert fast.skipped == staged.skipped == {"rows with a 'nes' area or customs union as exporter or importer": 1}
    assert fast.summary() == staged.summary()


def test_a_bad_row_is_named_by_the_staged_path(tmp_path, monkeypatch):
    before_rows = ROWS[:3]
    good = _baci(tmp_path / "good", before_rows)
    with open_store() as store:
        import_file(store, good)
        before = fingerprint(store)
    for bad, message in [("2012,398,643,270901,-2,1", r":5: negative value_usd"),
                         ("2012,398,999,270901,2,1", r":5: unknown country 'BACI code 999' in column partner"),
                         ("2012,398,643,1234567,2,1", r":5: product code k must be an HS6 code"),
                         ("2012,398,643,270901,2", r":5: malformed CSV")]:
        path = _baci(tmp_path / "bad", before_rows + [bad])
        with open_store() as store, pytest.raises(ImportFormatError, match=message):
            import_file(store, path, replace=True)
        with open_store() as store:
            assert fingerprint(store) == before
            assert_clean(store)
            assert not list((store.root / "tmp").rglob("import-*"))


def test_repeated_keys_go_to_the_exact_check(tmp_path, monkeypatch):
    repeated = _baci(tmp_path / "same", ROWS + [ROWS[0]])
    result, rows = _import(repeated, one_pass=True, monkeypatch=monkeypatch)
    assert len(rows) == 5 and result.skipped["identical duplicate rows"] == 1
    conflicting = _baci(tmp_path / "conflict", ROWS + ["2012,398,643,270900,9.5,1"], year=2013)
    with open_store() as store, pytest.raises(ImportFormatError, match=r"duplicate key \(KAZ, RUS, 2012, X, 270900\) "
                                                                       r"with conflicting values \(first at line 2\)"):
        import_file(store, conflicting)


def test_the_guard_sees_the_written_rows(tmp_path, monkeypatch):
    with open_store() as store:
        import_file(store, _baci(tmp_path / "v1", ROWS))
        before = fingerprint(store)
    smaller = _baci(tmp_path / "v2", ROWS[:2])
    with open_store() as store, pytest.raises(ImportFormatError, match=r"refused to replace .* fewer rows \(5 -> 2\)"):
        import_file(store, smaller)
    with open_store() as store:
        assert fingerprint(store) == before
        assert_clean(store)
        again = import_file(store, smaller, replace=True)
        assert again.status == "replaced" and again.rows == 2 and "adopt files" in again.phases


KILL_AT = """
import os, signal, sys
from pathlib import Path
from sco_observatory.ingest import import_file
from sco_observatory.store import catalog, lake, open_store
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
setattr({"written": lake, "adopted": lake, "delta": catalog.Catalog}[sys.argv[1]],
        {"written": "adopt_files", "adopted": "commit", "delta": "commit"}[sys.argv[1]], die)
import_file(open_store(), Path(sys.argv[2]), replace=True)
"""


@pytest.mark.parametrize("where", ["written", "adopted", "delta"])
def test_kill_9_after_each_step_of_the_one_pass_leaves_the_store_as_it_was(tmp_path, isolated_home, where):
    """Killed with the scratch files written, with them moved into the table, or between the Delta
    and the catalog commits: the store opens as it was, with no file of the dead write left."""
    rows = [f"2012,{a},{b},{k:06d},{1 + k % 5}.5,1" for k in range(3000) for a, b in [(398, 643), (643, 156)]]
    first = _baci(tmp_path / "v1", rows)
    with open_store() as store:
        import_file(store, first)
        before = fingerprint(store)
    second = _baci(tmp_path / "v2", rows[:-10])
    env = {**os.environ, "SCO_OBSERVATORY_HOME": str(isolated_home)}
    done = subprocess.run([sys.executable, "-c", KILL_AT, where, str(second)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = list((isolated_home / "store").rglob("*.parquet"))
    assert any("import-" in str(p) for p in left) if where == "written" else len(left) > 1
    with open_store() as store:  # recovery runs on open
        assert fingerprint(store) == before
        assert_clean(store)
        assert not list((store.root / "tmp").rglob("import-*"))
        again = import_file(store, second, replace=True)
        assert again.status == "replaced" and again.rows == len(rows) - 10
        assert_clean(store)
