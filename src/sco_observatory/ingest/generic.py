"""A documented tidy CSV for your own data (docs/formats.md, "Generic tidy CSV").

`generic-indicator`: header `iso3,year,code,value` plus optional `unit` and `estimate` columns.
`generic-trade`: header `reporter,partner,year,flow,product,value_usd` plus optional `valuation`
(FOB/CIF) and `estimate`; flow is X or M, product TOTAL or an HS code, value in US$.

Countries may be ISO3/ISO2 codes, M49 numbers or English names: they go through the one resolver
("World"/WLD is kept; other aggregates are dropped and counted). `estimate` is true/false, 1/0 or
empty.

Because a number must name its source, the file needs provenance: either options
(`source_title=...`, and optionally `source_id`, `source_publisher`, `source_url`, `source_licence`,
`source_year`, `source_citation`) or a sidecar JSON file beside the data named `<file stem>.source.json`
with the keys `title` (required), `id`, `publisher`, `url`, `licence`, `year`, `citation`. Options
win over the sidecar. The source id defaults to `user:<file stem>`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import options as checked
from sco_observatory.ingest.base import MAX_YEAR, MIN_YEAR, Format, CodeColumn, ImportPlan, csv_source, header_columns
from sco_observatory.store.db import SourceMeta

INDICATOR_REQUIRED = ("iso3", "year", "code", "value")
INDICATOR_OPTIONAL = ("unit", "estimate")
TRADE_REQUIRED = ("reporter", "partner", "year", "flow", "product", "value_usd")
TRADE_OPTIONAL = ("valuation", "estimate")
HINT = "see docs/formats.md (Generic tidy CSV)"
SOURCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,80}$")
TRUE_FALSE = "('', 'true', 'false', '1', '0', 'yes', 'no')"


def _columns(path: Path) -> list[str]:
    return [c.strip() for c in header_columns(path)]


def looks_like_indicator(path: Path) -> bool:
    cols = _columns(path)
    return cols[:4] == list(INDICATOR_REQUIRED) and set(cols[4:]) <= set(INDICATOR_OPTIONAL)


def looks_like_trade(path: Path) -> bool:
    cols = _columns(path)
    return cols[:6] == list(TRADE_REQUIRED) and set(cols[6:]) <= set(TRADE_OPTIONAL)


def sidecar_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.source.json")


def source_meta(path: Path, table: str, fmt: str, options: dict) -> SourceMeta:
    """Provenance from options (source_title=...) or the sidecar `<stem>.source.json`."""
    side: dict = {}
    sidecar = sidecar_path(path)
    if sidecar.exists():
        try:
            side = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFormatError(f"{sidecar.name}: not valid JSON ({exc})", HINT) from None
        if not isinstance(side, dict):
            raise ImportFormatError(f"{sidecar.name}: must hold a JSON object with at least \"title\"", HINT)
    unknown = sorted(k for k in options if not k.startswith("source_"))
    if unknown:
        raise ImportFormatError(f"{path.name}: unknown option(s) {', '.join(unknown)}",
                                "generic CSV options: source_title, source_id, source_publisher, source_url, source_licence, source_year, source_citation")

    def pick(key: str):
        value = options.get(f"source_{key}") or side.get(key)
        if value in (None, ""):
            return None
        name = f"source_{key}"
        if key == "url":
            return checked.url(name, value)
        if key == "year":
            return checked.whole(name, value, low=MIN_YEAR, high=MAX_YEAR, hint="the source's year, e.g. source_year=2024")
        if key == "id":
            return checked.text(name, value, pattern=SOURCE_ID_RE, max_len=81,
                                hint="letters, digits and _.:- only, e.g. source_id=user:my-series")
        return checked.text(name, value, max_len=1000 if key == "citation" else checked.MAX_TEXT)

    title = pick("title")
    if not title:
        raise ImportFormatError(
            f"{path.name}: a generic CSV needs a source title (every number must name its source)",
            f"pass source_title=\"...\" or write {sidecar.name} with {{\"title\": \"...\", \"publisher\": \"...\", \"url\": \"...\"}}",
        )
    source_id = str(pick("id") or f"user:{path.stem}")
    if not SOURCE_ID_RE.match(source_id):
        raise ImportFormatError(f"{path.name}: source id '{source_id}' must be letters, digits and _.:- only", HINT)
    year = pick("year")
    return SourceMeta(
        source_id=source_id, title=str(title), publisher=str(pick("publisher") or "user-supplied"),
        url=pick("url"), licence=pick("licence"), citation=pick("citation"), year=year,
        format=fmt, table_name=table,
    )


def _estimate(cols: list[str]) -> tuple[str, str]:
    if "estimate" not in cols:
        return "FALSE", "''"
    return ("coalesce(lower(trim(estimate)) IN ('true', '1', 'yes'), FALSE)", "lower(trim(coalesce(estimate, '')))")


def plan_indicator(path: Path, **options) -> ImportPlan:
    cols = _columns(path)
    if not looks_like_indicator(path):
        raise ImportFormatError(f"{path.name}:1: not a generic indicator CSV: the header must be iso3,year,code,value[,unit][,estimate]", HINT)
    meta = source_meta(path, "indicator", "generic-indicator", options)
    estimate, estimate_raw = _estimate(cols)
    unit = "nullif(trim(unit), '')" if "unit" in cols else "NULL::VARCHAR"
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)})
        SELECT trim(iso3) AS iso3, TRY_CAST(year AS INTEGER) AS year, upper(trim(code)) AS code,
               TRY_CAST(value AS DOUBLE) AS value, {unit} AS unit, {estimate} AS estimate,
               value AS _raw, year AS _year, {estimate_raw} AS _est, _line
        FROM src"""
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3", keep_world=True)],
        checks=[
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("code IS NULL OR code = ''", "missing code"),
            ("trim(_raw) <> '' AND value IS NULL", "value is not a number"),
            (f"_est NOT IN {TRUE_FALSE}", "estimate must be true/false, 1/0 or empty"),
        ],
        drop_where=[("_raw IS NULL OR trim(_raw) = ''", "rows without a value (missing, not zero)")],
        hint=HINT,
    )


def plan_trade(path: Path, **options) -> ImportPlan:
    cols = _columns(path)
    if not looks_like_trade(path):
        raise ImportFormatError(
            f"{path.name}:1: not a generic trade CSV: the header must be reporter,partner,year,flow,product,value_usd[,valuation][,estimate]", HINT)
    meta = source_meta(path, "trade", "generic-trade", options)
    estimate, estimate_raw = _estimate(cols)
    valuation = "upper(nullif(trim(valuation), ''))" if "valuation" in cols else "NULL::VARCHAR"
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)})
        SELECT trim(reporter) AS reporter, trim(partner) AS partner, TRY_CAST(year AS INTEGER) AS year,
               upper(trim(flow)) AS flow,
               CASE WHEN upper(trim(product)) = 'TOTAL' THEN 'TOTAL' ELSE trim(product) END AS product,
               TRY_CAST(value_usd AS DOUBLE) AS value_usd, {valuation} AS valuation, {estimate} AS estimate,
               value_usd AS _raw, year AS _year, {estimate_raw} AS _est, _line
        FROM src"""
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter", keep_world=True), CodeColumn("partner", keep_world=True)],
        checks=[
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("flow IS NULL OR flow NOT IN ('X', 'M')", "flow must be X (exports) or M (imports)"),
            ("product IS NULL OR product = ''", "missing product (TOTAL or an HS code)"),
            ("valuation IS NOT NULL AND valuation NOT IN ('FOB', 'CIF')", "valuation must be FOB, CIF or empty"),
            ("trim(_raw) <> '' AND value_usd IS NULL", "value_usd is not a number"),
            (f"_est NOT IN {TRUE_FALSE}", "estimate must be true/false, 1/0 or empty"),
        ],
        drop_where=[("_raw IS NULL OR trim(_raw) = ''", "rows without a value (missing, not zero)")],
        hint=HINT,
    )


FORMATS = [
    Format("generic-indicator", "your tidy CSV iso3,year,code,value[,unit][,estimate] + source_title= or <stem>.source.json",
           looks_like_indicator, plan_indicator),
    Format("generic-trade", "your tidy CSV reporter,partner,year,flow,product,value_usd[,valuation][,estimate] + source",
           looks_like_trade, plan_trade),
]
