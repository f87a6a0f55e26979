"""Helpers for the store's crash and concurrency tests: an exact fingerprint of what a store holds,
and the invariants recovery must restore (no untracked files, Delta head = catalog version)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote

from sco_observatory.store.schema import COLUMNS


def fingerprint(store, *, retrieved: bool = True) -> dict:
    """Per table and source: row count and order-independent sums of a row hash; plus every source row
    (sha256, rows, and the retrieval time unless `retrieved=False`: a re-import of the same file is
    retrieved anew). Equal fingerprints = equal contents."""
    columns = "*" if retrieved else "* EXCLUDE (retrieved)"
    out = {"source": store.con.execute(f"SELECT {columns} FROM source ORDER BY source_id").fetchall()}
    for table, cols in COLUMNS.items():
        out[table] = store.con.execute(
            f"""SELECT source_id, count(*), sum(hash({', '.join(cols)}) % 1000000007), sum(hash({', '.join(cols)}) // 1000000007)
                FROM {table} GROUP BY source_id ORDER BY source_id""").fetchall()
    return out


def logged_paths(root: Path) -> set[str]:
    paths = set()
    for entry in (root / "_delta_log").glob("*.json"):
        for line in entry.read_text().splitlines():
            action = json.loads(line)
            for kind in ("add", "remove"):
                if kind in action:
                    paths.add(unquote(action[kind]["path"]))
    return paths


def assert_clean(store) -> None:
    """Every parquet file is known to the Delta log; each table's Delta head has the catalog version's files."""
    from deltalake import DeltaTable

    for table in COLUMNS:
        root = store.table_root(table)
        if not (root / "_delta_log").is_dir():
            continue
        files = {os.path.relpath(p, root) for p in root.rglob("*.parquet")}
        assert files <= logged_paths(root), f"{table}: untracked files {sorted(files - logged_paths(root))[:3]}"
        head = sorted(DeltaTable(str(root)).file_uris())
        assert head == store.table_files(table), f"{table}: Delta head differs from the catalog's version"
    leftovers = [p for p in (store.root / "tmp").iterdir() if p != store.tmp]
    assert all(_alive(p.name) for p in leftovers), f"spill dirs of dead processes: {leftovers}"


def _alive(name: str) -> bool:
    pid = name.split("-", 1)[0]
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True
