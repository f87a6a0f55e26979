"""The server's read path over the store: one pinned connection, one cursor per request.

Why: the app used to open a new cursor at every `store()` call (several per request) and check the
catalog each time, so one request could read two commits if an import committed in between. Here a
request takes one cursor of the connection pinned to the newest commit on its first store read and
keeps it to the end (all its queries read one snapshot); the cursor is closed when the request ends.
Cursors of one DuckDB connection run their queries concurrently (DuckDB releases the GIL while it
executes), so requests in FastAPI's thread pool read in parallel. When the catalog has a newer commit
the base connection is swapped under a lock (requests in flight finish on the old one).
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable

from sco_observatory.store import Store, open_store


class StoreReader:
    """Opened by the app's lifespan; `store()` is what the routes call."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._base: Store | None = None
        self._swap = threading.Lock()
        self._local = threading.local()

    def open(self) -> None:
        self._base = open_store(self.path, read_only=True)

    def close(self) -> None:
        base, self._base = self._base, None
        if base is not None:
            base.close()

    def version(self) -> int:
        """The catalog's newest commit id (one indexed SQLite read); 0 for a store without a catalog."""
        catalog = getattr(self._base, "catalog", None)
        return catalog.head() if catalog is not None else 0

    def current(self) -> Store:
        """The base store pinned to the newest commit (swapped here when an import has committed)."""
        base = self._base
        if base is None:
            raise RuntimeError("the store is not open (the app's lifespan has not started)")
        if base.changed():
            with self._swap:
                base = self._base
                if base.changed():
                    self._base = base = base.reopened()  # requests in flight finish on the old one
        return base

    def store(self) -> Store:
        """The request's cursor (created on its first call); outside a request, a new cursor."""
        if not getattr(self._local, "active", False):
            return self.current().cursor()
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.current().cursor()
        return cursor

    def begin(self) -> None:
        self._local.active = True
        self._local.cursor = None

    def end(self) -> None:
        cursor = getattr(self._local, "cursor", None)
        self._local.active = False
        self._local.cursor = None
        if cursor is not None:
            cursor.close()


def per_request(endpoint: Callable[..., Any], reader: StoreReader) -> Callable[..., Any]:
    """`endpoint` run inside one reader request (its store reads share one cursor, closed at the end).

    The signature is kept, its string annotations resolved in the endpoint's module (FastAPI would
    otherwise evaluate them in this one); a coroutine endpoint is returned unchanged (it would not
    run in the thread pool).
    """
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        reader.begin()
        try:
            return endpoint(*args, **kwargs)
        finally:
            reader.end()

    try:
        run.__signature__ = inspect.signature(endpoint, eval_str=True)  # type: ignore[attr-defined]
    except NameError:  # a name imported inside the route's function: FastAPI resolves it through __wrapped__
        pass
    return run
