"""IMF CDIS Table 6-o outward positions -> direct_investment, on the real long CSV (csv module for the expectations)."""

from __future__ import annotations

import csv

import pytest

from sco_observatory.countries import lookup
from sco_observatory.ingest import detect_format, import_file


def kept(name: str) -> bool:
    found = lookup(name)
    return name == "Total Investment" or found.kind != "aggregate" or found.iso3 == "WLD"


def test_cdis_rows_markers_and_values(store, shared_data):
    path = shared_data / "fdi_imf_cdis" / "cdis_table6o_outward_positions_2009_2022_focus.csv"
    assert detect_format(path) == "imf-cdis-outward"
    with open(path, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    want = [r for r in raw if kept(r["reporter"]) and kept(r["counterpart"])]
    result = import_file(store, path)
    assert result.source_id == "imf-cdis:outward-6o"
    assert result.rows == len(want)
    n, confidential, negative = store.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE marker = 'C' AND position_usd IS NULL), count(*) FILTER (WHERE position_usd < 0) "
        "FROM direct_investment").fetchone()
    assert confidential == sum(1 for r in want if r["marker"] == "C") > 0      # kept as missing, with the marker
    assert negative == sum(1 for r in want if r["value_usd_mn"] and float(r["value_usd_mn"]) < 0) > 0  # real in CDIS
    total = store.con.execute("SELECT sum(position_usd) FROM direct_investment").fetchone()[0]
    assert total == pytest.approx(sum(float(r["value_usd_mn"]) for r in want if r["value_usd_mn"]) * 1e6)

    def mn(reporter, counterpart, year):
        return store.con.execute("SELECT position_usd / 1e6 FROM direct_investment WHERE reporter = ? AND counterpart = ? AND year = ?",
                                 [reporter, counterpart, year]).fetchone()[0]

    # PROVENANCE checks (US$ mn).
    assert mn("CHN", "WLD", 2022) == pytest.approx(2_754_814, abs=1)
    assert mn("RUS", "WLD", 2021) == pytest.approx(374_612, abs=1)
    assert mn("CHN", "KAZ", 2022) == pytest.approx(6978.7, abs=0.05)
    assert mn("NLD", "KAZ", 2022) == pytest.approx(46221.1, abs=0.05)
    assert mn("KAZ", "RUS", 2022) == pytest.approx(1762.0, abs=0.05)
    # "Total Investment" (all reporters' positions in a counterpart) is reporter WLD.
    all_in_kaz = next(float(r["value_usd_mn"]) for r in raw
                      if r["reporter"] == "Total Investment" and r["counterpart"] == "Kazakhstan, Rep. of" and r["year"] == "2009")
    assert mn("WLD", "KAZ", 2009) == pytest.approx(all_in_kaz)


def test_catalog_lists_the_new_tables(store, shared_data):
    from sco_observatory.store.queries import catalog

    import_file(store, shared_data / "fdi_imf_cdis" / "cdis_table6o_outward_positions_2009_2022_focus.csv")
    row = catalog(store).filter(source="imf-cdis:outward-6o").row(0, named=True)
    assert (row["table"], row["first_year"], row["last_year"]) == ("direct_investment", 2009, 2022)
    assert row["rows"] == store.con.execute("SELECT count(*) FROM direct_investment").fetchone()[0]
