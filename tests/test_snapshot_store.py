"""A store references the embedded snapshot: nothing copied, user imports override, upgrades refresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sco_observatory import config, snapshot
from sco_observatory.cli import main
from sco_observatory.ingest import import_file
from sco_observatory.store import open_memory_store, open_store
from sco_observatory.store import snapshot_refs

SHIPPED = Path(snapshot.__file__).parent / "data" / "snapshot"


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_fresh_store_holds_snapshot_and_report_without_copying(isolated_home):
    with open_store() as store:
        ids = {r[0] for r in store.con.execute("SELECT source_id FROM source").fetchall()}
        assert "wdi:SP.POP.TOTL" in ids and "imf-dots:dots_focus_reporters_1990_2020" in ids
        assert "embedded:iiss-mb2013" in ids  # the report's tables are still seeded
        expected = {s["source_id"]: s["rows"] for s in snapshot.sources()}
        counts = dict(store.con.execute("SELECT source_id, count(*) FROM trade GROUP BY 1").fetchall())
        for sid, n in counts.items():
            assert n == expected[sid]
        # referenced, not copied: the store's own tables hold only the embedded seed
        own = {p.name for p in (config.store_path() / "tables" / "indicator").iterdir() if p.name.startswith("source_id=")}
        assert all("embedded" in name for name in own)
        assert any(str(SHIPPED) in f for f in store.table_files("trade"))
        assert store.con.execute("SELECT max(year) FROM trade").fetchone()[0] == 2023  # KGZ national
        assert snapshot_refs.recorded_version(store.catalog) == snapshot.version()


def test_user_import_of_a_snapshot_source_overrides_it(isolated_home, tmp_path):
    path = tmp_path / "sp.pop.totl.csv"
    path.write_text("Country Name,Country Code,Year,Value\nKazakhstan,KAZ,2020,1\nKyrgyzstan,KGZ,2020,2\n")
    with open_store() as store:
        before = store.con.execute("SELECT count(*) FROM indicator WHERE source_id = 'wdi:SP.POP.TOTL'").fetchone()[0]
        assert before > 10000
        result = import_file(store, path, replace=True)
        assert result.source_id == "wdi:SP.POP.TOTL"
        rows = store.con.execute(
            "SELECT iso3, value FROM indicator WHERE source_id = 'wdi:SP.POP.TOTL' ORDER BY iso3").fetchall()
        assert rows == [("KAZ", 1.0), ("KGZ", 2.0)]
        assert all(str(SHIPPED) not in f or "SP.POP.TOTL" not in f for f in store.table_files("indicator"))
    with open_store() as store:  # and again after reopening: the catalog's source wins
        assert store.con.execute(
            "SELECT count(*) FROM indicator WHERE source_id = 'wdi:SP.POP.TOTL'").fetchone()[0] == 2
        assert "wdi:SP.POP.TOTL" not in store.snapshot_ids


def test_data_list_shows_publisher_vintage_licence_origin(isolated_home, capsys):
    rc, out, _ = _run(capsys, "data", "list", "--format", "json")
    assert rc == 0
    rows = {r["source"]: r for r in json.loads(out)}
    dots = rows["imf-dots:dots_focus_reporters_1990_2020"]
    assert dots["publisher"] == "International Monetary Fund" and dots["vintage"] == "1990-2020"
    assert "attribution" in dots["licence"] and dots["origin"] == f"snapshot {snapshot.version()}"
    assert rows["embedded:iiss-mb2013"]["origin"] == "embedded"


def test_memory_store_snapshot_is_opt_in():
    with open_memory_store() as bare:
        assert bare.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0
    with open_memory_store(snapshot=True) as full:
        expected = sum(s["rows"] for s in snapshot.sources() if s["table"] == "trade")
        assert full.con.execute("SELECT count(*) FROM trade").fetchone()[0] == expected


def test_no_snapshot_env_gives_embedded_only(isolated_home, monkeypatch):
    monkeypatch.setenv(snapshot.ENV_DIR, "")
    with open_store() as store:
        assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0


def _older_snapshot(tmp_path: Path) -> Path:
    """A copy of the shipped snapshot as an older release would have shipped it: one source fewer, another version."""
    old = tmp_path / "old-snapshot"
    shutil.copytree(SHIPPED, old, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = json.loads((old / snapshot.MANIFEST).read_text(encoding="utf-8"))
    manifest["version"] = "older-release"
    for ds in manifest["datasets"]:
        ds["sources"] = [s for s in ds.get("sources", []) if s["source_id"] != "national:KGZ-nsc"]
    (old / snapshot.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return old


@pytest.mark.parametrize("previous", ["older-snapshot", "embedded-only"])
def test_upgrade_moves_a_store_to_the_package_snapshot(isolated_home, tmp_path, monkeypatch, previous):
    monkeypatch.setenv(snapshot.ENV_DIR, str(_older_snapshot(tmp_path)) if previous == "older-snapshot" else "")
    mine = tmp_path / "mine.csv"
    mine.write_text("iso3,year,code,value\nKAZ,2012,MY.X,1\n")
    with open_store() as store:  # the store as the previous release left it, with a user import
        import_file(store, mine, source_title="Mine")
        assert store.con.execute("SELECT count(*) FROM trade WHERE source_id = 'national:KGZ-nsc'").fetchone()[0] == 0
        recorded = snapshot_refs.recorded_version(store.catalog)
        assert recorded == ("older-release" if previous == "older-snapshot" else None)
        commits = store.catalog.head()
    monkeypatch.delenv(snapshot.ENV_DIR)  # the new release's package
    with open_store() as store:
        assert snapshot_refs.recorded_version(store.catalog) == snapshot.version()
        kgz = store.con.execute("SELECT count(*) FROM trade WHERE source_id = 'national:KGZ-nsc'").fetchone()[0]
        assert kgz == next(s["rows"] for s in snapshot.sources() if s["source_id"] == "national:KGZ-nsc")
        assert store.con.execute("SELECT value FROM indicator WHERE code = 'MY.X'").fetchall() == [(1.0,)]
        assert store.catalog.head() == commits  # no data moved: the user's commits are untouched
