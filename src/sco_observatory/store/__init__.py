"""The DuckDB store: schema, migrations, transactional loads, provenance, read queries."""

from sco_observatory.store.db import ImportResult, SourceMeta, Store, open_memory_store, open_store

__all__ = ["ImportResult", "SourceMeta", "Store", "open_memory_store", "open_store"]
