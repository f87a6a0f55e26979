"""`sco trade partners`: a group's trade with China and with Russia as one figure — library, CLI and API —
checked against the shared IMF DOTS files read independently (csv module + arithmetic, no project code)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from sco_observatory.errors import ObservatoryError
from sco_observatory.groups import partner_sets, resolve_group
from sco_observatory.metrics import trade

CA5 = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
FILES = ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv")


def _raw(data: Path) -> dict[tuple[str, str, str, int], float]:
    """(reporter, partner, flow, year) -> US$ for rows whose two ISO3 columns are filled (focus economies, WLD)."""
    out: dict[tuple[str, str, str, int], float] = {}
    for name in FILES:
        with open(data / "trade_imf_dots" / name, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["reporter_iso3"] and r["partner_iso3"] and r["year"] in ("2000", "2020"):
                    key = (r["reporter_iso3"], r["partner_iso3"], r["flow"], int(r["year"]))
                    out[key] = max(out.get(key, 0.0), float(r["value_usd_mn"]) * 1e6)
    return out


def _best(raw, exporter: str, importer: str, year: int) -> float | None:
    """The exporter's FOB figure where published, else the importer's CIF figure."""
    x = raw.get((exporter, importer, "exports_fob", year))
    return x if x is not None else raw.get((importer, exporter, "imports_cif", year))


def _expected(raw, partner: str, year: int) -> dict[str, float]:
    exports = sum(_best(raw, i, partner, year) for i in CA5)
    imports = sum(_best(raw, partner, i, year) for i in CA5)
    world_x = sum(_best(raw, i, "WLD", year) for i in CA5)
    world_m = sum(_best(raw, "WLD", i, year) for i in CA5)
    return {"exports": exports, "imports": imports, "share": (exports + imports) / (world_x + world_m)}


@pytest.fixture(scope="module")
def data(dots_data) -> Path:
    return dots_data


@pytest.fixture(scope="module")
def dots(data):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from metrics_fixtures import load_dots

    from sco_observatory.store import open_memory_store

    s = open_memory_store()
    load_dots(s, data, years=(1999, 2020))
    yield s
    s.close()


def test_china_russia_question_in_one_call(dots, data):
    raw = _raw(data)
    out = trade.trade_partners(dots, resolve_group("CA5").iso3, partner_sets(["CHN,RUS"]), "2000,2020")
    assert out.select("year", "partner").rows() == [(2000, "CHN"), (2000, "RUS"), (2020, "CHN"), (2020, "RUS")]
    for row in out.iter_rows(named=True):
        want = _expected(raw, row["partner"], row["year"])
        assert row["exports"] == pytest.approx(want["exports"], rel=1e-9)
        assert row["imports"] == pytest.approx(want["imports"], rel=1e-9)
        assert row["share"] == pytest.approx(want["share"], rel=1e-9)
        assert row["flows_possible"] == 10 and row["flows_present"] == 10 and row["flows_missing"] == 0
        assert row["flows_reported"] + row["flows_mirror"] == 10
    # the figures a reader can check: CA5-China trade share 2020 ≈ 25 %, CA5-Russia 2000 ≈ 25 %
    assert 0.2 < out.filter((pl.col("year") == 2020) & (pl.col("partner") == "CHN"))["share"][0] < 0.3
    # China's 2020 exports to Kyrgyzstan (2,876 mn) vs Kyrgyzstan's imports from China (737 mn) is flagged
    assert out.filter((pl.col("year") == 2020) & (pl.col("partner") == "CHN"))["flows_flagged"][0] >= 1


def test_partner_group_is_one_row_and_missing_is_not_zero(dots, data):
    raw = _raw(data)
    both = trade.trade_partners(dots, list(CA5), partner_sets(["CHN+RUS"]), 2020)
    assert both.height == 1 and both["partner"][0] == "CHN+RUS"
    want = [_expected(raw, p, 2020) for p in ("CHN", "RUS")]
    assert both["exports"][0] == pytest.approx(want[0]["exports"] + want[1]["exports"], rel=1e-9)
    eu = trade.trade_partners(dots, list(CA5), partner_sets(["EU27"]), 2020)
    assert eu["partner_n"][0] == 27 and eu["flows_possible"][0] == 270
    if eu["flows_missing"][0]:  # some CA5-EU flows are in neither side of DOTS: no sum, a count
        assert eu["trade"][0] is None and eu["share"][0] is None and "missing" in eu["estimate"][0]
        part = trade.trade_partners(dots, list(CA5), partner_sets(["EU27"]), 2020, partial=True)
        assert part["trade"][0] > 0 and part["estimate"][0].startswith("partial")


def test_partner_sets_forms():
    sets = partner_sets(["CHN,RUS", "EU27", "SCO@2024-CA5"])
    assert sets["CHN"] == ["CHN"] and sets["RUS"] == ["RUS"] and len(sets["EU27"]) == 27
    assert "KAZ" not in sets["SCO@2024-CA5"] and "CHN" in sets["SCO@2024-CA5"]
    assert "GBR" not in resolve_group("EU27").iso3 and "HRV" in resolve_group("EU27").iso3


def test_bad_years_and_basis_are_user_errors(dots):
    with pytest.raises(ObservatoryError):
        trade.trade_partners(dots, list(CA5), ["CHN"], "2020-2000")
    with pytest.raises(ObservatoryError):
        trade.trade_partners(dots, list(CA5), ["CHN"], 2020, "sideways")


@pytest.mark.slow
def test_cli_and_api_answer_the_same(data, capsys, isolated_home):
    from fastapi.testclient import TestClient

    from sco_observatory import config
    from sco_observatory.cli import main
    from sco_observatory.web.app import create_app

    assert main(["import", *(str(data / "trade_imf_dots" / f) for f in FILES)]) == 0
    capsys.readouterr()
    assert main(["trade", "partners", "CA5", "--partners", "CHN,RUS", "--years", "2000,2020", "--format", "json"]) == 0
    cli_rows = json.loads(capsys.readouterr().out)
    raw = _raw(data)
    for row in cli_rows:
        assert row["share"] == pytest.approx(_expected(raw, row["partner"], row["year"])["share"], rel=1e-9)
    assert main(["trade", "partners", "CA5", "--partners", "CHN,RUS", "--years", "2000,2020"]) == 0
    table = capsys.readouterr().out
    assert "best flows" in table and "data quality" in table and "CHN exports to KGZ" in table
    with TestClient(create_app(str(config.store_path()))) as client:
        got = client.get("/api/trade/partners", params={"group": "CA5", "partners": "CHN,RUS", "years": "2000,2020"})
        assert got.status_code == 200, got.text
        body = got.json()
        assert [r["share"] for r in body["rows"]] == pytest.approx([r["share"] for r in cli_rows], rel=1e-12)
        assert "data quality" in body["data_quality"]
        assert client.get("/api/trade/partners", params={"years": "20x0"}).status_code in (400, 422)
    # options a measure does not use are refused, not ignored
    assert main(["trade", "group-shares", "CA5", "--partners", "CHN,RUS", "--years", "2020"]) == 2
    assert "does not use --partners" in capsys.readouterr().err
