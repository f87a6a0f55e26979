"""Old single-file stores keep working: a schema v1/v2 `observatory.duckdb` built by the previous
release's code path (DuckDB tables, the v1+v2 DDL, `Store.replace_source` on DuckDB) is migrated on
first open with every row and every source (sha256, retrieval time) as it was; the old file is kept."""

from __future__ import annotations

import duckdb
import pytest

from sco_observatory import config
from sco_observatory.ingest import import_file
from sco_observatory.store.embedded import seed_embedded
from sco_observatory.store import Store, open_store
from sco_observatory.store.schema import COLUMNS, MIGRATIONS

LEGACY_TABLES = ("indicator", "trade", "migration")  # the tables a v2 store has


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


def build_v2_store(path, files) -> None:
    """A store exactly as the single-file release wrote it: DuckDB file, DDL v1 then v2, same load path."""
    con = duckdb.connect(str(path))
    for version in (1, 2):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    legacy = Store(con, path)
    seed_embedded(legacy)
    for file in files:
        import_file(legacy, file)
    legacy.close()


def dump(con) -> dict[str, list]:
    out = {t: con.execute(f"SELECT {', '.join(COLUMNS[t])} FROM {t} ORDER BY ALL").fetchall() for t in LEGACY_TABLES}
    out["source"] = con.execute(
        """SELECT source_id, title, publisher, year, url, licence, citation, retrieved, sha256, file_name, format,
                  table_name, rows FROM source ORDER BY source_id""").fetchall()
    return out


def test_v2_store_with_real_files_migrates_with_nothing_lost(isolated_home, shared_data):
    wdi = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    dots = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    isolated_home.mkdir(parents=True)
    legacy = isolated_home / config.STORE_FILE
    build_v2_store(legacy, [wdi, dots])
    con = duckdb.connect(str(legacy), read_only=True)
    before = dump(con)
    con.close()
    assert len(before["trade"]) > 100_000 and len(before["source"]) == 5

    with open_store() as store:
        after = dump(store.con)
        assert after == before  # every row of every table, every source with its sha256 and retrieval time
        assert store.table_files("trade")
    assert not legacy.exists()
    assert (isolated_home / f"{config.STORE_FILE}.v2-migrated").exists()  # kept, renamed
    with open_store() as store:  # opened again: not migrated twice, same import is a no-op
        assert dump(store.con) == before
        assert import_file(store, wdi).status == "unchanged"


def test_v1_store_migrates(tmp_path):
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO source VALUES ('x', 't', 'p', NULL, NULL, NULL, NULL, TIMESTAMP '2020-01-02 03:04:05', "
                "'h', NULL, 'f', 'trade', 1)")
    con.execute("INSERT INTO trade VALUES ('KAZ', 'RUS', 2012, 'X', 'TOTAL', 6.7e9, 'FOB', FALSE, 'x')")
    con.close()
    with open_store(path, read_only=True) as store:
        assert store.con.execute("SELECT value_usd FROM trade WHERE source_id = 'x'").fetchone()[0] == 6.7e9
        assert str(store.con.execute("SELECT retrieved FROM source").fetchone()[0]) == "2020-01-02 03:04:05"
    assert (tmp_path / "v1.store" / "catalog.sqlite").exists()
    assert (tmp_path / "v1.duckdb.v1-migrated").exists()


def test_unreadable_old_store_is_one_line(tmp_path):
    from sco_observatory.errors import StoreError

    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"not a duckdb file at all" * 100)
    with pytest.raises(StoreError, match="cannot read the old store"):
        open_store(path)
    assert path.exists()
