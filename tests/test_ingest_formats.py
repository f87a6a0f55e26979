"""Readers on small hand-made files (BACI, Comtrade, IMF DOTS bulk, generic) and format detection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import FORMATS, detect_format, import_file

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def trade(store, source_id: str) -> dict[tuple, tuple]:
    rows = store.con.execute(
        "SELECT reporter, partner, year, flow, product, value_usd, valuation FROM trade WHERE source_id = ?", [source_id]
    ).fetchall()
    return {r[:5]: r[5:] for r in rows}


def test_baci_fixture(store):
    path = FIXTURES / "baci" / "BACI_HS17_Y2012_V202401b.csv"
    assert detect_format(path) == "baci"
    result = import_file(store, path)
    assert result.rows == 7 and result.skipped == {"rows with a 'nes' area or customs union as exporter or importer": 1}
    got = trade(store, "baci:BACI_HS17_Y2012_V202401b")
    assert got[("KAZ", "RUS", 2012, "X", "270900")] == (pytest.approx(4_000_000_500.0), "FOB")  # thousand US$ -> US$
    assert ("KAZ", "RUS", 2012, "X", "010121") in got  # 10121 zero-padded to six characters
    assert ("CHN", "TWN", 2012, "X", "854231") in got  # 490 'Other Asia, nes' is Taiwan
    assert ("USA", "IND", 2012, "X", "847130") in got  # BACI's own codes 842 and 699


def test_baci_country_codes_option_and_missing(store, tmp_path):
    data = tmp_path / "BACI_HS17_Y2012_V202401b.csv"
    shutil.copy(FIXTURES / "baci" / data.name, data)
    with pytest.raises(ImportFormatError, match="country code file"):
        import_file(store, data)
    result = import_file(store, data, country_codes=FIXTURES / "baci" / "country_codes_V202401b.csv")
    assert result.rows == 7


def test_comtrade_fixture(store):
    path = FIXTURES / "comtrade_kaz_2012.csv"
    assert detect_format(path) == "comtrade"
    result = import_file(store, path)
    assert result.rows == 10
    assert result.skipped["rows of other flows (re-exports, re-imports, ...)"] == 1
    assert result.skipped["rows with a Comtrade 'nes' area or group as reporter or partner"] == 1
    got = trade(store, "comtrade:comtrade_kaz_2012")
    assert got[("KAZ", "RUS", 2012, "X", "TOTAL")] == (6747212051.0, "FOB")  # only the C00 / motCode 0 / partner2 0 total
    assert got[("KAZ", "RUS", 2012, "M", "TOTAL")][1] == "CIF"
    for partner in ("WLD", "USA", "IND", "TWN", "CHE"):  # 0, 842, 699, 490, 757
        assert ("KAZ", partner, 2012, "X", "TOTAL") in got
    assert ("KAZ", "RUS", 2012, "X", "2709") in got
    assert ("USA", "KAZ", 2012, "M", "TOTAL") in got


def test_comtrade_tab_separated(store, tmp_path):
    tsv = tmp_path / "comtrade_tab.txt"
    tsv.write_text((FIXTURES / "comtrade_kaz_2012.csv").read_text().replace(",", "\t"))
    assert import_file(store, tsv).rows == 10


def _dots_bulk(path: Path) -> Path:
    header = ('"Country Name","Country Code","Indicator Name","Indicator Code","Counterpart Country Name",'
              '"Counterpart Country Code","Attribute","2011","2012","2012Q1",\n')
    lines = [
        '"Kazakhstan, Rep. of","916","Goods, Value of Exports, Free on board (FOB), US Dollars","TXG_FOB_USD","Russian Federation","922","Value","5000000000","6747212051","1",',
        '"Kazakhstan, Rep. of","916","Goods, Value of Exports, Free on board (FOB), US Dollars","TXG_FOB_USD","Russian Federation","922","Status","","e","",',
        '"Kazakhstan, Rep. of","916","Goods, Value of Imports, Cost, Insurance, Freight (CIF), US Dollars","TMG_CIF_USD","World","001","Value","","46358000000","2",',
        '"Kazakhstan, Rep. of","916","Goods, Value of Trade Balance, US Dollars","TBG_USD","World","001","Value","1","2","3",',
        '"Kazakhstan, Rep. of","916","Goods, Value of Exports, Free on board (FOB), US Dollars","TXG_FOB_USD","Euro Area","163","Value","7","8","9",',
    ]
    path.write_text(header + "\n".join(lines) + "\n")
    return path


def test_imf_dots_bulk(store, tmp_path):
    path = _dots_bulk(tmp_path / "DOT_timeSeries.csv")
    assert detect_format(path) == "imf-dots-bulk"
    result = import_file(store, path)
    assert result.rows == 3  # annual TXG/TMG cells for countries and World; TBG and Euro Area not
    got = store.con.execute("SELECT reporter, partner, year, flow, value_usd, estimate FROM trade WHERE source_id = ? ORDER BY ALL",
                            ["imf-dots:DOT_timeSeries"]).fetchall()
    assert got == [("KAZ", "RUS", 2011, "X", 5e9, False), ("KAZ", "RUS", 2012, "X", 6747212051.0, True),
                   ("KAZ", "WLD", 2012, "M", 46358000000.0, False)]


def test_generic_indicator_with_sidecar_and_option(store, tmp_path):
    path = tmp_path / "my_index.csv"
    path.write_text("iso3,year,code,value,unit\nKAZ,2012,MY.INDEX,1.5,points\nKyrgyz Republic,2012,MY.INDEX,2,points\n"
                    "World,2012,MY.INDEX,3,points\nEuropean Union,2012,MY.INDEX,4,points\nTJK,2012,MY.INDEX,,points\n")
    with pytest.raises(ImportFormatError, match="needs a source title"):
        import_file(store, path)
    (tmp_path / "my_index.source.json").write_text('{"title": "My index", "publisher": "Me", "id": "me:index"}')
    result = import_file(store, path)
    assert result.source_id == "me:index" and result.rows == 3
    assert result.skipped == {"rows with an aggregate in iso3": 1, "rows without a value (missing, not zero)": 1}
    assert import_file(store, path, source_title="Renamed", source_id="me:index2").source_id == "me:index2"
    title = store.con.execute("SELECT title FROM source WHERE source_id = 'me:index2'").fetchone()[0]
    assert title == "Renamed"


def test_generic_trade(store, tmp_path):
    path = tmp_path / "flows.csv"
    path.write_text("reporter,partner,year,flow,product,value_usd,valuation\nKAZ,RUS,2012,X,TOTAL,100,FOB\nKAZ,CHN,2012,M,2709,5,\n")
    result = import_file(store, path, source_title="Hand-made flows")
    assert result.rows == 2 and detect_format(path) == "generic-trade"


def test_detectors_are_unambiguous_on_every_known_layout(shared_data):
    files = {
        "wdi/ny.gdp.mktp.cd.csv": "wdi-long",
        "military_expenditure/API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv": "worldbank-bulk",
        "trade_imf_dots/dots_focus_reporters_1990_2020.csv": "imf-dots-long",
        "military_expenditure/sipri_milex_1949_2024_long.csv": "sipri-milex",
        "military_expenditure/sipri_milex_regional_totals.csv": "sipri-regional",
        "cow_nmc/NMC-60-abridged.csv": "cow-nmc",
        "cow_trade/National_COW_4.0.csv": "cow-trade",
        "migration/UN_MigrantStockByOriginAndDestination_2019_clean.csv": "undesa-stock",
    }
    for rel, fmt in files.items():
        assert detect_format(shared_data / rel) == fmt, rel
        assert [f.name for f in FORMATS.values() if f.detect(shared_data / rel)] == [fmt]
    for rel in ("trade_imf_dots/dots_source_files.csv", "cow_igo/igo_year_format3_focus_states.csv",
                "military_expenditure/Metadata_Country_API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv"):
        with pytest.raises(ImportFormatError, match="format not recognised"):
            detect_format(shared_data / rel)


def test_wdi_unit_is_read_from_the_indicator_name(store, tmp_path):
    """D4: a WDI row's unit is the trailing parenthesis of the indicator's published name — from the
    package's list of names for a tidy long file (which has no name column), from the file's own
    `Indicator Name` for a bulk file; NULL where the name has no unit ("Population, total")."""
    from sco_observatory.labels import indicator_label

    long_csv = "Country Name,Country Code,Year,Value\nKazakhstan,KAZ,2012,5\nKyrgyz Republic,KGZ,2012,6\n"
    (tmp_path / "ny.gdp.mktp.cd.csv").write_text(long_csv)
    (tmp_path / "sp.pop.totl.csv").write_text(long_csv)
    for name in ("ny.gdp.mktp.cd.csv", "sp.pop.totl.csv"):
        assert detect_format(tmp_path / name) == "wdi-long"
        import_file(store, tmp_path / name)
    bulk = tmp_path / "API_XX.TEST.CD_DS2_en_csv_v2_1.csv"
    bulk.write_text('"Data Source","World Development Indicators",\n\n"Last Updated Date","2024-03-28",\n\n'
                    '"Country Name","Country Code","Indicator Name","Indicator Code","2011","2012",\n'
                    '"Kazakhstan","KAZ","Test spending (constant 2015 US$)","XX.TEST.CD","1","2",\n'
                    '"Kazakhstan","KAZ","Test count","XX.TEST.N","3","",\n')
    assert detect_format(bulk) == "worldbank-bulk"
    import_file(store, bulk)
    got = dict(store.con.execute("SELECT DISTINCT code, unit FROM indicator WHERE source_id IN "
                                 "('wdi:NY.GDP.MKTP.CD', 'wdi:SP.POP.TOTL', 'wdi:XX.TEST.CD')").fetchall())
    assert got == {"NY.GDP.MKTP.CD": "current US$", "SP.POP.TOTL": None,
                   "XX.TEST.CD": "constant 2015 US$", "XX.TEST.N": None}
    assert indicator_label("NY.GDP.MKTP.CD") == "GDP (current US$)"  # the name the unit was read from
