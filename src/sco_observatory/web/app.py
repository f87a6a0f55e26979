"""`sco serve`: a read-only FastAPI app — a JSON API over the library and a dashboard page.

Every endpoint is a thin call into the same library functions the CLI uses; a user error (unknown
code, bad date, missing data) becomes a 4xx JSON answer `{"error": ..., "hint": ...}`, never a 500.
The store is opened read-only (web/reader.py); each request first checks the catalog's commit id
(one SQLite read) and, when an import has committed since, swaps to a connection pinned to the new
commit, so a running server shows new data on the next request. Each request works on one cursor of
the connection it started with, so it reads one snapshot even if an import commits meanwhile.
Answers are kept per store commit (web/cache.py).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute

from sco_observatory import __version__
from sco_observatory.errors import ObservatoryError
from sco_observatory.web.payload import table_payload  # noqa: F401 (the old import path of table_payload)
from sco_observatory.web.reader import StoreReader, per_request


def _route_class(reader: StoreReader) -> type[APIRoute]:
    """Routes whose endpoint runs inside one reader request (one cursor, one commit)."""

    class ReaderRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable, **kwargs) -> None:
            super().__init__(path, per_request(endpoint, reader), **kwargs)

    return ReaderRoute


WARM_PATHS = ["/api/labels", "/api/orgs", "/api/catalog", "/api/indicators", "/api/projects", "/api/claims",
              "/api/scenarios?from=2010"]
"""The dashboard's requests that are the same in every state (as its page sends them), computed in the
background when the server starts so the first dashboard finds them ready (web/cache.py `warm`)."""
WARM_ENV = "SCO_WARM_CACHE"


def create_app(store_path: str | None = None, *, warm: bool | None = None) -> FastAPI:
    """The app; `store_path` None means the user's store (seeded on first use).

    `warm` (default: ``SCO_WARM_CACHE`` set to 1; `sco serve` turns it on) computes WARM_PATHS in the
    background at start-up, so the first dashboard does not wait for the claims and signposts."""
    import os

    reader = StoreReader(store_path)
    if warm is None:
        warm = os.environ.get(WARM_ENV, "0").strip().lower() in ("1", "true", "yes", "on")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        reader.open()
        if warm:
            _warm(app)
        yield
        reader.close()

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

    from sco_observatory.web import cache
    from sco_observatory.web.guard import RequestGuard

    if cache.enabled():
        app.add_middleware(cache.ResponseCache, version=reader.version)
    app.add_middleware(RequestGuard)  # outermost: oversize requests are refused before the cache

    from sco_observatory.web import routes

    app.router.route_class = _route_class(reader)
    routes.add_routes(app, reader.store)

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


def _warm(app: FastAPI) -> None:
    """Start computing WARM_PATHS in the response cache (no-op when the cache is off)."""
    from sco_observatory.web import cache

    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, cache.ResponseCache):
        layer = getattr(layer, "app", None)
    if layer is None:
        return
    template = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                "method": "GET", "scheme": "http", "root_path": "", "headers": [(b"host", b"localhost")],
                "server": ("127.0.0.1", 0), "client": ("127.0.0.1", 0), "app": app, "state": {}}
    layer.warm(WARM_PATHS, template)


def serve(host: str = "127.0.0.1", port: int = 8000, store_path: str | None = None,
          on_ready: Callable[[str], None] | None = None) -> None:
    import uvicorn

    if on_ready:
        on_ready(f"http://{host}:{port}/")
    uvicorn.run(create_app(store_path, warm=True), host=host, port=port, log_level="warning")
