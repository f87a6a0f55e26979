"""Serving: answers kept per store commit (web/cache.py), one cursor per request (web/reader.py). A
cached answer is the computed one byte for byte; an import shows on the next request; identical
concurrent requests compute once; errors are never kept."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from sco_observatory.web import cache
from sco_observatory.web.app import create_app

pytestmark = pytest.mark.usefixtures("embedded_only")

URLS = ["/api/members?group=SCO@2012", "/api/overlap?as_of=2012&countries=CA5", "/api/power?group=SCO@2012",
        "/api/indicators", "/api/claims", "/api/whatif?base=SCO@2016&add=IND,PAK&year=2012"]


def _cache_of(app: FastAPI) -> cache.ResponseCache:
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, cache.ResponseCache):
        layer = getattr(layer, "app", None)
    assert layer is not None, "no ResponseCache in the middleware stack"
    return layer


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("web-cache") / "store"


def test_cached_answers_equal_computed_ones_byte_for_byte(home, monkeypatch):
    with TestClient(create_app(str(home))) as cached:
        first = {u: cached.get(u) for u in URLS}
        again = {u: cached.get(u) for u in URLS}
        stats = _cache_of(cached.app).lru
        assert stats.hits >= len(URLS)
    monkeypatch.setenv(cache.ENV, "0")
    with TestClient(create_app(str(home))) as plain:
        computed = {u: plain.get(u) for u in URLS}
    for url in URLS:
        assert first[url].status_code == 200, (url, first[url].text[:300])
        assert first[url].content == again[url].content == computed[url].content, url
        assert first[url].headers["content-type"] == "application/json"


def test_import_shows_on_the_next_request(tmp_path, shared_data, monkeypatch):
    """The next request after an import gets the new commit's answer when it is computed within
    SCO_STALE_AFTER seconds (set high here so the machine's load cannot turn it into a stale answer);
    the answer names the commit it reflects."""
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    monkeypatch.setenv(cache.STALE_ENV, "300")
    path = tmp_path / "store"
    wdi = shared_data / "wdi" / "ny.gdp.pcap.cd.csv"
    with TestClient(create_app(str(path))) as client:
        first = client.get("/api/indicators")
        before = first.json()
        assert client.get("/api/indicators").json() == before  # now from the cache
        with open_store(path) as writer:
            import_file(writer, wdi)
        later = client.get("/api/indicators")
        after = later.json()
    new = {(r["code"], r["source"]) for r in after["rows"]} - {(r["code"], r["source"]) for r in before["rows"]}
    assert any(code == "NY.GDP.PCAP.CD" for code, _ in new), "the cached answer of the old commit was served after an import"
    assert int(later.headers["x-sco-commit"]) > int(first.headers["x-sco-commit"])
    assert "x-sco-stale" not in later.headers


def test_errors_are_not_kept(home):
    with TestClient(create_app(str(home)), raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get("/api/members?group=NOPE@2012").status_code == 404
        assert len(_cache_of(client.app).lru) == 0


def _counting_app(status: int = 200, delay: float = 0.05):
    calls = {"n": 0}
    inner = FastAPI()

    @inner.get("/api/thing")
    async def thing() -> JSONResponse:
        calls["n"] += 1
        await asyncio.sleep(delay)
        return JSONResponse({"n": calls["n"]}, status_code=status)

    return inner, calls


def _gather(app, n: int, path: str = "/api/thing") -> list[httpx.Response]:
    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await asyncio.gather(*(client.get(path) for _ in range(n)))

    return asyncio.run(run())


def test_identical_concurrent_requests_compute_once():
    inner, calls = _counting_app()
    answers = _gather(cache.ResponseCache(inner, version=lambda: 1), 10)
    assert calls["n"] == 1
    assert {a.json()["n"] for a in answers} == {1} and all(a.status_code == 200 for a in answers)


def test_failures_are_shared_by_concurrent_requests_but_never_kept():
    inner, calls = _counting_app(status=503)
    app = cache.ResponseCache(inner, version=lambda: 1)
    answers = _gather(app, 4)
    assert calls["n"] == 1 and all(a.status_code == 503 for a in answers)
    assert len(app.lru) == 0
    assert _gather(app, 1)[0].status_code == 503 and calls["n"] == 2, "a later request computes again"


def test_new_version_or_new_day_recomputes(monkeypatch):
    inner, calls = _counting_app(delay=0)
    version = {"v": 1}
    app = cache.ResponseCache(inner, version=lambda: version["v"])
    _gather(app, 1), _gather(app, 1)
    assert calls["n"] == 1
    version["v"] = 2
    assert _gather(app, 1)[0].json() == {"n": 2}
    assert len(app.lru) == 1, "the old commit's answers are dropped"
    monkeypatch.setattr("sco_observatory.dates.today", lambda: dt.date(2031, 1, 1))
    assert _gather(app, 1)[0].json() == {"n": 3}, "the default as-of date is part of the key"


def test_lru_is_bounded_in_entries_and_bytes():
    lru = cache.LRU(max_entries=3, max_bytes=800)
    for i in range(5):
        lru.put(i, cache._Answer(200, [], b"x" * 10))
    assert len(lru) == 3 and lru.get(0) is None and lru.get(4) is not None
    lru.get(2)  # recently used: kept
    lru.put("big", cache._Answer(200, [], b"y" * 90))
    assert lru.get(2) is not None and lru.get(3) is None
    lru.put("huge", cache._Answer(200, [], b"z" * 101))  # more than an eighth of max_bytes: not kept
    assert lru.get("huge") is None and lru.size <= 800


def test_one_cursor_per_request_closed_after(home):
    from sco_observatory.web.reader import StoreReader

    reader = StoreReader(str(home))
    reader.open()
    try:
        reader.begin()
        first = reader.store()
        assert reader.store() is first, "every store read of one request uses one cursor"
        reader.end()
        with pytest.raises(Exception):
            first.con.execute("SELECT 1")  # closed with the request
        assert reader.store() is not reader.store(), "outside a request each call gets its own cursor"
    finally:
        reader.close()


def _slow_app(delay: float):
    """An app whose answer is the version it was computed for; `delay` s per computation; counts
    computations running at once."""
    state = {"n": 0, "running": 0, "most": 0, "version": 1}
    inner = FastAPI()

    @inner.get("/api/{name}")
    async def thing(name: str) -> JSONResponse:
        state["n"] += 1
        state["running"] += 1
        state["most"] = max(state["most"], state["running"])
        seen = state["version"]
        await asyncio.sleep(delay)
        state["running"] -= 1
        return JSONResponse({"name": name, "version": seen})

    return inner, state


def test_after_a_commit_a_slow_answer_is_the_previous_commits_labelled_stale_then_the_new_one():
    inner, state = _slow_app(delay=0.3)
    app = cache.ResponseCache(inner, version=lambda: state["version"], stale_after=0.05)

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            first = await client.get("/api/claims")  # nothing to fall back on: waits for the computation
            state["version"] = 2  # an import commits
            stale = await asyncio.gather(*(client.get("/api/claims") for _ in range(5)))
            await asyncio.sleep(0.6)  # the new commit's answer is computed meanwhile
            fresh = await client.get("/api/claims")
            return first, stale, fresh

    first, stale, fresh = asyncio.run(run())
    assert first.json()["version"] == 1 and first.headers["x-sco-commit"] == "1" and "x-sco-stale" not in first.headers
    for answer in stale:
        assert answer.status_code == 200 and answer.json()["version"] == 1
        assert answer.headers["x-sco-commit"] == "1" and answer.headers["x-sco-stale"] == "1"
    assert fresh.json()["version"] == 2 and fresh.headers["x-sco-commit"] == "2" and "x-sco-stale" not in fresh.headers
    assert state["n"] == 2, "the new commit's answer was computed once for the six requests"
    assert app.stale_served == 5


def test_a_fast_answer_after_a_commit_is_the_new_one():
    inner, state = _slow_app(delay=0.0)
    app = cache.ResponseCache(inner, version=lambda: state["version"], stale_after=5)

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            await client.get("/api/members")
            state["version"] = 2
            return await client.get("/api/members")

    answer = asyncio.run(run())
    assert answer.json()["version"] == 2 and "x-sco-stale" not in answer.headers and app.stale_served == 0


def test_after_a_commit_the_keys_asked_before_are_recomputed_in_the_background_a_few_at_a_time():
    inner, state = _slow_app(delay=0.05)
    app = cache.ResponseCache(inner, version=lambda: state["version"], stale_after=0.0, refresh_workers=2)
    names = [f"e{i}" for i in range(8)]

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            await asyncio.gather(*(client.get(f"/api/{n}") for n in names))  # commit 1: all at once, no fallback
            state["most"] = 0
            state["version"] = 2
            await client.get("/api/e0")  # the first request that sees commit 2 starts the refresh
            for _ in range(100):
                await asyncio.sleep(0.05)
                if all(app.lru.peek(k).version == 2 for k, _ in app.lru.recent(100)):
                    break
            return [await client.get(f"/api/{n}") for n in names]

    answers = asyncio.run(run())
    assert all(a.json()["version"] == 2 and "x-sco-stale" not in a.headers for a in answers), \
        "every key asked for under commit 1 was recomputed without being asked again"
    assert state["most"] <= 2, "background recomputations ran at most refresh_workers at a time"
    assert state["n"] == 16


def test_the_server_warms_the_answers_every_dashboard_asks_for(home):
    from sco_observatory.web.app import WARM_PATHS

    with TestClient(create_app(str(home), warm=True)) as client:
        layer = _cache_of(client.app)
        for _ in range(1200):  # the warm-up task and its computations
            if not layer._tasks:
                break
            time.sleep(0.1)
        keys = {(path, query) for _, path, query in (k for k, _ in layer.lru.recent(100))}
        for url in WARM_PATHS:
            path, _, query = url.partition("?")
            assert (path, query.encode()) in keys, f"{url} was not computed at start-up"
        hits = layer.lru.hits
        assert client.get("/api/claims").status_code == 200 and layer.lru.hits == hits + 1, "not a cache hit"


def test_start_up_warming_waits_while_requests_are_answered():
    inner, state = _slow_app(delay=0.2)
    app = cache.ResponseCache(inner, version=lambda: 1)
    template = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                "root_path": "", "headers": [(b"host", b"test")], "server": ("test", 80), "client": ("test", 1)}

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            visitor = asyncio.ensure_future(client.get("/api/visitor"))
            await asyncio.sleep(0.05)  # the visitor's request is being answered
            app.warm(["/api/claims", "/api/scenarios?from=2010"], template)
            await asyncio.sleep(0.1)
            assert state["n"] == 1, "a warm computation started while a request was being answered"
            await visitor
            for _ in range(100):
                if not app._tasks:
                    break
                await asyncio.sleep(0.05)
            assert state["most"] == 1, "warm computations ran one at a time, after the visitor's"
            return await client.get("/api/scenarios?from=2010")

    answer = asyncio.run(run())
    assert answer.json()["name"] == "scenarios" and state["n"] == 3, "the warmed answer was not kept"


def _rows_app(n_rows: int):
    inner = FastAPI()

    @inner.get("/api/rows")
    async def rows() -> JSONResponse:
        return JSONResponse({"rows": [{"i": i, "source": "imf-dots:dots_focus_reporters_1990_2020"} for i in range(n_rows)]})

    return inner


def _raw(app, path: str, headers: dict) -> list[httpx.Response]:
    """Two requests (the computation, then the cache hit), bodies not decoded (the bytes on the wire)."""
    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            out = []
            for _ in range(2):
                async with client.stream("GET", path, headers=headers) as answer:
                    answer.raw = b"".join([chunk async for chunk in answer.aiter_raw()])
                    out.append(answer)
            return out

    return asyncio.run(run())


def test_a_large_answer_is_sent_gzipped_to_who_accepts_it_and_equal_once_decoded():
    import gzip
    import json

    app = cache.ResponseCache(_rows_app(400), version=lambda: 1)
    plain = _raw(app, "/api/rows", {"accept-encoding": "identity"})
    zipped = _raw(app, "/api/rows", {"accept-encoding": "br;q=1.0, gzip;q=0.8"})
    body = plain[1].raw
    assert len(body) > 10 * cache.GZIP_MIN_BYTES and json.loads(body)["rows"][399]["i"] == 399
    for answer in plain:
        assert "content-encoding" not in answer.headers and answer.headers["vary"] == "accept-encoding"
    hit = zipped[1]
    assert hit.headers["content-encoding"] == "gzip" and hit.headers["vary"] == "accept-encoding"
    assert int(hit.headers["content-length"]) == len(hit.raw) < len(body) / 5
    assert gzip.decompress(hit.raw) == body, "the gzip copy is the same answer"
    assert hit.headers["x-sco-commit"] == "1"


def test_small_answers_and_refused_gzip_are_sent_as_they_are():
    app = cache.ResponseCache(_rows_app(2), version=lambda: 1)
    small = _raw(app, "/api/rows", {"accept-encoding": "gzip"})[1]
    assert "content-encoding" not in small.headers and len(small.raw) < cache.GZIP_MIN_BYTES
    app = cache.ResponseCache(_rows_app(400), version=lambda: 1)
    for refusal in ("gzip;q=0, *", "identity", "deflate, br", "*;q=0"):
        answer = _raw(app, "/api/rows", {"accept-encoding": refusal})[1]
        assert "content-encoding" not in answer.headers, refusal


@pytest.mark.parametrize("header, ok", [
    ("gzip", True), ("gzip, deflate, br, zstd", True), ("br;q=1, gzip;q=0.5", True), ("*", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("*;q=0", False), ("identity", False), ("", False),
    ("deflate, *;q=0.1", True), ("gzip;q=0, *", False), ("GZIP", True), ("gzip;q=oops", True),
])
def test_accept_encoding_is_read_as_rfc_9110_says(header, ok):
    assert cache.accepts_gzip({"headers": [(b"accept-encoding", header.encode())]}) is ok
    assert cache.accepts_gzip({"headers": []}) is False
