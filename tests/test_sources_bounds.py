"""Connectors are bounded: body size (decompressed), deadlines, redirects, JSON depth, pages, SCALE.

Every case runs against a real HTTP server on loopback; through the CLI each ends in one line on
stderr, exit code 2, and a store exactly as before.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib

import pytest

from loopback import FakeIMF, FakeWorldBank, Reply, loopback, query, sco, store_snapshot  # noqa: F401 (fixture)
from sco_observatory.errors import SourceError
from sco_observatory.sources.bounded import MAX_JSON_DEPTH, json_depth, load_json, TooDeep
from sco_observatory.sources.http import BadResponse, Fetcher, HttpSettings, Request

GIB = 1 << 30
WB_ROUTE = r"^/v2/country/"
WB_ARGS = ("fetch", "worldbank", "-i", "NY.GDP.MKTP.CD", "-c", "KAZ", "-y", "2011-2012", "-q")


def _gib():
    chunk = b"x" * (1 << 16)
    for _ in range(GIB // len(chunk)):  # 1 GiB in total, 64 KiB at a time
        yield chunk


def _gzip_bomb() -> bytes:
    """64 MiB of zeros deflated to ~64 KB (ratio ~1000:1), streamed as Content-Encoding: gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(64)) + packer.flush()


def _wb_page(pages: int, total: int) -> str:
    row = {"indicator": {"id": "NY.GDP.MKTP.CD"}, "country": {"id": "KZ"}, "countryiso3code": "KAZ",
           "date": "2012", "value": 1.0, "unit": "", "obs_status": "", "decimal": 0}
    return json.dumps([{"page": 1, "pages": pages, "per_page": "1000", "total": total, "sourceid": "2"}, [row]])


def _wb(loopback):
    return FakeWorldBank(loopback, {("NY.GDP.MKTP.CD", "KAZ", 2011): 1.9e11, ("NY.GDP.MKTP.CD", "KAZ", 2012): 2.08e11})


def _one_line_failure(capsys, *args) -> str:
    before = store_snapshot()
    code, out, err = sco(capsys, *args)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert store_snapshot() == before
    return err


def test_one_gib_body_stops_at_the_cap(loopback, monkeypatch, capsys):
    monkeypatch.setenv("SCO_HTTP_MAX_BYTES", str(1 << 20))
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, stream=_gib))
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "exceeds 1,048,576 bytes (limit 1,048,576 bytes)" in err and "SCO_HTTP_MAX_BYTES" in err
    assert len(loopback.requests_to(WB_ROUTE)) == 1  # not retried


def test_announced_length_above_the_cap_is_refused_before_reading(loopback, monkeypatch, capsys):
    monkeypatch.setenv("SCO_HTTP_MAX_BYTES", "1000")
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, "x" * 5000))
    assert "announces 5,000 bytes" in _one_line_failure(capsys, *WB_ARGS)


def test_gzip_bomb_is_counted_decompressed(loopback, monkeypatch, capsys):
    monkeypatch.setenv("SCO_HTTP_MAX_BYTES", str(1 << 20))
    bomb = _gzip_bomb()
    assert len(bomb) < 200_000
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "exceeds 1,048,576 bytes decompressed" in err


def test_gzip_answers_are_still_read(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, gzip.compress(_wb_page(1, 1).encode()), headers={"Content-Encoding": "gzip"}))
    code, out, err = sco(capsys, *WB_ARGS)
    assert code == 0, err
    assert loopback.requests_to(WB_ROUTE)[0].headers["Accept-Encoding"] == "gzip, deflate"
    assert query("SELECT value FROM indicator WHERE source_id LIKE 'worldbank:%'") == [(1.0,)]


def test_slow_drip_cannot_run_past_the_deadline(loopback, monkeypatch, capsys):
    monkeypatch.setenv("SCO_HTTP_DEADLINE", "1")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "2")  # every chunk (0.1 s apart) arrives well within the read timeout
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, stream=lambda: (b" " for _ in range(300)), drip=0.1))  # 30 s in all
    started = time.monotonic()
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "did not finish within 1 s" in err and "SCO_HTTP_DEADLINE" in err
    assert time.monotonic() - started < 10  # stopped at the deadline, not after the 30 s drip


def test_watchdog_wakes_a_read_blocked_longer_than_the_deadline(loopback, monkeypatch):
    monkeypatch.setenv("SCO_HTTP_DEADLINE", "0.5")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "30")  # one read would block 30 s without the watchdog
    loopback.route("^/x", lambda seen: Reply(200, stream=lambda: (b"[1]" for _ in range(2)), drip=5))
    fetcher = Fetcher("Test API", HttpSettings.from_env(), lambda r: r.body)
    started = time.monotonic()
    with pytest.raises(SourceError, match="did not finish within 0.5 s"):
        fetcher.fetch_all([Request("test", f"{loopback.url}/x")])
    assert time.monotonic() - started < 4


def test_fetch_deadline_bounds_the_whole_fetch(loopback, monkeypatch):
    monkeypatch.setenv("SCO_HTTP_FETCH_DEADLINE", "1")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "5")  # no per-request timeout interferes, even on a loaded machine
    loopback.route("^/x/", lambda seen: Reply(200, "{}"))
    loopback.slow = 0.1  # 20 requests one at a time need at least 2 s
    fetcher = Fetcher("Test API", HttpSettings.from_env(concurrency=1), lambda r: r.body)
    with pytest.raises(SourceError, match=r"the fetch did not finish within 1 s") as err:
        fetcher.fetch_all([Request("test", f"{loopback.url}/x/{i}") for i in range(20)])
    assert "SCO_HTTP_FETCH_DEADLINE" in err.value.hint
    assert len(loopback.seen) < 20


def test_fetch_deadline_running_out_inside_an_answer_names_the_fetch_deadline(loopback, monkeypatch):
    """The whole fetch's deadline can run out while an answer is still arriving; the message and the
    hint then name that deadline (SCO_HTTP_FETCH_DEADLINE), not the per-answer one — on a loaded
    machine this is where `test_fetch_deadline_bounds_the_whole_fetch` can land too."""
    monkeypatch.setenv("SCO_HTTP_FETCH_DEADLINE", "1")
    monkeypatch.setenv("SCO_HTTP_DEADLINE", "30")
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "5")
    loopback.route("^/x", lambda seen: Reply(200, stream=lambda: (b" " for _ in range(300)), drip=0.1))  # 30 s in all
    fetcher = Fetcher("Test API", HttpSettings.from_env(), lambda r: r.body)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"the fetch did not finish within 1 s \(stopped while reading") as err:
        fetcher.fetch_all([Request("test", f"{loopback.url}/x")])
    assert "SCO_HTTP_FETCH_DEADLINE" in err.value.hint
    assert time.monotonic() - started < 10


def test_redirect_loop_is_one_line(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, *[Reply(302, headers={"Location": "/v2/country/KAZ/indicator/NY.GDP.MKTP.CD"})] * 50)
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "more than 5 redirects" in err and "SCO_HTTP_MAX_REDIRECTS" in err
    assert len(loopback.requests_to(WB_ROUTE)) == 6  # the request and five redirects, no retry


def test_deep_json_is_one_line_not_a_recursion_error(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, "[" * 2000 + "]" * 2000))
    err = _one_line_failure(capsys, *WB_ARGS)
    assert f"nests 2000 levels deep (more than {MAX_JSON_DEPTH})" in err


def test_json_depth_ignores_brackets_inside_strings():
    deep_in_text = json.dumps({"note": "[" * 500 + "{" * 500, "rows": [[1, 2], {"a": "\\\"]]"}]})
    assert json_depth(deep_in_text.encode()) == 3
    assert load_json(deep_in_text.encode())["rows"][0] == [1, 2]
    with pytest.raises(TooDeep):
        load_json(("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode())


def test_page_count_claim_of_100000_sends_one_request(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, _wb_page(100_000, 100_000_000)))
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "has 100,000 pages of 1,000 rows (more than the 200 we ask for)" in err and "SCO_HTTP_MAX_PAGES" in err
    assert len(loopback.requests_to(WB_ROUTE)) == 1


def test_page_count_inconsistent_with_the_total_is_refused(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, _wb_page(100_000, 5)))
    err = _one_line_failure(capsys, *WB_ARGS)
    assert "claims 100,000 pages for 5 rows of 1,000 per page" in err
    assert len(loopback.requests_to(WB_ROUTE)) == 1


def _imf_csv(scale: str) -> str:
    head = ",".join(FakeIMF.COLUMNS)
    return f"{head}\ndataflow,IMF.STA:IMTS(1.0.0),I,KAZ,XG_FOB_USD,RUS,A,2012,5.0,{scale},\n"


def test_imf_scale_of_400_is_refused(loopback, capsys):
    FakeIMF(loopback, {})
    loopback.fault(r"^/data/dataflow/", Reply(200, _imf_csv("400"), content_type="application/vnd.sdmx.data+csv"))
    err = _one_line_failure(capsys, "fetch", "imf", "-r", "KAZ", "-p", "RUS", "-y", "2012", "-q")
    assert "SCALE attribute '400' is not a power of ten within -12..12" in err


def test_imf_scale_within_range_multiplies(loopback, capsys):
    FakeIMF(loopback, {})
    loopback.fault(r"^/data/dataflow/", Reply(200, _imf_csv("6"), content_type="application/vnd.sdmx.data+csv"))
    code, _, err = sco(capsys, "fetch", "imf", "-r", "KAZ", "-p", "RUS", "-y", "2012", "-q")
    assert code == 0, err
    assert query("SELECT value_usd FROM trade WHERE source_id LIKE 'imf-imts:%'") == [(5e6,)]


@pytest.mark.parametrize("var, value", [("SCO_HTTP_MAX_BYTES", "-1"), ("SCO_HTTP_DEADLINE", "inf"),
                                        ("SCO_HTTP_MAX_PAGES", "0")])
def test_bounds_from_the_environment_are_checked(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(SourceError):
        HttpSettings.from_env()


def test_refetch_with_fewer_rows_needs_replace(loopback, capsys):
    fake = _wb(loopback)
    assert sco(capsys, *WB_ARGS)[0] == 0
    del fake.data[("NY.GDP.MKTP.CD", "KAZ", 2011)]  # the API now answers one year fewer
    err = _one_line_failure(capsys, *WB_ARGS, "--refresh")
    assert "refused to replace source worldbank:" in err and "fewer rows (2 -> 1)" in err
    code, out, _ = sco(capsys, *WB_ARGS, "--refresh", "--replace")
    assert code == 0 and "replaced 2 rows" in out


def test_bad_response_parsers_still_retry_truncated_bodies(loopback):
    """The bounds do not change the retry of what a second try may cure."""
    loopback.route("^/x", lambda seen: Reply(200, "[1, 2]"))
    loopback.fault("^/x", Reply(200, "[1, 2]", truncate=3))

    def parse(response):
        try:
            return load_json(response.body)
        except ValueError:
            raise BadResponse("not JSON") from None

    fetcher = Fetcher("Test API", HttpSettings.from_env(), parse)
    assert fetcher.fetch_all([Request("test", f"{loopback.url}/x")])[0].parsed == [1, 2]
    assert fetcher.stats.retries["malformed body"] == 1


def test_comtrade_deep_json_is_one_line(loopback, capsys):
    from loopback import FakeComtrade

    FakeComtrade(loopback, {(762, 643, 2012, "X"): 1.0})
    loopback.fault(r"^/public/v1/preview/", Reply(200, '{"data": ' + "[" * 3000 + "]" * 3000 + "}"))
    err = _one_line_failure(capsys, "fetch", "comtrade", "-r", "TJK", "-p", "RUS", "-y", "2012", "-q")
    assert "nests 3001 levels deep" in err


def test_deflate_answers_are_read(loopback, capsys):
    _wb(loopback)
    loopback.fault(WB_ROUTE, Reply(200, zlib.compress(_wb_page(1, 1).encode()), headers={"Content-Encoding": "deflate"}))
    code, _, err = sco(capsys, *WB_ARGS)
    assert code == 0, err
    assert query("SELECT value FROM indicator WHERE source_id LIKE 'worldbank:%'") == [(1.0,)]  # the deflated page's value
