"""World Bank Indicators API v2 (WDI) -> the `indicator` table.

Request (documented API, no key):

    {base}/v2/country/{ISO3;ISO3;...}/indicator/{CODE}?format=json&date={A}:{B}&per_page={N}&page={P}

`base` is https://api.worldbank.org, or `SCO_WORLDBANK_URL` (it replaces the part before `/v2/`).
The answer is a two-element JSON array: a paging header `{"page", "pages", "per_page", "total",
"lastupdated", ...}` (numbers sometimes as strings) and the rows (`null` when there are none), each
`{"indicator": {"id"}, "country": {"id"}, "countryiso3code", "date", "value", "unit", ...}`. An
invalid query comes back as HTTP 200 with `[{"message": [{"id", "key", "value"}]}]`.

We ask for page 1 of each (indicator, country chunk), read `pages`, then ask for the other pages
(all cached one by one, so an interrupted fetch resumes). Rows whose `value` is null are missing
values: dropped and counted, never filled. Non-annual dates (2012Q1, 2012M01) are dropped and counted.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Sequence
from urllib.parse import quote

from sco_observatory.ingest.base import CodeColumn
from sco_observatory.sources.common import (
    FetchReport, land, parse_number, provenance_url, scope_id, years_text,
)
from sco_observatory.sources.http import (
    BadResponse, Fetcher, HttpSettings, Progress, Request, Response, base_url,
)
from sco_observatory.errors import SourceError
from sco_observatory.sources.bounded import TooDeep, load_json
from sco_observatory.store.db import SourceMeta, Store

SOURCE = "worldbank"
PUBLISHER = "World Bank API"
DEFAULT_BASE = "https://api.worldbank.org"
ENV_URL = "SCO_WORLDBANK_URL"
LICENCE = "CC BY 4.0"
PER_PAGE = 1000
COUNTRIES_PER_REQUEST = 40
DEFAULTS = {"concurrency": 4, "min_interval": 0.0}
CODE_RE = re.compile(r"^[A-Za-z0-9]{1,10}(\.[A-Za-z0-9_]{1,12}){0,8}$")


def indicator_url(base: str, code: str, countries: Sequence[str], years: tuple[int, int], per_page: int, page: int) -> str:
    path = f"{base}/v2/country/{quote(';'.join(countries), safe=';')}/indicator/{quote(code, safe='.')}"
    return f"{path}?format=json&date={years[0]}:{years[1]}&per_page={per_page}&page={page}"


def parse(response: Response) -> dict:
    """The page as {'page', 'pages', 'total', 'rows'}; raises BadResponse when it is not as documented."""
    try:
        data = load_json(response.body)
    except TooDeep as exc:
        raise BadResponse(str(exc), retry=False, hint="the API did not answer in its documented format; try again later") from None
    except ValueError:
        head = response.body[:60].decode("utf-8", "replace").strip()
        raise BadResponse(f"the answer is not valid JSON (truncated or an error page: {head!r}…)") from None
    if isinstance(data, list) and data and isinstance(data[0], dict) and "message" in data[0]:
        messages = data[0]["message"] or [{}]
        first = messages[0] if isinstance(messages, list) and messages else {}
        text = ": ".join(str(first.get(k)) for k in ("key", "value") if first.get(k)) or "error"
        raise BadResponse(f"the API says {text}", retry=False,
                          hint="check the indicator code (e.g. NY.GDP.MKTP.CD) and the countries")
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], dict)):
        raise BadResponse("the answer is not the documented [paging header, rows] array")
    header, rows = data
    try:
        page, pages, total = (int(header[k]) for k in ("page", "pages", "total"))
        per_page = int(header.get("per_page") or 0)
    except (KeyError, TypeError, ValueError, OverflowError):
        raise BadResponse("the paging header lacks page/pages/total") from None
    if min(page, pages, total, per_page) < 0:
        raise BadResponse(f"the paging header holds a negative number (page {page}, pages {pages}, total {total})", retry=False)
    if per_page and pages > max(1, math.ceil(total / per_page)):
        raise BadResponse(f"the paging header claims {pages:,} pages for {total:,} rows of {per_page:,} per page",
                          retry=False, hint="the API answered inconsistently; try again later")
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise BadResponse("the rows are not a list")
    return {"page": page, "pages": pages, "total": total, "rows": rows,
            "lastupdated": header.get("lastupdated")}


def fetch(
    store: Store | Callable[[], Store],
    indicators: Sequence[str],
    countries: Sequence[str],
    years: tuple[int, int],
    *,
    settings: HttpSettings | None = None,
    progress: Progress | None = None,
    replace: bool = False,
    per_page: int = PER_PAGE,
) -> FetchReport:
    """Fetch indicators for countries and years into the `indicator` table as one source (all or nothing)."""
    codes = []
    for code in indicators:
        code = code.strip().upper()
        if not CODE_RE.match(code):
            raise SourceError(f"'{code}' is not a World Bank indicator code", "write codes like NY.GDP.MKTP.CD,SP.POP.TOTL")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise SourceError("no indicator given", "pass --indicators NY.GDP.MKTP.CD[,CODE...]")
    countries = sorted(set(countries))
    settings = settings or HttpSettings.from_env(DEFAULTS)
    responses, fetcher = download(codes, countries, years, settings=settings, progress=progress, per_page=per_page)
    report = FetchReport(PUBLISHER, fetcher.stats)
    rows, dropped = normalise(responses, years)
    report.dropped = dropped
    if not rows:
        raise SourceError(
            f"{PUBLISHER} has no values for {', '.join(codes)} in {', '.join(countries)} {years_text(years)}; store unchanged",
            "check the years (recent years are often empty) and the indicator code",
        )
    missing_codes = sorted(set(codes) - {r["code"] for r in rows})
    if missing_codes:
        report.notes.append(f"no values at all for {', '.join(missing_codes)}")
    source_id = scope_id("worldbank", [codes, countries, years_text(years)])
    meta = SourceMeta(
        source_id=source_id,
        title=f"World Bank API: {', '.join(codes)} for {', '.join(countries)}, {years_text(years)}",
        publisher="World Bank", format="worldbank-api", table_name="indicator",
        url=provenance_url(responses), licence=LICENCE,
        citation="World Bank, World Development Indicators (API v2)",
    )
    return land(store, report, meta, SOURCE, rows, responses, dropped, [CodeColumn("iso3", keep_world=True)], replace=replace)


def download(codes: Sequence[str], countries: Sequence[str], years: tuple[int, int], *, settings: HttpSettings,
             progress: Progress | None = None, per_page: int = PER_PAGE) -> tuple[list[Response], Fetcher]:
    """Every page of every (indicator, country chunk) query, checked for consistent paging; nothing is stored.

    Raises SourceError (store untouched) when any request fails; `sco data update` relies on this to be
    all-or-nothing before it writes.
    """
    base = base_url(ENV_URL, DEFAULT_BASE)
    fetcher = Fetcher(PUBLISHER, settings, parse, progress=progress)
    chunks = [countries[i:i + COUNTRIES_PER_REQUEST] for i in range(0, len(countries), COUNTRIES_PER_REQUEST)]
    queries = [(code, chunk) for code in codes for chunk in chunks]
    firsts = [Request(SOURCE, indicator_url(base, code, chunk, years, per_page, 1), label=f"{code} page 1")
              for code, chunk in queries]
    first_pages = fetcher.fetch_all(firsts)
    for response in first_pages:
        if response.parsed["pages"] > settings.max_pages:
            raise SourceError(
                f"{PUBLISHER}: {response.request.label.split()[0]} has {response.parsed['pages']:,} pages of {per_page:,} rows "
                f"(more than the {settings.max_pages:,} we ask for); store unchanged",
                "ask for fewer countries or years per fetch, or raise SCO_HTTP_MAX_PAGES",
            )
    more = [
        Request(SOURCE, indicator_url(base, code, chunk, years, per_page, page), label=f"{code} page {page}")
        for (code, chunk), response in zip(queries, first_pages)
        for page in range(2, response.parsed["pages"] + 1)
    ]
    responses = first_pages + (fetcher.fetch_all(more) if more else [])

    # The pages of one query must agree on the total; a mismatch means the data changed between
    # requests (or a stale cached page) — refuse rather than import a mixture.
    by_query: dict[str, list[Response]] = {}
    for response in responses:
        by_query.setdefault(response.request.url.rsplit("&page=", 1)[0], []).append(response)
    for query, pages in by_query.items():
        totals = {p.parsed["total"] for p in pages}
        got = sum(len(p.parsed["rows"]) for p in pages)
        if len(totals) > 1 or got != pages[0].parsed["total"]:
            raise SourceError(
                f"{PUBLISHER}: the pages of {pages[0].request.label.split()[0]} disagree (total {sorted(totals)}, "
                f"{got} rows received) — the data changed between requests",
                "re-run with --refresh to fetch every page again",
            )
    return responses, fetcher


def normalise(responses: Sequence[Response], years: tuple[int, int]) -> tuple[list[dict], dict[str, int]]:
    """API rows -> indicator rows; what is dropped is counted by reason."""
    rows: list[dict] = []
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for response in responses:
        for item in response.parsed["rows"]:
            if not isinstance(item, dict):
                drop("malformed rows")
                continue
            date = str(item.get("date") or "")
            if not re.fullmatch(r"\d{4}", date):
                drop("non-annual observations")
                continue
            year = int(date)
            if not years[0] <= year <= years[1]:
                drop("observations outside the years asked for")
                continue
            value = parse_number(item.get("value"), drop, "missing values (null in the API)")
            if value is None:
                continue
            country = item.get("countryiso3code") or (item.get("country") or {}).get("id")
            code = ((item.get("indicator") or {}).get("id") or "").upper()
            if not country or not code:
                drop("rows without a country or indicator code")
                continue
            rows.append({"iso3": country, "year": year, "code": code, "value": value,
                         "unit": item.get("unit") or None, "estimate": False})
    return rows, dropped
