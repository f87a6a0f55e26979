"""Answers kept per store commit (metrics/cache.py): computed once per commit, never stale.

On a real file store: the trade summary (dataset choice, flow-side probe, valuation labels) and the
indicator coverage behind `choose_source` run once for repeated metric calls, and an import — a new
commit — is seen by the next call. On the in-memory store nothing is kept (its tables change under
plain SQL), so a row written after a call is seen by the next one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sco_observatory.errors import DataMissingError
from sco_observatory.ingest import import_file
from sco_observatory.metrics import cache, trade, values
from sco_observatory.store import open_memory_store, open_store

BACI = Path(__file__).parent / "fixtures" / "ingest" / "baci" / "BACI_HS17_Y2012_V202401b.csv"


def _count_queries(monkeypatch, module, marker: str) -> list[str]:
    seen: list[str] = []
    real = module.run

    def spy(store, q):
        text = q.sql()
        if marker in text:
            seen.append(text)
        return real(store, q)

    monkeypatch.setattr(module, "run", spy)
    return seen


def test_trade_summary_once_per_commit(tmp_path, monkeypatch):
    seen = _count_queries(monkeypatch, trade, "partner_world")
    with open_store(tmp_path / "store") as store:
        with pytest.raises(DataMissingError):
            trade.rca(store, ["KAZ"], 2012, source="baci")
        before = len(seen)
        import_file(store, BACI)  # a new commit: the next call must see the BACI rows
        first = trade.rca(store, ["KAZ", "RUS"], 2012, source="baci")
        assert first.height > 0 and set(first["iso3"]) <= {"KAZ", "RUS"}
        assert len(seen) == before + 1
        trade.rca(store, ["KAZ"], 2012, source="baci")
        trade.grubel_lloyd(store, ["KAZ", "RUS"], 2012, source="baci")
        trade.export_similarity(store, ["KAZ", "RUS", "CHN"], 2012, source="baci")
        assert len(seen) == before + 1, "the summary was recomputed within one commit"


def test_choose_source_once_per_commit(tmp_path, monkeypatch):
    import sco_observatory.metrics as metrics

    calls = []
    real = metrics._coverage
    monkeypatch.setattr(metrics, "_coverage", lambda *a: calls.append(a) or real(*a))
    with open_store(tmp_path / "store") as store:
        a = values(store, "population", ["KAZ", "KGZ"], 2012)
        b = values(store, "population", ["KAZ", "KGZ"], 2012)
        assert a.equals(b) and len(calls) == 1
        values(store, "population", ["KAZ", "UZB"], 2012)  # another question: computed
        assert len(calls) == 2
        box = cache.for_store(store)
        assert box is not None and box is cache.for_store(store.cursor())  # cursors share the commit's cache


def test_memory_store_is_never_cached():
    s = open_memory_store(seed=False)
    assert cache.for_store(s) is None
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES ('t:a', 't', 'test', ?, 'test', 'trade', 0)""", [dt.datetime(2020, 1, 1)])
    s.con.execute("INSERT INTO trade VALUES ('AAA', 'BBB', 2010, 'X', '01', 5, 'FOB', false, 't:a')")
    assert trade.rca(s, ["AAA"], 2010).height == 1
    s.con.execute("INSERT INTO trade VALUES ('BBB', 'AAA', 2010, 'X', '01', 5, 'FOB', false, 't:a')")
    assert trade.rca(s, ["AAA", "BBB"], 2010).height == 2
    s.close()


def test_cache_entry_goes_with_its_snapshot(tmp_path):
    with open_store(tmp_path / "store") as store:
        box = cache.for_store(store)
        box["x"] = 1
        import_file(store, BACI)
        assert "x" not in cache.for_store(store)  # a new commit, a new cache


def test_no_cache_inside_a_write(tmp_path):
    with open_store(tmp_path / "store") as store:
        with store.transaction():
            assert cache.for_store(store) is None
        assert cache.for_store(store) is not None


@pytest.mark.parametrize("key", [("a",), ("a", 1)])
def test_cached_computes_once(tmp_path, key):
    n = []
    with open_store(tmp_path / "store") as store:
        assert cache.cached(store, key, lambda: n.append(1) or 5) == 5
        assert cache.cached(store, key, lambda: n.append(1) or 6) == 5
    assert n == [1]


def test_dataset_choice_once_per_commit_and_arguments(tmp_path, monkeypatch):
    seen = _count_queries(monkeypatch, trade, "partner_world")
    with open_store(tmp_path / "store") as store:
        import_file(store, BACI)
        box = cache.for_store(store)
        trade.rca(store, ["KAZ"], 2012, source="baci")
        keys = {k[0] for k in box if k and k[0] != "trade-summary"}
        assert {"_dataset_filter", "_probe", "_valuation"} <= keys
        first = trade._dataset_filter(store, (2012, 2012), "baci", True)
        assert trade._dataset_filter(store, (2012, 2012), "baci", True) is first  # kept
        assert trade._dataset_filter(store, (2012, 2012), None, True) == first  # other arguments: computed
        assert trade._dataset_filter(store, [2012, 2012], "baci", True) == first  # unhashable years: computed
        assert len(seen) == 1  # one summary scan answered all of it
        import_file(store, BACI)  # the same file again (sha256 idempotence): no new commit, the answer kept
        assert trade._dataset_filter(store, (2012, 2012), "baci", True) is first


def test_per_commit_is_not_kept_without_a_commit():
    n = []

    @cache.per_commit("t")
    def f(store, x):
        n.append(x)
        return x

    s = open_memory_store(seed=False)
    assert f(s, 1) == f(s, 1) == 1 and n == [1, 1]
    s.close()


def test_latest_year_from_the_kept_rows_is_the_sql_rule(tmp_path):
    """`metrics.latest_year` (the report's, read from the code's rows kept per commit) gives what
    `store.queries.latest_indicator_year` (one SQL statement) gives, over codes, groups, ceilings and quorums
    of the snapshot store, and on the in-memory store (nothing kept) too."""
    from sco_observatory.metrics import latest_year
    from sco_observatory.store.queries import latest_indicator_year

    groups = [["CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"], ["CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK", "IRN", "BLR"],
              ["KAZ", "XXX"], ["UZB"], []]
    checked = 0
    with open_store(tmp_path / "store") as store:
        for code in ("MS.MIL.XPND.CD", "ny.gdp.mktp.cd", "SP.POP.TOTL", "COW.NMC.CINC", "NO.SUCH.CODE"):
            for countries in groups:
                for ceiling in (1990, 2012, 2022, 2030):
                    for quorum in (0.0, 0.5, 1.0):
                        want = latest_indicator_year(store, code, countries, ceiling, quorum=quorum)
                        assert latest_year(store, code, countries, ceiling, quorum=quorum) == want, (code, countries, ceiling, quorum)
                        checked += want is not None
    assert checked > 50  # most questions have an answer: the comparison is not of two Nones
    mem = open_memory_store()
    assert latest_year(mem, "MS.MIL.XPND.CD", ["CHN", "RUS", "KAZ"], 2020) == 2012
    assert latest_year(mem, "MS.MIL.XPND.CD", ["CHN", "RUS", "KAZ"], 2011, quorum=0) == 2011


def test_latest_trade_year_from_the_kept_pairs_is_the_sql_rule(tmp_path):
    """`trade.latest_year` (the report's, from the (year, reporter) pairs kept per commit) gives what
    `store.queries.latest_trade_year` (one SQL statement) gives on the snapshot store, and raises alike."""
    from sco_observatory.store.queries import latest_trade_year

    groups = [["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "CHN"], ["CHN", "RUS", "IND", "PAK", "IRN", "BLR", "KAZ", "KGZ"],
              ["KAZ", "XXX", "YYY"], ["RUS"], ["KAZ", "KAZ", "XXX"]]
    answers = set()
    with open_store(tmp_path / "store") as store:
        for countries in groups:
            for ceiling in (1980, 1995, 2012, 2020, 2030):
                try:
                    want = latest_trade_year(store, countries, ceiling)
                except DataMissingError:
                    with pytest.raises(DataMissingError, match="no bilateral trade"):
                        trade.latest_year(store, countries, ceiling)
                    continue
                assert trade.latest_year(store, countries, ceiling) == want, (countries, ceiling)
                answers.add(want)
        with pytest.raises(DataMissingError):
            trade.latest_year(store, ["XXX"], 2020)
    assert len(answers) >= 3  # the ceilings give different years: the comparison is not of one constant
