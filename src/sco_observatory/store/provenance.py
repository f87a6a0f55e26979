"""The provenance record every source carries into the store (one file, API response set or embedded table).

A module of its own, importing nothing of the store, so that what writes sources (the readers of
ingest/, the connectors of sources/, the store's own seeding and legacy migration) can build one
without importing the store's engine — the store's seeding used to import itself in a cycle through
``SourceMeta``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

UPDATE_PREFIX = "data-update:"
UPDATE_FORMAT = UPDATE_PREFIX + "worldbank-api"
"""`SourceMeta.format` of a source written by `sco data update` (sources/update.py) from the World Bank
API; a bulk download's is `data-update:<reader format>`. `sco data list` (snapshot.py) reads it
(`is_update`) to say "update (overrides snapshot)"."""


def is_update(fmt: str | None) -> bool:
    """Whether a source's `format` says `sco data update` wrote it (API or bulk download)."""
    return bool(fmt) and str(fmt).startswith(UPDATE_PREFIX)


def _now_utc() -> dt.datetime:
    """Retrieval time: UTC, naive (the catalog stores naive UTC timestamps)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class SourceMeta:
    """Provenance of one imported file, API response set or embedded table."""

    source_id: str
    title: str
    publisher: str
    format: str
    table_name: str
    year: int | None = None
    url: str | None = None
    licence: str | None = None
    citation: str | None = None
    sha256: str | None = None
    file_name: str | None = None
    retrieved: dt.datetime = field(default_factory=_now_utc)
