"""`sco data update KEY` for a dataset published as a file at a stable URL (sources/update.py `BULK`).

Why a module of its own: the API updater asks for the snapshot's scope row by row; a bulk update
downloads the publisher's whole file and hands it to the dataset's own reader, exactly as
`sco import` would, so every validation, the shrink guard and the all-or-nothing write are the
import path's (ingest/base.py), not a second copy.

Order of work (all or nothing):
1. every file of the dataset through the HTTP layer (sources/http.py: cache, retries with backoff,
   timeouts, body and time bounds, `--offline`); the download's check opens each zip member named
   in `BulkFile.members` (CRC-checked by `zipfile`), so a truncated or corrupt archive is retried
   and then refused — nothing written;
2. each file planned by its reader; the source id it makes must be one the snapshot ships for the
   dataset (a file of another release or layout is refused, not stored beside the snapshot);
3. every plan dry-run through the import path up to its commit, then each landed in its own
   transaction (the store's unit of writing) — a file that fails a check or the shrink guard stops
   the update before anything is written.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sco_observatory.errors import ObservatoryError, SourceError
from sco_observatory.store.provenance import UPDATE_PREFIX

if TYPE_CHECKING:
    from sco_observatory.store.db import Store


class UpdateUnavailableError(SourceError):
    """The publisher could not be reached (offline, refused, failing): nothing written, snapshot kept."""

    http_status = 503


@dataclass(frozen=True)
class BulkFile:
    """One file of a bulk download: `path` under the base URL; `members`: the zip members to descend
    (an archive inside an archive is opened in turn); `name`: the file name the reader sees (it
    derives the source id from it); `fmt`: the reader's format."""

    path: str
    name: str
    fmt: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bulk:
    """A dataset refreshed from a file at a stable URL: base URL (overridable by `env`), its files."""

    publisher: str
    base: str
    env: str
    files: tuple[BulkFile, ...]


class _DryRun(Exception):
    """Raised just before a dry run's commit (the transaction rolls back)."""


def _extract(body: bytes, members: tuple[str, ...]) -> bytes:
    """The bytes of the innermost member (`members` descended in order); raises BadResponse if the
    archive is truncated, corrupt or lacks the member."""
    from sco_observatory.sources.http import BadResponse

    data = body
    for member in members:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = archive.read(member)  # checks the member's CRC
        except KeyError:
            raise BadResponse(f"the archive holds no {member}", retry=False,
                              hint="the publisher changed the release's layout; download it by hand and `sco import` it")
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError) as exc:
            raise BadResponse(f"not a complete zip archive ({exc})") from None
    if not data:
        raise BadResponse("an empty file")
    return data


def _download(key: str, bulk: Bulk, settings, progress) -> list[tuple[BulkFile, bytes, object]]:
    from sco_observatory.sources.http import Fetcher, Request, base_url

    base = base_url(bulk.env, bulk.base)
    by_url = {f"{base}/{f.path}": f for f in bulk.files}
    fetcher = Fetcher(bulk.publisher, settings, lambda r: _extract(r.body, by_url[r.request.url].members),
                      progress=progress)
    requests = [Request(f"update-{key}", url, accept="*/*", label=f.path) for url, f in by_url.items()]
    try:
        responses = fetcher.fetch_all(requests)
    except SourceError as exc:
        raise UpdateUnavailableError(
            f"sco data update {key}: {exc.message}; nothing was written and the snapshot stays in force",
            f"retry `sco data update {key}` when {bulk.publisher} is reachable (files already received are cached)",
        ) from None
    return [(by_url[r.request.url], r.parsed, r) for r in responses]


def update_bulk(store_opener: Store | Callable[[], Store], key: str, ds: dict, bulk: Bulk, *, settings=None,
                progress=None, replace: bool = False) -> list[str]:
    """Download `bulk`'s files, import each with its reader under the snapshot's source id (see the
    module doc); returns the report's lines."""
    from sco_observatory.ingest import FORMATS, _plan
    from sco_observatory.ingest.base import run_import
    from sco_observatory.sources.http import HttpSettings
    from sco_observatory.store.db import Store

    settings = settings or HttpSettings.from_env({"concurrency": 2})
    downloaded = _download(key, bulk, settings, progress)
    expected = {src["source_id"] for src in ds.get("sources", [])}
    lines: list[str] = []
    store = store_opener if isinstance(store_opener, Store) else store_opener()
    try:
        with tempfile.TemporaryDirectory(prefix="sco-update-") as tmp:
            plans = []
            for spec, content, response in downloaded:
                path = Path(tmp) / spec.name
                path.write_bytes(content)
                plan = _plan(path, spec.fmt, {})
                if isinstance(plan, list) or plan.meta.source_id not in expected:
                    made = ", ".join(p.meta.source_id for p in plan) if isinstance(plan, list) else plan.meta.source_id
                    raise ObservatoryError(
                        f"sco data update {key}: {response.request.url} reads as source {made}, not the snapshot's "
                        f"{', '.join(sorted(expected))}; nothing was written",
                        "the publisher changed the file; download it and `sco import` it as a new source")
                plan.meta.format = UPDATE_PREFIX + FORMATS[spec.fmt].name
                plan.meta.url = response.request.url
                plan.meta.sha256 = response.sha256  # of the file as downloaded (the archive, for a zip)
                plan.meta.retrieved = response.retrieved.replace(tzinfo=None)
                plan.meta.title = f"{plan.meta.title} (updated from {response.request.url})"
                plans.append((plan, response))

            def dry() -> None:
                raise _DryRun

            results = {}
            for plan, response in plans:  # every check and the shrink guard, for every file, before any write
                try:
                    results[plan.meta.source_id] = run_import(store, plan, before_commit=dry, replace=replace)
                except _DryRun:
                    pass
                except ObservatoryError as exc:
                    raise ObservatoryError(
                        f"sco data update {key}: the file from {response.request.url} fails the import's checks "
                        f"({exc.message}); nothing was written and the snapshot stays in force",
                        f"retry with `sco data update {key} --refresh` (a download cut short); if it persists the "
                        f"publisher changed the file: {exc.hint}") from None
            for plan, response in plans:
                if plan.meta.source_id in results:  # "unchanged": byte-identical to what the store holds
                    lines.append(f"{plan.meta.source_id}: unchanged — {response.request.url} is the file "
                                        f"the store already holds (sha256 {response.sha256[:12]}…)")
                    continue
                result = run_import(store, plan, replace=replace)
                cached = " (from the HTTP cache)" if response.from_cache else ""
                lines.append(f"{plan.meta.source_id}: {result.status} {result.rows:,} rows from "
                                    f"{response.request.url}{cached}; `sco data list` shows it as an update")
    finally:
        if store is not store_opener:
            store.close()
    return lines
