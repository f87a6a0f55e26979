"""The API's JSON: a table as {columns, rows, ...meta}, encoded once to bytes.

Why a module of its own: the routes and the app both need it, and keeping it here breaks the
import cycle web/app.py <-> web/routes.py. Why bytes: FastAPI would walk every value of a returned
dict in Python (``jsonable_encoder``) before Starlette encodes it; the payloads are already plain JSON
types (NaN/inf become null and dates ISO strings in :func:`records`), so encoding them directly gives
the same JSON for a fraction of the work, and the response cache (web/cache.py) keeps these bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import polars as pl
from starlette.responses import Response

MEDIA_TYPE = "application/json"


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN/inf become null, dates ISO strings)."""
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
            elif isinstance(value, (dt.date, dt.datetime)):
                row[key] = value.isoformat()
    return rows


def table_payload(frame: pl.DataFrame, **meta: Any) -> dict[str, Any]:
    """A frame as the API answers it: the meta fields, then `columns` and `rows`."""
    return {**meta, "columns": frame.columns, "rows": records(frame)}


def _plain(value: Any) -> Any:
    """What json cannot encode by itself, as FastAPI's encoder would give it."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)


def _finite(value: Any) -> Any:
    """A copy with NaN/inf floats as null (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def encode(content: Any) -> bytes:
    """`content` as compact UTF-8 JSON, as Starlette's JSONResponse writes it."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain)
    except ValueError:  # a NaN outside a table: null, as in the tables
        text = json.dumps(_finite(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=_plain)
    return text.encode("utf-8")


def json_response(content: Any) -> Response:
    """A response holding `content` encoded once (see the module docstring)."""
    return Response(encode(content), media_type=MEDIA_TYPE)
