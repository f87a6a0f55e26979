"""Build the embedded open-data snapshot from the real files, through the project's own readers.

    python scripts/build_snapshot.py [--data DIR] [--out DIR]

DIR defaults to $SCO_SHARED_DATA, else ../shared/data; --out to src/sco_observatory/data/snapshot.
Every shippable dataset of `sco_observatory.snapshot_datasets` is imported into an in-memory store
with `ingest.import_file` (the same validation, code mapping and provenance as `sco import`), and
each shipped source's rows are written as zstd parquet in the store's Hive layout, sorted so the
files are stable. `manifest.json` records, per dataset, publisher, vintage, retrieval date, URL,
licence and the sha256 of each input file, and per source its provenance row, row count, files and
the checksum of its contents (see `sco_observatory/snapshot.py`). Nothing is typed in: every number comes
from the files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from sco_observatory.ingest import import_file
from sco_observatory.ingest.base import sha256_of
from sco_observatory.snapshot import MANIFEST, content_checksum, version_of
from sco_observatory.snapshot_datasets import DATASETS
from sco_observatory.store import lake
from sco_observatory.store.db import open_memory_store
from sco_observatory.store.schema import COLUMNS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src" / "sco_observatory" / "data" / "snapshot"
SOURCE_FIELDS = ("source_id", "title", "publisher", "year", "url", "licence", "citation", "sha256", "file_name", "format",
                 "table_name", "rows")


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _write_source(con, table: str, source_id: str, out: Path) -> list[dict]:
    """The source's rows as parquet under `out/<table>/source_id=<id>/`; returns the files written."""
    partitions = lake.partition_columns(table)
    inner = [p for p in partitions if p != "source_id"]
    cols = [c for c in COLUMNS[table] if c != "source_id"]
    target = out / table / lake.source_dir_name(source_id)
    target.mkdir(parents=True, exist_ok=True)
    order = ", ".join(cols)
    select = f"SELECT {', '.join(cols)} FROM {table} WHERE source_id = {_quote(source_id)} ORDER BY {order}"
    if inner:
        options = (f"FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({', '.join(inner)}), "
                   "FILENAME_PATTERN 'data_{i}', OVERWRITE_OR_IGNORE true")
        dest = target
    else:
        options = "FORMAT parquet, COMPRESSION zstd"
        dest = target / "data_0.parquet"
    con.execute(f"COPY ({select}) TO {_quote(dest)} ({options})")
    files = []
    for path in sorted(target.rglob("*.parquet")):
        files.append({"path": path.relative_to(out).as_posix(), "sha256": sha256_of(path),
                      "bytes": path.stat().st_size})
    return files


MILEX_DERIVED_ID = "wdi-derived:MS.MIL.XPND.CD"


def derive_milex_usd(store, ds) -> None:
    """MS.MIL.XPND.CD for the years after the World Bank file ends: share of GDP / 100 x GDP (current US$).

    value = MS.MIL.XPND.GD.ZS / 100 * NY.GDP.MKTP.CD, same country and year, from the WDI sources
    already in the store; only for (country, year) pairs past the last year of `wdi:MS.MIL.XPND.CD`,
    so the two sources never overlap; every row is flagged `estimate` (SIPRI computes the share with
    IMF GDP, so the product approximates its US$ figure).
    """
    from sco_observatory.store.db import SourceMeta

    con = store.con
    staging = store.staging_name()
    with store.transaction():
        con.execute(
            f"""CREATE TEMP TABLE {staging} AS
                SELECT s.iso3, s.year, 'MS.MIL.XPND.CD' AS code, s.value / 100 * g.value AS value,
                       'current US$' AS unit, TRUE AS estimate
                FROM indicator s JOIN indicator g ON g.iso3 = s.iso3 AND g.year = s.year
                WHERE s.source_id = 'wdi:MS.MIL.XPND.GD.ZS' AND g.source_id = 'wdi:NY.GDP.MKTP.CD'
                  AND s.value IS NOT NULL AND g.value IS NOT NULL
                  AND s.year > (SELECT max(year) FROM indicator WHERE source_id = 'wdi:MS.MIL.XPND.CD')""")
        store.replace_source(SourceMeta(
            source_id=MILEX_DERIVED_ID, title=ds.title, publisher=ds.publisher, format="derived", table_name="indicator",
            url=ds.url, licence=ds.licence, citation="World Bank, World Development Indicators (MS.MIL.XPND.GD.ZS, "
            "NY.GDP.MKTP.CD; SIPRI data); product computed by sco-observatory scripts/build_snapshot.py",
            file_name="derived from wdi/ms.mil.xpnd.gd.zs.csv and wdi/ny.gdp.mktp.cd.csv"), staging)
        con.execute(f"DROP TABLE {staging}")


DERIVATIONS = {"milex_usd": derive_milex_usd}


def build(data: Path, out: Path) -> dict:
    """Build the snapshot of `data` into `out` (replaced whole); returns the manifest."""
    if out.exists():
        for child in out.iterdir():
            if child.name not in ("__init__.py",):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    store = open_memory_store(seed=False)
    con = store.con
    datasets = []
    checksums = []
    for ds in DATASETS:
        entry = {"key": ds.key, "title": ds.title, "publisher": ds.publisher, "vintage": ds.vintage,
                 "retrieved": ds.retrieved, "url": ds.url, "licence": ds.licence, "shipped": ds.ship,
                 "note": ds.reason,
                 "input_files": [{"path": f, "sha256": sha256_of(data / f)} for f in ds.files]}
        if ds.ship:
            before = {r[0] for r in con.execute("SELECT source_id FROM source").fetchall()}
            for rel in ds.files:
                import_file(store, data / rel, **ds.options)
            if ds.derive:
                DERIVATIONS[ds.derive](store, ds)
            made = sorted({r[0] for r in con.execute("SELECT source_id FROM source").fetchall()} - before)
            keep = [s for s in made if not ds.sources or s in ds.sources]
            entry["sources"] = []
            for source_id in keep:
                row = con.execute(f"SELECT {', '.join(SOURCE_FIELDS)} FROM source WHERE source_id = ?",
                                  [source_id]).fetchone()
                meta = dict(zip(SOURCE_FIELDS, row))
                table = meta.pop("table_name")
                cols = [c for c in COLUMNS[table] if c != "source_id"]
                checksum = content_checksum(con, f"SELECT {', '.join(cols)} FROM {table} WHERE source_id = ?",
                                            [source_id])
                checksums.append(checksum)
                meta.update(table=table, licence=ds.licence, url=ds.url, retrieved=ds.retrieved,
                            vintage=ds.vintage, content_checksum=checksum,
                            files=_write_source(con, table, source_id, out))
                entry["sources"].append(meta)
        datasets.append(entry)
    store.close()
    manifest = {"version": version_of(checksums), "format": 1,
                "built_from": "scripts/build_snapshot.py over the shared data folder",
                "datasets": datasets}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False, default=str) + "\n",
                                encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("SCO_SHARED_DATA") or REPO.parent / "shared" / "data"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: no shared data folder at {args.data} — pass --data or set SCO_SHARED_DATA", file=sys.stderr)
        return 2
    started = dt.datetime.now()
    manifest = build(args.data, args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*.parquet"))
    rows = sum(s["rows"] for d in manifest["datasets"] for s in d.get("sources", []))
    print(f"snapshot {manifest['version']}: {rows:,} rows, {size / 2**20:.1f} MiB parquet, "
          f"{(dt.datetime.now() - started).total_seconds():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
