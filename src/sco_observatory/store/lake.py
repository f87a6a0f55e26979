"""The data tables as Delta Lake tables: where their files are, how a source's files are written,
committed, listed at a version, and how a crashed write is undone.

Layout: `<store>/tables/<table>/source_id=<percent-encoded id>/[year=<y>/]part-<uuid>.parquet` with
the Delta log in `_delta_log/`. Every table is partitioned by `source_id`, so replacing a source
is "remove that partition's files, add the new ones" — a Delta commit of explicit Remove/Add
actions, no predicate text (source ids come from users). `trade` is also partitioned by `year`, so
a one-year query reads one year's files. Parquet files are written by DuckDB (`COPY ... TO`,
streamed, memory-bounded) and committed with delta-rs (`create_write_transaction`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import duckdb
import pyarrow as pa
from deltalake import DeltaTable
from deltalake.transaction import AddAction, RemoveAction

from sco_observatory.store.results import sql_string

LOG_DIR = "_delta_log"
# Partition columns per table; a table not named here is partitioned by source only.
PARTITIONS: dict[str, tuple[str, ...]] = {"trade": ("source_id", "year")}
DEFAULT_PARTITIONS: tuple[str, ...] = ("source_id",)


def partition_columns(table: str) -> tuple[str, ...]:
    return PARTITIONS.get(table, DEFAULT_PARTITIONS)


@dataclass(frozen=True)
class DataFile:
    """One committed (or about-to-be-committed) parquet file of a table, path relative to its root."""

    rel: str
    size: int
    rows: int
    partition: tuple[tuple[str, str], ...]

    @property
    def source_id(self) -> str:
        return dict(self.partition)["source_id"]


def source_dir_name(source_id: str) -> str:
    """`source_id=<value>` with the value percent-encoded (Hive/Spark style; DuckDB and Spark decode it)."""
    return "source_id=" + quote(source_id, safe="")


def _partition_of(rel: str) -> tuple[tuple[str, str], ...]:
    parts = []
    for piece in rel.split("/")[:-1]:
        key, _, value = piece.partition("=")
        parts.append((key, unquote(value)))
    return tuple(parts)


def exists(root: Path) -> bool:
    return (root / LOG_DIR).is_dir()


def ensure_table(root: Path, schema: pa.Schema, partitions: tuple[str, ...]) -> None:
    """Create the empty Delta table (version 0) if it is not there yet."""
    if not exists(root):
        root.mkdir(parents=True, exist_ok=True)
        DeltaTable.create(str(root), schema=schema, partition_by=list(partitions), mode="ignore")


def latest_version(root: Path) -> int | None:
    return DeltaTable(str(root)).version() if exists(root) else None


_FILES_CACHE: dict[tuple[str, int], dict[str, DataFile]] = {}


def files_at(root: Path, version: int | None) -> dict[str, DataFile]:
    """The live files of a table at a Delta version (cached: a version never changes)."""
    if version is None or not exists(root):
        return {}
    key = (str(root), version)
    cached = _FILES_CACHE.get(key)
    if cached is None:
        table = DeltaTable(str(root), version=version)
        # read through the Arrow C stream: pa.table() on a foreign table first asks whether it is a pandas frame (imports pandas)
        actions = pa.RecordBatchReader.from_stream(table.get_add_actions(flatten=True)).read_all()
        uris = table.file_uris()
        sizes = actions.column("size_bytes").to_pylist()
        counts = actions.column("num_records").to_pylist() if "num_records" in actions.column_names else [None] * len(uris)
        cached = {}
        for uri, size, rows in zip(uris, sizes, counts):
            rel = os.path.relpath(uri.removeprefix("file://"), root)
            cached[rel] = DataFile(rel, int(size), int(rows or 0), _partition_of(rel))
        if len(_FILES_CACHE) > 256:
            _FILES_CACHE.clear()
        _FILES_CACHE[key] = cached
    return dict(cached)


def write_source_files(con: duckdb.DuckDBPyConnection, root: Path, select_sql: str, source_id: str,
                       partitions: tuple[str, ...]) -> dict[str, DataFile]:
    """Write the rows of `select_sql` (the table's columns minus `source_id`) as parquet under the source's partition.

    Uncommitted until `commit`; a crash leaves them untracked, and `recover` deletes them.
    """
    target = root / source_dir_name(source_id)
    target.mkdir(parents=True, exist_ok=True)
    inner = [p for p in partitions if p != "source_id"]
    if inner:
        options = (f"FORMAT parquet, PARTITION_BY ({', '.join(inner)}), FILENAME_PATTERN 'part-{{uuid}}', "
                   "APPEND true, RETURN_STATS true")
        out = target
    else:
        options = "FORMAT parquet, RETURN_STATS true"
        out = target / f"part-{uuid.uuid4()}.parquet"
    written = con.execute(f"COPY ({select_sql}) TO {sql_string(out)} ({options})").fetchall()
    files: dict[str, DataFile] = {}
    for name, rows, size, *_ in written:
        rel = os.path.relpath(name, root)
        files[rel] = DataFile(rel, int(size), int(rows), _partition_of(rel))
    return files


def adopt_files(root: Path, source_id: str, base: Path, written: list[tuple[Path, int, int]]) -> dict[str, DataFile]:
    """Move parquet files written under `base` (path, rows, bytes) into the source's partition of `root`.

    A file's path below `base` is its partition below the source (`year=2022/part-<uuid>.parquet`
    for trade, `part-<uuid>.parquet` otherwise), so each move is one rename on the store's file
    system. Uncommitted until `commit`, like `write_source_files`' files: `recover` deletes them
    after a crash.
    """
    target = root / source_dir_name(source_id)
    files: dict[str, DataFile] = {}
    for path, rows, size in written:
        dest = target / Path(path).relative_to(base)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
        rel = os.path.relpath(dest, root)
        files[rel] = DataFile(rel, int(size), int(rows), _partition_of(rel))
    return files


def commit(root: Path, schema: pa.Schema, partitions: tuple[str, ...], adds: list[DataFile],
           removes: list[DataFile]) -> int:
    """One Delta commit adding and removing files; returns the new version."""
    ensure_table(root, schema, partitions)
    now = int(time.time() * 1000)
    actions: list[AddAction | RemoveAction] = [
        AddAction(f.rel, f.size, dict(f.partition), now, True, json.dumps({"numRecords": f.rows})) for f in adds
    ] + [RemoveAction(f.rel, True, now, f.size, dict(f.partition)) for f in removes]
    table = DeltaTable(str(root))
    table.create_write_transaction(actions, mode="append", schema=schema, partition_by=list(partitions))
    return DeltaTable(str(root)).version()


def _logged_paths(root: Path) -> set[str]:
    """Every file path any commit in the Delta log mentions (added or removed)."""
    paths: set[str] = set()
    for entry in (root / LOG_DIR).glob("*.json"):
        with open(entry, encoding="utf-8") as fh:
            for line in fh:
                action = json.loads(line) if line.strip() else {}
                for kind in ("add", "remove"):
                    if kind in action:
                        paths.add(unquote(action[kind]["path"]))
    return paths


def recover(root: Path, version: int | None) -> dict[str, int]:
    """Bring a table back to the version the catalog references; delete files no commit knows.

    Runs under the writer lock. A Delta version newer than the catalog's is a write that crashed
    between its Delta commit and its catalog commit: `restore` writes a commit whose files are the
    catalog version's again. A parquet file no Delta commit mentions was written by a write that
    never committed: deleted. Files removed by committed replacements stay (a pinned reader may
    still be reading them). Returns counts of what was done.
    """
    done = {"restored": 0, "deleted_files": 0}
    if not exists(root):
        if root.exists():  # a crash while creating the table: nothing in it was ever committed
            shutil.rmtree(root)
        return done
    for temp in (root / LOG_DIR).glob("_commit_*.tmp"):
        temp.unlink(missing_ok=True)
    table = DeltaTable(str(root))
    target = 0 if version is None else version
    if table.version() != target:
        table.restore(target)
        done["restored"] = 1
    known = _logged_paths(root) | set(files_at(root, DeltaTable(str(root)).version()))
    for path in sorted(root.rglob("*")):
        rel = os.path.relpath(path, root)
        if rel.startswith(LOG_DIR) or path.is_dir():
            continue
        if rel not in known:
            path.unlink()
            done["deleted_files"] += 1
    _remove_empty_dirs(root)
    return done


def vacuum(root: Path, keep_versions: list[int], *, dry_run: bool = False) -> tuple[list[DataFile], int | None]:
    """Delete the files of `root` that no version in `keep_versions` holds (delta-rs `vacuum`).

    Runs under the writer lock after `recover`, so the Delta head is the catalog's version and no
    untracked file of a live write exists. The retention is given by the caller as the versions to
    keep (those of the store commits a reader may be pinned to, `store/vacuum.py`), so delta-rs's own
    time threshold is set to zero; `full=True` looks at every file of the table, not only those
    removed since the last checkpoint. delta-rs records a vacuum as two commits (VACUUM START/END,
    no file added or removed), so the table's version moves: returns (the files deleted, or that
    would be with `dry_run`; the new Delta version, or None if it did not move), and the caller
    records that version in the catalog.
    """
    if not exists(root):
        return [], None
    on_disk = {p.name: (p, p.stat().st_size) for p in root.rglob("*.parquet")
               if not str(p).startswith(str(root / LOG_DIR))}  # file names are unique (part-<uuid>)
    table = DeltaTable(str(root))
    before = table.version()
    options = {"retention_hours": 0, "enforce_retention_duration": False, "full": True,
               "keep_versions": sorted(set(keep_versions))}
    listed = table.vacuum(dry_run=True, **options)
    if listed and not dry_run:  # only then: a real vacuum writes its two commits even when it deletes nothing
        listed = table.vacuum(dry_run=False, **options)
    gone = []
    for name in listed:
        found = on_disk.get(Path(unquote(name)).name)
        if found is not None:
            rel = os.path.relpath(found[0], root)
            gone.append(DataFile(rel, found[1], 0, _partition_of(rel)))
    if dry_run or not listed:
        return gone, None
    _remove_empty_dirs(root)
    after = DeltaTable(str(root)).version()
    return gone, (after if after != before else None)


def _remove_empty_dirs(root: Path) -> None:
    """Partition directories left empty by a recovery or a vacuum (the Delta log is never touched)."""
    for directory in sorted((p for p in root.rglob("*") if p.is_dir() and not str(p).startswith(str(root / LOG_DIR))),
                            key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
