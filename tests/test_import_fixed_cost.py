"""Issue #17, session 6: what a `sco import` process pays besides the rows.

- the embedded seed of a fresh home is read by DuckDB's CSV reader (no `executemany`), and stores
  exactly the rows the csv module reads from the package file;
- a BACI import into a fresh home hands DuckDB no Python value to bind (binding imports pandas,
  0.5 s idle, 3 s under load): the store's catalog row goes through a file, the other statements
  inline their inert values (`store.results`), and the duplicate-key probe reads Arrow buffers in place;
- `digest_and_lines` counts CRLF only where a block holds a CR, and still counts every ending.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from importlib import resources

import pytest

from sco_observatory.ingest import base
from sco_observatory.store import open_memory_store, open_store
from sco_observatory.store.embedded import PACKAGE, INDICATOR_FILE_COLUMNS

pytestmark = pytest.mark.usefixtures("embedded_only")


def test_the_seed_stores_the_package_rows_as_the_csv_module_reads_them(isolated_home):
    with resources.files(PACKAGE).joinpath("indicators.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == INDICATOR_FILE_COLUMNS
        expected = sorted((r["iso3"], int(r["year"]), r["code"], float(r["value"]), r["unit"], False,
                           f"embedded:{r['source_key']}") for r in reader)
    with open_store() as store:
        got = sorted(store.con.execute(
            "SELECT iso3, year, code, value, unit, estimate, source_id FROM indicator "
            "WHERE source_id LIKE 'embedded:%'").fetchall())
        counts = dict(store.con.execute("SELECT source_id, rows FROM source WHERE source_id LIKE 'embedded:%'").fetchall())
    assert got == expected
    assert counts == {s: sum(1 for r in expected if r[-1] == s) for s in counts} and len(counts) == 3


def test_the_memory_store_is_seeded_the_same_way():
    store = open_memory_store(seed=True)
    try:
        n = store.con.execute("SELECT count(*) FROM indicator WHERE source_id LIKE 'embedded:%'").fetchone()[0]
        sources = store.con.execute("SELECT count(*) FROM source").fetchone()[0]
    finally:
        store.close()
    with resources.files(PACKAGE).joinpath("indicators.csv").open(encoding="utf-8") as fh:
        assert n == sum(1 for _ in csv.DictReader(fh))
    assert sources == 3


@pytest.mark.slow
def test_a_baci_import_into_a_fresh_home_imports_no_pandas(tmp_path):
    path = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    path.write_text("t,i,j,k,v,q\n2022,4,8,010110,2.5,1\n2022,8,4,10121,1.5,1\n", encoding="utf-8")
    (tmp_path / "country_codes_V202401.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n4,Afghanistan,AF,AFG\n8,Albania,AL,ALB\n", encoding="utf-8")
    env = {**os.environ, "SCO_OBSERVATORY_HOME": str(tmp_path / "home"), "SCO_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys; from sco_observatory.cli import main; rc = main(sys.argv[1:]); "
            "print('PANDAS', 'pandas' in sys.modules); sys.exit(rc)")
    for _ in range(2):  # the first fills the code file's lookups cache (its resolver may load pandas)
        env["SCO_OBSERVATORY_HOME"] = str(tmp_path / f"home{_}")
        done = subprocess.run([sys.executable, "-c", code, "import", str(path)], capture_output=True, text=True,
                              env=env, timeout=600)
        assert done.returncode == 0, done.stderr
        assert "imported 2 rows" in done.stdout
    assert "PANDAS False" in done.stdout  # the second: a fresh home, the lookups cached


def test_replacing_a_source_keeps_one_catalog_row(isolated_home, tmp_path):
    from sco_observatory.ingest import import_file

    path = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    (tmp_path / "country_codes_V202401.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n4,Afghanistan,AF,AFG\n8,Albania,AL,ALB\n", encoding="utf-8")
    with open_store() as store:
        path.write_text("t,i,j,k,v,q\n2022,4,8,010110,2.5,1\n", encoding="utf-8")
        import_file(store, path)
        path.write_text("t,i,j,k,v,q\n2022,4,8,010110,2.5,1\n2022,8,4,010110,3.5,1\n", encoding="utf-8")
        result = import_file(store, path)
        found = store.con.execute("SELECT rows, sha256, title FROM source WHERE source_id = ?", [result.source_id]).fetchall()
    assert result.status == "replaced"
    assert found == [(2, hashlib.sha256(path.read_bytes()).hexdigest(), "CEPII BACI: BACI_HS17_Y2022_V202401")]


@pytest.mark.parametrize("keys, repeats", [
    ([("AFG", "ALB", "010110")] * 2, True),
    ([("AFG", "ALB", "010110"), ("ALB", "AFG", "010110"), ("AFG", "ALB", "010111")], False),
    ([("AFG", "ALB", f"{k:06d}") for k in range(5000)] + [("AFG", "ALB", "004999")], True),
])
def test_the_repeat_probe_reads_the_hashes_in_place(keys, repeats):
    store = open_memory_store(seed=False)
    try:
        store.con.execute("CREATE TEMP TABLE probe (reporter VARCHAR, partner VARCHAR, year INTEGER, flow VARCHAR, product VARCHAR)")
        store.con.execute("INSERT INTO probe SELECT r, p, 2022, 'X', k FROM (SELECT unnest($r) AS r, unnest($p) AS p, unnest($k) AS k)",
                          {"r": [k[0] for k in keys], "p": [k[1] for k in keys], "k": [k[2] for k in keys]})
        assert base._repeat_probe(store, "probe", "trade", len(keys)) is repeats
        assert base._repeat_probe(store, "probe", "trade", len(keys) - 1) is True  # more rows than counted
    finally:
        store.close()


@pytest.mark.parametrize("text", [
    b"x" * ((1 << 20) - 1) + b"\r" + b"\ny\n",  # CRLF across the block boundary
    b"x" * ((1 << 20) - 1) + b"\r" + b"y\r",  # a lone CR at the boundary
    b"a\n" * (1 << 19) + b"b\r\nc",  # LF-only blocks, then a block with a CR
    b"\r" * ((1 << 20) + 3),
    b"\n" * (1 << 20),
])
def test_line_ends_are_counted_across_blocks_whether_or_not_a_block_holds_a_cr(tmp_path, text):
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    ends = len(text.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")) - 1
    unterminated = 1 if text and text[-1:] not in (b"\r", b"\n") else 0
    assert base.digest_and_lines(path) == (hashlib.sha256(text).hexdigest(), ends + unterminated)
