"""ASGI middleware that keeps `sco serve` answering: request-size limits and a time budget.

Why: one request must not be able to stall the others. Before any route runs, a query string
longer than MAX_QUERY_BYTES, a path longer than MAX_ARG_CHARS or a declared body larger than
MAX_BODY_BYTES is answered 414/413 (the app is read-only; no route takes a body). The routes are
plain functions, so FastAPI runs them in its thread pool, not on the event loop; this middleware
waits for each at most REQUEST_SECONDS and answers 504 with a JSON message if it is still
running (the worker finishes in the background; the connection and the event loop are freed).
Every refusal has the shape of the API's user errors: {"error": ..., "hint": ...}.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable

from sco_observatory.limits import MAX_ARG_CHARS, MAX_BODY_BYTES, MAX_QUERY_BYTES, REQUEST_SECONDS

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


async def _answer(send: Callable, status: int, error: str, hint: str) -> None:
    body = json.dumps({"error": error, "hint": hint}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _oversize(scope: Scope) -> tuple[int, str, str] | None:
    query = scope.get("query_string") or b""
    if len(query) > MAX_QUERY_BYTES:
        return 414, f"query string of {len(query):,} bytes is longer than {MAX_QUERY_BYTES:,}", \
            "shorten the parameters: a group expression naming every country fits in 1,000 characters"
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
    if len(path) > MAX_ARG_CHARS:
        return 414, f"path of {len(path):,} bytes is longer than {MAX_ARG_CHARS:,}", "shorten the country or code in the path"
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                size = int(value)
            except ValueError:
                return 400, "malformed Content-Length header", "send a decimal byte count"
            if size > MAX_BODY_BYTES:
                return 413, f"request body of {size:,} bytes is larger than {MAX_BODY_BYTES:,}", \
                    "the API is read-only: put parameters in the query string"
    return None


class RequestGuard:
    """Refuse oversize requests; answer 504 when a request runs past its time budget."""

    def __init__(self, app: ASGIApp, seconds: float = REQUEST_SECONDS) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = _oversize(scope)
        if refused:
            await _answer(send, *refused)
            return
        started = False
        abandoned = False

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if abandoned:  # the client already has its 504: drop the late answer
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        # A task rather than wait_for: cancelling a thread-pool call waits for the thread to end,
        # which is exactly the stall this avoids. On timeout the task is left to finish alone.
        task = asyncio.ensure_future(self.app(scope, receive, tracking_send))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done:
            task.result()  # re-raise what the app raised, as without the guard
            return
        abandoned = True
        _BACKGROUND.add(task)
        task.add_done_callback(_forget)
        if not started:
            await _answer(send, 504, f"the request took longer than {self.seconds:g} s and was abandoned",
                          "ask for less (a smaller group or a shorter span of years), or try again later")


_BACKGROUND: set = set()  # abandoned requests still finishing in the thread pool (kept from GC)


def _forget(task: asyncio.Future) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log "exception was never retrieved"
