"""Concurrent use with real processes: readers (server, CLI) and one writer on one store, no lock errors.

`sco serve` runs while `sco import` of the DOTS file succeeds and `sco data list` reads at the same
time; the server's next answer includes the imported flows without a restart. A second writer waits
a bounded time and fails with one line. A pinned reader keeps its snapshot until it refreshes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sco_observatory.ingest import import_file
from sco_observatory.store import open_store
from sco_observatory.store.lock import WriterLock

TRADE = "/api/trade?group=CA5&years=2012&measure=shares"


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


def _env(home: Path, **extra: str) -> dict:
    return {**os.environ, "SCO_OBSERVATORY_HOME": str(home), **extra}


def _sco(home: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sco_observatory", *args], env=_env(home, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(isolated_home):
    port = _free_port()
    proc = _sco(isolated_home, "serve", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/api/orgs", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("sco serve did not start: " + proc.stderr.read())
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_import_while_serving_and_reading_shows_on_next_request(server, isolated_home, shared_data):
    dots = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    before = httpx.get(server + TRADE, timeout=60)
    assert before.status_code == 404 and "trade" in before.json()["error"]  # no trade data yet
    importer = _sco(isolated_home, "import", str(dots))
    readers = []
    while importer.poll() is None:  # the CLI and the server read while the import runs
        readers.append(_sco(isolated_home, "data", "list", "--format", "csv"))
        assert httpx.get(server + "/api/indicators", timeout=60).status_code == 200
        readers[-1].wait(timeout=120)
    out, err = importer.communicate()
    assert readers, "the import ended before any reader ran"
    assert importer.returncode == 0, err
    assert "imported" in out + err
    for reader in readers:
        assert reader.returncode == 0, reader.stderr.read()
    after = httpx.get(server + TRADE, timeout=60)
    assert after.status_code == 200
    rows = after.json()["rows"]
    assert rows and all(r["source"].startswith("imf-dots:") for r in rows if r.get("source"))
    listed = subprocess.run([sys.executable, "-m", "sco_observatory", "data", "list", "--format", "csv"],
                            env=_env(isolated_home), capture_output=True, text=True, timeout=120)
    assert "imf-dots:dots_focus_reporters_1990_2020" in listed.stdout


def test_second_writer_waits_then_fails_with_one_line(isolated_home, shared_data):
    open_store().close()
    lock = WriterLock(isolated_home / "store" / "writer.lock")
    lock.acquire(5)
    try:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "sco_observatory", "import",
                               str(shared_data / "wdi" / "ny.gdp.mktp.cd.csv")],
                              env=_env(isolated_home, SCO_WRITER_WAIT="1"), capture_output=True, text=True, timeout=120)
        waited = time.perf_counter() - started
    finally:
        lock.release()
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "another sco process is writing" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and waited >= 1
    with open_store() as store:
        assert store.con.execute("SELECT count(*) FROM source WHERE source_id LIKE 'wdi:%'").fetchone()[0] == 0


def test_reader_keeps_its_snapshot_until_it_refreshes(isolated_home, shared_data):
    reader = open_store(read_only=True)
    n = reader.con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    with open_store() as writer:
        result = import_file(writer, shared_data / "wdi" / "ny.gdp.mktp.cd.csv")
    assert reader.changed()
    assert reader.con.execute("SELECT count(*) FROM indicator").fetchone()[0] == n  # before, not half
    assert reader.refresh()
    assert reader.con.execute("SELECT count(*) FROM indicator").fetchone()[0] == n + result.rows
    reader.close()


def test_bad_writer_wait_is_one_line(isolated_home, monkeypatch):
    from sco_observatory import config
    from sco_observatory.errors import StoreError

    monkeypatch.setenv(config.WRITER_WAIT_ENV, "soon")
    with pytest.raises(StoreError, match=config.WRITER_WAIT_ENV):
        config.writer_wait()
