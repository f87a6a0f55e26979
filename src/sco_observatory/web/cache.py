"""ASGI middleware that answers repeated API requests from memory, and keeps answering while an import commits.

Why: every answer of the read-only API is a pure function of (the store's newest commit, today's
date — the default as-of date —, the path and the query string). Recomputing the 2014 claims or the
signposts for each of 20 dashboards made requests queue behind one another (benchmarks/README.md,
"Serving"). So a 200 answer to a GET under /api/ is kept, as the bytes sent, under (date, path,
query), labelled with the commit it was computed on:

- the commit id is read from the store's catalog on each request (one indexed SQLite read); an
  answer of that commit is replayed at once; every answer carries the header ``x-sco-commit: <id>``
  saying which commit it reflects;
- **after an import commits** (stale-while-revalidate): the first request for a key computes the
  new commit's answer in the background and waits for it at most ``STALE_AFTER`` seconds
  (``SCO_STALE_AFTER``, default 1 s). Computed in time, it is the answer: a cheap endpoint shows the
  import on the very next request. Not yet computed, the previous commit's answer is sent with
  ``x-sco-stale: 1`` (and its own ``x-sco-commit``), and so is every request for that key until the
  new answer is in; from then on the new one. A key with no previous answer waits for its
  computation (the guard's time budget applies);
- recomputations that have a previous answer to fall back on run at most ``REFRESH_WORKERS`` at a
  time, and the keys asked for under the previous commit are recomputed in the background as soon
  as the new commit is seen (most recently used first): after an import the endpoints are not all
  recomputed at once, which is what made requests run past the 20 s budget (504s) before;
- concurrent requests for the same key wait for the one computation (one, not 20);
- least recently used entries are dropped beyond `max_entries` or `max_bytes` (default 1,024 entries,
  64 MB; one answer per key, the newest commit's); an answer larger than an eighth of `max_bytes` is
  not kept;
- each kept answer of GZIP_MIN_BYTES or more is also kept gzip-compressed (level GZIP_LEVEL, once, when it
  is computed) and that copy is sent, with ``content-encoding: gzip``, to a request whose
  ``accept-encoding`` allows gzip (browsers, httpx, curl --compressed); every answer says
  ``vary: accept-encoding``. Why: a cache hit costs the same for every endpoint except for its size; the
  largest answers (member-shares, scenarios, CINC: 80–130 KB, mostly the same source, formula and
  method strings on every row) go out as 7–15 KB. (They were the three endpoints over 50 ms p95 at 20
  clients in one run; back-to-back runs did not show them slower, nor gzip faster, on loopback:
  benchmarks/README.md, "Serving");
- errors (4xx, 5xx) are never kept: the requests waiting on that one computation get its answer,
  the next request computes again; non-GET requests and the dashboard's static files pass through
  untouched (the guard's 504s are outside this layer: the computation goes on and its answer is kept).

`warm(paths)` computes the given requests in the background, one at a time and each only once no
request is being answered (the dashboard's answers that are the same in every state: claims,
scenarios, projects...), so the first dashboard after `sco serve` starts finds them ready.

``SCO_RESPONSE_CACHE=0`` turns it off (benchmarks/bench_load.py measures both ways).
"""

from __future__ import annotations

import asyncio
import gzip
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
STALE_ENV = "SCO_STALE_AFTER"
STALE_AFTER = 1.0
"""Seconds a request waits for the new commit's answer before the previous commit's is sent (labelled stale)."""
REFRESH_WORKERS = 2
"""Recomputations with a previous answer to fall back on that run at once (the rest wait their turn)."""
WARM_YIELD_SECONDS = 30.0
"""How long a start-up warm computation waits for the requests being answered to finish before it starts anyway."""
REFRESH_KEYS = 64
"""Most recently used keys of the previous commit recomputed in the background when a new commit is seen."""
COMMIT_HEADER = b"x-sco-commit"
STALE_HEADER = b"x-sco-stale"
GZIP_MIN_BYTES = 1024
"""Answers at least this long are also kept gzip-compressed (smaller ones gain less than the header costs)."""
GZIP_LEVEL = 6
"""zlib level of the kept copy: 128 KB of member-shares JSON to 14 KB in ~2.5 ms, once per commit (level 9: 1% smaller, slower)."""
VARY = (b"vary", b"accept-encoding")


def enabled() -> bool:
    """Whether the response cache is on (``SCO_RESPONSE_CACHE`` unset, or anything but 0/false/no/off)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def stale_after_seconds() -> float:
    """``SCO_STALE_AFTER`` seconds (default STALE_AFTER); a bad value falls back to the default."""
    try:
        return max(0.0, float(os.environ.get(STALE_ENV, STALE_AFTER)))
    except ValueError:
        return STALE_AFTER


class _Answer:
    """One answer as sent: status, headers, body; `version` is the commit it was computed on and
    `scope` the request that asked for it (replayed to recompute it for a newer commit); `gzipped` the
    body gzip-compressed (None when it is short, already encoded, or would not shrink)."""

    __slots__ = ("status", "headers", "body", "version", "scope", "gzipped")

    def __init__(self, status: int, headers: list, body: bytes, version: Hashable = None,
                 scope: Scope | None = None, gzipped: bytes | None = None) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.version, self.scope, self.gzipped = version, scope, gzipped

    @property
    def size(self) -> int:
        """Bytes kept (both copies)."""
        return len(self.body) + len(self.gzipped or b"")


def _compressed(headers: list, body: bytes) -> bytes | None:
    """The body gzip-compressed (fixed mtime, so equal bodies give equal bytes), or None (see _Answer)."""
    if len(body) < GZIP_MIN_BYTES or any(name == b"content-encoding" for name, _ in headers):
        return None
    packed = gzip.compress(body, GZIP_LEVEL, mtime=0)
    return packed if len(packed) < len(body) else None


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's ``accept-encoding`` allows gzip (RFC 9110 §12.5.3: a listed ``gzip`` or ``*``
    whose ``q`` is not 0; an explicit ``gzip;q=0`` wins over ``*``)."""
    for name, value in scope.get("headers") or ():
        if name != b"accept-encoding":
            continue
        star = False
        for item in value.decode("latin-1").lower().split(","):
            coding, *params = (part.strip() for part in item.split(";"))
            allowed = all(_q(p) != 0 for p in params if p.startswith("q="))
            if coding == "gzip":
                return allowed
            if coding == "*":
                star = allowed
        return star
    return False


def _q(param: str) -> float:
    """The weight of a ``q=...`` parameter (a malformed one counts as 1: the coding is not refused)."""
    try:
        return float(param[2:])
    except ValueError:
        return 1.0


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
        size = answer.size
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._items[key] = answer
            self._bytes += size
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.size

    def peek(self, key: Hashable) -> _Answer | None:
        """The entry without counting a hit or a miss, or moving it."""
        with self._lock:
            return self._items.get(key)

    def recent(self, n: int) -> list[tuple[Hashable, _Answer]]:
        """The `n` most recently used entries, most recent first."""
        with self._lock:
            return list(reversed(self._items.items()))[:n]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class ResponseCache:
    """Keep 200 answers to GET /api/... per (date, path, query), labelled with the store commit they
    reflect; serve the previous commit's while the new one computes (see the module docstring).

    `version()` returns the store's current commit id (called once per API request, on the event loop:
    it must be cheap and must not block — one SQLite read).
    """

    def __init__(self, app: ASGIApp, version: Callable[[], Hashable], *, max_entries: int = MAX_ENTRIES,
                 max_bytes: int = MAX_BYTES, stale_after: float | None = None,
                 refresh_workers: int = REFRESH_WORKERS) -> None:
        self.app = app
        self.version = version
        self.lru = LRU(max_entries, max_bytes)
        self.stale_after = stale_after_seconds() if stale_after is None else stale_after
        self.refresh_workers = refresh_workers
        self.stale_served = 0
        self._seen: Hashable = None
        self._inflight: dict[Hashable, asyncio.Task] = {}
        self._gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._tasks: set[asyncio.Task] = set()
        self._serving = 0  # API requests being answered now (start-up warming waits for none)

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not scope.get("path", "").startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            version = self.version()
        except Exception:  # the catalog cannot be read just now: answer without the cache
            await self.app(scope, receive, send)
            return
        if version != self._seen:
            previous, self._seen = self._seen, version
            if previous is not None:
                self._refresh_recent(version)
        self._serving += 1
        try:
            await self._answer(version, scope, send)
        finally:
            self._serving -= 1

    async def _answer(self, version: Hashable, scope: Scope, send: Callable) -> None:
        key = (dates.today(), scope["path"], scope.get("query_string", b""))
        while True:
            answer = self.lru.get(key)
            if answer is not None and answer.version == version:
                await _replay(send, answer, gzip_ok=accepts_gzip(scope))
                return
            stale = answer
            task = self._computation(version, key, scope, queued=stale is not None)
            if stale is None:
                result = await asyncio.shield(task)
            else:
                done, _ = await asyncio.wait({task}, timeout=self.stale_after)
                if not done:  # still computing: the previous commit's answer, labelled as such
                    self.stale_served += 1
                    await _replay(send, stale, stale=True, gzip_ok=accepts_gzip(scope))
                    return
                result = task.result()
            if result is None:  # computed and kept by this or another request: replay it
                continue
            await _send_all(send, result)  # not kept (an error): given to this request as it came
            return

    def _computation(self, version: Hashable, key: Hashable, scope: Scope, *, queued: bool) -> asyncio.Task:
        """The task computing `key` on `version` (started here unless one is running).

        It is a task of its own, so a request that gives up (stale answer sent, 504, disconnect) does
        not stop it: its answer is kept for the next request. Its result is None when the answer was
        kept, else the messages to send (errors are never shared: each waiter replays the run's own)."""
        task = self._inflight.get((version, key))
        if task is not None:
            return task
        task = asyncio.ensure_future(self._compute(version, key, dict(scope), queued))
        self._inflight[(version, key)] = task
        self._tasks.add(task)

        def done(t: asyncio.Task, k=(version, key)) -> None:
            self._inflight.pop(k, None)
            self._tasks.discard(t)
            if not t.cancelled():
                t.exception()  # retrieved (a request that gave up no longer awaits it)

        task.add_done_callback(done)
        return task

    async def _compute(self, version: Hashable, key: Hashable, scope: Scope, queued: bool) -> list[dict] | None:
        if queued:
            loop = asyncio.get_running_loop()
            if self._gate is None or self._gate[0] is not loop:  # one gate per event loop (tests run several)
                self._gate = (loop, asyncio.Semaphore(self.refresh_workers))
            async with self._gate[1]:
                return await self._run(version, key, scope)
        return await self._run(version, key, scope)

    async def _run(self, version: Hashable, key: Hashable, scope: Scope) -> list[dict] | None:
        current = self.lru.peek(key)
        if current is not None and current.version == version:  # computed meanwhile (a queued refresh)
            return None
        messages: list[dict] = []
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # a GET has no more body; never a disconnect while computing
            return {"type": "http.disconnect"}

        async def capture(message: dict) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = next((m for m in messages if m["type"] == "http.response.start"), {})
        bodies = [m for m in messages if m["type"] == "http.response.body"]
        complete = bool(bodies) and not bodies[-1].get("more_body", False)
        if complete and start.get("status") == 200:
            headers = [h for h in start.get("headers", []) if h[0] not in (COMMIT_HEADER, VARY[0])]
            body = b"".join(m.get("body", b"") for m in bodies)
            self.lru.put(key, _Answer(200, headers, body, version, _template(scope), _compressed(headers, body)))
            if self.lru.peek(key) is not None:
                return None
        return messages

    def _refresh_recent(self, version: Hashable) -> None:
        """Recompute in the background, REFRESH_WORKERS at a time, the keys last asked for."""
        for key, answer in self.lru.recent(REFRESH_KEYS):
            if answer.version != version and answer.scope is not None and key[0] == dates.today():
                self._computation(version, key, dict(answer.scope), queued=True)

    def warm(self, paths: list[str], template: Scope) -> None:
        """Compute these requests (path?query) in the background, one at a time, each started only while
        no request is being answered (a visitor's first requests are not slowed by it); `template` is an
        http scope (the app, server...) whose path and query string are replaced."""
        try:
            version = self.version()
        except Exception:
            return
        self._seen = version if self._seen is None else self._seen
        items = []
        for url in paths:
            path, _, query = url.partition("?")
            items.append(((dates.today(), path, query.encode()),
                          {**template, "path": path, "raw_path": path.encode(), "query_string": query.encode()}))
        task = asyncio.ensure_future(self._warm_all(version, items))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _warm_all(self, version: Hashable, items: list[tuple[Hashable, Scope]]) -> None:
        for key, scope in items:
            for _ in range(int(WARM_YIELD_SECONDS / 0.05)):
                if not self._serving:
                    break
                await asyncio.sleep(0.05)
            try:
                await asyncio.shield(self._computation(version, key, scope, queued=False))
            except Exception:  # a failing warm-up is the next request's to report
                pass


def _template(scope: Scope) -> Scope:
    """What of a request scope is needed to run it again (not the route Starlette attached to it)."""
    return {k: v for k, v in scope.items()
            if k not in ("route", "endpoint", "path_params") and not k.startswith("fastapi")}


def _with_headers(answer: _Answer, stale: bool, gzipped: bool) -> list:
    extra = [VARY, (COMMIT_HEADER, str(answer.version).encode())]
    if stale:
        extra.append((STALE_HEADER, b"1"))
    if not gzipped:
        return list(answer.headers) + extra
    headers = [h for h in answer.headers if h[0] != b"content-length"]
    return headers + [(b"content-length", str(len(answer.gzipped)).encode()), (b"content-encoding", b"gzip")] + extra


async def _replay(send: Callable, answer: _Answer, stale: bool = False, gzip_ok: bool = False) -> None:
    """Send a kept answer: its gzip copy when it has one and the request accepts gzip, else the body."""
    gzipped = gzip_ok and answer.gzipped is not None
    await send({"type": "http.response.start", "status": answer.status,
                "headers": _with_headers(answer, stale, gzipped)})
    await send({"type": "http.response.body", "body": answer.gzipped if gzipped else answer.body})


async def _send_all(send: Callable, messages: list[dict]) -> None:
    for message in messages:
        await send(message)
