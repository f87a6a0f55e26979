"""Publishers' flags on `sco power` and `sco trade partners` themselves (issue #12): the flag travels from
the store to the CLI table (⚑ marker + one note line), JSON/CSV columns, `/api/power`,
`/api/trade/partners` and the report's power section; an aggregate says how many of its inputs are flagged.

Expected flags are read independently from the real files (csv module), not from the store.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from sco_observatory.cli import main

CA5 = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_power_on_a_fresh_home_marks_the_derived_2024_values(capsys, monkeypatch):
    """2024 defence spending on a fresh home is the snapshot's derived series, every row flagged estimate."""
    rc, out, err = _run(capsys, "power", "SCO@2024-12-31", "--indicator", "defence", "--year", "2024",
                        "--format", "json")
    assert rc == 0, err
    rows = json.loads(out)
    present = [r for r in rows if r["value"] is not None]
    assert present and all(r["estimate"] is True for r in present)
    assert all(r["estimate"] is False for r in rows if r["value"] is None)  # no value, no flag
    assert {r["group_n_estimated"] for r in rows} == {len(present)}
    monkeypatch.setenv("COLUMNS", "250")
    rc, out, err = _run(capsys, "power", "SCO@2024-12-31", "--indicator", "defence", "--year", "2024")
    assert rc == 0, err
    assert out.count("⚑ estimate") == len(present)
    assert f"note: ⚑ {len(present)} of the {len(present)} values behind these shares" in out
    assert "wdi-derived:MS.MIL.XPND.CD" in out.split("note:")[-1]


def test_power_without_flags_prints_no_note(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    rc, out, err = _run(capsys, "power", "SCO@2012", "--indicator", "gdp", "--year", "2012")
    assert rc == 0, err
    assert "⚑" not in out and "note:" not in out
    rc, out, err = _run(capsys, "power", "SCO@2012", "--indicator", "gdp", "--year", "2012", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["estimate"] for r in rows} == {"false"} and {r["group_n_estimated"] for r in rows} == {"0"}


@pytest.fixture(scope="module")
def sipri_home(shared_data, tmp_path_factory):
    path = shared_data / "military_expenditure" / "sipri_milex_1949_2024_long.csv"
    if not path.is_file():
        pytest.skip("SIPRI milex file absent")
    home = str(tmp_path_factory.mktemp("sipri") / "home")
    assert main(["--home", home, "import", str(path)]) == 0
    return home, path


def _sipri_flags(path, year: int) -> dict[str, bool]:
    """country name -> SIPRI marks the current-US$ figure as estimate/uncertain, for `year` (value present)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["country"]: r["sipri_flag"] in ("estimate", "uncertain") for r in csv.DictReader(fh)
                if r["measure"] == "milex_current_usd_mn" and r["year"] == str(year) and r["value"]}


def test_power_carries_sipri_estimate_marks(sipri_home, capsys, monkeypatch):
    home, path = sipri_home
    names = {"KAZ": "Kazakhstan", "KGZ": "Kyrgyz Republic", "TJK": "Tajikistan", "CHN": "China", "RUS": "Russia",
             "IND": "India", "PAK": "Pakistan"}
    expected = {iso: _sipri_flags(path, 2020)[name] for iso, name in names.items()}
    assert True in expected.values() and False in expected.values()  # the check can fail either way
    rc, out, err = _run(capsys, "--home", home, "power", ",".join(names), "--indicator", "defence", "--year", "2020",
                        "--source", "sipri", "--format", "json")
    assert rc == 0, err
    rows = {r["iso3"]: r for r in json.loads(out)}
    assert {iso: rows[iso]["estimate"] for iso in names} == expected
    assert rows["KAZ"]["group_n_estimated"] == sum(expected.values())
    monkeypatch.setenv("COLUMNS", "250")
    rc, out, err = _run(capsys, "--home", home, "power", ",".join(names), "--indicator", "defence", "--year", "2020",
                        "--source", "sipri")
    assert rc == 0, err
    assert out.count("⚑ estimate") == sum(expected.values())
    assert f"note: ⚑ {sum(expected.values())} of the {len(names)} values" in out and "sipri:milex" in out


def _dots_estimated(shared_data, year: int, partner: str) -> int:
    """Exporter-reported flows between CA5 and `partner` in `year` that IMF DOTS marks as estimates."""
    flagged: set[tuple[str, str]] = set()
    for name in ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv"):
        with open(shared_data / "trade_imf_dots" / name, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["year"] != str(year) or r["flow"] != "exports_fob" or r["imf_estimate"].strip() != "1":
                    continue
                a, b = r["reporter_iso3"], r["partner_iso3"]
                if (a in CA5 and b == partner) or (a == partner and b in CA5):
                    flagged.add((a, b))
    return len(flagged)


@pytest.mark.parametrize("year", [1998, 2005])
def test_trade_partners_counts_the_imf_estimates(shared_data, capsys, monkeypatch, year):
    if not (shared_data / "trade_imf_dots").is_dir():
        pytest.skip("DOTS files absent")
    rc, out, err = _run(capsys, "trade", "partners", "CA5", "--partners", "CHN,RUS", "--years", str(year),
                        "--flows", "reported", "--format", "json")
    assert rc == 0, err
    rows = {r["partner"]: r for r in json.loads(out)}
    for partner in ("CHN", "RUS"):
        assert rows[partner]["flows_estimated"] == _dots_estimated(shared_data, year, partner)
        assert rows[partner]["flows_estimated"] <= rows[partner]["flows_present"]
    total = sum(r["flows_estimated"] for r in rows.values())
    monkeypatch.setenv("COLUMNS", "250")
    rc, out, err = _run(capsys, "trade", "partners", "CA5", "--partners", "CHN,RUS", "--years", str(year),
                        "--flows", "reported")
    assert rc == 0, err
    if total:
        assert f"note: ⚑ {total} of the flows summed are the publisher's estimates" in out
    else:
        assert "publisher's estimates" not in out


def test_trade_partners_1998_has_estimates(shared_data):
    """The parametrised check above is not vacuous: UZB's 1998 figures are IMF estimates."""
    if not (shared_data / "trade_imf_dots").is_dir():
        pytest.skip("DOTS files absent")
    assert _dots_estimated(shared_data, 1998, "CHN") >= 1


def test_api_power_and_trade_partners_carry_the_flags(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb")), raise_server_exceptions=False) as client:
        power = client.get("/api/power", params={"group": "SCO@2024-12-31", "year": 2024, "indicator": "defence"}).json()
        partners = client.get("/api/trade/partners", params={"group": "CA5", "partners": "CHN,RUS", "years": "1998",
                                                             "basis": "reported"}).json()
    assert "estimate" in power["columns"]
    present = [r for r in power["rows"] if r["value"] is not None]
    assert present and all(r["estimate"] for r in present)
    assert power["concentration"]["rows"][0]["n_estimated"] == len(present)
    assert "flows_estimated" in partners["columns"]
    assert sum(r["flows_estimated"] for r in partners["rows"]) >= 1


def test_report_power_section_counts_estimates(tmp_path):
    from sco_observatory.report import build_report
    from sco_observatory.store import open_store

    with open_store(tmp_path / "s.duckdb") as store:
        html = build_report(tmp_path / "r.html", as_of="2024-12-31", store=store).read_text(encoding="utf-8")
        from sco_observatory.groups import resolve_group
        from sco_observatory.metrics import power as pw

        year = int(html.split("<h2>Power balance — World Bank WDI, ", 1)[1][:4])
        _, conc = pw.power_balance(store, resolve_group("SCO@2024-12-31").iso3, year, nearest=2)
    power = html.split('<section id="power">', 1)[1].split("</section>", 1)[0]
    assert '<th title="n_estimated">Estimated values</th>' in power  # the concentration table's column
    flagged = int(conc["n_estimated"].fill_null(0).sum())
    assert ("⚑ Estimates among the values above" in power) == (flagged > 0)
