"""The dense SIEI pair grid (`siei_parts._pairs_from_flows`) equals its join definition (`_pairs_by_join`)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sco_observatory.metrics import siei_parts

KEYS = ["year", "iso3_a", "iso3_b"]


def _data(seed: int, value_type=pl.Float64, duplicate: bool = False, nan: bool = False):
    rng = np.random.default_rng(seed)
    codes = ["AFG", "CHN", "IND", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
    rows = [(o, d, y) for o in codes + ["XXX"] for d in codes for y in range(2000, 2006) if o != d and rng.random() < 0.6]
    flows = pl.DataFrame({"origin": [r[0] for r in rows], "dest": [r[1] for r in rows],
                          "year": pl.Series([r[2] for r in rows], dtype=pl.Int64),
                          "value": pl.Series(rng.integers(1, 10**9, len(rows)), dtype=pl.Int64).cast(value_type)})
    flows = flows.with_columns(pl.when(pl.int_range(pl.len()) % 7 == 3).then(None).otherwise(pl.col("value")).alias("value"))
    if duplicate:
        flows = pl.concat([flows, flows.head(1)])
    if nan:
        flows = flows.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(float("nan")).otherwise(pl.col("value")).alias("value"))
    scale = [(c, y) for c in codes for y in range(2001, 2006) if rng.random() < 0.8]
    scale = pl.DataFrame({"iso3": [r[0] for r in scale], "year": pl.Series([r[1] for r in scale], dtype=pl.Int64),
                          "y": rng.random(len(scale)) * 1e12, "y_source": [f"wdi:{r[1] % 2}" for r in scale]})
    return flows, scale, codes[:-1] + ["ZZZ"]  # one country without data, one flow origin outside the group


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("value_type", [pl.Float64, pl.Int64])
def test_dense_pairs_equal_the_joins(seed, value_type):
    flows, scale, countries = _data(seed, value_type)
    dense = siei_parts._pairs_from_flows(flows, scale, countries)
    joined = siei_parts._pairs_by_join(flows, scale, countries)
    assert dense.schema == joined.schema
    assert dense.equals(joined.sort(KEYS))  # the dense grid comes ordered by year, a, b
    assert dense["f_ab"].null_count() > 0 and dense["y_source"].null_count() > 0  # absent flows and scales stay null


@pytest.mark.parametrize("how", ["duplicate", "nan"])
def test_irregular_flows_take_the_join_definition(how):
    flows, scale, countries = _data(4, duplicate=how == "duplicate", nan=how == "nan")
    got = siei_parts._pairs_from_flows(flows, scale, countries)
    want = siei_parts._pairs_by_join(flows, scale, countries)
    assert got.sort(KEYS).equals(want.sort(KEYS))
    if how == "duplicate":
        assert got.height == want.height > siei_parts._pairs_from_flows(flows.unique(), scale, countries).height


def test_empty_flows_and_scale():
    flows, scale, countries = _data(5)
    none = siei_parts._pairs_from_flows(flows.clear(), scale, countries)
    assert none.height == 7 * 8 // 2 * scale["year"].n_unique() and none["f_ab"].null_count() == none.height
    assert siei_parts._pairs_from_flows(flows, scale.clear(), countries).height == 0


def _index_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The pair level's order applied after the fact (what `_levels` did before the grid was built in it)."""
    value = (100 * (pl.col("f_ab") + pl.col("f_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("value")
    return siei_parts._by_year_then_value(frame.with_columns(value)).drop("value")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("value_type", [pl.Float64, pl.Int64])
def test_by_index_is_the_grid_sorted_after(seed, value_type):
    flows, scale, countries = _data(seed, value_type)
    flagged = flows.filter(pl.int_range(pl.len()) % 3 == 0).select(
        pl.col("origin").alias("exporter"), pl.col("dest").alias("importer"), "year")
    for flags in (None, flagged):
        unordered = siei_parts._pairs_from_flows(flows, scale, countries, flags)
        ordered = siei_parts._pairs_from_flows(flows, scale, countries, flags, by_index=True)
        assert ordered.equals(_index_order(unordered))  # ties (the many missing pairs) keep year, a, b
        assert not ordered.equals(unordered)


@pytest.mark.parametrize("how", ["duplicate", "nan"])
def test_by_index_on_the_join_route(how):
    flows, scale, countries = _data(4, duplicate=how == "duplicate", nan=how == "nan")
    got = siei_parts._pairs_from_flows(flows, scale, countries, by_index=True)
    v = got.select(pl.col("year"), (100 * (pl.col("f_ab") + pl.col("f_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("v"))
    key = v.with_columns(pl.col("v").fill_nan(None))
    assert key.equals(key.sort(["year", "v"], descending=[False, True], nulls_last=True))
    assert got.sort(KEYS).equals(siei_parts._pairs_by_join(flows, scale, countries).sort(KEYS))


def test_levels_ordered_skips_only_the_sort():
    flows, scale, countries = _data(6)
    meta = {"label": "x"}
    want = siei_parts._levels(siei_parts._pairs_from_flows(flows, scale, countries), "pair", meta)
    got = siei_parts._levels(siei_parts._pairs_from_flows(flows, scale, countries, by_index=True), "pair", meta,
                             ordered=True)
    assert got.equals(want)
