"""What a fresh machine's first command pays for, counted rather than timed (benchmarks/bench_fresh_home.py
times it): how often a store builds its views on open, and that naming the ledger's countries on a cold
ledger cache gives the same names without building the CLDR index."""

from __future__ import annotations

import pytest

from sco_observatory.store import db


@pytest.fixture
def pins(monkeypatch):
    calls: list[int] = []
    real = db.LakeStore.pin

    def counting(self, snapshot):
        calls.append(snapshot.commit_id)
        return real(self, snapshot)

    monkeypatch.setattr(db.LakeStore, "pin", counting)
    return calls


def test_fresh_home_builds_views_once_per_commit(tmp_path, pins):
    """A fresh home: the views of the empty catalog (the seed's transaction needs them) and of the seed's
    commit — no third pin for the returned store (it is the store that seeded)."""
    with db.open_store(tmp_path / "store") as store:
        assert len(pins) == 2 and pins[-1] == store.catalog.head()
        assert store.con.execute("SELECT count(*) FROM indicator WHERE source_id LIKE 'embedded:%'").fetchone()[0] > 0
        assert store.snapshot_ids  # the open-data snapshot is referenced
    pins.clear()
    with db.open_store(tmp_path / "store") as store:  # an existing store: recovered, then pinned once
        assert len(pins) == 1 and pins[0] == store.catalog.head()


def test_read_only_and_busy_opens_still_answer(tmp_path, pins):
    with db.open_store(tmp_path / "store"):
        pass
    pins.clear()
    with db.open_store(tmp_path / "store", read_only=True) as store:
        assert len(pins) == 1 and store.read_only
        assert store.con.execute("SELECT count(*) FROM source").fetchone()[0] > 0


def test_recovery_runs_before_the_views_are_built(tmp_path, monkeypatch):
    order: list[str] = []
    real_recover, real_pin = db.recover, db.LakeStore.pin
    monkeypatch.setattr(db, "recover", lambda store, pending=None: (order.append("recover"), real_recover(store, pending))[1])
    monkeypatch.setattr(db.LakeStore, "pin", lambda self, snap: (order.append("pin"), real_pin(self, snap))[1])
    with db.open_store(tmp_path / "store"):
        pass
    order.clear()
    with db.open_store(tmp_path / "store"):
        pass
    assert order == ["recover", "pin"]


def test_plain_iso3_names_equal_the_full_lookup():
    """name_of's fast path (no CLDR index) answers every ISO3 code exactly as `lookup` does."""
    from sco_observatory import countries

    codes = sorted(countries._iso3_names())
    assert len(codes) > 200
    for code in codes:
        fast = countries._plain_iso3_name(code)
        if fast is None:  # a historical, aggregate or alias key: name_of falls back to lookup
            continue
        found = countries.lookup(code)
        assert found is not None and (found.iso3, found.name) == (code, fast), code
    assert countries._plain_iso3_name("kaz") is None and countries._plain_iso3_name("KAZAKHSTAN") is None
    assert countries.name_of("KAZ") == "Kazakhstan"
