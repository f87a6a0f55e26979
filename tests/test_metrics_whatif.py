"""What-if: SCO 2012 members plus India and Pakistan, from the embedded default alone."""

from __future__ import annotations

import math

import polars as pl
import pytest

from sco_observatory.errors import GroupExpressionError
from sco_observatory.whatif import changed_group, whatif

MEMBERS = ["CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"]


def test_changed_group():
    assert changed_group(MEMBERS, ["IND"], ["UZB"]) == ["CHN", "RUS", "KAZ", "KGZ", "TJK", "IND"]
    with pytest.raises(GroupExpressionError):
        changed_group(MEMBERS, remove=["IND"])


def test_india_pakistan_rebalance_defence(store):
    w = whatif(store, MEMBERS, add=["IND", "PAK"], year=2012, indicators=["defence"])
    con = w.filter(pl.col("measure") == "defence con").row(0, named=True)
    v = [102436, 59851, 2273, 106, 165]
    sh = [x / sum(v) for x in v]
    hhi = sum(x * x for x in sh)
    assert con["baseline"] == pytest.approx(math.sqrt((hhi - 1 / 5) / (1 - 1 / 5)))
    assert con["delta"] < 0                                      # India's entry lowers China's dominance
    chn = w.filter((pl.col("measure") == "defence share") & (pl.col("iso3") == "CHN")).row(0, named=True)
    assert chn["changed"] == pytest.approx(102436 / (sum(v) + 38538 + 5878))
    ind = w.filter((pl.col("measure") == "defence share") & (pl.col("iso3") == "IND")).row(0, named=True)
    assert ind["baseline"] is None and ind["note"] == "added"
    integ = w.filter(pl.col("section") == "integration")
    assert integ["baseline"].is_null().all() and integ["note"].str.contains("no bilateral trade").all()


def test_an_indicator_missing_for_both_groups_says_so_once_with_the_years_it_has(store):
    """The embedded default holds armed forces for 2010-2012 only: asked for 2009, the group row carries
    one note (not the baseline's and the changed group's side by side) naming the years the store holds,
    and neither side gets a value."""
    w = whatif(store, MEMBERS, add=["IND"], year=2009, indicators=["armed_forces"], integration=False)
    row = w.filter(pl.col("iso3") == "group").row(0, named=True)
    assert row["baseline"] is None and row["changed"] is None
    assert " | " not in row["note"] and row["note"].count("no MS.MIL.TOTL.P1 values") == 1
    assert "in 2009" in row["note"] and "the store holds MS.MIL.TOTL.P1 for" in row["note"]
    assert "IND" in row["note"]  # the union of both groups


def test_each_row_carries_the_year_of_its_values(store):
    """D1: asked for 2014 with nearest=2, the embedded defence table (2010-2012) answers with 2012's
    values, and the rows say 2012, not the year asked; asked for 2012 itself, they say 2012 too."""
    w = whatif(store, MEMBERS, add=["IND", "PAK"], year=2014, indicators=["defence"], nearest=2, integration=False)
    held = w.filter(pl.col("changed").is_not_null())
    assert held.height and held["year"].to_list() == [2012] * held.height
    assert w.filter(pl.col("changed").is_null())["year"].is_null().all()  # no value, no year
    exact = whatif(store, MEMBERS, add=["IND"], year=2012, indicators=["defence"], integration=False)
    assert set(exact.filter(pl.col("changed").is_not_null())["year"].to_list()) == {2012}
    assert w.columns == ["section", "measure", "iso3", "year", "baseline", "changed", "delta", "source", "note"]
