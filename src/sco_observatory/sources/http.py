"""HTTP for the online connectors: on-disk cache, retries, Retry-After, rate limit, concurrency, offline.

One `Fetcher` per command run. Given a list of `Request`s it
1. answers from the on-disk cache (`home_dir()/cache/http/<source>/<sha256>.json|.body`) what is
   there and fresh (younger than `max_age`; any age with `offline`),
2. fetches the rest with at most `concurrency` requests in flight and at least `min_interval`
   seconds between request starts,
3. retries timeouts, dropped connections, 5xx and unparseable (e.g. truncated) bodies with
   exponential backoff (`backoff`, `2*backoff`, ... capped at `backoff_max`), and waits what a 429's
   `Retry-After` asks (pausing every worker, up to `max_retry_after`),
4. writes each good response to the cache as soon as it arrives (atomically), so a fetch that fails
   half-way keeps what completed and a re-run continues from there,
5. raises one `SourceError` (one line, no traceback) for what cannot be survived: an invalid key
   (401/403), a client error, a body the API marks as an error, retries exhausted.

Secrets (API keys) travel only in request headers. They never enter a URL, a cache file name or a
cache entry, and every message is passed through `redact` before it is shown.

Every delay is configurable by environment variable (`SCO_HTTP_*`, see `HttpSettings.from_env`), so
tests run in milliseconds against a loopback server.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import math
import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import httpx

from sco_observatory.version import __version__
from sco_observatory.config import home_dir
from sco_observatory.errors import SourceError
from sco_observatory.sources.bounded import (
    ACCEPT_ENCODING, MAX_JSON_DEPTH, BodyTooLarge, DeadlinePassed, json_depth, read_body,
)

log = logging.getLogger("sco_observatory.sources")

DAY = 86400.0
MIB = 1 << 20
USER_AGENT = f"sco-observatory/{__version__} (+https://github.com/; research use)"


# -- settings ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HttpSettings:
    """Knobs of the HTTP layer. Precedence: explicit argument (CLI flag) > environment > connector default."""

    timeout: float = 60.0          # seconds per request (connect, read, write, pool)
    attempts: int = 5              # tries per request, the first included
    backoff: float = 1.0           # delay before the first retry; doubles on each further retry
    backoff_max: float = 60.0      # cap on one backoff delay
    max_retry_after: float = 300.0 # the longest Retry-After we honour; longer asks are reported
    concurrency: int = 4           # requests in flight at once
    min_interval: float = 0.0      # seconds between request starts (client-side rate limit)
    max_age: float = 30 * DAY      # cached responses younger than this are used without asking
    offline: bool = False          # only the cache; list what is missing
    refresh: bool = False          # ignore the cache's freshness and ask again
    max_bytes: int = 256 * MIB     # largest body we read, counted after decompression
    deadline: float = 300.0        # seconds one request may take, body included (a slow drip stops here)
    fetch_deadline: float = 3600.0 # seconds one fetch (all its requests, retries and waits) may take
    max_redirects: int = 5         # redirects followed per request
    max_pages: int = 200           # pages asked for per query of a paged API (World Bank)

    ENV = {
        "timeout": "SCO_HTTP_TIMEOUT",
        "attempts": "SCO_HTTP_ATTEMPTS",
        "backoff": "SCO_HTTP_BACKOFF",
        "backoff_max": "SCO_HTTP_BACKOFF_MAX",
        "max_retry_after": "SCO_HTTP_MAX_RETRY_AFTER",
        "concurrency": "SCO_HTTP_CONCURRENCY",
        "min_interval": "SCO_HTTP_MIN_INTERVAL",
        "max_age": "SCO_CACHE_MAX_AGE_DAYS",
        "max_bytes": "SCO_HTTP_MAX_BYTES",
        "deadline": "SCO_HTTP_DEADLINE",
        "fetch_deadline": "SCO_HTTP_FETCH_DEADLINE",
        "max_redirects": "SCO_HTTP_MAX_REDIRECTS",
        "max_pages": "SCO_HTTP_MAX_PAGES",
    }

    @classmethod
    def from_env(cls, defaults: dict[str, Any] | None = None, **overrides: Any) -> "HttpSettings":
        """Connector `defaults`, then `SCO_HTTP_*` variables, then non-None `overrides` (CLI flags)."""
        values: dict[str, Any] = dict(defaults or {})
        types = {f.name: f.type for f in fields(cls)}
        for name, var in cls.ENV.items():
            raw = os.environ.get(var)
            if raw is None or raw.strip() == "":
                continue
            try:
                number = float(raw)
            except ValueError:
                raise SourceError(f"{var}={raw!r} is not a number", f"set {var} to a number, or unset it") from None
            if not math.isfinite(number) or number < 0:
                raise SourceError(f"{var}={raw!r} is not a finite number of at least 0", f"set {var} to a number, or unset it")
            if name == "max_age":
                number *= DAY
            values[name] = int(number) if types[name] in ("int", int) else number
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.attempts < 1 or settings.concurrency < 1:
            raise SourceError("attempts and concurrency must be at least 1", "check SCO_HTTP_ATTEMPTS / --concurrency")
        if min(settings.max_bytes, settings.deadline, settings.fetch_deadline, settings.max_pages) <= 0:
            raise SourceError("the HTTP bounds must be positive",
                              "check SCO_HTTP_MAX_BYTES, SCO_HTTP_DEADLINE, SCO_HTTP_FETCH_DEADLINE, SCO_HTTP_MAX_PAGES")
        return settings


# -- requests, responses, errors -------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One GET. `url` is complete (query string included) and holds no secret; `label` is for people."""

    source: str
    url: str
    accept: str = "application/json"
    label: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.url}\n{self.accept}".encode()).hexdigest()

    def describe(self) -> str:
        return self.label or self.url


@dataclass
class Response:
    request: Request
    status: int
    body: bytes
    retrieved: dt.datetime
    sha256: str
    from_cache: bool = False
    parsed: Any = None


class BadResponse(Exception):
    """Raised by a connector's parser: the body is not what the API documents.

    `retry=True` for what a second try may cure (a truncated body); False for an answer the API
    means (an error message inside a 200, a row limit reached).
    """

    def __init__(self, message: str, *, retry: bool = True, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.hint = hint


class OfflineMissing(SourceError):
    """--offline and some responses are not in the cache; `missing` lists them."""

    def __init__(self, message: str, hint: str, missing: list[Request]) -> None:
        super().__init__(message, hint)
        self.missing = missing


class FetchFailed(SourceError):
    """A request failed for good; completed responses are cached (`done` of `total`)."""


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(response: httpx.Response, body: bytes | None = None) -> float | None:
    """Seconds a 429/503 asks us to wait: the Retry-After header (seconds or HTTP date), else a
    'Try again in N seconds' in the body (UN Comtrade's wording; `body` if already read), else None."""
    value = response.headers.get("Retry-After")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
                return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())
    text = response.text[:2000] if body is None else body[:2000].decode("utf-8", "replace")
    match = re.search(r"try again in (\d+(?:\.\d+)?) second", text, re.IGNORECASE)
    seconds = float(match.group(1)) if match else None
    return seconds if seconds is None or math.isfinite(seconds) else None


def body_excerpt(body: bytes | str, limit: int = 160) -> str:
    """A short, single-line excerpt of an error body (HTML tags and JSON noise removed)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text) if json_depth(text.encode("utf-8", "replace")) <= MAX_JSON_DEPTH else None
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        for name in ("message", "error", "Message", "detail", "title"):
            if isinstance(data.get(name), str) and data[name].strip():
                text = data[name]
                break
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- cache -------------------------------------------------------------------------------------------
def cache_root() -> Path:
    return home_dir() / "cache"


@dataclass
class CacheEntry:
    source: str
    url: str
    accept: str
    status: int
    retrieved: dt.datetime
    sha256: str
    bytes: int
    label: str
    max_age: float
    meta_path: Path

    @property
    def body_path(self) -> Path:
        return self.meta_path.with_suffix(".body")

    def age(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.timezone.utc)
        return (now - self.retrieved).total_seconds()

    def fresh(self, max_age: float | None = None) -> bool:
        return self.age() < (self.max_age if max_age is None else max_age)


class HttpCache:
    """Responses on disk, one `<sha256 of url+accept>.body` and `.json` (metadata) per request.

    File names are hashes of the (secret-free) URL and Accept header; the metadata holds the URL,
    retrieval time, response sha256 and size, never request headers.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_root()) / "http"

    def _meta_path(self, request: Request) -> Path:
        return self.root / request.source / f"{request.key}.json"

    def get(self, request: Request) -> CacheEntry | None:
        return self._read(self._meta_path(request))

    def _read(self, meta_path: Path) -> CacheEntry | None:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            entry = CacheEntry(
                source=meta["source"], url=meta["url"], accept=meta.get("accept", ""), status=int(meta["status"]),
                retrieved=dt.datetime.fromisoformat(meta["retrieved"]), sha256=meta["sha256"],
                bytes=int(meta["bytes"]), label=meta.get("label", ""), max_age=float(meta.get("max_age", 30 * DAY)),
                meta_path=meta_path,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return entry if entry.body_path.exists() else None

    def body(self, entry: CacheEntry) -> bytes | None:
        try:
            data = entry.body_path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None

    def put(self, response: Response, max_age: float) -> None:
        request = response.request
        meta_path = self._meta_path(request)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "source": request.source, "url": request.url, "accept": request.accept, "label": request.label,
            "status": response.status, "retrieved": response.retrieved.isoformat(), "sha256": response.sha256,
            "bytes": len(response.body), "max_age": max_age,
        }
        # Body first, then metadata, each via a temporary file and an atomic rename: a crash
        # leaves either a complete entry or none.
        for path, data in ((meta_path.with_suffix(".body"), response.body),
                           (meta_path, json.dumps(meta, indent=1).encode("utf-8"))):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

    def drop(self, request: Request) -> None:
        meta_path = self._meta_path(request)
        for path in (meta_path, meta_path.with_suffix(".body")):
            path.unlink(missing_ok=True)

    def entries(self, source: str | None = None) -> list[CacheEntry]:
        if not self.root.exists():
            return []
        dirs = [self.root / source] if source else sorted(p for p in self.root.iterdir() if p.is_dir())
        found = []
        for folder in dirs:
            for meta_path in sorted(folder.glob("*.json")):
                entry = self._read(meta_path)
                if entry is not None:
                    found.append(entry)
        return sorted(found, key=lambda e: (e.source, e.retrieved))

    def clear(self, source: str | None = None, *, stale_only: bool = False, max_age: float | None = None) -> int:
        """Remove entries (all, one source's, or only stale ones); returns how many."""
        removed = 0
        for entry in self.entries(source):
            if stale_only and entry.fresh(max_age):
                continue
            for path in (entry.meta_path, entry.body_path):
                path.unlink(missing_ok=True)
            removed += 1
        if not stale_only:
            staged = cache_root() / "staged"
            targets = [staged / source] if source else [staged]
            for target in targets:
                if target.exists():
                    for path in sorted(target.rglob("*"), reverse=True):
                        path.unlink() if path.is_file() else path.rmdir()
                    target.rmdir()
        return removed


# -- progress ----------------------------------------------------------------------------------------
class Progress:
    """Where a fetch reports progress; the CLI plugs in a rich progress bar, the library a no-op."""

    def add_total(self, n: int) -> None: ...

    def advance(self, *, cached: bool) -> None: ...

    def note(self, text: str) -> None: ...


ERROR_BODY_BYTES = 64 * 1024
"""How much of an error answer (4xx/5xx) we read: enough for its message."""


# -- the fetcher -------------------------------------------------------------------------------------
class _Pacer:
    """At least `min_interval` between request starts; a shared pause after a 429."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self.lock = threading.Lock()
        self.next_at = 0.0
        self.pause_until = 0.0

    def wait_turn(self, stop: threading.Event) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at, self.pause_until)
            self.next_at = start + self.min_interval
        if start > now:
            stop.wait(start - now)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.pause_until = max(self.pause_until, time.monotonic() + seconds)


class _Stopped(Exception):
    """Another request failed for good; this one gives up quietly (what completed stays cached)."""


@dataclass
class FetchStats:
    requested: int = 0
    from_cache: int = 0
    downloaded: int = 0
    retries: Counter = field(default_factory=Counter)

    def describe(self) -> str:
        text = f"{self.requested} responses ({self.from_cache} from the cache, {self.downloaded} downloaded"
        if self.retries:
            text += "; retried: " + ", ".join(f"{why} ×{n}" for why, n in sorted(self.retries.items()))
        return text + ")"


Parser = Callable[[Response], Any]


class Fetcher:
    """Fetch many requests of one API with cache, retries, pacing and bounded concurrency.

    `publisher` names the API in messages ("World Bank API"). `parse(response)` turns a body into
    what the connector needs, raising `BadResponse` when the body is not as documented.
    `empty_statuses` are HTTP statuses the API uses for "no data" (SDMX: 404); they are parsed
    like an empty 200 and cached. `auth_hint` is the hint for 401/403.
    """

    def __init__(
        self,
        publisher: str,
        settings: HttpSettings,
        parse: Parser,
        *,
        headers: dict[str, str] | None = None,
        secret_headers: dict[str, str] | None = None,
        empty_statuses: Sequence[int] = (),
        auth_hint: str = "check the API key",
        progress: Progress | None = None,
        cache: HttpCache | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.publisher = publisher
        self.settings = settings
        self.parse = parse
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.secret_headers = {k: v for k, v in (secret_headers or {}).items() if v}
        self.secrets = list(self.secret_headers.values())
        self.empty_statuses = set(empty_statuses)
        self.auth_hint = auth_hint
        self.progress = progress or Progress()
        self.cache = cache or HttpCache()
        self.transport = transport
        self.stats = FetchStats()
        self._stats_lock = threading.Lock()
        self._pacer = _Pacer(settings.min_interval)
        self._stop = threading.Event()
        self._fetch_deadline = time.monotonic() + settings.fetch_deadline  # one Fetcher per command run

    # -- public ----------------------------------------------------------------------------------
    def fetch_all(self, requests: Sequence[Request]) -> list[Response]:
        """Responses to `requests`, in order (cache first, then the network); see the module doc."""
        results: dict[int, Response] = {}
        todo: list[int] = []
        self.progress.add_total(len(requests))
        for i, request in enumerate(requests):
            cached = self._from_cache(request)
            if cached is not None:
                results[i] = cached
                self.progress.advance(cached=True)
            else:
                todo.append(i)
        with self._stats_lock:
            self.stats.requested += len(requests)
            self.stats.from_cache += len(results)
        if todo and self.settings.offline:
            missing = [requests[i] for i in todo]
            shown = "; ".join(r.url for r in missing[:3]) + (f"; and {len(missing) - 3} more" if len(missing) > 3 else "")
            raise OfflineMissing(
                self._redact(f"--offline: {len(missing)} of {len(requests)} {self.publisher} responses are not in the cache: {shown}"),
                "run the same command without --offline to fetch them (sco cache list shows what is cached)",
                missing,
            )
        if todo:
            self._download([requests[i] for i in todo], todo, results, len(requests))
        return [results[i] for i in range(len(requests))]

    # -- cache -----------------------------------------------------------------------------------
    def _from_cache(self, request: Request) -> Response | None:
        if self.settings.refresh and not self.settings.offline:
            return None
        entry = self.cache.get(request)
        if entry is None:
            return None
        if not self.settings.offline and not entry.fresh(self.settings.max_age):
            return None
        body = self.cache.body(entry)
        if body is None:
            self.cache.drop(request)
            return None
        response = Response(request, entry.status, body, entry.retrieved, entry.sha256, from_cache=True)
        try:
            response.parsed = self.parse(response)
        except BadResponse:
            self.cache.drop(request)  # an entry this version cannot read: fetch it again
            return None
        return response

    # -- network ---------------------------------------------------------------------------------
    def _download(self, requests: list[Request], slots: list[int], results: dict[int, Response], total: int) -> None:
        timeout = httpx.Timeout(self.settings.timeout)
        client = httpx.Client(timeout=timeout, headers={**self.headers, "Accept-Encoding": ACCEPT_ENCODING},
                              follow_redirects=True, max_redirects=self.settings.max_redirects,
                              transport=self.transport, trust_env=True)
        pool = ThreadPoolExecutor(max_workers=min(self.settings.concurrency, len(requests)),
                                  thread_name_prefix="sco-fetch")
        futures: dict[Future, int] = {}
        try:
            for slot, request in zip(slots, requests):
                futures[pool.submit(self._get, client, request)] = slot
            pending = set(futures)
            failure: BaseException | None = None
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    if future.cancelled():
                        continue
                    exc = future.exception()
                    if exc is None:
                        results[futures[future]] = future.result()
                    elif not isinstance(exc, _Stopped) and failure is None:
                        failure = exc
                if failure is not None and not self._stop.is_set():
                    self._stop.set()
                    for future in pending:
                        future.cancel()
        except BaseException:
            self._stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            client.close()
        if failure is not None:
            done_count = len(results)
            if isinstance(failure, SourceError):
                keep = f" ({done_count} of {total} responses are cached; re-run the same command to continue)" if done_count else ""
                raise FetchFailed(self._redact(failure.message + keep), failure.hint) from None
            raise failure

    def _get(self, client: httpx.Client, request: Request) -> Response:
        settings = self.settings
        reason = ""
        headers = {"Accept": request.accept, **self.secret_headers}
        for attempt in range(1, settings.attempts + 1):
            if self._stop.is_set():
                raise _Stopped()
            if attempt > 1:
                delay = min(settings.backoff * 2 ** (attempt - 2), settings.backoff_max)
                log.info("%s: retry %d in %.2f s (%s)", request.describe(), attempt - 1, delay, reason)
                if self._stop.wait(delay):
                    raise _Stopped()
            self._pacer.wait_turn(self._stop)
            if self._stop.is_set():
                raise _Stopped()
            self._check_fetch_deadline(request)
            try:
                status, http, body = self._exchange(client, request, headers)
            except httpx.TimeoutException:
                reason = f"timed out after {settings.timeout:g} s"
                self._count_retry("timeout")
                continue
            except httpx.TooManyRedirects:
                raise SourceError(
                    self._redact(f"{self.publisher}: more than {settings.max_redirects} redirects ({request.describe()})"),
                    "the service redirects in a loop; try again later, or raise SCO_HTTP_MAX_REDIRECTS",
                ) from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                reason = f"connection failed ({type(exc).__name__})"
                self._count_retry("connection error")
                continue
            if 200 <= status < 300 or status in self.empty_statuses:
                body = b"" if status in self.empty_statuses else body
                response = Response(request, status, body, dt.datetime.now(dt.timezone.utc),
                                     hashlib.sha256(body).hexdigest())
                try:
                    response.parsed = self.parse(response)
                except BadResponse as exc:
                    if not exc.retry:
                        raise SourceError(self._redact(f"{self.publisher}: {exc.message} ({request.describe()})"),
                                          exc.hint or "check the query; see docs/sources.md") from None
                    reason = exc.message
                    self._count_retry("malformed body")
                    continue
                self.cache.put(response, settings.max_age)
                with self._stats_lock:
                    self.stats.downloaded += 1
                self.progress.advance(cached=False)
                return response
            detail = self._redact(body_excerpt(body))
            if status == 429:
                wait_s = retry_after_seconds(http, body)
                if wait_s is not None and wait_s > settings.max_retry_after:
                    raise SourceError(
                        f"{self.publisher} rate limit: the server asks to wait {wait_s:.0f} s (more than the "
                        f"{settings.max_retry_after:.0f} s we wait) ({request.describe()})",
                        "try again later (what completed is cached), or raise SCO_HTTP_MAX_RETRY_AFTER",
                    )
                wait_s = settings.backoff if wait_s is None else wait_s
                self._pacer.pause(wait_s)
                reason = f"HTTP 429 rate limited (waited {wait_s:g} s)"
                self._count_retry("HTTP 429")
                self.progress.note(f"rate limited: waiting {wait_s:g} s")
                continue
            if status in (401, 403):
                raise SourceError(
                    self._redact(f"{self.publisher} refused access (HTTP {status}: {detail or 'no detail'})"),
                    self.auth_hint,
                )
            if status >= 500 or status == 408:
                reason = f"HTTP {status}{': ' + detail if detail else ''}"
                self._count_retry(f"HTTP {status}")
                wait_s = retry_after_seconds(http, body) if status == 503 else None
                if wait_s:
                    self._pacer.pause(min(wait_s, settings.max_retry_after))
                continue
            raise SourceError(
                self._redact(f"{self.publisher}: HTTP {status}{': ' + detail if detail else ''} ({request.describe()})"),
                "check the codes and years asked for; see docs/sources.md",
            )
        raise SourceError(
            self._redact(f"{self.publisher}: {reason} — gave up after {settings.attempts} attempts ({request.describe()})"),
            "the service may be down or slow; try again later, or raise SCO_HTTP_ATTEMPTS / SCO_HTTP_TIMEOUT",
        )

    def _exchange(self, client: httpx.Client, request: Request, headers: dict[str, str]) -> tuple[int, httpx.Response, bytes]:
        """One GET, streamed: (status, response, body read within the size cap and the deadline)."""
        settings = self.settings
        own = time.monotonic() + settings.deadline
        deadline = min(own, self._fetch_deadline)
        with client.stream("GET", request.url, headers=headers) as http:
            ok = 200 <= http.status_code < 300
            limit = settings.max_bytes if ok else min(settings.max_bytes, ERROR_BODY_BYTES)
            try:
                body = read_body(http, max_bytes=limit, deadline=deadline)
            except BodyTooLarge as exc:
                if not ok:  # an error page: its first bytes are enough for the message
                    return http.status_code, http, b""
                raise SourceError(
                    self._redact(f"{self.publisher}: the answer {exc} (limit {settings.max_bytes:,} bytes) ({request.describe()})"),
                    "ask for less per fetch (fewer countries, years or products), or raise SCO_HTTP_MAX_BYTES",
                ) from None
            except DeadlinePassed:
                if self._fetch_deadline < own:  # the whole fetch's deadline ran out, inside this answer
                    raise SourceError(
                        self._redact(f"{self.publisher}: the fetch did not finish within {settings.fetch_deadline:g} s "
                                     f"(stopped while reading {request.describe()})"),
                        "what completed is cached: re-run the same command to continue, or raise SCO_HTTP_FETCH_DEADLINE",
                    ) from None
                raise SourceError(
                    self._redact(f"{self.publisher}: the answer did not finish within {settings.deadline:g} s "
                                 f"({request.describe()})"),
                    "the service is too slow; try again later, or raise SCO_HTTP_DEADLINE",
                ) from None
        return http.status_code, http, body

    def _check_fetch_deadline(self, request: Request) -> None:
        if time.monotonic() >= self._fetch_deadline:
            raise SourceError(
                self._redact(f"{self.publisher}: the fetch did not finish within {self.settings.fetch_deadline:g} s "
                             f"(stopped before {request.describe()})"),
                "what completed is cached: re-run the same command to continue, or raise SCO_HTTP_FETCH_DEADLINE",
            )

    def _count_retry(self, why: str) -> None:
        with self._stats_lock:
            self.stats.retries[why] += 1

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)


def combined_sha256(responses: Sequence[Response]) -> str:
    """One hash over a set of responses (URL and body hash of each, sorted): a fetch's identity."""
    digest = hashlib.sha256()
    for response in sorted(responses, key=lambda r: r.request.url):
        digest.update(f"{response.request.url}\n{response.sha256}\n".encode())
    return digest.hexdigest()


def base_url(env: str, default: str) -> str:
    """The API's base URL (the part before its versioned path), from `env` if set."""
    value = os.environ.get(env, "").strip() or default
    return value.rstrip("/")

