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

How each dataset is refreshed (`UPDATABLE`, `BULK`, `MANUAL`; the table in docs/data.md):
- **api** (`wdi`, `wdi-milex`): the World Bank API v2 through the worldbank connector, as above.
- **bulk** (`cow-nmc-7`, `uis-students`): the publisher's file at a stable URL (`BULK`), downloaded
  through the same HTTP layer (cache, retries with backoff, timeouts, size and time bounds, offline
  handling) — a zip's members are opened in the download's check, so a truncated or corrupt archive
  is retried and then refused — and imported with the dataset's own reader (ingest/), which names
  the snapshot's source id. Every file of the dataset is downloaded and dry-run through the import
  path (every check, the shrink guard) before any is written; then each lands in its own
  transaction. The source records the download URL, its sha256 and `format` =
  `data-update:<reader format>` (`store.provenance.is_update`), so `sco data list` shows
  `update <date> (overrides snapshot)`. A file byte-identical to the snapshot's is "unchanged".
  Base URLs can be pointed elsewhere (a mirror, a test server) with each entry's environment variable.
- **manual** (`MANUAL`): no stable URL of a file the reader reads (a form-driven portal, a retired
  bulk service, or a snapshot built from a reshaped copy): `sco data update KEY` says why and which
  file to download and `sco import`, exit 2, store untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sco_observatory.errors import ObservatoryError, SourceError
from sco_observatory.sources.update_bulk import Bulk, BulkFile, UpdateUnavailableError, update_bulk
from sco_observatory.store.provenance import UPDATE_FORMAT  # the `format` of an updated source (snapshot.py reads it)

__all__ = ["BULK", "MANUAL", "UPDATABLE", "NotUpdatableError", "UnknownDatasetError", "UpdateReport",
           "UpdateUnavailableError", "update"]

BULK: dict[str, Bulk] = {
    # COW's release page links NMCv7.zip, which nests NMC-v7-abridged.zip / NMC-70-abridged.csv (docs/data.md)
    "cow-nmc-7": Bulk("Correlates of War Project", "https://correlatesofwar.org/wp-content/uploads", "SCO_COW_URL",
                      (BulkFile("NMCv7.zip", "NMC-70-abridged.csv", "cow-nmc",
                                ("NMCv7/NMC-v7-abridged.zip", "NMC-70-abridged.csv")),)),
    # the snapshot's files are 360info's, verbatim (../shared/data/student_mobility_uis/PROVENANCE.md); their
    # repository's main branch is where a re-run of 360info's UIS pipeline lands
    "uis-students": Bulk("360info (UNESCO UIS data)",
                         "https://raw.githubusercontent.com/360-info/report-global-education/main/data", "SCO_UIS_URL",
                         (BulkFile("popular-destinations-by-origin.csv", "popular-destinations-by-origin.csv",
                                   "uis-students-by-origin"),
                          BulkFile("popular-origins-by-destination.csv", "popular-origins-by-destination.csv",
                                   "uis-students-by-destination"))),
}

MANUAL: dict[str, str] = {
    "imf-dots": "the IMF retired the DOTS bulk service (data.imf.org now serves IMTS, other codes and a form); "
                "download a DOTS/IMTS bulk CSV there and `sco import` it (format imf-dots-bulk), or "
                "`sco fetch imf` for IMTS as a source of its own",
    "imf-cdis": "CDIS moved to data.imf.org's Direct Investment Positions dataset, downloaded through a form; "
                "export Table 6-o (outward positions) as the long CSV and `sco import` it (format imf-cdis-outward)",
    "undesa-ims-2020": "UN DESA publishes the 2020 edition as xlsx workbooks, not the long CSV the reader takes; "
                       "convert the 'destination and origin' table to year,origin,...,stock and `sco import` it "
                       "(format undesa-ims-long)",
    "undesa-ims-2019": "a closed edition (superseded by 2020 and 2024): nothing to refresh; "
                       "a newer edition is imported as its own source (`sco import`, format undesa-ims-long)",
    "national-trade-kgz": "stat.gov.kg publishes tables 4.03.00.18/20 as xlsx behind its site's navigation "
                          "(no stable file URL); rebuild the national-trade CSV and `sco import` it "
                          "(format national-trade-ca, option reporter=KGZ)",
    "wdi-milex-derived": "derived by scripts/build_snapshot.py from WDI's MS.MIL.XPND.GD.ZS and NY.GDP.MKTP.CD: "
                         "`sco data update wdi-milex` brings SIPRI's own US$ series (via the World Bank) instead",
}
"""Dataset key -> why it has no live update, and which file to `sco import` instead (one line)."""

UPDATABLE = {"wdi": "worldbank", "wdi-milex": "worldbank", **{key: "bulk" for key in BULK}}
"""Snapshot dataset key -> how it is refreshed online (`worldbank` connector or a `bulk` download)."""


class UnknownDatasetError(ObservatoryError):
    """`sco data update NAME` with a NAME the snapshot does not have."""


class NotUpdatableError(ObservatoryError):
    """A snapshot dataset without a live connector (refreshed by importing a newer file)."""


@dataclass
class UpdateReport:
    dataset: str
    lines: list[str] = field(default_factory=list)


def _dataset(key: str) -> dict:
    from sco_observatory import snapshot, snapshot_datasets

    found = snapshot.manifest()
    datasets = {d["key"]: d for d in (found or {}).get("datasets", []) if d.get("shipped")}
    if key not in datasets:
        listed = snapshot_datasets.by_key(key)
        if listed is not None and not listed.ship:  # a dataset the snapshot does not ship (licence)
            raise NotUpdatableError(f"'{key}' ({listed.publisher}) is not in the snapshot",
                                    f"{listed.reason}; download it from {listed.url}")
        raise UnknownDatasetError(f"no snapshot dataset '{key}'",
                                  f"use one of: {', '.join(sorted(datasets)) or '(no snapshot installed)'}")
    if key not in UPDATABLE:
        ds = datasets[key]
        why = MANUAL.get(key, f"download a newer release from {ds['url']} and `sco import` it")
        raise NotUpdatableError(
            f"'{key}' ({ds['publisher']}) has no live API or stable download URL",
            f"{why}; from {ds['url']} (live updates: {', '.join(sorted(UPDATABLE))})")
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
    """Refresh snapshot dataset `key` from its live API or bulk URL (see the module docstring); returns the report lines."""
    if UPDATABLE.get(key) == "bulk":
        lines = update_bulk(store_opener, key, _dataset(key), BULK[key], settings=settings, progress=progress,
                            replace=replace)
        return UpdateReport(key, lines)
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
