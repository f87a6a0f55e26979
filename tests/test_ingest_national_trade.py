"""National statistics offices of KGZ, KAZ, UZB: trade by partner -> trade, one source per office.

Expected counts and sums are computed with the csv module, with the aggregate labels read off the
file and listed here; spot values are the PROVENANCE checks (DOTS, WDI) and raw cells.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import detect_format, import_file

FILE = ("trade_national_kaz_kgz_uzb", "national_trade_by_partner_kgz_kaz_uzb.csv")
TOTALS = {"Total", "Всего", "Всего в том числе"}
AGGREGATES = {
    "KGZ": {"The EU", "CIS", "SCO", "EAEU", "Europe", "Asia", "America", "Africa", "Australia and Oceania",
            "Undefined country", "European Union (EU)", "UN"},
    "KAZ": {"Страны СНГ", "Страны ЕАЭС", "Страны вне ЕАЭС", "Остальные страны мира", "Европа", "Страны ЕС",
            "Страны вне ЕС", "Азия", "Америка", "Африка", "Австралия и Океания"},
    "UZB": {"Other countries"},
}
SOURCES = {"KGZ": "national:KGZ-nsc", "KAZ": "national:KAZ-bns", "UZB": "national:UZB-stat"}


def raw_rows(shared_data):
    with open(shared_data.joinpath(*FILE), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def label(r):
    name = r["partner_ru"] if r["reporter_iso3"] == "KAZ" else r["partner_en"]
    return " ".join(name.split())


def expected_rows(raw, reporter):
    mine = [r for r in raw if r["reporter_iso3"] == reporter and r["flow"] != "turnover"]
    edition = {}
    for r in mine:  # KAZ: the latest file holding a year wins
        ed = int(re.search(r"(20\d\d)\.xls", r["source_file"]).group(1)) if reporter == "KAZ" else 0
        key = (r["flow"], r["year"])
        edition[key] = max(edition.get(key, 0), ed)
    latest = [r for r in mine if reporter != "KAZ"
              or int(re.search(r"(20\d\d)\.xls", r["source_file"]).group(1)) == edition[(r["flow"], r["year"])]]
    return [r for r in latest if label(r) not in AGGREGATES[reporter]]


@pytest.mark.parametrize("reporter", ["KGZ", "KAZ", "UZB"])
def test_each_office_counts_and_sums(store, shared_data, reporter):
    path = shared_data.joinpath(*FILE)
    assert detect_format(path) == "national-trade-ca"
    want = expected_rows(raw_rows(shared_data), reporter)
    result = import_file(store, path, reporter=reporter)
    assert result.source_id == SOURCES[reporter]
    assert result.rows == len(want)
    for flow, code in (("exports", "X"), ("imports", "M")):
        got = store.con.execute("SELECT sum(value_usd) FROM trade WHERE source_id = ? AND flow = ? AND partner <> 'WLD'",
                                [SOURCES[reporter], code]).fetchone()[0]
        assert got == pytest.approx(sum(float(r["value_thousand_usd"]) for r in want
                                        if r["flow"] == flow and label(r) not in TOTALS) * 1e3)


def test_spot_values_and_totals(store, shared_data):
    result = import_file(store, shared_data.joinpath(*FILE))  # all three offices
    assert result.source_id == "national:KGZ-nsc, national:KAZ-bns, national:UZB-stat"

    def mn(reporter, partner, year, flow):
        return store.con.execute("SELECT value_usd / 1e6 FROM trade WHERE reporter = ? AND partner = ? AND year = ? AND flow = ?",
                                 [reporter, partner, year, flow]).fetchone()[0]

    # KGZ vs IMF DOTS (PROVENANCE): exports to China 2019 81.469047, imports 1,734.970508 US$ mn.
    assert mn("KGZ", "CHN", 2019, "X") == pytest.approx(81.469047)
    assert mn("KGZ", "CHN", 2019, "M") == pytest.approx(1734.970508)
    # Totals are kept as WLD (= WDI): KAZ 2022 exports 84,593.1, imports 50,934.4.
    assert mn("KAZ", "WLD", 2022, "X") == pytest.approx(84593.07, abs=0.01)
    assert mn("KAZ", "WLD", 2022, "M") == pytest.approx(50934.36, abs=0.01)
    assert mn("UZB", "RUS", 2023, "X") == pytest.approx(3495.6756)
    assert mn("UZB", "CHN", 2023, "M") == pytest.approx(11339.099)
    # BNS writes "Кыргызстан" (CLDR ru: Киргизия) with no code; stat.uz's row gives it code 417.
    raw = raw_rows(shared_data)
    kaz_kgz = next(r for r in raw if r["reporter_iso3"] == "KAZ" and r["partner_ru"] == "Кыргызстан" and r["year"] == "2023"
                   and r["flow"] == "exports" and r["source_file"].endswith("2023.xls"))
    assert mn("KAZ", "KGZ", 2023, "X") == pytest.approx(float(kaz_kgz["value_thousand_usd"]) / 1e3)
    # Kazakhstan 2022 is in the 2022 and the 2023 files: the 2023 edition's value is kept.
    editions = {r["source_file"][-8:-4]: float(r["value_thousand_usd"]) for r in raw
                if r["reporter_iso3"] == "KAZ" and r["partner_ru"] == "Китай" and r["year"] == "2022" and r["flow"] == "exports"}
    assert set(editions) == {"2022", "2023"}
    assert mn("KAZ", "CHN", 2022, "X") == pytest.approx(editions["2023"] / 1e3)
    # KGZ 2023 imports are marked preliminary: estimate flag.
    assert store.con.execute("SELECT bool_and(estimate) FROM trade WHERE reporter = 'KGZ' AND year = 2023 AND flow = 'M'").fetchone()[0]
    assert not store.con.execute("SELECT bool_or(estimate) FROM trade WHERE reporter = 'KGZ' AND year = 2023 AND flow = 'X'").fetchone()[0]
    # No aggregate is stored as a country.
    assert store.con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'national:%' AND (partner = '' OR partner IS NULL)").fetchone()[0] == 0


def test_one_bad_office_table_lands_nothing(store, shared_data, tmp_path):
    bad = tmp_path / "national_trade_by_partner_kgz_kaz_uzb.csv"
    shutil.copy(shared_data.joinpath(*FILE), bad)
    text = bad.read_text(encoding="utf-8").splitlines(keepends=True)
    last = len(text) - 1
    assert text[last].startswith("UZB,")
    fields = next(csv.reader([text[last]]))
    fields[7] = "12,5"
    text[last] = ",".join(f'"{f}"' for f in fields) + "\n"
    bad.write_text("".join(text), encoding="utf-8")
    record = len(raw_rows(shared_data)) + 1  # lines count records (a quoted KAZ label holds a newline)
    with pytest.raises(ImportFormatError, match=rf"national_trade_by_partner_kgz_kaz_uzb.csv:{record}: value_thousand_usd is not a number"):
        import_file(store, bad)
    assert store.con.execute("SELECT count(*) FROM trade WHERE source_id LIKE 'national:%'").fetchone()[0] == 0
    assert store.con.execute("SELECT count(*) FROM source WHERE source_id LIKE 'national:%'").fetchone()[0] == 0


def test_unknown_reporter_option(store, shared_data):
    with pytest.raises(ImportFormatError, match="no office table for reporter 'TJK'"):
        import_file(store, shared_data.joinpath(*FILE), reporter="TJK")
