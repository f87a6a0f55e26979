"""`sco serve`: run the read-only dashboard and JSON API on loopback."""

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

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ObservatoryError(f"cannot listen on {host}:{port}: {exc.strerror}",
                                   "pick another --port, or stop the process using it") from None
    serve(host, port, on_ready=lambda url: typer.echo(f"serving {url} (Ctrl-C to stop)", err=True))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
