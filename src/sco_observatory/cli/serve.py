"""`sco serve`: run the read-only dashboard and JSON API on loopback.

Startup problems are one line, before uvicorn starts: the port is probed with SO_REUSEADDR (as
uvicorn binds it, so a port in TIME_WAIT after a restart is not mistaken for a port in use), and
the store is opened read-only once (a store locked by a running import is a StoreError line).
"""

from __future__ import annotations

import typer

from sco_observatory.errors import ObservatoryError


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind; loopback by default (read-only app)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
) -> None:
    """Serve the dashboard at / and the JSON API at /api (OpenAPI at /openapi.json).

    Example: sco serve --port 8000   # then open http://127.0.0.1:8000/?org=SCO&date=2012-12-31
    """
    import socket

    from sco_observatory.web.app import serve

    from sco_observatory.store import open_store

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except (OSError, ValueError, TypeError, UnicodeError) as exc:  # in use, no such interface, NUL in the host
            why = getattr(exc, "strerror", None) or str(exc)
            raise ObservatoryError(f"cannot listen on {host}:{port}: {why}",
                                   "pick another --port, or stop the process using it") from None
    open_store(read_only=True).close()  # a locked or broken store fails here, as one line
    serve(host, port, on_ready=lambda url: typer.echo(f"serving {url} (Ctrl-C to stop)", err=True))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
