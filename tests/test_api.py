"""The notebook entry point (`sco.open()`): its doctests, year and group forms, pairs, lifecycle."""

from __future__ import annotations

import doctest

import polars as pl
import pytest

import sco_observatory as sco
from sco_observatory import api, config
from sco_observatory.errors import BadDateError, GroupExpressionError, ObservatoryError, UnknownCountryError

FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv"]


@pytest.fixture(scope="module")
def data_home(tmp_path_factory, shared_data):
    """A store holding the embedded default plus real trade and GDP files (through the library itself)."""
    home = tmp_path_factory.mktemp("api")
    with sco.open(home) as obs:
        done = obs.import_file([shared_data / f for f in FILES])
    assert done["file"].to_list() == [f.split("/")[-1] for f in FILES]
    return home


@pytest.fixture
def obs(data_home, monkeypatch):
    monkeypatch.setenv(config.HOME_ENV, str(data_home))
    with sco.open() as o:
        yield o


def test_doctests_of_the_api_module_pass(data_home, monkeypatch):
    """Every public method's example runs (and gives the value it shows) on real data."""
    monkeypatch.setenv(config.HOME_ENV, str(data_home))
    result = doctest.testmod(api, optionflags=doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted >= 15
    assert result.failed == 0


def test_open_exports_and_repr(tmp_path):
    obs = sco.open(tmp_path, read_only=False)
    assert isinstance(obs, sco.Observatory)
    assert "not yet opened" in repr(obs) and str(tmp_path) in repr(obs)
    assert obs.members("CA5").height == 5  # the ledger alone: the store stays closed
    assert "not yet opened" in repr(obs)
    assert obs.data().height > 0
    assert "(open" in repr(obs)
    obs.close()
    assert "not yet opened" in repr(obs)
    assert (tmp_path / config.STORE_DIR).is_dir()


def test_years_in_every_form_give_the_same_span(obs):
    ref = obs.siei("trade", "CA5+RUS", years="2010-2012")
    assert ref.height > 0 and set(ref["year"]) == {2010, 2011, 2012}
    for form in (range(2010, 2013), [2010, 2011, 2012], "2010,2011,2012", ["2010", 2011, 2012]):
        assert obs.siei("trade", "CA5+RUS", years=form).equals(ref)


def test_a_stepped_selection_keeps_only_its_years(obs):
    frame = obs.siei("trade", "CA5+RUS", years="2000-2010:5")
    assert sorted(set(frame["year"])) == [2000, 2005, 2010]


def test_group_expressions_and_lists_are_the_same(obs):
    a = obs.power("CA5+RUS", "gdp", 2012)
    b = obs.power(["CA5", "RUS"], "gdp", 2012)
    assert a.equals(b)
    assert set(a["iso3"]) == {"KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS"}
    assert abs(a["share"].sum() - 1) < 1e-9
    assert {"source", "group_hhi", "group_con"} <= set(a.columns)


def test_convergence_both_is_a_named_pair(obs):
    both = obs.convergence("CA5", start=2000, end=2012)
    assert isinstance(both, sco.Convergence)
    assert both.sigma.equals(obs.convergence("CA5", start=2000, end=2012, measure="sigma"))
    assert both.beta.equals(obs.convergence("CA5", start=2000, end=2012, measure="beta"))
    assert both.beta.height == 1


def test_scenarios_is_a_named_pair(obs):
    result = obs.scenarios(2012, 2013)
    assert isinstance(result, sco.Scenarios)
    assert set(result.signposts["year"]) == {2012, 2013}
    assert result.summary.height > 0


def test_frames_convert_to_pandas_and_arrow(obs):
    frame = obs.members("SCO@2012")
    assert frame.to_pandas()["iso3"].tolist() == frame["iso3"].to_list()
    assert frame.to_arrow().num_rows == frame.height


@pytest.mark.parametrize(("call", "error"), [
    (lambda o: o.siei("trade", "CA5", years="2020-2010"), BadDateError),
    (lambda o: o.siei("trade", "CA5", years="twenty"), BadDateError),
    (lambda o: o.members("CA5++"), GroupExpressionError),
    (lambda o: o.history("Atlantis"), UnknownCountryError),
    (lambda o: o.trade("nonsense", "CA5", 2012), ObservatoryError),
    (lambda o: o.convergence("CA5", measure="gamma"), ObservatoryError),  # type: ignore[arg-type]
    (lambda o: o.criteria("IRN", threshold="lots"), ObservatoryError),
])
def test_bad_input_is_one_observatory_error(obs, call, error):
    with pytest.raises(error) as info:
        call(obs)
    assert "\n" not in info.value.one_line()


def test_threshold_forms():
    assert api._threshold("10%") == pytest.approx(0.10)
    assert api._threshold(0.2) == pytest.approx(0.2)
    assert api._threshold("0.3") == pytest.approx(0.3)
    with pytest.raises(ObservatoryError):
        api._threshold("20")


def _tree(root):
    return sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file())


def test_read_only_observatory_does_not_write(data_home):
    before = _tree(data_home / config.STORE_DIR)
    with sco.open(data_home, read_only=True) as o:
        assert o.data().height > 0
        assert o.power("SCO@2012", "defence", 2012).height == 6
    assert _tree(data_home / config.STORE_DIR) == before


def test_frames_are_polars(obs):
    assert isinstance(obs.claims(), pl.DataFrame)
