"""`sco data update`: a snapshot dataset refreshed from a real HTTP server on loopback serving the
World Bank API's documented format; offline (connection refused) leaves the store untouched."""

from __future__ import annotations

import json

import duckdb
import pytest

from loopback import FakeWorldBank, loopback, refused_url, sco, store_snapshot  # noqa: F401 (fixture)

CODE = "MS.MIL.XPND.CD"
SOURCE = f"wdi:{CODE}"


def snapshot_rows() -> dict[tuple[str, str, int], float]:
    from sco_observatory import snapshot

    src = next(s for s in snapshot.sources() if s["source_id"] == SOURCE)
    files = [str(snapshot.snapshot_dir() / f["path"]) for f in src["files"]]
    rows = duckdb.connect().execute("SELECT iso3, year, value FROM read_parquet(?)", [files]).fetchall()
    return {(CODE, iso3, year): value for iso3, year, value in rows}


def origin_of(capsys, source_id):
    rc, out, err = sco(capsys, "data", "list", "--format", "json")
    assert rc == 0, err
    return next(r for r in json.loads(out) if r["source"] == source_id)


@pytest.fixture
def wb(loopback):
    data = snapshot_rows()
    data[(CODE, "KAZ", 2023)] = 1.6e9  # the new release's extra year
    data[(CODE, "KAZ", 2022)] = 1.5e9  # and a revision
    FakeWorldBank(loopback, data)
    return loopback


def test_update_overrides_the_snapshot_and_says_so(wb, capsys):
    before = origin_of(capsys, SOURCE)
    assert before["origin"].startswith("snapshot ")
    rc, out, err = sco(capsys, "data", "update", "wdi-milex")
    assert rc == 0, err
    assert SOURCE in out
    assert any(s.path.endswith(f"/indicator/{CODE}") for s in wb.seen)
    after = origin_of(capsys, SOURCE)
    assert after["origin"].startswith("update ") and "overrides snapshot" in after["origin"]
    assert after["last_year"] == 2023 and after["rows"] == before["rows"] + 1
    rc, out, err = sco(capsys, "data", "show", CODE, "--countries", "KAZ", "--years", "2022-2023",
                       "--source", SOURCE, "--format", "json")
    assert rc == 0, err
    assert {r["year"]: r["value"] for r in json.loads(out)} == {2022: 1.5e9, 2023: 1.6e9}


def test_offline_leaves_the_store_untouched(capsys, monkeypatch):
    monkeypatch.setenv("SCO_WORLDBANK_URL", refused_url(monkeypatch))  # offline: connection refused
    origin_of(capsys, SOURCE)  # the store exists before the attempt
    before = store_snapshot()
    rc, out, err = sco(capsys, "data", "update", "wdi-milex")
    assert rc == 2 and out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1 and "nothing was written" in line and "retry `sco data update wdi-milex`" in line
    assert store_snapshot() == before
    assert origin_of(capsys, SOURCE)["origin"].startswith("snapshot ")


def test_unknown_and_not_updatable_datasets_are_user_errors(capsys):
    rc, _, err = sco(capsys, "data", "update", "nosuch")
    assert rc == 2 and "wdi-milex" in err
    rc, _, err = sco(capsys, "data", "update", "imf-cdis")
    assert rc == 2 and "no live API or stable download URL" in err and "sco import" in err
