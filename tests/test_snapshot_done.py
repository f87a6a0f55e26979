"""Issue #12's 'done when', on a fresh home with no network and no import: the snapshot answers."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sco_observatory.cli import main


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_power_defence_2024(capsys):
    rc, out, err = _run(capsys, "power", "SCO@2024-12-31", "--indicator", "defence", "--year", "2024",
                        "--format", "json")
    assert rc == 0, err
    rows = json.loads(out)
    rus = next(r for r in rows if r["iso3"] == "RUS")
    assert rus["year"] == 2024 and rus["value"] > 1e10
    assert rus["source"] == "wdi-derived:MS.MIL.XPND.CD"  # one source per call, flagged estimate in the store


def test_siei_trade_2020(capsys):
    rc, out, err = _run(capsys, "siei", "trade", "CA5+RUS", "--years", "2020", "--format", "json")
    assert rc == 0, err
    assert json.loads(out)


def test_convergence_1995_2019(capsys):
    rc, out, err = _run(capsys, "convergence", "SCO@2001", "--indicator", "gdp_pc", "--from", "1995",
                        "--to", "2019", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)  # one JSON document: {"indicator", "sigma": [...by year], "beta": [one row]}
    sigma, beta = doc["sigma"], doc["beta"]
    assert {1995, 2019} <= {r["year"] for r in sigma}
    assert beta[0]["start"] == 1995 and beta[0]["end"] == 2019 and beta[0]["n_missing"] == 0


def test_scenarios_2015_2020_mostly_evaluable(capsys):
    rc, out, err = _run(capsys, "scenarios", "--from", "2015", "--to", "2020", "--format", "csv")
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) >= 60
    not_evaluable = sum(r["status"] == "not evaluable" for r in rows)
    assert not_evaluable / len(rows) <= 0.20, not_evaluable


def test_cinc_from_the_snapshot():
    from sco_observatory.store import open_store

    with open_store() as store:
        last = store.con.execute(
            "SELECT max(year) FROM indicator WHERE source_id = 'cow:nmc-7.0' AND code = 'COW.NMC.CINC'").fetchone()[0]
    assert last == 2022


def test_cinc_names_the_release_it_uses_and_the_report_reaches_its_last_year(tmp_path, capsys):
    """Review finding: CINC answers said "COW NMC v6" while the store held v7.0 only, and the report
    stopped its CINC chart at 2016 although v7.0 runs to 2022."""
    from sco_observatory.metrics import power
    from sco_observatory.store import open_store

    with open_store() as store:
        frame = power.cinc(store, ["CHN", "RUS", "KAZ"], (2020, 2022))
    assert set(frame["source"]) == {"cow:nmc-7.0"} and frame["year"].max() == 2022
    assert set(frame["method"].str.slice(0, 18)) == {"COW NMC v7.0 compo"}
    out_file = tmp_path / "r.html"
    rc, _, err = _run(capsys, "report", "-o", str(out_file))
    assert rc == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert "NMC v6" not in html and "concentration (COW NMC v7.0)" in html
    assert "2022: share of the group's capabilities" in html


@pytest.mark.slow
def test_report_has_no_store_holds_no_placeholder(tmp_path, capsys):
    out_file = tmp_path / "r.html"
    rc, _, err = _run(capsys, "report", "-o", str(out_file))
    assert rc == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert "store holds no" not in html
    assert "cow:nmc-7.0" in html and "CINC" in html
