"""World Bank WITS partner timeseries (imports of five Central Asian reporters) -> trade, on the real files."""

from __future__ import annotations

import csv

import pytest

from sco_observatory.countries import lookup
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import detect_format, import_file

FILES = {"KAZ": "Kazakhstan", "KGZ": "Kyrgzystan", "TJK": "Tajikistan", "TKM": "Turkmenistan", "UZB": "Uzbekistan"}


def raw_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("iso3", sorted(FILES))
def test_each_reporter_counts(store, shared_data, iso3):
    path = shared_data / "trade_wits_imports_central_asia" / f"{FILES[iso3]}-WITS-Partner-Timeseries.csv"
    assert detect_format(path) == "wits-partner-timeseries"
    raw = raw_rows(path)
    cells = [(r["Partner Name"], y, v) for r in raw for y, v in r.items() if y.isdigit() and v.strip()]
    countries = [c for c in cells if lookup(c[0]).kind != "aggregate" or lookup(c[0]).iso3 == "WLD"]  # World kept
    result = import_file(store, path)
    assert result.source_id == f"wits:{iso3}-imports"
    assert result.rows == len(countries)
    assert result.skipped["rows with an aggregate in partner"] == len(cells) - len(countries)
    total = store.con.execute("SELECT sum(value_usd) FROM trade WHERE source_id = ?", [result.source_id]).fetchone()[0]
    assert total == pytest.approx(sum(float(v) for _, _, v in countries) * 1e3)
    assert store.con.execute("SELECT DISTINCT reporter, flow, valuation FROM trade WHERE source_id = ?",
                             [result.source_id]).fetchall() == [(iso3, "M", "CIF")]


def test_spot_values_match_the_file_and_dots(store, shared_data):
    folder = shared_data / "trade_wits_imports_central_asia"
    for iso3 in ("TJK", "KAZ"):
        import_file(store, folder / f"{FILES[iso3]}-WITS-Partner-Timeseries.csv")
    tjk = {r["Partner Name"]: r for r in raw_rows(folder / "Tajikistan-WITS-Partner-Timeseries.csv")}

    def got(reporter, partner, year):
        return store.con.execute("SELECT value_usd FROM trade WHERE reporter = ? AND partner = ? AND year = ? AND flow = 'M'",
                                 [reporter, partner, year]).fetchone()[0]

    # PROVENANCE: TJK from Russia 2019 1,009,127.56 thousand = DOTS 1,009.127560 US$ mn.
    assert got("TJK", "RUS", 2019) == pytest.approx(float(tjk["Russian Federation"]["2019"]) * 1e3) == pytest.approx(1_009_127_560)
    assert got("TJK", "CHN", 2019) == pytest.approx(605_467_570, rel=1e-8)
    assert got("KAZ", "CHN", 2021) == pytest.approx(8_228_456_850, rel=1e-8)
    # A truncated WITS name: the US Minor Outlying Islands are not the United States.
    assert lookup("United States Minor Outlying I").iso3 == "UMI"


def test_other_indicator_is_refused(store, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("Reporter Name,Partner Name,Trade Flow,Product Group,Indicator,2020\n"
                   "Tajikistan,China,Import,All Products,Import (% share),3.1\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="x.csv:2: reporter 'Tajikistan' or indicator 'Import \\(% share\\)'"):
        import_file(store, bad)
    assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0
