"""`sco data update [DATASET]`: refresh a snapshot dataset from its publisher's live API.

Why: the snapshot is frozen at build time; a user online can bring a dataset up to date without
finding and importing files. The update asks the live API for the **same scope the snapshot holds**
(the same indicator, the same countries, from the snapshot's first year to the current year),
through the existing connector and HTTP layer (cache, retries, bounds: sources/http.py), and stores
the answer under the snapshot's own source id, so it overrides the shipped rows exactly as an
import of that source would (snapshot.py) and `sco data list` shows it as an update.

All or nothing: every page of every indicator of the dataset is downloaded and checked before
anything is written; if any request fails (offline, connection refused, the API down) nothing is
written and the snapshot stays in force. Each source is then stored in its own transaction (the
store's unit of writing); should one of several be refused by the import guard (an answer with
fewer rows, countries or years than the snapshot — `--replace` accepts it), the ones before it are
kept and the message names them. Answers stay in the HTTP cache, so a re-run resumes.

Offline is not a user error, but it is reported as every failed `sco fetch` is: one line saying
what happened, that nothing was written, and how to retry, exit 2. The CLI's contract is three
codes — 0 done, 2 "read the line, act, retry", 70 a bug (tests/test_fuzz_cli.py holds every
command to it) — and a separate code for "the network is down" would be the only exception.

Datasets with a live connector: `UPDATABLE`. The others (IMF DOTS, whose bulk service was replaced
by the IMTS dataflow with other codes; CDIS; UIS; UN DESA; COW) are refreshed by importing a newer
file; the command says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sco_observatory.errors import ObservatoryError, SourceError
from sco_observatory.store.provenance import UPDATE_FORMAT  # the `format` of an updated source (snapshot.py reads it)

UPDATABLE = {"wdi": "worldbank", "wdi-milex": "worldbank"}
"""Snapshot dataset key -> the connector that refreshes it."""


class UnknownDatasetError(ObservatoryError):
    """`sco data update NAME` with a NAME the snapshot does not have."""


class NotUpdatableError(ObservatoryError):
    """A snapshot dataset without a live connector (refreshed by importing a newer file)."""


class UpdateUnavailableError(SourceError):
    """The publisher could not be reached (offline, refused, failing): nothing written, snapshot kept."""

    http_status = 503


@dataclass
class UpdateReport:
    dataset: str
    lines: list[str] = field(default_factory=list)


def _dataset(key: str) -> dict:
    from sco_observatory import snapshot

    found = snapshot.manifest()
    datasets = {d["key"]: d for d in (found or {}).get("datasets", []) if d.get("shipped")}
    if key not in datasets:
        raise UnknownDatasetError(f"no snapshot dataset '{key}'",
                                  f"use one of: {', '.join(sorted(datasets)) or '(no snapshot installed)'}")
    if key not in UPDATABLE:
        ds = datasets[key]
        raise NotUpdatableError(
            f"'{key}' ({ds['publisher']}) has no live API connector",
            f"download a newer release from {ds['url']} and `sco import` it; live updates: {', '.join(sorted(UPDATABLE))}")
    return datasets[key]


def _scope(ds: dict) -> list[tuple[str, str, list[str], int]]:
    """(source_id, indicator code, countries, first year) of each snapshot source of the dataset."""
    import duckdb

    from sco_observatory import snapshot

    root = snapshot.snapshot_dir()
    out = []
    for src in ds.get("sources", []):
        files = [str(root / f["path"]) for f in src["files"]]
        con = duckdb.connect()
        try:
            codes, isos, first = con.execute(
                "SELECT list(DISTINCT code ORDER BY code), list(DISTINCT iso3 ORDER BY iso3), min(year) "
                "FROM read_parquet(?)", [files]).fetchone()
        finally:
            con.close()
        if len(codes) != 1:
            raise ObservatoryError(f"snapshot source {src['source_id']} holds {len(codes)} indicator codes",
                                   "the snapshot is not as built by scripts/build_snapshot.py; reinstall the package")
        out.append((src["source_id"], codes[0], isos, int(first)))
    return out


def update(store_opener: Callable, key: str, *, settings=None, progress=None, replace: bool = False,
           today: dt.date | None = None) -> UpdateReport:
    """Refresh snapshot dataset `key` from its live API (see the module docstring); returns the report lines."""
    from sco_observatory.ingest.base import CodeColumn
    from sco_observatory.sources import worldbank
    from sco_observatory.sources.common import FetchReport, land, provenance_url
    from sco_observatory.sources.http import HttpSettings
    from sco_observatory.store.db import SourceMeta

    ds = _dataset(key)
    scope = _scope(ds)
    last = (today or dt.date.today()).year
    settings = settings or HttpSettings.from_env(worldbank.DEFAULTS)
    downloaded = []
    try:
        for source_id, code, isos, first in scope:  # the network part, for every source, before any write
            responses, fetcher = worldbank.download([code], isos, (first, last), settings=settings, progress=progress)
            downloaded.append((source_id, code, isos, first, responses, fetcher))
    except SourceError as exc:
        raise UpdateUnavailableError(
            f"sco data update {key}: {exc.message}; nothing was written and the snapshot stays in force",
            f"retry `sco data update {key}` when {ds['publisher']} is reachable (answers already received are cached)",
        ) from None
    report = UpdateReport(key)
    stored: list[str] = []
    for source_id, code, isos, first, responses, fetcher in downloaded:
        rows, dropped = worldbank.normalise(responses, (first, last))
        if not rows:
            raise SourceError(f"{worldbank.PUBLISHER} answered no values for {code}; "
                              + (f"already updated: {', '.join(stored)}; " if stored else "") + "the rest is unchanged",
                              "try again later (the API may be mid-release)")
        meta = SourceMeta(
            source_id=source_id, title=f"{ds['title']} — {code}, updated from the World Bank API",
            publisher=ds["publisher"], format=UPDATE_FORMAT, table_name="indicator",
            url=provenance_url(responses), licence=ds["licence"],
            citation="World Bank, World Development Indicators (API v2), via sco data update")
        one = FetchReport(worldbank.PUBLISHER, fetcher.stats)
        try:
            land(store_opener, one, meta, "update", rows, responses, dropped, [CodeColumn("iso3", keep_world=True)],
                 replace=replace)
        except ObservatoryError as exc:
            if stored:
                exc.message += f" (already updated: {', '.join(stored)})"
            raise
        stored.append(source_id)
        report.lines += [f"{source_id}: {line}" for line in one.lines()]
    return report
