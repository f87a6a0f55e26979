"""Serving: answers kept per store commit (web/cache.py), one cursor per request (web/reader.py). A
cached answer is the computed one byte for byte; an import shows on the next request; identical
concurrent requests compute once; errors are never kept."""

from __future__ import annotations

import asyncio
import datetime as dt

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


def test_import_shows_on_the_next_request(tmp_path, shared_data):
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    path = tmp_path / "store"
    wdi = shared_data / "wdi" / "ny.gdp.pcap.cd.csv"
    with TestClient(create_app(str(path))) as client:
        before = client.get("/api/indicators").json()
        assert client.get("/api/indicators").json() == before  # now from the cache
        with open_store(path) as writer:
            import_file(writer, wdi)
        after = client.get("/api/indicators").json()
    new = {(r["code"], r["source"]) for r in after["rows"]} - {(r["code"], r["source"]) for r in before["rows"]}
    assert any(code == "NY.GDP.PCAP.CD" for code, _ in new), "the cached answer of the old commit was served after an import"


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


def test_concurrent_failures_are_each_computed():
    inner, calls = _counting_app(status=503)
    answers = _gather(cache.ResponseCache(inner, version=lambda: 1), 4)
    assert calls["n"] == 4 and all(a.status_code == 503 for a in answers)


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
