"""Which engine runs the metric queries: `--engine` (CLI), else `SCO_ENGINE`, else DuckDB.

One process-wide choice, set once by the CLI's global option (or `using(...)` in code and tests);
the environment variable is read when nothing was set and validated like the option, so a bad value
is one line naming the allowed engines (exit 2), never a traceback.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import polars as pl

from sco_observatory.engine.base import Engine
from sco_observatory.engine.query import Query
from sco_observatory.errors import ObservatoryError

ENGINES = ("duckdb", "spark")
ENV = "SCO_ENGINE"
DEFAULT = "duckdb"

_chosen: str | None = None


class UnknownEngineError(ObservatoryError):
    """An --engine / SCO_ENGINE value that is not one of ENGINES."""


def _validate(name: str, where: str) -> str:
    key = name.strip().lower()
    if key not in ENGINES:
        raise UnknownEngineError(f"unknown engine '{name}' ({where})", f"use one of: {', '.join(ENGINES)}")
    return key


def set_engine(name: str | None) -> None:
    """Choose the engine for this process (`None` = back to SCO_ENGINE / the default)."""
    global _chosen
    _chosen = _validate(name, "--engine") if name else None


def engine_name() -> str:
    """The engine in force: the one set, else $SCO_ENGINE (validated), else duckdb."""
    if _chosen:
        return _chosen
    env = os.environ.get(ENV, "").strip()
    return _validate(env, f"environment variable {ENV}") if env else DEFAULT


@contextlib.contextmanager
def using(name: str) -> Iterator[None]:
    """Run a block on another engine, e.g. `with using("spark"): trade.rca(...)`."""
    global _chosen
    before = _chosen
    set_engine(name)
    try:
        yield
    finally:
        _chosen = before


def engine_for(store) -> Engine:
    """The engine in force, bound to `store`."""
    name = engine_name()
    if name == "spark":
        from sco_observatory.engine.spark import SparkEngine

        return SparkEngine(store)
    from sco_observatory.engine.duck import DuckDBEngine

    return DuckDBEngine(store.con)


def run(store, query: Query) -> pl.DataFrame:
    """Execute a built query on the engine in force for `store`."""
    return engine_for(store).execute(query)


def run_batches(store, query: Query, batch_size: int = 1 << 18):
    """`run` as an iterator of `pyarrow.RecordBatch` of at most `batch_size` rows, for callers that turn
    string columns into integer codes themselves (`Engine.batches`)."""
    return engine_for(store).batches(query, batch_size=batch_size)


def prefetched(batches, depth: int = 2):
    """`batches` (an iterator of record batches) pulled by a second thread, at most `depth` ahead.

    Why: a stream's next batch is made (DuckDB's result converted to Arrow, on one thread) only when
    the caller asks, so the caller's work on a batch (coding, summing) and the making of the next one
    take turns on one core; DuckDB and pyarrow/numpy release the GIL, so with a producer thread the two
    overlap on a 2-core machine. The caller must not use the connection until the stream ends; if it
    stops early (returns, raises), the producer is told to stop and the rest of the stream is drained
    before control returns, so the connection is idle again."""
    import queue
    import threading

    end = object()
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pull() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    break
                q.put(batch)
        except BaseException as exc:  # re-raised in the caller's thread
            q.put(exc)
        q.put(end)

    thread = threading.Thread(target=pull, name="sco-prefetch", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
