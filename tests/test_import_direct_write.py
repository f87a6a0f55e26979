"""The one pass's direct write (issue #17): a clean BACI year goes straight into its year's partition.

`base._write_rows` writes only the OK rows, into one file of the year named by the file, and proves
that nothing was skipped by comparing the rows written with the file's data lines
(`base.digest_and_lines`). When they differ, one count of the statuses decides: skipped rows are
counted and the file stands, a failing row goes to the staged path, a row of another year to the
routed write (`PARTITION_BY (_status, year)`). Whatever the route, the store must hold what the
staged path stores, with the same skip counts; these tests check the route taken and the result."""

from __future__ import annotations

import hashlib
import json

import pytest

from sco_observatory import countries
from sco_observatory.ingest import base, baci, import_file
from sco_observatory.store import open_store
from store_checks import assert_clean

pytestmark = pytest.mark.usefixtures("embedded_only")

CODES = ("country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n643,Russia,RU,RUS\n"
         "156,China,CN,CHN\n490,\"Other Asia, nes\",,S19\n129,\"Caribbean, nes\",,\n")
CLEAN = ["2012,398,643,270900,1.5,1", "2012,643,398,10121,2.25,1", "2012,156,398,847130,1000,3",
         "2012,490,156,847130,7,1"]
NES = "2012,398,129,270900,4,1"  # a 'nes' area: dropped and counted


def _baci(folder, rows, year=2012, *, tail="\n", newline="\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "country_codes_V202401b.csv").write_text(CODES)
    path = folder / f"BACI_HS17_Y{year}_V202401b.csv"
    path.write_bytes(("t,i,j,k,v,q" + newline + newline.join(rows) + tail).encode())
    return path


def _run(path, monkeypatch, *, one_pass=True, **kwargs):
    """(result, stored rows, the SQL of every long statement the import ran)."""
    statements = []
    real = base._execute_reporting

    def spy(con, sql, stage, progress):
        statements.append(sql)
        return real(con, sql, stage, progress)

    with monkeypatch.context() as patch:
        patch.setattr(base, "_execute_reporting", spy)
        if not one_pass:
            patch.setattr(base, "one_pass_ready", lambda plan: False)
        with open_store() as store:
            result = import_file(store, path, **kwargs)
            rows = store.con.execute("SELECT * FROM trade WHERE source_id LIKE 'baci:%' ORDER BY ALL").fetchall()
            assert_clean(store)
    return result, rows, statements


def _staged(path, monkeypatch, tmp_path):
    with monkeypatch.context() as patch:
        patch.setenv("SCO_OBSERVATORY_HOME", str(tmp_path / "staged-home"))
        result, rows, _ = _run(path, monkeypatch, one_pass=False)
    return result, rows


def _copies(statements):
    return [s for s in statements if s.startswith("COPY")]


@pytest.mark.parametrize("text, lines", [
    (b"", 0), (b"a\n", 1), (b"a", 1), (b"a\nb", 2), (b"a\r\nb\r\n", 2), (b"a\rb\r", 2), (b"a\n\nb\n", 3),
    (b"a\r\n\r\n", 2), (b"a\rb\nc\r\n", 3),
])
def test_lines_are_counted_as_a_csv_reader_splits_records(tmp_path, text, lines):
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    assert base.digest_and_lines(path) == (hashlib.sha256(text).hexdigest(), lines)


def test_a_crlf_split_between_two_read_blocks_is_one_line_end(tmp_path):
    block = 1 << 20  # digest_and_lines reads 1 MiB blocks
    text = b"x" * (block - 1) + b"\r\n" + b"y\r\n"
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    assert base.digest_and_lines(path) == (hashlib.sha256(text).hexdigest(), 2)


def test_baci_checks_its_reader_flag_instead_of_joining_the_domain_map(tmp_path):
    plan = baci.plan_baci(_baci(tmp_path / "in", CLEAN))
    assert [c.in_domain for c in plan.code_columns] == ["_dom_i", "_dom_j"]
    assert plan.header_lines == 1 and plan.year == 2012
    with open_store() as store:
        assert base._domain_maps(store, "t", plan) == [None, None]
        # a domain the resolver maps to other codes keeps its join, whatever the reader flags
        plan.code_columns[0].domain = ("Kazakhstan", "RUS")
        maps = base._domain_maps(store, "t", plan)
        assert maps[0] is not None and maps[1] is None
        assert f"LEFT JOIN {maps[0]} m0" in base._one_pass_sql(store, plan, maps, ["reporter", "partner", "year"])


def test_a_clean_year_is_written_once_without_routing(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", CLEAN)
    result, rows, statements = _run(path, monkeypatch)
    (copy,) = _copies(statements)
    assert "PARTITION_BY" not in copy and "year=2012" in copy
    staged, staged_rows = _staged(path, monkeypatch, tmp_path)
    assert rows == staged_rows and len(rows) == 4 and result.skipped == staged.skipped == {}
    assert ("TWN", "CHN", 2012, "X", "847130", 7000.0, "FOB", False, "baci:BACI_HS17_Y2012_V202401b") in rows


@pytest.mark.parametrize("rows, tail, newline", [
    (CLEAN + [NES], "\n", "\n"),  # a skipped row: data lines exceed the rows written
    (CLEAN, "\n\n\n", "\n"),  # blank lines at the end
    (CLEAN + [NES], "\r\n", "\r\n"),  # CRLF line ends
])
def test_skipped_rows_are_counted_and_the_direct_file_stands(tmp_path, monkeypatch, rows, tail, newline):
    path = _baci(tmp_path / "in", rows, tail=tail, newline=newline)
    result, stored, statements = _run(path, monkeypatch)
    (copy,) = _copies(statements)
    assert "PARTITION_BY" not in copy
    staged, staged_rows = _staged(path, monkeypatch, tmp_path)
    assert stored == staged_rows and len(stored) == 4
    assert result.skipped == staged.skipped
    assert result.skipped == ({"rows with a 'nes' area or customs union as exporter or importer": 1} if NES in rows else {})


def test_rows_of_another_year_take_the_routed_write(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", CLEAN + ["2013,398,643,270900,3,1", NES], year=2012)
    result, rows, statements = _run(path, monkeypatch)
    direct, routed = _copies(statements)
    assert "PARTITION_BY" not in direct and "PARTITION_BY (_status, year)" in routed
    staged, staged_rows = _staged(path, monkeypatch, tmp_path)
    assert rows == staged_rows and {r[2] for r in rows} == {2012, 2013}
    assert result.skipped == staged.skipped and sum(result.skipped.values()) == 1


def test_a_file_name_without_a_year_takes_the_routed_write(tmp_path, monkeypatch):
    path = _baci(tmp_path / "in", CLEAN)
    plain = path.with_name("baci_extract.csv")
    path.rename(plain)
    result, rows, statements = _run(plain, monkeypatch)
    (copy,) = _copies(statements)
    assert "PARTITION_BY (_status, year)" in copy and len(rows) == 4


def test_the_code_files_lookups_are_cached_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SCO_CACHE_DIR", str(tmp_path / "cache"))
    path = _baci(tmp_path / "in", CLEAN)
    first = baci.plan_baci(path)
    (cached,) = (tmp_path / "cache").glob("baci-lookups-*.json")
    found = json.loads(cached.read_text())["found"]
    assert found["KAZ"] == ["KAZ", countries.lookup("KAZ").name, "country"]
    cached.write_text("{not json")
    again = baci.plan_baci(path)
    assert again.unnumbered_sql == first.unnumbered_sql
    assert json.loads(cached.read_text())["found"] == found  # rewritten
    monkeypatch.setenv("SCO_CACHE_DIR", "")  # off: nothing written, same plan
    assert baci.plan_baci(path).unnumbered_sql == first.unnumbered_sql
