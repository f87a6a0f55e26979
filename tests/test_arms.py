"""Arms-transfer dependence (SIPRI TIV): shares by supplier checked by summation of the real register
with the csv module; on a fresh home (register not shipped) every surface says which file to import."""

from __future__ import annotations

import csv
from collections import defaultdict

import polars as pl
import pytest

import sco_observatory as sco
from sco_observatory.cli import main
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import arms

REGISTER = "arms_transfers_sipri/sipri_trade_register_2000_2023.csv"


def register_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        lines = fh.read().splitlines()
    out = []
    for r in csv.DictReader(lines[11:]):
        if r["Supplier"].endswith("*") or r["Supplier"].lower().startswith("unknown "):
            continue  # the store holds state suppliers only (ingest/sipri_arms.py)
        out.append(r)
    return out


@pytest.fixture
def loaded(store, shared_data):
    from sco_observatory.ingest import import_file

    import_file(store, shared_data / REGISTER)
    return store


def test_shares_by_hand(loaded, shared_data):
    raw = register_rows(shared_data / REGISTER)
    tiv = defaultdict(float)
    for r in raw:
        if r["Recipient"] == "Kazakhstan" and 2015 <= int(r["Delivery year"]) <= 2019:
            who = {"Russia": "RUS", "China": "CHN"}.get(r["Supplier"], "Others")
            tiv[who] += float(r["TIV delivery values"])
    total = sum(tiv.values())
    got = arms.dependence(loaded, ["KAZ", "TKM"], (2015, 2019), period=5)
    kaz = {r["supplier"]: r for r in got.filter(pl.col("recipient") == "KAZ").iter_rows(named=True)}
    assert set(kaz) == {"RUS", "CHN", "Others"}
    for who in ("RUS", "CHN", "Others"):
        assert kaz[who]["tiv"] == pytest.approx(tiv[who])
        assert kaz[who]["share"] == pytest.approx(tiv[who] / total)
    assert sum(r["share"] for r in kaz.values()) == pytest.approx(1.0)
    assert kaz["RUS"]["period"] == "2015-2019" and kaz["RUS"]["total_tiv"] == pytest.approx(total)


def test_flags_and_no_deliveries(loaded, shared_data):
    raw = register_rows(shared_data / REGISTER)
    flagged = [r for r in raw if r["Recipient"] == "Turkmenistan" and r["Delivery year"] == "2019"
               and r["Supplier"] not in ("Russia", "China")
               and "Yes" in (r["Numbers delivered is estimate"], r["Delivery year is estimate"])]
    got = arms.dependence(loaded, ["TKM"], (2019, 2019))
    others = got.filter(pl.col("supplier") == "Others")
    assert others["flags"][0] == (f"SIPRI estimate: {len(flagged)} of {others['deliveries'][0]} deliveries (number or year uncertain)"
                                  if flagged else "")
    # a year before the register's first is not known (null), not zero
    early = arms.dependence(loaded, ["KAZ"], (1998, 1999))
    assert early["share"].null_count() == early.height and early["tiv"].null_count() == early.height


def test_cli_with_the_register(loaded, capsys, shared_data, tmp_path):
    # the CLI on a home with the register imported
    with sco.open(tmp_path / "h") as obs:
        obs.import_file(shared_data / REGISTER)
        frame = obs.arms("CA5", "2020-2023", period=4)
    assert frame["period"].unique().to_list() == ["2020-2023"]
    assert main(["--home", str(tmp_path / "h"), "arms", "KAZ", "--years", "2020-2023", "--period", "4"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the caption wraps at the terminal's width
    assert "SIPRI trend-indicator values" in out and "RUS" in out
    # the CLI's CSV is the library's frame (tests/test_cli_library_equivalence.py excuses `arms` for this)
    assert main(["--home", str(tmp_path / "h"), "arms", "CA5", "--years", "2000-2023:5", "--format", "csv"]) == 0
    with sco.open(tmp_path / "h") as obs:
        assert capsys.readouterr().out == obs.arms("CA5", "2000-2023:5").write_csv()


def test_fresh_home_says_which_file_to_import(capsys):
    with pytest.raises(DataMissingError) as info:
        with sco.open() as obs:
            obs.arms("CA5", "2000-2023")
    assert "not shipped" in info.value.message and "sco import" in info.value.hint
    assert main(["arms", "CA5"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "sipri.org" in err and "store holds no" not in err


def test_bad_period_is_one_line(capsys):
    assert main(["arms", "CA5", "--period", "0"]) == 2
    assert "--period" in capsys.readouterr().err


def test_api_arms_404_then_rows(tmp_path, shared_data):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    home = tmp_path / "web"
    with sco.open(home) as obs:
        path = str(obs.store_path)
        assert obs.store is not None  # create the store (the app opens it read-only)
    with TestClient(create_app(path), raise_server_exceptions=False) as client:
        missing = client.get("/api/arms", params={"group": "CA5"})
        assert missing.status_code == 404 and "sco import" in missing.json()["hint"]
    with sco.open(home) as obs:
        obs.import_file(shared_data / REGISTER)
    app = create_app(path)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = client.get("/api/arms", params={"group": "KAZ", "years": "2015-2019", "period": 5}).json()
    assert {r["supplier"] for r in body["rows"]} == {"RUS", "CHN", "Others"}
    assert sum(r["share"] for r in body["rows"]) == pytest.approx(1.0)
