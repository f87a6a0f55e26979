"""The store: schema version, provenance on every row, the embedded default, home directory override,
settings validation, and the interface other engines read it through (table_files/root, catalog_arrow)."""

import sqlite3

import duckdb
import pyarrow.parquet as pq
import pytest

from sco_observatory import config
from sco_observatory.errors import StoreError
from sco_observatory.store import open_memory_store, open_store
from sco_observatory.store.schema import COLUMNS, SCHEMA_VERSION


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


def test_fresh_store_is_seeded_and_versioned(isolated_home):
    with open_store() as store:
        assert store.schema_version() == SCHEMA_VERSION
        sources = set(store.sources()["source_id"])
        assert {"embedded:iiss-mb2013", "embedded:wb2014-report", "embedded:koldunova2014"} <= sources
        orphans = store.con.execute(
            "SELECT count(*) FROM indicator WHERE source_id NOT IN (SELECT source_id FROM source)"
        ).fetchone()[0]
        assert orphans == 0
    assert (isolated_home / config.STORE_DIR / "catalog.sqlite").exists()
    assert (isolated_home / config.STORE_DIR / "tables" / "indicator" / "_delta_log").is_dir()


def test_every_data_table_of_columns_is_a_view(isolated_home):
    with open_store() as store:
        for table, columns in COLUMNS.items():
            described = [r[0] for r in store.con.execute(f"DESCRIBE {table}").fetchall()]
            assert described == list(columns)


def test_embedded_default_in_canonical_units(store):
    value = store.con.execute(
        "SELECT value FROM indicator WHERE iso3='CHN' AND year=2012 AND code='MS.MIL.XPND.CD'"
    ).fetchone()[0]
    assert value == 102_436e6  # IISS Military Balance 2013 via the report: US$ 102,436 m
    land = store.con.execute("SELECT value FROM indicator WHERE iso3='RUS' AND code='AG.LND.TOTL.K2'").fetchone()[0]
    assert land == pytest.approx(16.37e6)
    troops = store.con.execute("SELECT value FROM indicator WHERE iso3='IND' AND code='MS.MIL.TOTL.P1'").fetchone()[0]
    assert troops == 1_325_000


def test_file_store_embedded_default_equals_memory_store(isolated_home):
    query = "SELECT * FROM indicator ORDER BY ALL"
    with open_store() as disk, open_memory_store() as memory:
        assert disk.con.execute(query).fetchall() == memory.con.execute(query).fetchall()


def test_reopening_does_not_reseed_or_duplicate(isolated_home):
    with open_store() as store:
        n = store.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
        head = store.snapshot.commit_id
    with open_store() as store:
        assert store.con.execute("SELECT count(*) FROM indicator").fetchone()[0] == n
        assert store.snapshot.commit_id == head


def test_home_override(tmp_path):
    config.set_home(tmp_path / "elsewhere")
    with open_store():
        pass
    assert (tmp_path / "elsewhere" / config.STORE_DIR / "catalog.sqlite").exists()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s"
    open_store(path).close()
    con = sqlite3.connect(str(path / "catalog.sqlite"))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_read_only_open_on_fresh_machine_still_has_default(tmp_path):
    with open_store(tmp_path / "ro", read_only=True) as store:
        assert not store.is_empty()
        with pytest.raises(StoreError, match="read-only"):
            with store.transaction():
                pass


def test_constraints_of_the_schema_still_hold(tmp_path):
    from sco_observatory.store import SourceMeta

    with open_store(tmp_path / "s") as store:
        before = store.snapshot.commit_id
        with pytest.raises(duckdb.ConstraintException):
            with store.transaction() as con:
                con.execute("CREATE TEMP TABLE bad AS SELECT 'KAZ' AS reporter, 'RUS' AS partner, 2012 AS year, "
                            "'X' AS flow, 'TOTAL' AS product, -1.0 AS value_usd, 'FOB' AS valuation, FALSE AS estimate")
                store.replace_source(SourceMeta("x", "t", "p", "f", "trade"), "bad")
        assert store.snapshot.commit_id == before
        assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0
        assert list(store.table_root("trade").rglob("*.parquet")) == []


@pytest.mark.parametrize("value", ["1GB'; DROP TABLE source; --", "lots", "10KB", "9TB", ""])
def test_bad_memory_limit_is_one_line_naming_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv(config.MEMORY_ENV, value)
    with pytest.raises(StoreError, match=config.MEMORY_ENV):
        open_store(tmp_path / "s")


def test_memory_limit_reaches_duckdb(monkeypatch, tmp_path):
    monkeypatch.setenv(config.MEMORY_ENV, "800MB")
    with open_store(tmp_path / "s") as store:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in {"762.9MiB", "800.0MB"}


def _check_engine_interface(store):
    files = store.table_files("indicator")
    assert files and all(f.endswith(".parquet") for f in files)
    root = store.table_root("indicator")
    assert all(f.startswith(str(root)) for f in files)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    assert rows == store.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    # Hive-style partitions: the same rows, with source_id, from the files alone.
    via_files = duckdb.sql(
        f"SELECT count(*), count(DISTINCT source_id) FROM read_parquet({files!r}, hive_partitioning = true)"
    ).fetchall()[0]
    assert via_files == store.con.execute("SELECT count(*), count(DISTINCT source_id) FROM indicator").fetchone()
    sources = store.catalog_arrow("source")
    assert sorted(sources.column("source_id").to_pylist()) == sorted(store.sources()["source_id"])
    assert "retrieved" in sources.column_names and "sha256" in sources.column_names
    with pytest.raises(StoreError):
        store.table_files("source; DROP TABLE x")


def test_engine_interface_on_file_store(isolated_home):
    with open_store() as store:
        _check_engine_interface(store)
        from deltalake import DeltaTable

        delta = DeltaTable(str(store.table_root("indicator")), version=store.snapshot.versions["indicator"])
        assert sorted(delta.file_uris()) == store.table_files("indicator")


def test_engine_interface_on_memory_store(store):
    _check_engine_interface(store)


def test_failed_import_on_file_store_changes_nothing_and_leaves_no_files(isolated_home, shared_data):
    from sco_observatory.ingest import FORMATS
    from sco_observatory.ingest.base import run_import
    from store_checks import assert_clean, fingerprint

    dots = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    with open_store() as store:
        before = fingerprint(store)

        def crash():
            # the writer sees its own rows before commit; nobody else does
            assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] > 100_000
            with open_store(read_only=True) as other:
                assert other.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0
            raise RuntimeError("simulated crash")

        with pytest.raises(RuntimeError):
            run_import(store, FORMATS["imf-dots-long"].plan(dots), before_commit=crash)
        assert fingerprint(store) == before
        assert list(store.table_root("trade").rglob("*.parquet")) == []
        assert_clean(store)


def test_constraint_tests_come_from_the_schema_on_both_stores(tmp_path):
    from sco_observatory.store import open_memory_store

    memory = open_memory_store(seed=False)
    with open_store(tmp_path / "s") as lake_store:
        tests = lake_store.constraint_tests("trade")
        assert tests == memory.constraint_tests("trade")
    memory.close()
    conditions = [t for t, _ in tests]
    assert "reporter IS NULL" in conditions and "source_id IS NULL" not in conditions
    assert any("flow IN ('X', 'M')" in c for c in conditions) and any("value_usd >= 0" in c for c in conditions)
    # the conditions are SQL that is true exactly for the rows the DDL refuses
    con = duckdb.connect()
    con.execute("CREATE TABLE candidate AS SELECT 'KAZ' AS reporter, 'RUS' AS partner, 2012 AS year, 'Z' AS flow, 'TOTAL' AS product, "
                "-1.0 AS value_usd, NULL::VARCHAR AS valuation, FALSE AS estimate")
    violated = [c for c in conditions if con.execute(f"SELECT count(*) FROM candidate WHERE {c}").fetchone()[0]]
    assert len(violated) == 2 and all("flow" in c or "value_usd" in c for c in violated)
