"""SIPRI Arms Transfers trade register -> arms_transfer (deliveries by year), on the real export."""

from __future__ import annotations

import csv

import pytest

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import detect_format, import_file


def state(name: str) -> bool:
    return not name.endswith("*") and not name.lower().startswith("unknown ")


def test_register_rows_totals_and_flags(store, shared_data):
    path = shared_data / "arms_transfers_sipri" / "sipri_trade_register_2000_2023.csv"
    assert detect_format(path) == "sipri-arms-register"
    with open(path, newline="", encoding="utf-8-sig") as fh:
        lines = fh.read().splitlines()
    raw = list(csv.DictReader(lines[11:]))
    states = [r for r in raw if state(r["Supplier"]) and state(r["Recipient"])]
    result = import_file(store, path)
    assert result.source_id == "sipri:arms-register"
    assert result.rows == len(states)
    assert sum(result.skipped.values()) == len(raw) - len(states)
    by_year = dict(store.con.execute("SELECT year, sum(tiv) FROM arms_transfer GROUP BY year").fetchall())
    for year in (2019, 2022, 2023):
        assert by_year[year] == pytest.approx(sum(float(r["TIV delivery values"]) for r in states if r["Delivery year"] == str(year)))
    # PROVENANCE: world deliveries 2019 27,219 TIV including non-state recipients.
    assert sum(float(r["TIV delivery values"]) for r in raw if r["Delivery year"] == "2019") == pytest.approx(27219.06)
    # Recipient totals 2023 (PROVENANCE, rounded, all suppliers incl. unknown ones): India 1,428, Pakistan 2,129,
    # China 470, Kazakhstan 125, Belarus 121.
    got = dict(store.con.execute("SELECT recipient, sum(tiv) FROM arms_transfer WHERE year = 2023 GROUP BY 1").fetchall())
    for iso3, name, tiv in (("IND", "India", 1428), ("PAK", "Pakistan", 2129), ("CHN", "China", 470),
                            ("KAZ", "Kazakhstan", 125), ("BLR", "Belarus", 121)):
        assert got[iso3] == pytest.approx(sum(float(r["TIV delivery values"]) for r in states
                                              if r["Recipient"] == name and r["Delivery year"] == "2023"))
        assert got[iso3] == pytest.approx(tiv, rel=0.005)
    # Russia -> India S-400 (ordered 2018): 130 TIV in each of 2021-2023 (2 units x 65); 2023's units are an estimate.
    s400 = store.con.execute("SELECT year, tiv, units, tiv_per_unit, order_year, units_estimate FROM arms_transfer "
                             "WHERE supplier = 'RUS' AND recipient = 'IND' AND designation = 'S-400 Triumf' ORDER BY year").fetchall()
    raw_s400 = [r for r in raw if r["Designation"] == "S-400 Triumf" and r["Recipient"] == "India"]
    assert [(y, t, u, p, o) for y, t, u, p, o, _ in s400] == [(y, 130.0, 2.0, 65.0, 2018) for y in (2021, 2022, 2023)]
    assert [e for *_, e in s400] == [r["Numbers delivered is estimate"] == "Yes" for r in sorted(raw_s400, key=lambda r: r["Delivery year"])]
    # Non-state actors are never read as their country (Hezbollah (Lebanon)* is not LBN).
    hezbollah = sum(1 for r in raw if r["Recipient"] == "Hezbollah (Lebanon)*")
    lbn_raw = sum(1 for r in states if r["Recipient"] == "Lebanon")
    assert hezbollah > 0 and store.con.execute("SELECT count(*) FROM arms_transfer WHERE recipient = 'LBN'").fetchone()[0] == lbn_raw


def test_a_bad_flag_names_its_line(store, tmp_path, shared_data):
    src = shared_data / "arms_transfers_sipri" / "sipri_trade_register_2000_2023.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    row = next(csv.reader([lines[12]]))
    row[7] = "Maybe"  # Order date is estimate
    lines[12] = ",".join(f'"{v}"' for v in row) + "\n"
    bad = tmp_path / "register.csv"
    bad.write_text("".join(lines[:20]), encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"register.csv:13: an '... is estimate' or 'Local production' column is not Yes/No"):
        import_file(store, bad)
    assert store.con.execute("SELECT count(*) FROM arms_transfer").fetchone()[0] == 0
