"""The embedded open-data snapshot: manifest, licences, rebuild by checksum."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

from sco_observatory import snapshot
from sco_observatory.ingest.base import sha256_of
from sco_observatory.snapshot_datasets import DATASETS
from sco_observatory.store.schema import COLUMNS

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "src" / "sco_observatory" / "data" / "snapshot"


def _build_module():
    spec = importlib.util.spec_from_file_location("build_snapshot", REPO / "scripts" / "build_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manifest_names_every_dataset_with_its_facts():
    manifest = snapshot.manifest(SHIPPED)
    assert manifest is not None
    keys = {d["key"] for d in manifest["datasets"]}
    assert keys == {d.key for d in DATASETS}
    for ds in manifest["datasets"]:
        for fact in ("publisher", "vintage", "retrieved", "url", "licence"):
            assert ds[fact], (ds["key"], fact)
        assert all(len(f["sha256"]) == 64 for f in ds["input_files"])
        if not ds["shipped"]:
            assert not ds.get("sources") and ds["note"], ds["key"]  # a recipe and its reason, no rows


def test_shipped_files_match_the_manifest():
    """Every file named is there with its sha256, and its rows are the source's row count and checksum."""
    con = duckdb.connect()
    for src in snapshot.sources(SHIPPED):
        paths = [SHIPPED / f["path"] for f in src["files"]]
        for f, path in zip(src["files"], paths):
            assert sha256_of(path) == f["sha256"], f["path"]
        cols = [c for c in COLUMNS[src["table"]] if c != "source_id"]
        listed = ", ".join("'" + str(p) + "'" for p in paths)
        scan = f"SELECT {', '.join(cols)} FROM read_parquet([{listed}], hive_partitioning = true)"
        assert con.execute(f"SELECT count(*) FROM ({scan})").fetchone()[0] == src["rows"]
        assert snapshot.content_checksum(con, scan) == src["content_checksum"], src["source_id"]


def test_no_sipri_or_unlicensed_rows_are_shipped():
    ids = {s["source_id"] for s in snapshot.sources(SHIPPED)}
    assert not any(i.startswith(("sipri:", "rosstat:", "unodc")) for i in ids)
    assert "national:KGZ-nsc" in ids and "national:KAZ-bns" not in ids and "national:UZB-stat" not in ids


def test_snapshot_is_small():
    size = sum(p.stat().st_size for p in SHIPPED.rglob("*.parquet"))
    assert size < 20 * 2**20


@pytest.mark.slow
def test_rebuild_from_shared_data_reproduces_the_shipped_snapshot(shared_data, tmp_path):
    built = _build_module().build(shared_data, tmp_path / "snapshot")
    shipped = snapshot.manifest(SHIPPED)
    assert built["version"] == shipped["version"]

    def checksums(manifest):
        return {s["source_id"]: (s["rows"], s["content_checksum"]) for d in manifest["datasets"]
                for s in d.get("sources", [])}

    assert checksums(built) == checksums(shipped)
