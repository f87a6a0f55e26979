"""The store: SQLite catalog + Delta Lake tables read through DuckDB views; atomic loads, provenance, read queries."""

from sco_observatory.store.db import ImportResult, LakeStore, SourceMeta, Store, open_memory_store, open_store

__all__ = ["ImportResult", "LakeStore", "SourceMeta", "Store", "open_memory_store", "open_store"]
