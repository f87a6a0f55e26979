"""The store: schema version, provenance on every row, the embedded default, home directory override."""

import duckdb
import pytest

from sco_observatory import config
from sco_observatory.errors import StoreError
from sco_observatory.store import open_store
from sco_observatory.store.schema import SCHEMA_VERSION


def test_fresh_store_is_seeded_and_versioned(isolated_home):
    with open_store() as store:
        assert store.schema_version() == SCHEMA_VERSION
        sources = set(store.sources()["source_id"])
        assert {"embedded:iiss-mb2013", "embedded:wb2014-report", "embedded:koldunova2014"} <= sources
        orphans = store.con.execute(
            "SELECT count(*) FROM indicator WHERE source_id NOT IN (SELECT source_id FROM source)"
        ).fetchone()[0]
        assert orphans == 0
    assert (isolated_home / config.STORE_FILE).exists()


def test_embedded_default_in_canonical_units(store):
    value = store.con.execute(
        "SELECT value FROM indicator WHERE iso3='CHN' AND year=2012 AND code='MS.MIL.XPND.CD'"
    ).fetchone()[0]
    assert value == 102_436e6  # IISS Military Balance 2013 via the report: US$ 102,436 m
    land = store.con.execute("SELECT value FROM indicator WHERE iso3='RUS' AND code='AG.LND.TOTL.K2'").fetchone()[0]
    assert land == pytest.approx(16.37e6)
    troops = store.con.execute("SELECT value FROM indicator WHERE iso3='IND' AND code='MS.MIL.TOTL.P1'").fetchone()[0]
    assert troops == 1_325_000


def test_reopening_does_not_reseed_or_duplicate(isolated_home):
    with open_store() as store:
        n = store.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    with open_store() as store:
        assert store.con.execute("SELECT count(*) FROM indicator").fetchone()[0] == n


def test_home_override(tmp_path):
    config.set_home(tmp_path / "elsewhere")
    with open_store():
        pass
    assert (tmp_path / "elsewhere" / config.STORE_FILE).exists()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError):
        open_store(path)


def test_read_only_open_on_fresh_machine_still_has_default(tmp_path):
    with open_store(tmp_path / "ro.duckdb", read_only=True) as store:
        assert not store.is_empty()


def test_v1_store_migrates_to_current_schema_keeping_rows(tmp_path):
    from sco_observatory.store.schema import MIGRATIONS

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO source VALUES ('x', 't', 'p', NULL, NULL, NULL, NULL, now(), 'h', NULL, 'f', 'trade', 1)")
    con.execute("INSERT INTO trade VALUES ('KAZ', 'RUS', 2012, 'X', 'TOTAL', 6.7e9, 'FOB', FALSE, 'x')")
    con.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.con.execute("SELECT value_usd FROM trade WHERE source_id = 'x'").fetchone()[0] == 6.7e9
        with pytest.raises(duckdb.ConstraintException):
            store.con.execute("INSERT INTO trade VALUES ('KAZ', 'RUS', 2012, 'X', 'TOTAL', -1, 'FOB', FALSE, 'x')")


def test_read_only_open_migrates_an_older_store(tmp_path):
    from sco_observatory.store.schema import MIGRATIONS

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    with open_store(path, read_only=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
