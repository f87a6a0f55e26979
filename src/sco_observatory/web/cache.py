"""ASGI middleware that answers repeated API requests from memory until the store changes.

Why: every answer of the read-only API is a pure function of (the store's newest commit, today's
date — the default as-of date —, the path and the query string). Recomputing the 2014 claims or the
signposts for each of 20 dashboards made requests queue behind one another (benchmarks/README.md,
"Serving"). So a 200 answer to a GET under /api/ is kept, as the bytes sent, under that key:

- the key holds the commit id read from the store's catalog on each request (one indexed SQLite
  read), so the first request after an import commits misses and recomputes: a running server shows
  new data on the next request, as the store requires (tests/test_store_concurrency.py);
- least recently used entries are dropped beyond `max_entries` or `max_bytes` (default 1,024 entries,
  64 MB); entries of an older commit are dropped when a newer one is seen; an answer larger than an
  eighth of `max_bytes` is not kept;
- concurrent requests for the same key wait for the one computing it (one computation, not 20);
- anything else (errors, 504s of the time budget, non-GET, the dashboard's static files) passes
  through untouched.

``SCO_RESPONSE_CACHE=0`` turns it off (benchmarks/bench_load.py measures both ways).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Hashable

from sco_observatory import dates

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
ENV = "SCO_RESPONSE_CACHE"
MAX_ENTRIES = 1024
MAX_BYTES = 64 * 2**20
PREFIX = "/api/"


def enabled() -> bool:
    """Whether the response cache is on (``SCO_RESPONSE_CACHE`` unset, or anything but 0/false/no/off)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class _Answer:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class LRU:
    """Answers by key, bounded in entries and bytes, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> _Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable, answer: _Answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = answer
            self._bytes += size
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class ResponseCache:
    """Keep 200 answers to GET /api/... per (store version, date, path, query); see the module docstring.

    `version()` returns the store's current commit id (called once per API request, on the event loop:
    it must be cheap and must not block — one SQLite read).
    """

    def __init__(self, app: ASGIApp, version: Callable[[], Hashable], *, max_entries: int = MAX_ENTRIES,
                 max_bytes: int = MAX_BYTES) -> None:
        self.app = app
        self.version = version
        self.lru = LRU(max_entries, max_bytes)
        self._seen: Hashable = None
        self._inflight: dict[Hashable, asyncio.Future] = {}

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not scope.get("path", "").startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            version = self.version()
        except Exception:  # the catalog cannot be read just now: answer without the cache
            await self.app(scope, receive, send)
            return
        if version != self._seen:  # a new commit: the answers of the old one are never asked for again
            self.lru.clear()
            self._seen = version
        key = (version, dates.today(), scope["path"], scope.get("query_string", b""))
        while True:
            answer = self.lru.get(key)
            if answer is not None:
                await _replay(send, answer)
                return
            pending = self._inflight.get(key)
            if pending is None:
                break
            await asyncio.shield(pending)  # another request computes this answer: wait for it, then look again
            if self.lru.get(key) is None:  # it was not kept (an error, a 504): compute our own
                await self.app(scope, receive, send)
                return
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = done
        try:
            await self._compute(key, scope, receive, send)
        finally:
            del self._inflight[key]
            done.set_result(None)

    async def _compute(self, key: Hashable, scope: Scope, receive: Callable, send: Callable) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        complete = False

        async def capture(message: dict) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capture)
        if complete and start.get("status") == 200:
            self.lru.put(key, _Answer(200, list(start.get("headers", [])), b"".join(chunks)))


async def _replay(send: Callable, answer: _Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
