"""Session 7's one-pass changes (issue #17): the code-table joins are built on the code table, and a
new source's sha256 and line count are read beside the one pass.

- `base._code_tables_built`: DuckDB estimates a fixed-column `read_csv` at a few dozen rows, so with
  a code table larger than that its `build_side_probe_side` optimizer builds the join's hash table
  on the file's rows (a RIGHT join). Inside the context the plan keeps LEFT joins built on the code
  table, and the connection's `disabled_optimizers` setting is what it was afterwards.
- `base._Digest`: a fresh source's digest runs in a thread; the catalog still records the file's
  sha256, a second import of the same file is "unchanged", and an error of the digest read reaches
  the caller with the store unchanged.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from sco_observatory.ingest import base, baci, import_file
from sco_observatory.store import open_store
from store_checks import assert_clean

pytestmark = pytest.mark.usefixtures("embedded_only")

ISO3 = ["KAZ", "RUS", "CHN", "KGZ", "TJK", "UZB", "IND", "PAK", "IRN", "BLR", "MNG", "AFG", "TUR", "USA", "DEU",
        "FRA", "GBR", "JPN", "KOR", "BRA", "ARG", "MEX", "CAN", "AUS", "NZL", "ZAF", "EGY", "NGA", "KEN", "ETH",
        "SAU", "ARE", "QAT", "KWT", "OMN", "IRQ", "SYR", "JOR", "LBN", "ISR", "GRC", "ITA", "ESP", "PRT", "NLD",
        "BEL", "CHE", "AUT", "POL", "CZE", "SVK", "HUN", "ROU", "BGR", "SRB", "HRV", "SVN", "UKR", "MDA", "GEO"]


def _baci(folder, rows):
    """A BACI year whose code file has more codes than DuckDB's estimate of the CSV's rows."""
    folder.mkdir(parents=True, exist_ok=True)
    codes = "".join(f"{100 + n},Country {n},,{iso}\n" for n, iso in enumerate(ISO3))
    (folder / "country_codes_V202401b.csv").write_text("country_code,country_name,country_iso2,country_iso3\n" + codes)
    path = folder / "BACI_HS17_Y2012_V202401b.csv"
    path.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    return path


ROWS = ["2012,100,101,270900,1.5,1", "2012,101,100,10121,2.25,1", "2012,102,100,847130,1000,3"]


def _join_types(store, sql):
    plan = "\n".join(text for _, text in store.con.execute(f"EXPLAIN {sql}").fetchall())  # sql-hygiene: the test's own statement
    return re.findall(r"Join Type: (\w+)", plan)


def test_the_one_pass_joins_are_built_on_the_code_table(tmp_path):
    plan = baci.plan_baci(_baci(tmp_path / "in", ROWS))
    with open_store() as store:
        maps = base._domain_maps(store, "t", plan)
        select = base._one_pass_sql(store, plan, maps, ["reporter", "partner", "year", "value_usd"])
        before = store.con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
        assert "RIGHT" in _join_types(store, select)  # what DuckDB plans on its own: the file as the build side
        with base._code_tables_built(store.con):
            assert set(_join_types(store, select)) == {"LEFT"}
        assert store.con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0] == before


def test_the_setting_is_restored_when_the_statement_fails(tmp_path):
    with open_store() as store:
        store.con.execute("SET disabled_optimizers = 'expression_rewriter'")
        with pytest.raises(ValueError), base._code_tables_built(store.con):
            assert "build_side_probe_side" in store.con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
            raise ValueError("the COPY failed")
        assert store.con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0] == "expression_rewriter"


def test_a_new_source_is_hashed_beside_the_one_pass_and_recorded(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", ROWS)
    started = []
    real = base._Digest.__init__

    def spy(self, file, *, background):
        started.append(background)
        real(self, file, background=background)

    monkeypatch.setattr(base._Digest, "__init__", spy)
    with open_store() as store:
        first = import_file(store, path)
        stored = store.con.execute("SELECT sha256 FROM source WHERE source_id = ?", [first.source_id]).fetchone()[0]
        assert first.status == "imported" and first.rows == 3
        assert stored == hashlib.sha256(path.read_bytes()).hexdigest()
        assert "read, map, check, write (one pass)" in first.phases
        again = import_file(store, path)  # a stored row: the sha256 comes first and stops the import
        assert again.status == "unchanged"
        assert_clean(store)
    assert started == [True, False]


def test_an_error_of_the_digest_read_reaches_the_caller_and_the_store_is_unchanged(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", ROWS)

    def broken(file):
        raise OSError(f"{file}: read error")

    monkeypatch.setattr(base, "digest_and_lines", broken)
    with open_store() as store:
        with pytest.raises(OSError, match="read error"):
            import_file(store, path)
        assert store.con.execute("SELECT count(*) FROM source WHERE source_id LIKE 'baci:%'").fetchone()[0] == 0
        assert store.con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0] == 0
        assert_clean(store)


def _copies(monkeypatch):
    statements = []
    real = base._execute_reporting

    def spy(con, sql, stage, progress):
        statements.append(sql)
        return real(con, sql, stage, progress)

    monkeypatch.setattr(base, "_execute_reporting", spy)
    return statements


def _stored(store):
    return store.con.execute("SELECT * FROM trade WHERE source_id LIKE 'baci:%' ORDER BY ALL").fetchall()


def test_constant_codes_are_written_as_dictionaries_and_read_back_as_strings(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", ROWS)
    plan = baci.plan_baci(path)
    assert plan.dictionaries == {"flow": ("X",), "valuation": ("FOB",)}
    statements = _copies(monkeypatch)
    with open_store() as store:
        base.run_import(store, plan)
        (copy,) = [s for s in statements if s.startswith("COPY")]
        assert "CAST(flow AS ENUM('X')) AS flow" in copy and "CAST(valuation AS ENUM('FOB')) AS valuation" in copy
        rows = _stored(store)
        (written,) = [f for f in store.table_files("trade") if "baci" in f]
        schema = dict(store.con.execute(f"SELECT name, converted_type FROM parquet_schema('{written}')").fetchall())  # sql-hygiene: the test's own file
        stats = store.con.execute(f"SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata('{written}') "  # sql-hygiene: the test's own file
                                  "WHERE path_in_schema IN ('flow', 'valuation') ORDER BY 1").fetchall()
        kinds = dict(store.con.execute("SELECT column_name, column_type FROM (DESCRIBE trade)").fetchall())
    assert schema["flow"] == schema["valuation"] == schema["reporter"] == "UTF8"  # plain strings in the file
    assert stats == [("flow", "X", "X"), ("valuation", "FOB", "FOB")]
    assert kinds["flow"] == kinds["valuation"] == "VARCHAR"
    assert {(r[3], r[6]) for r in rows} == {("X", "FOB")} and len(rows) == 3


def test_a_value_outside_its_dictionary_sends_the_file_to_the_staged_path(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", ROWS)
    with open_store() as store:
        base.run_import(store, baci.plan_baci(path))
        expected = _stored(store)
    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(tmp_path / "other-home"))
    plan = baci.plan_baci(path)
    plan.dictionaries = {"flow": ("M",)}  # a wrong list: the reader gives 'X'
    with open_store() as store:
        result = base.run_import(store, plan)
        assert "read (staging table)" in result.phases and result.rows == 3
        assert _stored(store) == expected
        assert_clean(store)
