"""IMF International Trade in Goods by partner (IMTS, successor of DOTS) on SDMX 3.0 -> `trade`.

Request (METHODS.md §7; `base` is https://api.imf.org/external/sdmx/3.0 or `SCO_IMF_URL`, which
replaces the part before `/data/`):

    {base}/data/dataflow/IMF.STA/IMTS/+/{REPORTER}.XG_FOB_USD+MG_CIF_USD.{P1+P2+...}.A
        ?c[TIME_PERIOD]=ge:{A}+le:{B}
    Accept: application/vnd.sdmx.data+csv;version=2.0.0
    (optional key: IMF_API_KEY, header Ocp-Apim-Subscription-Key)

The key's dimensions are COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY; `+` joins values, `+` as
version means the latest. The answer is SDMX-CSV 2.0: `STRUCTURE,STRUCTURE_ID,ACTION,` then the
dimension columns, `TIME_PERIOD`, `OBS_VALUE`, then attributes. Codes may come as `KAZ` or
`KAZ: Kazakhstan` (labels=both); we read the code. An `OBS_STATUS` of `E` marks the row as an
estimate (IMTS fills non-reporters with partner-based estimates). If a `SCALE` or `UNIT_MULT` attribute is present,
values are multiplied by 10^n (IMTS values are in US dollars). SDMX answers "no data" with HTTP 404;
that is an empty result, not an error. XG_FOB_USD -> flow X (FOB), MG_CIF_USD -> flow M (CIF),
product TOTAL. The World partner is the IMF's G001 (stored as WLD).
"""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Callable, Sequence
from urllib.parse import urlencode

from sco_observatory.countries import lookup
from sco_observatory.errors import SourceError
from sco_observatory.sources.common import (
    TRADE_CODE_COLUMNS, FetchReport, land, provenance_url, scope_id, years_text,
)
from sco_observatory.sources.http import BadResponse, Fetcher, HttpSettings, Progress, Request, Response, base_url
from sco_observatory.store.db import SourceMeta, Store

SOURCE = "imf"
PUBLISHER = "IMF SDMX API"
DEFAULT_BASE = "https://api.imf.org/external/sdmx/3.0"
ENV_URL = "SCO_IMF_URL"
ENV_KEY = "IMF_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
ACCEPT = "application/vnd.sdmx.data+csv;version=2.0.0"
INDICATORS = {"XG_FOB_USD": ("X", "FOB"), "MG_CIF_USD": ("M", "CIF")}
IMF_WORLD = "G001"
WORLD = "WLD"
LICENCE = "IMF terms of use (https://www.imf.org/external/terms.htm)"
DEFAULTS = {"concurrency": 3, "min_interval": 0.2}
DIMENSIONS = ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY")
NON_DIMENSIONS = {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"}
SCALE_RANGE = (-12, 12)
"""SDMX UNIT_MULT/SCALE is a power of ten; IMF uses 0 (units), 3, 6, 9. Beyond ±12 is not a unit."""


def data_url(base: str, reporter: str, partners: Sequence[str], years: tuple[int, int]) -> str:
    key = f"{reporter}.{'+'.join(INDICATORS)}.{'+'.join(partners)}.A"
    query = urlencode({"c[TIME_PERIOD]": f"ge:{years[0]}+le:{years[1]}"})
    return f"{base}/data/dataflow/IMF.STA/IMTS/+/{key}?{query}"


def _code(cell: str | None) -> str:
    return (cell or "").split(":", 1)[0].strip()


def parse(response: Response) -> list[dict]:
    """SDMX-CSV 2.0 -> list of {country, indicator, partner, freq, period, value, scale}."""
    if not response.body.strip():
        return []  # HTTP 404 (SDMX: no results) or an empty 200
    try:
        text = response.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadResponse("the answer is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise BadResponse("the answer is not CSV") from None
    if "TIME_PERIOD" not in header or "OBS_VALUE" not in header:
        excerpt = " ".join(text[:80].split())
        raise BadResponse(f"the answer is not SDMX-CSV (no TIME_PERIOD/OBS_VALUE columns: {excerpt!r}…)")
    pos = {name: i for i, name in enumerate(header)}
    before_time = [c for c in header[: pos["TIME_PERIOD"]] if c not in NON_DIMENSIONS]
    dims = {}
    for n, name in enumerate(DIMENSIONS):
        if name in pos:
            dims[name] = pos[name]
        elif n < len(before_time):
            dims[name] = pos[before_time[n]]  # same order as the key, whatever the column is called
        else:
            raise BadResponse(f"the answer lacks the {name} dimension")
    scale_col = next((pos[c] for c in ("SCALE", "UNIT_MULT") if c in pos), None)
    status_col = pos.get("OBS_STATUS")
    rows = []
    try:
        for record in reader:
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != len(header):
                raise BadResponse(f"a CSV line has {len(record)} fields instead of {len(header)} (truncated?)")
            rows.append({
                "country": _code(record[dims["COUNTRY"]]), "indicator": _code(record[dims["INDICATOR"]]),
                "partner": _code(record[dims["COUNTERPART_COUNTRY"]]), "freq": _code(record[dims["FREQUENCY"]]),
                "period": record[pos["TIME_PERIOD"]].strip(), "value": record[pos["OBS_VALUE"]].strip(),
                "scale": _scale(record[scale_col]) if scale_col is not None else 0,
                "estimated": status_col is not None and _code(record[status_col]) == "E",
            })
    except csv.Error as exc:
        raise BadResponse(f"the CSV is malformed ({exc})") from None
    return rows


def _scale(cell: str) -> int:
    """The SCALE / UNIT_MULT attribute: a power of ten, a whole number within SCALE_RANGE (0 if empty)."""
    code = _code(cell)
    if not code:
        return 0
    if not re.fullmatch(r"[+-]?\d{1,4}", code) or not SCALE_RANGE[0] <= int(code) <= SCALE_RANGE[1]:
        raise BadResponse(f"the SCALE attribute {code[:20]!r} is not a power of ten within {SCALE_RANGE[0]}..{SCALE_RANGE[1]}",
                          retry=False, hint="the API answered outside its documented format; report it or try again later")
    return int(code)


def imf_code(iso3: str) -> str:
    return IMF_WORLD if iso3 == WORLD else iso3


def to_iso3(code: str) -> str | None:
    if code == IMF_WORLD:
        return WORLD
    found = lookup(code)
    if found is None or (found.kind == "aggregate" and found.iso3 != WORLD):
        return None
    return found.iso3


def fetch(
    store: Store | Callable[[], Store],
    reporters: Sequence[str],
    partners: Sequence[str],
    years: tuple[int, int],
    *,
    settings: HttpSettings | None = None,
    progress: Progress | None = None,
    replace: bool = False,
) -> FetchReport:
    """Fetch goods exports (FOB) and imports (CIF) reporters x partners into `trade` as one source."""
    reporters, partners = sorted(set(reporters)), sorted(set(partners))
    settings = settings or HttpSettings.from_env(DEFAULTS)
    base = base_url(ENV_URL, DEFAULT_BASE)
    key = os.environ.get(ENV_KEY, "").strip() or None
    requests = [Request(SOURCE, data_url(base, imf_code(r), [imf_code(p) for p in partners], years),
                        accept=ACCEPT, label=f"IMTS {r}") for r in reporters]
    fetcher = Fetcher(
        PUBLISHER, settings, parse, secret_headers={KEY_HEADER: key} if key else None, empty_statuses=(404,),
        auth_hint=(f"the key in {ENV_KEY} was refused (the value is not shown); check it, or unset it"
                   if key else f"this dataflow may need a key: set {ENV_KEY}"),
        progress=progress,
    )
    responses = fetcher.fetch_all(requests)
    report = FetchReport(PUBLISHER, fetcher.stats)
    rows, dropped = normalise(responses, set(reporters), set(partners), years)
    report.dropped = dropped
    if not rows:
        raise SourceError(
            f"{PUBLISHER} (IMTS) has no goods trade for {', '.join(reporters)} with {', '.join(partners)} in "
            f"{years_text(years)}; store unchanged",
            "check the years and countries; restricted series may need IMF_API_KEY",
        )
    source_id = scope_id("imf-imts", [reporters, partners, years_text(years)])
    meta = SourceMeta(
        source_id=source_id,
        title=f"IMF IMTS (SDMX 3.0): goods exports FOB / imports CIF, {', '.join(reporters)} with {', '.join(partners)}, {years_text(years)}",
        publisher="International Monetary Fund", format="imf-imts-api", table_name="trade",
        url=provenance_url(responses), licence=LICENCE,
        citation="IMF, International Trade in Goods (by partner country), IMTS dataflow (IMF.STA)",
    )
    return land(store, report, meta, SOURCE, rows, responses, dropped, TRADE_CODE_COLUMNS, replace=replace)


def normalise(responses: Sequence[Response], reporters: set[str], partners: set[str],
              years: tuple[int, int]) -> tuple[list[dict], dict[str, int]]:
    rows: list[dict] = []
    dropped: dict[str, int] = {}

    def drop(reason: str) -> None:
        dropped[reason] = dropped.get(reason, 0) + 1

    for response in responses:
        for item in response.parsed:
            if item["indicator"] not in INDICATORS:
                drop("other indicators")
                continue
            if item["freq"] not in ("A", ""):
                drop("non-annual observations")
                continue
            if not re.fullmatch(r"\d{4}", item["period"]):
                drop("non-annual observations")
                continue
            year = int(item["period"])
            if not years[0] <= year <= years[1]:
                drop("observations outside the years asked for")
                continue
            reporter, partner = to_iso3(item["country"]), to_iso3(item["partner"])
            if reporter is None or partner is None:
                drop("rows whose country or partner is an area with no country code")
                continue
            if reporter not in reporters or partner not in partners:
                drop("rows for countries not asked for")
                continue
            if item["value"] in ("", "NaN", "NA"):
                drop("missing values")
                continue
            try:
                value = float(item["value"]) * 10.0 ** item["scale"]
            except ValueError:
                drop("values that are not numbers")
                continue
            flow, valuation = INDICATORS[item["indicator"]]
            rows.append({"reporter": reporter, "partner": partner, "year": year, "flow": flow, "product": "TOTAL",
                         "value_usd": value, "valuation": valuation, "estimate": item["estimated"]})
    return rows, dropped
