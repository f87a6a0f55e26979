"""The embedded open-data snapshot: parquet files in the package, referenced (not copied) by every store.

`scripts/build_snapshot.py` runs the project's own readers over the real files in the shared data
folder and writes each shippable source as zstd parquet under `sco_observatory/data/snapshot/`, in
the same Hive layout as a store table (`<table>/source_id=<id>/[year=<y>/]data_0.parquet`), plus
`manifest.json`: per dataset its publisher, vintage, retrieval date, URL, licence, input files with
sha256, and per source its provenance row, row count, files (sha256, bytes) and a checksum of its
contents (`content_checksum`: sha256 over the source's rows as text, sorted — independent of how
parquet encodes them, so a rebuild is compared by what it holds).

A store's views union its own Delta files with the snapshot's files of every source id the store's
catalog does not hold (a user import of the same source id overrides the snapshot's). The snapshot
version is a digest of the content checksums; a store records the version it last saw in its
catalog `meta` (`snapshot_version`) so `sco data list` can say which one it holds and an upgrade is
visible — the files themselves always come from the installed package.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from importlib import resources
from pathlib import Path

import duckdb

PACKAGE = "sco_observatory.data.snapshot"
MANIFEST = "manifest.json"
ENV_DIR = "SCO_SNAPSHOT_DIR"  # tests: point at another snapshot (an older release's manifest); "" = none


def snapshot_dir() -> Path | None:
    """The snapshot's directory: $SCO_SNAPSHOT_DIR if set (empty: no snapshot), else the package's."""
    override = os.environ.get(ENV_DIR)
    if override is not None:
        return Path(override) if override else None
    root = Path(str(resources.files(PACKAGE)))
    return root if (root / MANIFEST).is_file() else None


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def manifest(directory: Path | None = None) -> dict | None:
    """The manifest of the snapshot in `directory` (default: the one in force), or None."""
    directory = directory if directory is not None else snapshot_dir()
    if directory is None:
        return None
    path = directory / MANIFEST
    if not path.is_file():
        return None
    return _load(str(path), path.stat().st_mtime)


def sources(directory: Path | None = None) -> list[dict]:
    """Every shipped source of the snapshot in force (each with its dataset's facts)."""
    found = manifest(directory)
    if not found:
        return []
    out = []
    for ds in found["datasets"]:
        for src in ds.get("sources", []):
            out.append({**src, "dataset": ds["key"]})
    return out


def version(directory: Path | None = None) -> str | None:
    found = manifest(directory)
    return found["version"] if found else None


def table_files(table: str, exclude: set[str], directory: Path | None = None) -> list[tuple[str, Path]]:
    """(source_id, absolute path) of the snapshot's files of `table`, for sources not in `exclude`."""
    directory = directory if directory is not None else snapshot_dir()
    out = []
    for src in sources(directory):
        if src["table"] == table and src["source_id"] not in exclude:
            out += [(src["source_id"], directory / f["path"]) for f in src["files"]]
    return out


def content_checksum(con: duckdb.DuckDBPyConnection, select_sql: str, params: list | None = None) -> str:
    """sha256 over the rows of `select_sql`, each rendered as DuckDB text of the row, sorted, newline-joined."""
    row = con.execute(
        f"SELECT sha256(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM "
        f"(SELECT CAST(t AS VARCHAR) AS r FROM ({select_sql}) t)",  # sql-hygiene: callers pass a query of schema column names with ? params
        params or []).fetchone()
    return row[0]


def version_of(checksums: list[str]) -> str:
    """The snapshot version: a short digest of its sources' content checksums (sorted)."""
    return hashlib.sha256("\n".join(sorted(checksums)).encode()).hexdigest()[:16]


def origin_columns(store, frame):
    """`sco data list`'s vintage, URL and origin per source: from the snapshot, the report, or an import/update.

    `origin` is `snapshot <version>` for a source read from the package's snapshot, `embedded` for the
    report's tables, `update <date> (overrides snapshot)` for a source refreshed by `sco data update`,
    `import (overrides snapshot)` for a user import of a source id the snapshot also ships, else `import`. `vintage` is the dataset's (manifest) for snapshot sources,
    else the years the source holds.
    """
    import polars as pl

    shipped = {s["source_id"]: s for s in sources()}
    from_snapshot = getattr(store, "snapshot_ids", set())
    ver = version()
    from sco_observatory.store.provenance import is_update

    prov = {r[0]: r[1:] for r in store.con.execute("SELECT source_id, url, format, retrieved FROM source").fetchall()}
    urls = {k: v[0] for k, v in prov.items()}
    origins, vintages, links = [], [], []
    for row in frame.iter_rows(named=True):
        sid = row["source"]
        _, fmt, retrieved = prov.get(sid, (None, None, None))
        first, last = row.get("first_year"), row.get("last_year")
        if sid in from_snapshot:
            origins.append(f"snapshot {ver}")
            vintages.append(shipped[sid]["vintage"])
        elif is_update(fmt):
            origins.append(f"update {retrieved:%Y-%m-%d} (overrides snapshot)" if retrieved else "update (overrides snapshot)")
            vintages.append(f"{first}-{last}" if first is not None else "")
        else:
            origins.append("embedded" if sid.startswith("embedded:") else
                           "import (overrides snapshot)" if sid in shipped else "import")
            vintages.append(f"{first}-{last}" if first is not None else "")
        links.append(urls.get(sid) or "")
    return frame.with_columns(pl.Series("origin", origins), pl.Series("vintage", vintages), pl.Series("url", links))


def dataset_table(store, cited: set[str] | None = None):
    """Publisher, vintage, retrieval date, URL and licence per dataset the store holds (the report's
    sources section): snapshot sources grouped by their manifest dataset, every other source (an
    import, an update, the report's embedded tables) on its own row from its provenance record.

    `cited`: only datasets with a source id in this set (e.g. the sources the report cites).
    Columns: dataset, publisher, vintage, retrieved, url, licence, origin, sources.
    """
    import polars as pl

    from sco_observatory.store.provenance import is_update

    datasets = {d["key"]: d for d in (manifest() or {}).get("datasets", [])}
    shipped = {s["source_id"]: s["dataset"] for s in sources()}
    from_snapshot = getattr(store, "snapshot_ids", set())
    rows: dict[str, dict] = {}
    for row in store.sources().iter_rows(named=True):
        sid = row["source_id"]
        if cited is not None and sid not in cited:
            continue
        if sid in from_snapshot and shipped.get(sid) in datasets:
            ds = datasets[shipped[sid]]
            entry = rows.setdefault(ds["key"], {
                "dataset": ds["title"], "publisher": ds["publisher"], "vintage": ds["vintage"],
                "retrieved": ds["retrieved"], "url": ds["url"], "licence": ds["licence"],
                "origin": f"snapshot {version()}", "sources": []})
            entry["sources"].append(sid)
            continue
        retrieved = row.get("retrieved")
        rows[sid] = {"dataset": row["title"], "publisher": row["publisher"],
                     "vintage": str(row["year"]) if row.get("year") else "",
                     "retrieved": f"{retrieved:%Y-%m-%d}" if retrieved else "", "url": row.get("url") or "",
                     "licence": row.get("licence") or "", "sources": [sid],
                     "origin": "embedded" if sid.startswith("embedded:") else
                               "update (overrides snapshot)" if is_update(row.get("format")) else
                               "import (overrides snapshot)" if sid in shipped else "import"}
    out = [{**r, "sources": ", ".join(r["sources"])} for r in rows.values()]
    schema = {k: pl.String for k in ("dataset", "publisher", "vintage", "retrieved", "url", "licence", "origin", "sources")}
    return pl.DataFrame(out, schema=schema).sort("dataset") if out else pl.DataFrame(schema=schema)
