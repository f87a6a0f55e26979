"""The flagged-flow count folded into the answers' own fetch (`trade.pair_totals`): the flagged set
derived from the rows an answer fetches equals the SQL definition (`quality._flow_sides_sql` + the
mirror rule), and the counts gathered in the pair cubes (`pairwise.pair_panel`, `siei_parts.
_pairs_from_flows`) equal the join definitions (`flag_rules.count_pair_flags`, `siei._count_flagged`)
on every basis — also when the flagged set comes from the per-commit cache (the second answer then
fetches its basis' side only)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sco_observatory.metrics import cache, flag_rules, quality, siei, trade
from sco_observatory.metrics.siei_parts import _levels, _pairs_from_flows, _scale_frame

CA = ["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "CHN"]
YEARS = (2000, 2020)
BASES = ("reported", "mirror", "best")


@pytest.fixture(scope="module")
def dots(dots_data):
    sys.path.insert(0, str(Path(__file__).parent))
    from metrics_fixtures import dots_gdp_memory_store

    s = dots_gdp_memory_store(dots_data)
    yield s
    s.close()


def _keys(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select("exporter", "importer", pl.col("year").cast(pl.Int64)).iter_rows())


def _definition(store, codes) -> pl.DataFrame:
    sides = quality._flow_sides_sql(store, codes, range(YEARS[0], YEARS[1] + 1), codes)
    return flag_rules.flagged_flows(sides)


@pytest.mark.parametrize("basis", BASES)
def test_flagged_set_from_the_fetch_equals_the_sql_definition(dots, basis):
    ds, world_rows = trade._chosen(dots, YEARS, basis, None, False, True)
    codes = CA + ["USA", "DEU", "WLD"]
    totals, flagged = trade.pair_totals(dots, ds, YEARS, basis, codes, world_rows=world_rows, flags=True)
    want = _definition(dots, codes)
    assert want.height > 10 and _keys(flagged) == _keys(want)
    # the totals are those of the SQL relation (totals_frame), whatever sides were fetched
    b = trade.Builder()
    rel = trade._relation(b, ds, YEARS, basis, world_rows=False)
    ref = trade.totals_frame(dots, b, rel, codes, trade._has_total(dots, ds, YEARS, basis))
    keys = ["exporter", "importer", "year"]
    assert totals.sort(keys).rows() == ref.sort(keys).rows()


@pytest.mark.parametrize("basis", BASES)
def test_pair_frame_counts_equal_the_join(dots, basis):
    partners = ["CHN", "RUS", "USA", "KAZ"]
    plain = trade._pair_frame(dots, CA, YEARS, basis, partners, None)
    flagged = trade.flagged_set(dots, CA, partners, range(YEARS[0], YEARS[1] + 1))
    for directions in (1, 2):
        got = trade._pair_frame(dots, CA, YEARS, basis, partners, None, flags=directions)
        want = flag_rules.count_pair_flags(plain, flagged, directions=directions)
        assert got.drop("flows_flagged").equals(plain)
        assert got["flows_flagged"].to_list() == want["flows_flagged"].to_list()
        assert got["flows_flagged"].sum() > 0


@pytest.mark.parametrize("level", ["pair", "country", "group"])
def test_siei_counts_equal_the_join(dots, level):
    got = siei.trade_index(dots, CA, YEARS, level)
    flows, _, valuation, _ = siei._trade_flow_frame(dots, sorted(CA), YEARS, "reported", None)
    scale = _scale_frame(dots, "NY.GDP.MKTP.CD", sorted(CA), YEARS, None)
    meta = {k: got[k][0] for k in ("label", "dimension", "formula", "basis", "valuation", "evidence", "source")}
    frame = _levels(_pairs_from_flows(flows, scale, sorted(CA)), level, meta)
    want = siei._count_flagged(frame, trade.flagged_set(dots, CA, CA, range(YEARS[0], YEARS[1] + 1)), level)
    keys = {"pair": ["iso3_a", "iso3_b", "year"], "country": ["iso3", "year"], "group": ["year"]}[level]
    assert got.columns == want.columns
    # floats to the default 1e-5: the group's scale sum adds its members in no fixed order
    assert_frame_equal(got.sort(keys), want.sort(keys), check_exact=False)
    assert got.sort(keys)["flows_flagged"].to_list() == want.sort(keys)["flows_flagged"].to_list()
    assert got["flows_flagged"].sum() > 0


def test_cached_flag_set_gives_the_same_answer(dots, monkeypatch):
    """With a per-commit cache in force, the first answer stores the flagged set and the second one
    reads it, fetching only its basis' side; both answers are equal to the uncached one."""
    uncached = trade.trade_intensity(dots, CA, YEARS)
    box: dict = {}
    monkeypatch.setattr(cache, "for_store", lambda store: box)
    seen: list[set] = []  # the flow sides each fetch of the published rows asked for
    real_run = trade.run

    def spy(store, q):
        if "CASE flow WHEN" in q.sql():
            seen.append({v for v in q.params.values() if v in ("X", "M")})
        return real_run(store, q)

    monkeypatch.setattr(trade, "run", spy)
    first = trade.trade_intensity(dots, CA, YEARS)
    assert any(k[0] == "pair-flags" for k in box if isinstance(k, tuple))
    second = trade.trade_intensity(dots, CA, YEARS)
    assert first.equals(uncached) and second.equals(uncached)
    assert seen == [{"X", "M"}, {"X"}]

