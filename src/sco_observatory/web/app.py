"""`sco serve`: a read-only FastAPI app — a JSON API over the library and a dashboard page.

Every endpoint is a thin call into the same library functions the CLI uses; a user error (unknown
code, bad date, missing data) becomes a 4xx JSON answer `{"error": ..., "hint": ...}`, never a 500.
The store is opened read-only; each request first checks the catalog's commit id (one SQLite
read) and, when an import has committed since, swaps to a connection pinned to the new commit, so
a running server shows new data on the next request. Each request works on its own cursor of the
connection it started with, so it reads one snapshot even if an import commits meanwhile.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, Callable

import polars as pl
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sco_observatory import __version__
from sco_observatory.errors import ObservatoryError
from sco_observatory.store import Store, open_store


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN/inf become null)."""
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
            elif isinstance(value, (dt.date, dt.datetime)):
                row[key] = value.isoformat()
    return rows


def table_payload(frame: pl.DataFrame, **meta: Any) -> dict[str, Any]:
    return {**meta, "columns": frame.columns, "rows": _records(frame)}


def create_app(store_path: str | None = None) -> FastAPI:
    """The app; `store_path` None means the user's store (seeded on first use)."""
    state: dict[str, Store] = {}
    swap = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["store"] = open_store(store_path, read_only=True)
        yield
        state.pop("store").close()

    app = FastAPI(
        title="sco-observatory",
        version=__version__,
        description="Read-only JSON API over the sco-observatory library: SCO membership as of any date, the "
        "overlapping Eurasian architecture, power balance, trade integration, convergence, what-ifs and the "
        "2014 report's claims. Every value names its source.",
        lifespan=lifespan,
    )

    @app.exception_handler(ObservatoryError)
    async def _user_error(request: Request, exc: ObservatoryError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"error": exc.message, "hint": exc.hint})

    from sco_observatory.web.guard import RequestGuard

    app.add_middleware(RequestGuard)

    def store() -> Store:
        """A per-request cursor over the read-only connection pinned to the store's newest commit."""
        base = state["store"]
        if base.changed():
            with swap:
                base = state["store"]
                if base.changed():
                    state["store"] = base = base.reopened()  # requests in flight finish on the old one
        return base.cursor()

    from sco_observatory.web import routes

    routes.add_routes(app, store)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        page = resources.files("sco_observatory.web").joinpath("templates", "dashboard.html").read_text("utf-8")
        return HTMLResponse(page.replace("{{version}}", __version__))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        # plotly's cartesian bundle (bar, scatter, heatmap: all the dashboard draws), 1.4 MB instead of the
        # 4.8 MB full bundle; built by scripts/build_plotly.py (web/static/PLOTLY.md)
        text = resources.files("sco_observatory.web").joinpath("static", "plotly-cartesian.min.js").read_bytes()
        return Response(text, media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/static/dashboard.js", include_in_schema=False)
    def dashboard_js() -> Response:
        text = resources.files("sco_observatory.web").joinpath("static", "dashboard.js").read_text("utf-8")
        return Response(text, media_type="application/javascript")

    return app


def serve(host: str = "127.0.0.1", port: int = 8000, store_path: str | None = None,
          on_ready: Callable[[str], None] | None = None) -> None:
    import uvicorn

    if on_ready:
        on_ready(f"http://{host}:{port}/")
    uvicorn.run(create_app(store_path), host=host, port=port, log_level="warning")
