"""UN DESA International Migrant Stock 2020 (long CSV) -> migration, checked against the raw file with csv."""

from __future__ import annotations

import csv

from sco_observatory.countries import lookup
from sco_observatory.ingest import detect_format, import_file


def test_ims2020_counts_values_and_regions(store, shared_data):
    path = shared_data / "migration_ims2020" / "ims2020_stock_origin_destination_long.csv"
    assert detect_format(path) == "undesa-ims-long"
    with open(path, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    pairs = [r for r in raw if r["origin_is_region"] == "0" and r["destination_is_region"] == "0"]
    result = import_file(store, path)
    assert result.source_id == "undesa:ims-2020"
    # the file is a complete matrix without its zero cells: every ordered pair of distinct country names,
    # every year, is stored — the file's pairs as written and the others as the matrix's 0
    names = ({r["origin"] for r in raw if r["origin_is_region"] == "0"}
             | {r["destination"] for r in raw if r["destination_is_region"] == "0"})
    years = {r["year"] for r in raw}
    assert result.rows == len(years) * len(names) * (len(names) - 1)
    zeros = store.con.execute("SELECT count(*) FROM migration WHERE stock = 0 AND source_id = 'undesa:ims-2020'").fetchone()[0]
    assert zeros == result.rows - len(pairs) and not any(float(r["stock"]) == 0 for r in pairs)
    assert result.skipped["rows with a regional aggregate as origin or destination"] == len(raw) - len(pairs)

    def stock(origin, destination, year):
        row = store.con.execute("SELECT stock FROM migration WHERE origin = ? AND destination = ? AND year = ? "
                                "AND source_id = 'undesa:ims-2020'", [origin, destination, year]).fetchone()
        return row[0] if row else None

    def raw_stock(origin, destination, year):
        return float(next(r["stock"] for r in raw if r["origin"] == origin and r["destination"] == destination
                          and r["year"] == str(year)))

    assert stock("KAZ", "RUS", 2020) == raw_stock("Kazakhstan", "Russia", 2020) == 2558907
    assert stock("UZB", "RUS", 2020) == raw_stock("Uzbekistan", "Russia", 2020) == 1146175
    assert stock("AFG", "IRN", 2020) == raw_stock("Afghanistan", "Iran", 2020) == 2710601
    # Review finding: Afghans in Central Asia, 2020 = TJK 12,433 + TKM 198; the other three are the matrix's 0
    assert [stock("AFG", d, 2020) for d in ("TJK", "TKM", "KAZ", "KGZ", "UZB")] == [12433, 198, 0, 0, 0]
    assert stock("KAZ", "KAZ", 2020) is None  # a country's own cell is no migrant stock
    # The file's own iso3 column writes Chile as CHI (the World Bank's Channel Islands): names are resolved instead.
    chile = [r for r in pairs if r["destination"] == "Chile"]
    assert chile and {r["destination_iso3"] for r in chile} == {"CHI"} and lookup("Chile").iso3 == "CHL"
    assert store.con.execute("SELECT count(*) FROM migration WHERE destination = 'CHL' AND stock > 0 "
                             "AND source_id = 'undesa:ims-2020'").fetchone()[0] == len(chile)
    # Country-to-country total 2020 (PROVENANCE: 267.9 M).
    total = store.con.execute("SELECT sum(stock) FROM migration WHERE year = 2020 AND source_id = 'undesa:ims-2020'").fetchone()[0]
    assert total == sum(float(r["stock"]) for r in pairs if r["year"] == "2020")
    assert 267.5e6 < total < 268.5e6
