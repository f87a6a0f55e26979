"""Spike: the store's table format — Delta Lake (as the store writes it) against Apache Iceberg (pyiceberg + SQLite catalog).

The store issue asks for the candidates to be tried against its requirements before one is kept.
DuckLake was spiked when the store was built (docs/architecture.md, "Decision"); this script spikes
Iceberg on the same kind of data, side by side with the Delta path the store uses, in one run:

- write: the same rows (a BACI-like year, plus a second year) into each format, partitioned by
  `source_id` and `year` — Delta through the store's own writer (`store.lake.write_source_files` +
  `lake.commit`: DuckDB `COPY ... PARTITION_BY` then one Delta commit of Add actions), Iceberg through
  `Table.append` of an Arrow table (pyiceberg writes the parquet itself);
- plan: the files a one-year query must read, from each format's own metadata (Delta partition
  filter; Iceberg `scan(row_filter=...).plan_files()`), and the time to open the table and plan;
- query: the same GROUP BY (exporter x product sums, the first step of RCA) in DuckDB over each
  format's planned files, results checked equal first; median of `--repeat`;
- concurrent writers: two processes appending at the same moment (Iceberg commits are optimistic:
  does the loser fail, retry, or lose data?).

Needs `pip install 'pyiceberg[sql-sqlite,pyarrow]'` (not a project dependency: a spike only).

Usage:
    python benchmarks/make_baci_sample.py DIR --rows 10000000 --year 2022
    python benchmarks/make_baci_sample.py DIR --rows 3000000 --year 2021
    python benchmarks/spike_table_formats.py DIR/BACI_HS17_Y2022_V000000.csv DIR/BACI_HS17_Y2021_V000000.csv
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

from sco_observatory.store import lake

SOURCE = "baci:spike"
PARTITIONS = ("source_id", "year")
SELECT_CSV = """SELECT CAST(t AS BIGINT) AS year, CAST(i AS VARCHAR) AS exporter, CAST(j AS VARCHAR) AS importer,
                       lpad(CAST(k AS VARCHAR), 6, '0') AS product, CAST(v AS DOUBLE) * 1000 AS value_usd
                FROM read_csv(?, header = true)"""
GROUP = "SELECT exporter, product, sum(value_usd) AS x FROM read_parquet({files}) GROUP BY ALL"


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def file_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def checksum(con: duckdb.DuckDBPyConnection, files: list[str]) -> tuple:
    return con.execute(f"SELECT count(*), round(sum(x), 0) FROM ({GROUP.format(files=file_list(files))})").fetchone()


# -- Delta, as the store writes it -------------------------------------------------------------

def delta_write(con, root: Path, csv: str) -> None:
    con.execute("CREATE OR REPLACE TEMP VIEW staged AS " + SELECT_CSV.replace("?", "'" + csv.replace("'", "''") + "'"))
    files = lake.write_source_files(con, root, "SELECT * FROM staged", SOURCE, PARTITIONS)
    schema = pa.schema([("source_id", pa.string()), ("year", pa.int64()), ("exporter", pa.string()),
                        ("importer", pa.string()), ("product", pa.string()), ("value_usd", pa.float64())])
    lake.commit(root, schema, PARTITIONS, list(files.values()), [])


def delta_plan(root: Path, year: int) -> list[str]:
    table = DeltaTable(str(root))
    return [u.removeprefix("file://") for u in table.file_uris(file_pruning_predicate=[("year", "=", str(year))])]


# -- Iceberg (pyiceberg, SQLite catalog) -------------------------------------------------------

def iceberg_catalog(where: Path):
    from pyiceberg.catalog.sql import SqlCatalog

    return SqlCatalog("spike", uri=f"sqlite:///{where / 'catalog.db'}", warehouse=f"file://{where / 'warehouse'}")


def iceberg_create(where: Path, schema: pa.Schema):
    from pyiceberg.transforms import IdentityTransform

    catalog = iceberg_catalog(where)
    catalog.create_namespace("store")
    table = catalog.create_table("store.trade", schema=schema)
    with table.update_spec() as spec:
        spec.add_field("source_id", IdentityTransform(), "source_id")
        spec.add_field("year", IdentityTransform(), "year")
    return catalog


def iceberg_append(where: Path, rows: pa.Table) -> None:
    iceberg_catalog(where).load_table("store.trade").append(rows)


def iceberg_plan(where: Path, year: int) -> list[str]:
    from pyiceberg.expressions import EqualTo

    table = iceberg_catalog(where).load_table("store.trade")
    return [t.file.file_path.removeprefix("file://") for t in table.scan(row_filter=EqualTo("year", year)).plan_files()]


def _concurrent_append(where: str, tag: int, barrier) -> str:
    rows = pa.table({"source_id": [f"c{tag}"] * 1000, "year": [2000 + tag] * 1000, "exporter": ["X"] * 1000,
                     "importer": ["Y"] * 1000, "product": ["000000"] * 1000, "value_usd": [1.0] * 1000})
    barrier.wait()
    try:
        iceberg_append(Path(where), rows)
        return "ok"
    except Exception as exc:  # the spike reports what pyiceberg does, whatever it is
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("big", help="BACI-like year to query (e.g. 10M rows, 2022)")
    parser.add_argument("second", help="a second BACI-like year (e.g. 3M rows, 2021)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    con = duckdb.connect()
    year = int(con.execute("SELECT min(t) FROM read_csv(?, header = true)", [args.big]).fetchone()[0])
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        delta_root, ice = base / "delta" / "trade", base / "iceberg"
        delta_root.parent.mkdir()
        ice.mkdir()

        write_delta = 0.0
        for csv in (args.big, args.second):
            t0 = time.perf_counter()
            delta_write(con, delta_root, csv)
            write_delta += time.perf_counter() - t0

        write_ice = 0.0
        for i, csv in enumerate((args.big, args.second)):
            t0 = time.perf_counter()
            arrow = con.execute(SELECT_CSV.replace("SELECT ", "SELECT ? AS source_id, ", 1), [SOURCE, csv]).arrow()
            if not isinstance(arrow, pa.Table):
                arrow = arrow.read_all()
            if i == 0:
                iceberg_create(ice, arrow.schema)
            iceberg_append(ice, arrow)
            write_ice += time.perf_counter() - t0
            del arrow
        rows.append(("write both years (s)", f"{write_delta:.2f}", f"{write_ice:.2f}"))

        plan_delta_s, delta_files = median_time(lambda: delta_plan(delta_root, year), args.repeat)
        plan_ice_s, ice_files = median_time(lambda: iceberg_plan(ice, year), args.repeat)
        all_delta, all_ice = len(DeltaTable(str(delta_root)).file_uris()), len(iceberg_plan(ice, year - 1)) + len(ice_files)
        rows.append(("open + plan a one-year query (s)", f"{plan_delta_s:.3f}", f"{plan_ice_s:.3f}"))
        rows.append((f"files read for {year} / all files", f"{len(delta_files)} / {all_delta}", f"{len(ice_files)} / {all_ice}"))
        size = lambda fs: sum(Path(f).stat().st_size for f in fs) / 2**20  # noqa: E731
        rows.append((f"size of {year}'s files (MiB)", f"{size(delta_files):.0f}", f"{size(ice_files):.0f}"))

        if checksum(con, delta_files) != checksum(con, ice_files):
            raise SystemExit("the two formats disagree on the one-year GROUP BY: no timing")
        q_delta, _ = median_time(lambda: con.execute(GROUP.format(files=file_list(delta_files))).arrow(), args.repeat)
        q_ice, _ = median_time(lambda: con.execute(GROUP.format(files=file_list(ice_files))).arrow(), args.repeat)
        rows.append(("exporter x product GROUP BY in DuckDB (s, equal)", f"{q_delta:.2f}", f"{q_ice:.2f}"))

        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Manager().Barrier(2)
        with ctx.Pool(2) as pool:
            outcomes = pool.starmap(_concurrent_append, [(str(ice), 1, barrier), (str(ice), 2, barrier)])
        held = sorted(set(iceberg_catalog(ice).load_table("store.trade").scan(
            row_filter="year >= 2001 AND year <= 2002", selected_fields=("source_id",)).to_arrow()["source_id"].to_pylist()))
        rows.append(("two concurrent appends", "one writer by lock (fcntl), by design",
                     f"{outcomes[0]} / {outcomes[1]}; appended sources present: {held}"))

    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  Delta (the store's writer)   Iceberg (pyiceberg, SQLite catalog)")
    for name, d, i in rows:
        print(f"{name:{width}}  {d:27}  {i}")


if __name__ == "__main__":
    main()
