"""`sco serve` startup problems are one line, exit 2; the port probe tolerates TIME_WAIT."""

import socket

import pytest

from sco_observatory.cli import main
from sco_observatory.errors import StoreError


@pytest.fixture
def no_server(monkeypatch):
    """Record the call instead of starting uvicorn (a test must never block on a server)."""
    calls = []
    monkeypatch.setattr("sco_observatory.web.app.serve", lambda *a, **k: calls.append((a, k)))
    return calls


def test_port_in_use_is_one_line(capsys, no_server):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        rc = main(["serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: cannot listen on 127.0.0.1:") and len(err.strip().splitlines()) == 1
    assert no_server == []


@pytest.mark.parametrize("host", ["no such host.invalid", "999.1.1.1"])
def test_bad_host_is_one_line(capsys, no_server, host):
    rc = main(["serve", "--host", host, "--port", "8765"])
    err = capsys.readouterr().err
    assert rc == 2 and "cannot listen on" in err and "Traceback" not in err


def test_a_locked_store_is_one_line_before_the_server_starts(capsys, no_server, monkeypatch):
    def locked(*a, **k):
        raise StoreError("cannot open the store at X: it is locked by another process", "wait for the import to finish")

    monkeypatch.setattr("sco_observatory.store.open_store", locked)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = main(["serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert rc == 2 and "locked" in err and no_server == []


def test_a_port_in_time_wait_is_not_refused(capsys, no_server):
    # a server that accepted a connection and closed first leaves the port in TIME_WAIT
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()  # the server side closes first -> TIME_WAIT on the server's port
    server.close()
    client.close()
    rc = main(["serve", "--port", str(port)])
    assert rc == 0, capsys.readouterr().err
    assert len(no_server) == 1
