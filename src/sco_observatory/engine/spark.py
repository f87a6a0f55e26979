"""The Spark engine: the same metric queries on Apache Spark (pyspark), for data beyond one machine.

Session: one per process, started on first use (`local[2]` unless `SCO_SPARK_MASTER` names another
master, e.g. `spark://host:7077`), UI and progress bars off, log level ERROR.

Tables: the store's tables are registered as temporary views under the names the queries use
(`trade`, `indicator`, `migration`, `source`). A store that exposes its files —
`Store.table_files(table)` (the parquet files of the pinned snapshot, hive-style partition
directories), `Store.table_root(table)` and `Store.catalog_arrow(name)` — is read in place with
`spark.read.option("basePath", root).parquet(*files)`; put the store on shared storage (HDFS, S3, NFS)
and a cluster reads the very same snapshot (the in-memory store of tests exports its tables to a
temporary directory for the same methods). Views are re-registered when the store's content changes.

Parameters are bound by Spark SQL's named parameters, `spark.sql(text, args={...})`: values are
never part of the SQL text. Results come back as Arrow and become polars frames.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

import polars as pl
from sqlglot import exp

from sco_observatory.engine.base import split
from sco_observatory.engine.query import Query
from sco_observatory.errors import ObservatoryError

MASTER_ENV = "SCO_SPARK_MASTER"
DATA_TABLES = ("trade", "indicator", "migration")
CATALOG_TABLES = ("source",)

_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
"""Errors-only logging for the JVM (the packaged file; Spark's default prints INFO/WARN lines)."""

_session = None
_registered: tuple | None = None  # (store identity, content fingerprint) of the views in the session
_frames: dict[tuple, dict] = {}    # the Spark frames of each (store, fingerprint) seen by this process


class SparkUnavailableError(ObservatoryError):
    """--engine spark without pyspark or without a Java runtime."""


def session():
    """The process's Spark session, started once (lazily: DuckDB users never pay for it)."""
    global _session
    if _session is not None:
        return _session
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise SparkUnavailableError("the Spark engine needs pyspark, which is not installed",
                                    "pip install 'pyspark>=4' (and a Java 17+ runtime), or use --engine duckdb") from exc
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailableError("the Spark engine needs a Java runtime (java not found, JAVA_HOME unset)",
                                    "install Java 17 (e.g. apt-get install openjdk-17-jre-headless), or use --engine duckdb")
    master = os.environ.get(MASTER_ENV, "local[2]")
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # a local session needs no network interface
    builder = (SparkSession.builder.master(master).appName("sco-observatory")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", os.environ.get("SCO_SPARK_SHUFFLE_PARTITIONS", "4"))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}"))
    for kv in os.environ.get("SCO_SPARK_CONF", "").split(","):  # extra settings, e.g. for a cluster: k=v,k=v
        if "=" in kv:
            builder = builder.config(*kv.split("=", 1))
    _session = builder.getOrCreate()
    _session.sparkContext.setLogLevel("ERROR")
    return _session


def _fingerprint(store) -> str:
    """A cheap digest of the store's content.

    A file store (`LakeStore`): its pinned snapshot's file list, exact and free. The in-memory store
    exports its tables on every `table_files` call, so it is fingerprinted by its `source` catalog
    and row counts instead.
    """
    from sco_observatory.store.db import LakeStore

    if isinstance(store, LakeStore):
        parts = [repr(sorted(store.table_files(t))) for t in DATA_TABLES]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
    rows = store.con.execute(
        "SELECT (SELECT count(*) FROM trade), (SELECT count(*) FROM indicator), (SELECT count(*) FROM migration), "
        "(SELECT string_agg(source_id || '|' || coalesce(sha256, '') || '|' || CAST(retrieved AS VARCHAR), ',' "
        "ORDER BY source_id) FROM source)").fetchone()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _read_roots(spark, table: str, root, files: list[str]):
    """The table's files as one frame: one Hive read per root (the store's, and the package's snapshot)."""
    if not files:
        return spark.createDataFrame([], _EMPTY_SCHEMAS[table])
    from sco_observatory.snapshot import snapshot_dir

    snap = snapshot_dir()
    by_root: dict[str, list[str]] = {}
    for f in files:
        base = str(snap / table) if snap is not None and f.startswith(str(snap) + "/") else str(root)
        by_root.setdefault(base, []).append(f)
    frame = None
    for base, group in sorted(by_root.items()):
        part = spark.read.option("basePath", base).parquet(*group)
        frame = part if frame is None else frame.unionByName(part)
    return frame


def _register(spark, store) -> None:
    """Point the temp views at this store's tables (re-read only when the store's content changed).

    The frames of every store seen are kept per (store, fingerprint), so switching between stores
    (as the equality test does) costs one `createOrReplaceTempView` per table, not a new read.
    """
    global _registered
    key = (id(store), _fingerprint(store))
    if _registered == key:
        return
    frames = _frames.get(key)
    if frames is None:
        frames = {}
        for table in DATA_TABLES:
            files = list(store.table_files(table))  # first: the in-memory store exports, then knows its root
            root = store.table_root(table)
            frames[table] = _read_roots(spark, table, root, files)
        for name in CATALOG_TABLES:
            frames[name] = spark.createDataFrame(store.catalog_arrow(name))
        _frames[key] = frames
    for name, frame in frames.items():
        frame.createOrReplaceTempView(name)
    _registered = key


_EMPTY_SCHEMAS = {
    "trade": "reporter STRING, partner STRING, year INT, flow STRING, product STRING, value_usd DOUBLE, "
             "valuation STRING, estimate BOOLEAN, source_id STRING",
    "indicator": "iso3 STRING, year INT, code STRING, value DOUBLE, unit STRING, estimate BOOLEAN, source_id STRING",
    "migration": "origin STRING, destination STRING, year INT, stock DOUBLE, source_id STRING",
}
"""Schemas for a table with no files yet (an empty store), as the queries read them."""


def _sorted_distinct_concat(node: exp.Expression) -> exp.Expression:
    """`string_agg(DISTINCT x, sep ORDER BY x)` -> `array_join(array_sort(collect_set(x)), sep)`.

    Same result (distinct non-null values, ascending, joined); Spark 4's LISTAGG(DISTINCT ...) WITHIN
    GROUP, which sqlglot would emit, fails inside Catalyst (ClassCastException in ListAgg).
    """
    if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order) and isinstance(node.this.this, exp.Distinct):
        (value,) = node.this.this.expressions
        return exp.Anonymous(this="array_join", expressions=[
            exp.Anonymous(this="array_sort", expressions=[exp.Anonymous(this="collect_set", expressions=[value.copy()])]),
            node.args["separator"].copy()])
    return node


def spark_sql(expression: exp.Expression) -> str:
    """The Spark SQL text of a query written in the reference dialect."""
    return expression.transform(_sorted_distinct_concat).sql(dialect="spark")


class SparkEngine:
    """Queries on Spark, reading the store's tables through temp views."""

    name = "spark"
    dialect = "spark"

    def __init__(self, store) -> None:
        self.store = store

    def _arrow(self, query: Query | exp.Expression, params: Mapping[str, Any] | None):
        """The result as one Arrow table (Spark's own `toArrow`), the store's tables registered as views."""
        expression, values = split(query, params)
        spark = session()
        _register(spark, self.store)
        return spark.sql(spark_sql(expression), args=values or None).toArrow()

    def execute(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
        return pl.from_arrow(self._arrow(query, params))

    def batches(self, query: Query | exp.Expression, params: Mapping[str, Any] | None = None, batch_size: int = 1 << 18):
        """`execute` as Arrow record batches (the one Arrow table, cut into batches)."""
        return iter(self._arrow(query, params).to_batches(batch_size))
