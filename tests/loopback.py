"""A real HTTP server on 127.0.0.1 (random free port) for the connector tests, and fake APIs on it.

`Loopback` runs `http.server.ThreadingHTTPServer` in a thread. Each route is a path regex and a
handler `fn(seen) -> Reply`; `fault(path_regex, *replies)` queues misbehaviours (500s, 429s, slow or
truncated answers) that are served, in order, before the handler answers normally. Every request is
recorded (`seen`) with its path, query and headers, so tests can assert what was asked and sent.

The fake APIs build their answers from the documented formats:
- World Bank API v2: `[{"page","pages","per_page","total","sourceid","lastupdated"}, [rows]]`
- UN Comtrade v1: `{"elapsedTime","count","data":[...],"error"}`
- IMF SDMX 3.0 data: SDMX-CSV 2.0 (`STRUCTURE,STRUCTURE_ID,ACTION,<dims>,TIME_PERIOD,OBS_VALUE,...`)

A `Reply` with `stream=` sends a chunked body from a generator (a 1 GiB body is never allocated),
optionally `drip` seconds apart (a server that trickles bytes).
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qs, unquote, urlsplit

import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0          # sleep before answering (a timeout when > the client's timeout)
    truncate: int | None = None  # send only the first N bytes of the body (Content-Length says N)
    cut_connection: bool = False  # announce the full length, send part, close (a dropped connection)
    stream: Callable[[], Iterable[bytes]] | None = None  # chunked body from a generator (never held whole)
    drip: float = 0.0            # seconds between streamed chunks (a slow drip)


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_url: str
    at: float = 0.0  # time.monotonic() when the request arrived


class Loopback:
    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern, Callable[[Seen], Reply]]] = []
        self.faults: list[tuple[re.Pattern, list[Reply]]] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.active = 0       # requests being answered right now
        self.max_active = 0   # the most ever answered at once (bounded concurrency)
        self.slow = 0.0       # seconds every answer waits (to observe concurrency)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                split = urlsplit(self.path)
                seen = Seen(unquote(split.path), parse_qs(split.query), dict(self.headers.items()), self.path,
                            time.monotonic())
                with outer.lock:
                    outer.seen.append(seen)
                    outer.active += 1
                    outer.max_active = max(outer.max_active, outer.active)
                try:
                    if outer.slow:
                        time.sleep(outer.slow)
                    self._answer(outer._reply_for(seen))
                finally:
                    with outer.lock:
                        outer.active -= 1

            def _stream(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in reply.stream():
                        if reply.drip:
                            time.sleep(reply.drip)
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            def _answer(self, reply: Reply) -> None:
                if reply.stream is not None:
                    return self._stream(reply)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.truncate is not None:
                        body = body[: reply.truncate]
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.cut_connection:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.cut_connection:
                        self.wfile.write(body[: len(body) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                """A client that hangs up mid-answer (a connector stopping at its byte cap) is what the
                bounds tests provoke; the default prints a traceback to stderr, which the CLI tests capture
                as if `sco` had printed it. Anything else is kept for the test to see."""
                error = sys.exc_info()[1]
                if not isinstance(error, (ConnectionError, TimeoutError)):
                    outer.server_errors.append(error)

        self.server_errors: list[BaseException | None] = []
        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Loopback":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, pattern: str, handler: Callable[[Seen], Reply]) -> None:
        self.routes.append((re.compile(pattern), handler))

    def fault(self, pattern: str, *replies: Reply) -> None:
        with self.lock:
            self.faults.append((re.compile(pattern), list(replies)))

    def requests_to(self, pattern: str) -> list[Seen]:
        rx = re.compile(pattern)
        return [s for s in self.seen if rx.search(s.path)]

    def _reply_for(self, seen: Seen) -> Reply:
        with self.lock:
            for rx, queue in self.faults:
                if queue and rx.search(seen.path):
                    return queue.pop(0)
        for rx, handler in self.routes:
            if rx.search(seen.path):
                return handler(seen)
        return Reply(404, json.dumps({"message": "no such route"}))


# -- fake World Bank API v2 -------------------------------------------------------------------------
WB_NAMES = {"KAZ": ("KZ", "Kazakhstan"), "KGZ": ("KG", "Kyrgyz Republic"), "TJK": ("TJ", "Tajikistan"),
            "RUS": ("RU", "Russian Federation"), "UZB": ("UZ", "Uzbekistan"), "CHN": ("CN", "China")}


class FakeWorldBank:
    """Serves /v2/country/{A;B}/indicator/{CODE}?format=json&date=A:B&per_page=N&page=P from `data`.

    `data[(code, iso3, year)] = value` (None for a missing value, as the API sends it)."""

    def __init__(self, server: Loopback, data: dict[tuple[str, str, int], float | None]) -> None:
        self.data = data
        server.route(r"^/v2/country/[^/]+/indicator/[^/]+$", self.handle)

    def handle(self, seen: Seen) -> Reply:
        match = re.match(r"^/v2/country/([^/]+)/indicator/([^/]+)$", seen.path)
        countries, code = match.group(1).upper().split(";"), match.group(2).upper()
        known_codes = {k[0] for k in self.data}
        if code not in known_codes:
            return Reply(200, json.dumps([{"message": [{"id": "120", "key": "Invalid value",
                                                         "value": "The provided parameter value is not valid"}]}]))
        first, last = (int(x) for x in seen.query["date"][0].split(":"))
        per_page = int(seen.query.get("per_page", ["50"])[0])
        page = int(seen.query.get("page", ["1"])[0])
        rows = []
        for iso3 in countries:
            for year in range(last, first - 1, -1):  # the API lists newest first
                if (code, iso3, year) not in self.data:
                    continue
                iso2, name = WB_NAMES.get(iso3, (iso3[:2], iso3))
                rows.append({"indicator": {"id": code, "value": f"Indicator {code}"},
                             "country": {"id": iso2, "value": name}, "countryiso3code": iso3,
                             "date": str(year), "value": self.data[(code, iso3, year)], "unit": "",
                             "obs_status": "", "decimal": 0})
        total = len(rows)
        pages = max(1, math.ceil(total / per_page)) if total else 0
        chunk = rows[(page - 1) * per_page: page * per_page]
        header = {"page": page, "pages": pages, "per_page": str(per_page), "total": total,
                  "sourceid": "2", "lastupdated": "2025-01-28"}
        return Reply(200, json.dumps([header, chunk if total else None]))


# -- fake UN Comtrade API v1 ------------------------------------------------------------------------
class FakeComtrade:
    """Serves /data/v1/get/C/A/HS (needs header Ocp-Apim-Subscription-Key == key) and
    /public/v1/preview/C/A/HS (keyless, at most 500 rows). `data[(reporterCode, partnerCode, year,
    flow)] = value` (Comtrade codes, e.g. 398 KAZ, 643 RUS, 0 World). Each answer also carries
    rows the client must drop: a non-C00 customs row and a re-export (RX) row."""

    def __init__(self, server: Loopback, data: dict[tuple[int, int, int, str], float | None], key: str = "good-key") -> None:
        self.data = data
        self.key = key
        server.route(r"^/data/v1/get/C/A/HS$", lambda s: self.handle(s, keyed=True))
        server.route(r"^/public/v1/preview/C/A/HS$", lambda s: self.handle(s, keyed=False))

    @staticmethod
    def row(reporter: int, partner: int, year: int, flow: str, value, *, customs="C00", mot=0, partner2=0) -> dict:
        return {"typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
                "period": str(year), "reporterCode": reporter, "reporterISO": None, "reporterDesc": None,
                "flowCode": flow, "flowDesc": None, "partnerCode": partner, "partnerISO": None, "partnerDesc": None,
                "partner2Code": partner2, "partner2ISO": None, "partner2Desc": None, "classificationCode": "H4",
                "classificationSearchCode": "HS", "isOriginalClassification": True, "cmdCode": "TOTAL",
                "cmdDesc": None, "aggrLevel": 0, "isLeaf": False, "customsCode": customs, "customsDesc": None,
                "mosCode": "0", "motCode": mot, "motDesc": None, "qtyUnitCode": -1, "qtyUnitAbbr": None,
                "qty": None, "isQtyEstimated": False, "altQtyUnitCode": -1, "altQtyUnitAbbr": None,
                "altQty": None, "isAltQtyEstimated": False, "netWgt": None, "isNetWgtEstimated": False,
                "grossWgt": None, "isGrossWgtEstimated": False, "cifvalue": value if flow == "M" else None,
                "fobvalue": value if flow == "X" else None, "primaryValue": value, "legacyEstimationFlag": 0,
                "isReported": True, "isAggregate": True}

    def handle(self, seen: Seen, keyed: bool) -> Reply:
        if keyed and seen.headers.get("Ocp-Apim-Subscription-Key") != self.key:
            return Reply(401, json.dumps({"statusCode": 401, "message": "Access denied due to invalid subscription key. "
                                          "Make sure to provide a valid key for an active subscription."}))
        q = {k: v[0] for k, v in seen.query.items()}
        reporters = {int(x) for x in q["reporterCode"].split(",")}
        partners = {int(x) for x in q["partnerCode"].split(",")}
        years = {int(x) for x in q["period"].split(",")}
        flows = set(q["flowCode"].split(","))
        rows = [self.row(r, p, y, f, v) for (r, p, y, f), v in sorted(self.data.items())
                if r in reporters and p in partners and y in years and f in flows]
        if rows:  # rows the client must filter out even though it asked for C00/0/0
            r0 = rows[0]
            rows.append(self.row(r0["reporterCode"], r0["partnerCode"], r0["refYear"], r0["flowCode"], 1.0, customs="C01"))
            rows.append(self.row(r0["reporterCode"], r0["partnerCode"], r0["refYear"], "RX", 2.0))
        limit = int(q.get("maxRecords", "500"))
        if not keyed:
            limit = min(limit, 500)
        rows = rows[:limit]
        return Reply(200, json.dumps({"elapsedTime": "0.01 secs", "count": len(rows), "data": rows, "error": ""}))


# -- fake IMF SDMX 3.0 ------------------------------------------------------------------------------
class FakeIMF:
    """Serves /data/dataflow/IMF.STA/IMTS/+/{REP}.{IND+IND}.{P+P}.A as SDMX-CSV 2.0.

    `data[(reporter, indicator, partner, year)] = value` (IMF codes: ISO3, G001 for the World).
    No matching series: HTTP 404 'NoResultsFound', as SDMX services answer."""

    COLUMNS = ["STRUCTURE", "STRUCTURE_ID", "ACTION", "COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "FREQUENCY",
               "TIME_PERIOD", "OBS_VALUE", "SCALE", "OBS_STATUS"]

    def __init__(self, server: Loopback, data: dict[tuple[str, str, str, int], float], *, labels: bool = False) -> None:
        self.data = data
        self.labels = labels
        server.route(r"^/data/dataflow/IMF\.STA/IMTS/[^/]+/[^/]+$", self.handle)

    def handle(self, seen: Seen) -> Reply:
        key = seen.path.rsplit("/", 1)[1]
        rep, ind, par, freq = (part.split("+") for part in key.split("."))
        time_filter = seen.query.get("c[TIME_PERIOD]", ["ge:1900+le:2100"])[0]
        bounds = dict(p.split(":") for p in time_filter.split("+"))
        first, last = int(bounds.get("ge", 1900)), int(bounds.get("le", 2100))
        lines = [",".join(self.COLUMNS)]
        for (r, i, p, y), v in sorted(self.data.items()):
            if r in rep and i in ind and p in par and first <= y <= last:
                country = f"{r}: Country {r}" if self.labels else r
                lines.append(",".join(["dataflow", "IMF.STA:IMTS(1.0.0)", "I", country, i, p, "A", str(y),
                                       "" if v is None else repr(v), "0", ""]))
        if len(lines) == 1:
            return Reply(404, "NoResultsFound: no data for the query", content_type="text/plain")
        return Reply(200, "\n".join(lines) + "\n", content_type="application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8")


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture
def loopback(monkeypatch):
    """A started loopback server; every connector pointed at it; HTTP delays made tiny."""
    server = Loopback().start()
    for var in ("SCO_WORLDBANK_URL", "SCO_COMTRADE_URL", "SCO_IMF_URL"):
        monkeypatch.setenv(var, server.url)
    monkeypatch.setenv("SCO_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("SCO_HTTP_BACKOFF_MAX", "0.05")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("SCO_HTTP_ATTEMPTS", "4")
    monkeypatch.setenv("SCO_HTTP_MIN_INTERVAL", "0")
    monkeypatch.setenv("SCO_HTTP_MAX_RETRY_AFTER", "5")
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("IMF_API_KEY", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield server
    server.stop()
    assert not server.server_errors, f"the loopback server failed while answering: {server.server_errors!r}"


# -- helpers for the tests --------------------------------------------------------------------------
def refused_url(monkeypatch) -> str:
    """A loopback URL whose port nobody listens on (every connection refused), with the HTTP layer's
    retry delays made tiny: what an offline machine looks like to a connector."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SCO_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("SCO_HTTP_BACKOFF_MAX", "0.02")
    return f"http://127.0.0.1:{port}"


def sco(capsys, *args: str) -> tuple[int, str, str]:
    """Run the `sco` command line in-process; (exit code, stdout, stderr)."""
    from sco_observatory.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class TableSnapshot:
    """A whole table's rows, sorted on every column, as one Arrow table; `==` is exact equality.

    Why Arrow and not `fetchall()`: a fresh home holds the open-data snapshot (~350,000 indicator and
    ~220,000 trade rows), and turning them into Python tuples and comparing those took ~1 CPU-second
    per snapshot, two snapshots per test in the connector modules. `pyarrow.Table.equals` compares the
    same rows, values and column types exactly (a NaN equals nothing, as with tuples of floats)."""

    def __init__(self, table) -> None:
        self.table = table

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableSnapshot) and self.table.equals(other.table)

    def __repr__(self) -> str:
        return f"TableSnapshot({self.table.num_rows} rows, {self.table.schema.names})"


def store_snapshot() -> tuple:
    """Everything a failed fetch must leave untouched: the source table and every data table."""
    from sco_observatory.store import open_store
    from sco_observatory.store.results import arrow

    with open_store() as store:
        con = store.con
        return (
            con.execute("SELECT * FROM source ORDER BY source_id").fetchall(),
            TableSnapshot(arrow(con, "SELECT * FROM indicator ORDER BY ALL")),
            TableSnapshot(arrow(con, "SELECT * FROM trade ORDER BY ALL")),
        )


def query(sql: str, params: list | None = None) -> list[tuple]:
    from sco_observatory.store import open_store

    with open_store() as store:
        return store.con.execute(sql, params or []).fetchall()
