"""UN Comtrade API v1 (annual, HS) -> the `trade` table.

Requests (documented API; `base` is https://comtradeapi.un.org or `SCO_COMTRADE_URL`, which
replaces the part before `/data/v1/` and `/public/v1/`):

    with a key (COMTRADE_API_KEY, sent as header Ocp-Apim-Subscription-Key, never in the URL):
        {base}/data/v1/get/C/A/HS?reporterCode=398&period=2012,2013&partnerCode=643,0&cmdCode=TOTAL
            &flowCode=X,M&customsCode=C00&motCode=0&partner2Code=0&maxRecords=100000&includeDesc=false
    without a key, the public preview (at most 500 rows per request):
        {base}/public/v1/preview/C/A/HS?... (same parameters, maxRecords=500)

The answer is `{"elapsedTime", "count", "data": [...], "error"}`; each data row has `reporterCode`,
`partnerCode`, `partner2Code`, `flowCode`, `cmdCode`, `customsCode`, `motCode`, `refYear`,
`primaryValue` (US$; imports CIF, exports FOB), ... We keep only the totals over customs procedures
and transport modes with no second partner: `customsCode` C00, `motCode` 0, `partner2Code` 0 (asked
for in the query and checked again on every row; others are dropped and counted), and flows X and M.

One request per reporter and year (keyless) or per reporter and up to 12 years (with a key). A
response holding as many rows as the request's row limit may be cut short: the fetch stops with a
one-line error rather than import a partial answer.

Comtrade's country codes are ISO 3166 numeric except for some economies (842 USA, 757 CHE, 251 FRA,
699 IND, 579 NOR, 490 Other Asia nes = Taiwan, 0 World); `data/comtrade_codes.csv` lists them and
everything else goes through the one resolver. Partner areas with no country code (899 Areas nes,
97 EU, ...) are dropped and counted.
"""

from __future__ import annotations

import csv
import os
import re
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence
from urllib.parse import urlencode

from sco_observatory.countries import iso3_to_numeric, lookup
from sco_observatory.errors import SourceError
from sco_observatory.sources.common import (
    TRADE_CODE_COLUMNS, FetchReport, land, parse_number, provenance_url, scope_id, years_text,
)
from sco_observatory.sources.bounded import TooDeep, load_json
from sco_observatory.sources.http import BadResponse, Fetcher, HttpSettings, Progress, Request, Response, base_url
from sco_observatory.store.db import SourceMeta, Store

SOURCE = "comtrade"
PUBLISHER = "UN Comtrade API"
DEFAULT_BASE = "https://comtradeapi.un.org"
ENV_URL = "SCO_COMTRADE_URL"
ENV_KEY = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREVIEW_LIMIT = 500
KEYED_LIMIT = 100_000
YEARS_PER_REQUEST = 12
WORLD = "WLD"
LICENCE = "UN Comtrade terms of use (https://comtradeplus.un.org)"
# Keyless preview calls are throttled hard; one request per second is polite for both.
DEFAULTS = {"concurrency": 2, "min_interval": 1.0}
HS_RE = re.compile(r"^(TOTAL|AG2|AG4|AG6|\d{2}|\d{4}|\d{6})$")


@lru_cache(maxsize=1)
def _code_table() -> list[dict[str, str]]:
    with resources.files("sco_observatory.data").joinpath("comtrade_codes.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=None)
def to_iso3(code: object) -> str | None:
    """A Comtrade reporter/partner code -> ISO3 ('WLD' for 0), or None for areas that are no country."""
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    for row in _code_table():
        if row["code"] == text:
            return row["iso3"] or None
    found = lookup(text) if text.isdigit() else None
    if found is None or (found.kind == "aggregate" and found.iso3 != WORLD):
        return None
    return found.iso3


@lru_cache(maxsize=None)
def from_iso3(iso3: str) -> str:
    """ISO3 -> the code Comtrade uses for it now (its own code where it departs from ISO numeric)."""
    if iso3 == WORLD:
        return "0"
    for row in _code_table():
        if (row["iso3"] == iso3 and row["kind"] == "country"
                and not re.search(r"former|before|\.\.\.", row["note"] + row["name"], re.IGNORECASE)):
            return row["code"]
    numeric = iso3_to_numeric(iso3)
    if numeric is None:
        raise SourceError(f"no UN Comtrade code for {iso3}", "Comtrade covers UN member economies; drop it from the group")
    return str(numeric)


def api_key() -> str | None:
    key = os.environ.get(ENV_KEY, "").strip()
    return key or None


def query_url(base: str, keyed: bool, reporter: str, years: Sequence[int], partners: Sequence[str],
              hs: str, flows: Sequence[str]) -> str:
    path = "/data/v1/get/C/A/HS" if keyed else "/public/v1/preview/C/A/HS"
    params = {
        "reporterCode": reporter,
        "period": ",".join(str(y) for y in years),
        "partnerCode": ",".join(partners),
        "cmdCode": hs,
        "flowCode": ",".join(flows),
        "customsCode": "C00",
        "motCode": "0",
        "partner2Code": "0",
        "maxRecords": str(KEYED_LIMIT if keyed else PREVIEW_LIMIT),
        "includeDesc": "false",
    }
    return f"{base}{path}?{urlencode(params, safe=',')}"


def make_parser(limit: int, keyed: bool):
    def parse(response: Response) -> list[dict]:
        try:
            data = load_json(response.body)
        except TooDeep as exc:
            raise BadResponse(str(exc), retry=False, hint="the API did not answer in its documented format; try again later") from None
        except ValueError:
            head = response.body[:60].decode("utf-8", "replace").strip()
            raise BadResponse(f"the answer is not valid JSON (truncated or an error page: {head!r}…)") from None
        if not isinstance(data, dict):
            raise BadResponse("the answer is not the documented {count, data, error} object")
        error = data.get("error")
        if error:
            raise BadResponse(f"the API says: {str(error)[:200]}", retry=False,
                              hint="check the reporters, partners, years and HS code")
        if "data" not in data:
            message = data.get("message") or data.get("statusCode")
            raise BadResponse(f"the answer has no data array{f' ({message})' if message else ''}")
        rows = data.get("data") or []
        if not isinstance(rows, list):
            raise BadResponse("the data member is not a list")
        count = data.get("count", len(rows))
        if isinstance(count, (int, float)) and count > len(rows) and rows:
            raise BadResponse(f"the answer announces {count} rows but holds {len(rows)} (truncated)")
        if len(rows) >= limit:
            raise BadResponse(
                f"{len(rows)} rows = the {'request' if keyed else 'keyless preview'} row limit ({limit}); the answer may be incomplete",
                retry=False,
                hint=("ask for fewer partners or years" if keyed else
                      f"set {ENV_KEY} to use the full API, or ask for fewer partners/products per fetch"),
            )
        return rows
    return parse


def fetch(
    store: Store | Callable[[], Store],
    reporters: Sequence[str],
    partners: Sequence[str],
    years: tuple[int, int],
    *,
    hs: str = "TOTAL",
    flows: Sequence[str] = ("X", "M"),
    settings: HttpSettings | None = None,
    progress: Progress | None = None,
    replace: bool = False,
) -> FetchReport:
    """Fetch bilateral flows (reporters x partners, WLD allowed as partner) into `trade` as one source."""
    hs = hs.strip().upper()
    if not HS_RE.match(hs):
        raise SourceError(f"'{hs}' is not an HS code", "use TOTAL or a 2, 4 or 6 digit HS code, e.g. 2716")
    flows = [f.strip().upper() for f in flows if f.strip()]
    if not flows or any(f not in ("X", "M") for f in flows):
        raise SourceError(f"flows must be X and/or M, got {','.join(flows) or 'nothing'}", "write --flows X,M")
    reporters, partners = sorted(set(reporters)), sorted(set(partners))
    key = api_key()
    keyed = key is not None
    limit = KEYED_LIMIT if keyed else PREVIEW_LIMIT
    settings = settings or HttpSettings.from_env(DEFAULTS)
    base = base_url(ENV_URL, DEFAULT_BASE)
    partner_codes = sorted({from_iso3(p) for p in partners}, key=int)
    year_list = list(range(years[0], years[1] + 1))
    step = YEARS_PER_REQUEST if keyed else 1
    requests = [
        Request(SOURCE, query_url(base, keyed, from_iso3(r), year_list[i:i + step], partner_codes, hs, flows),
                label=f"{r} {years_text((year_list[i], year_list[min(i + step, len(year_list)) - 1]))}")
        for r in reporters for i in range(0, len(year_list), step)
    ]
    fetcher = Fetcher(
        PUBLISHER, settings, make_parser(limit, keyed),
        secret_headers={KEY_HEADER: key} if key else None,
        auth_hint=(f"the key in {ENV_KEY} was refused: check it at comtradedeveloper.un.org (the value is not shown), "
                   f"or unset {ENV_KEY} to use the keyless preview (at most {PREVIEW_LIMIT} rows per request)")
        if keyed else f"the keyless preview was refused; set {ENV_KEY} to a subscription key",
        progress=progress,
    )
    responses = fetcher.fetch_all(requests)
    report = FetchReport(PUBLISHER, fetcher.stats)
    if not keyed:
        report.notes.append(f"keyless preview endpoint (at most {PREVIEW_LIMIT} rows per request); set {ENV_KEY} for the full API")
    rows, dropped = normalise(responses, set(reporters), set(partners), years, hs, flows)
    report.dropped = dropped
    if not rows:
        raise SourceError(
            f"{PUBLISHER} has no {hs} flows for {', '.join(reporters)} with {', '.join(partners)} in {years_text(years)}; store unchanged",
            "check the years (the latest year is often not yet reported) and the countries",
        )
    source_id = scope_id("comtrade", [hs, "".join(sorted(flows)), reporters, partners, years_text(years)])
    meta = SourceMeta(
        source_id=source_id,
        title=f"UN Comtrade API: HS {hs} {'/'.join(flows)}, {', '.join(reporters)} with {', '.join(partners)}, {years_text(years)}",
        publisher="United Nations Statistics Division (UN Comtrade)", format="comtrade-api", table_name="trade",
        url=provenance_url(responses), licence=LICENCE,
        citation="UN Comtrade Database, API v1 (customsCode C00, motCode 0, partner2Code 0)",
    )
    return land(store, report, meta, SOURCE, rows, responses, dropped, TRADE_CODE_COLUMNS, replace=replace)


def _text(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def normalise(responses: Sequence[Response], reporters: set[str], partners: set[str], years: tuple[int, int],
              hs: str, flows: Sequence[str]) -> tuple[list[dict], dict[str, int]]:
    rows: list[dict] = []
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for response in responses:
        for item in response.parsed:
            if not isinstance(item, dict):
                drop("malformed rows")
                continue
            if (_text(item.get("customsCode")) not in ("C00", "") or _text(item.get("motCode")) not in ("0", "")
                    or _text(item.get("partner2Code")) not in ("0", "")):
                drop("rows other than customs C00 / transport mode 0 / second partner 0")
                continue
            flow = _text(item.get("flowCode")).upper()
            if flow not in flows:
                drop("flows other than X and M (re-exports, re-imports)")
                continue
            reporter, partner = to_iso3(item.get("reporterCode")), to_iso3(item.get("partnerCode"))
            if reporter is None or partner is None:
                drop("rows whose reporter or partner is an area with no country code (e.g. Areas nes)")
                continue
            if reporter not in reporters or partner not in partners:
                drop("rows for countries not asked for")
                continue
            try:
                year = int(_text(item.get("refYear") or item.get("period"))[:4])
            except ValueError:
                drop("rows without a year")
                continue
            if not years[0] <= year <= years[1]:
                drop("rows outside the years asked for")
                continue
            value = parse_number(item.get("primaryValue"), drop, "missing values (no primaryValue)")
            if value is None:
                continue
            product = _text(item.get("cmdCode")).upper() or hs
            rows.append({
                "reporter": reporter, "partner": partner, "year": year, "flow": flow, "product": product,
                "value_usd": value, "valuation": "FOB" if flow == "X" else "CIF",
                "estimate": item.get("isReported") is False,
            })
    return rows, dropped
