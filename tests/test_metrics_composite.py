"""Composite indices: min–max normalisation and weighted means, hand-checked; missing stays missing."""

import polars as pl
import pytest

from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics.composite import composite, minmax, siei_composite


def frame(values):
    return pl.DataFrame({"k": list(range(len(values))), "value": values})


def test_minmax_hand_checked():
    out = minmax(frame([2.0, 4.0, 6.0, None]))["score"].to_list()
    assert out == [0.0, 0.5, 1.0, None]
    assert minmax(frame([2.0, 4.0, 6.0]), invert=True)["score"].to_list() == [1.0, 0.5, 0.0]
    assert minmax(frame([3.0, 3.0]))["score"].to_list() == [1.0, 1.0]


def test_composite_equal_and_given_weights():
    a, b = frame([0.0, 5.0, 10.0]), frame([10.0, 0.0, 20.0])  # z_a = 0, .5, 1; z_b = .5, 0, 1
    eq = composite({"a": a, "b": b}, ["k"])
    assert eq["composite"].to_list() == pytest.approx([0.25, 0.25, 1.0])
    w = composite({"a": a, "b": b}, ["k"], weights={"a": 3, "b": 1})
    assert w["composite"].to_list() == pytest.approx([0.125, 0.375, 1.0])


def test_missing_component_gives_no_composite_unless_partial():
    a, b = frame([0.0, 5.0, 10.0]), frame([10.0, None, 20.0])
    strict = composite({"a": a, "b": b}, ["k"])
    assert strict["composite"].to_list()[1] is None and strict["missing"].to_list()[1] == "b"
    loose = composite({"a": a, "b": b}, ["k"], partial=True)
    assert loose["composite"].to_list()[1] == pytest.approx(0.5) and loose["n_components"].to_list()[1] == 1


def test_bad_weights_refused():
    with pytest.raises(ObservatoryError):
        composite({"a": frame([1.0])}, ["k"], weights={"zz": 1})


def test_siei_composite_on_real_data(store, shared_data):
    from sco_observatory.ingest import import_file

    for f in ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/sp.pop.totl.csv",
              "migration/UN_MigrantStockByOriginAndDestination_2019_clean.csv"]:
        import_file(store, shared_data / f)
    out = siei_composite(store, ["KAZ", "KGZ", "TJK", "UZB", "RUS"], (2015, 2015))
    top = out.sort("composite", descending=True, nulls_last=True).row(0, named=True)
    assert (top["iso3_a"], top["iso3_b"]) == ("KAZ", "RUS") and top["composite"] == pytest.approx(1.0)  # highest on both
    assert out["composite"].drop_nulls().is_between(0, 1).all()
    # 2012: no UN DESA estimate -> no complete composite
    assert siei_composite(store, ["KAZ", "RUS", "UZB"], (2012, 2012))["composite"].null_count() == 3


def test_siei_composite_without_any_data(store):
    with pytest.raises(DataMissingError):
        siei_composite(store, ["KAZ", "RUS"], (2012, 2012))
