"""What the three connectors share: scope ids, the fetch report, and the way into the store.

Fetched rows enter the store through the same transactional path as files (`ingest.base.run_import`):
the connector normalises the API's rows to the target table's columns, they are written to a CSV
under `home_dir()/cache/staged/<source>/`, and an `ImportPlan` over that CSV stages, maps country
codes through the one resolver, validates and swaps the source's rows in one transaction. The
source's sha256 is the combined hash of the API responses, so re-fetching unchanged data changes
nothing, and a failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from sco_observatory.ingest.base import CodeColumn, ImportPlan, run_import, sql_string
from sco_observatory.sources.http import FetchStats, Response, cache_root, combined_sha256
from sco_observatory.store.db import ImportResult, SourceMeta, Store
from sco_observatory.store.schema import COLUMNS

DUCKDB_TYPES = {
    "iso3": "VARCHAR", "year": "INTEGER", "code": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR",
    "estimate": "BOOLEAN", "reporter": "VARCHAR", "partner": "VARCHAR", "flow": "VARCHAR",
    "product": "VARCHAR", "value_usd": "DOUBLE", "valuation": "VARCHAR",
}


def scope_id(prefix: str, parts: Sequence[Sequence[str] | str], *, limit: int = 6) -> str:
    """A readable, deterministic source id for one query, e.g. 'worldbank:NY.GDP.MKTP.CD:KAZ+KGZ:2010-2012'.

    Lists longer than `limit` are replaced by their length and a short hash, so ids stay short and
    two different queries never share an id (and so never replace each other's rows).
    """
    out = [prefix]
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        items = sorted(set(part))
        if len(items) <= limit:
            out.append("+".join(items))
        else:
            digest = hashlib.sha256("+".join(items).encode()).hexdigest()[:8]
            out.append(f"{len(items)}x{digest}")
    return ":".join(out)


def years_text(years: tuple[int, int]) -> str:
    return str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"


@dataclass
class FetchReport:
    """What one fetch did: requests, cache use, retries, rows dropped on the way, the import."""

    publisher: str
    stats: FetchStats
    result: ImportResult | None = None
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    staged: Path | None = None

    def lines(self) -> list[str]:
        out = [f"{self.publisher}: {self.stats.describe()}"]
        out += self.notes
        if self.result is not None:
            out.append(self.result.summary())
        return out


def stage_rows(source_id: str, folder: str, table: str, rows: list[dict[str, Any]]) -> Path:
    """Write normalised rows as CSV (the table's columns plus `_line`) under cache/staged/<folder>/."""
    cols = [c for c in COLUMNS[table] if c != "source_id"]
    target = cache_root() / "staged" / folder
    target.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._+-]+", "_", source_id)
    path = target / f"{safe}.csv"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*cols, "_line"])
        for line, row in enumerate(rows, start=2):
            writer.writerow([_csv_cell(row.get(c)) for c in cols] + [line])
    os.replace(tmp, path)
    return path


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


def import_staged(
    store: Store | Callable[[], Store],
    path: Path,
    meta: SourceMeta,
    responses: Sequence[Response],
    code_columns: list[CodeColumn],
    *,
    replace: bool = False,
) -> ImportResult:
    """Import a staged CSV through the one transactional path, with the responses' combined hash.

    `store` may be a callable that opens it (the CLI passes `open_store`), so the store is opened
    only once every response is in, not held during the network part.
    """
    table = meta.table_name
    cols = [c for c in COLUMNS[table] if c != "source_id"]
    types = ", ".join(f"'{c}': '{DUCKDB_TYPES[c]}'" for c in cols)
    select = f"""SELECT {', '.join(cols)}, _line
                 FROM read_csv({sql_string(path)}, header = true, columns = {{{types}, '_line': 'BIGINT'}})"""
    meta.sha256 = combined_sha256(responses)
    meta.file_name = path.name
    if responses:
        meta.retrieved = max(r.retrieved for r in responses).replace(tzinfo=None)
    meta.year = meta.year or meta.retrieved.year  # an API answer's vintage is when it was retrieved
    plan = ImportPlan(path, meta, select, code_columns=code_columns,
                      hint="the API answered with data that fails validation; see docs/sources.md")
    if isinstance(store, Store):
        return run_import(store, plan, replace=replace)
    opened = store()
    try:
        return run_import(opened, plan, replace=replace)
    finally:
        opened.close()


TRADE_CODE_COLUMNS = [CodeColumn("reporter"), CodeColumn("partner", keep_world=True)]
"""Country columns of a bilateral trade fetch: the partner World (WLD) is kept for totals."""


def land(
    store: Store | Callable[[], Store],
    report: "FetchReport",
    meta: SourceMeta,
    folder: str,
    rows: list[dict[str, Any]],
    responses: Sequence[Response],
    dropped: dict[str, int],
    code_columns: list[CodeColumn],
    *,
    replace: bool = False,
) -> "FetchReport":
    """Stage normalised rows with their response manifest and import them; the one landing path of every connector.

    `replace=True` accepts an answer with fewer rows, countries or years than the stored fetch of
    the same scope (`ingest.guard`); otherwise such a re-fetch is refused and the store kept."""
    path = stage_rows(meta.source_id, folder, meta.table_name, rows)
    write_manifest(path, responses)
    report.staged = path
    report.result = import_staged(store, path, meta, responses, code_columns, replace=replace)
    report.result.skipped.update(dropped)
    return report


def parse_number(value: Any, drop: Callable[[str], None], missing: str) -> float | None:
    """A numeric API value, or None after counting why it was dropped (missing, or not a number)."""
    if value is None or value == "":
        drop(missing)
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        drop("values that are not numbers")
        return None


def write_manifest(path: Path, responses: Sequence[Response]) -> Path:
    """Next to a staged CSV: every request URL, its retrieval time and response sha256 (provenance)."""
    manifest = path.with_suffix(".responses.json")
    data = [{"url": r.request.url, "retrieved": r.retrieved.isoformat(), "sha256": r.sha256, "status": r.status,
             "from_cache": r.from_cache} for r in sorted(responses, key=lambda r: r.request.url)]
    manifest.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return manifest


def provenance_url(responses: Sequence[Response], limit: int = 20) -> str:
    """The source row's url: the request URLs (first `limit`), space-separated."""
    urls = sorted({r.request.url for r in responses})
    text = " ".join(urls[:limit])
    return text + (f" (and {len(urls) - limit} more)" if len(urls) > limit else "")
