"""Query engines for the metrics: queries built once with sqlglot, run on DuckDB or Apache Spark.

- `query`  — `Builder` / `Query`: constant SQL fragments, unique CTE names, bound parameters;
- `base`   — the `Engine` interface (`execute(query, params) -> polars.DataFrame`);
- `duck`   — DuckDB on the store's connection (default);
- `spark`  — pyspark (`local[2]` unless SCO_SPARK_MASTER), the store's tables as temp views;
- `select` — which engine is in force (`--engine`, `SCO_ENGINE`).

See docs/architecture.md, section "Engines".
"""

from sco_observatory.engine.base import Engine
from sco_observatory.engine.query import Builder, CteName, Query, query
from sco_observatory.engine.select import (ENGINES, UnknownEngineError, engine_for, engine_name, prefetched, run,
                                           run_batches, set_engine, using)

__all__ = ["ENGINES", "Builder", "CteName", "Engine", "Query", "UnknownEngineError", "engine_for", "engine_name",
           "prefetched", "query", "run", "run_batches", "set_engine", "using"]
