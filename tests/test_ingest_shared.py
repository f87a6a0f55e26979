"""Import every supported file in ../shared/data and check it against the raw file.

Expected row counts are computed here with the csv module (and the resolver for what is a country),
independently of the readers' SQL; spot values are copied from the raw files. Skips with a reason
where ../shared/data is absent (conftest.shared_data).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sco_observatory.countries import lookup
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import FORMATS, detect_format, import_file
from sco_observatory.ingest.base import run_import


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def is_country(name: str, keep_world: bool = False) -> bool:
    found = lookup(name)
    assert found is not None, name
    return found.kind != "aggregate" or (keep_world and found.iso3 == "WLD")


def count(store, table: str, source_id: str) -> int:
    return store.con.execute(f"SELECT count(*) FROM {table} WHERE source_id = ?", [source_id]).fetchone()[0]


def value(store, sql: str, params: list) -> float:
    row = store.con.execute(sql, params).fetchone()
    assert row is not None, (sql, params)
    return row[0]


def dump(store) -> dict[str, list]:
    """Every row of every table, sorted (byte-for-byte content comparison)."""
    return {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("source", "indicator", "trade", "migration")}


# -- WDI ------------------------------------------------------------------------------------------------

def test_wdi_gdp_counts_and_kazakhstan_2012(store, shared_data):
    path = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    raw = rows_of(path)
    expected = sum(1 for r in raw if r["Value"] and is_country(r["Country Code"], keep_world=True))
    result = import_file(store, path)
    assert result.status == "imported" and result.rows == expected == count(store, "indicator", "wdi:NY.GDP.MKTP.CD")
    kaz = next(float(r["Value"]) for r in raw if r["Country Code"] == "KAZ" and r["Year"] == "2012")
    got = value(store, "SELECT value FROM indicator WHERE iso3 = 'KAZ' AND year = 2012 AND code = 'NY.GDP.MKTP.CD'", [])
    assert got == kaz and 2.0e11 < got < 2.1e11


def test_every_wdi_file_imports(store, shared_data):
    for path in sorted((shared_data / "wdi").glob("*.csv")):
        result = import_file(store, path)
        assert result.rows > 1000, path.name
    world_bulk = shared_data / "military_expenditure" / "API_MS.MIL.XPND.CD_DS2_en_csv_v2_47475.csv"
    assert import_file(store, world_bulk).rows > 5000


# -- IMF DOTS -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv"])
def test_dots_counts(store, shared_data, name):
    path = shared_data / "trade_imf_dots" / name
    keys = {
        (lookup(r["reporter"]).iso3, lookup(r["partner"]).iso3, r["year"], r["flow"])
        for r in rows_of(path)
        if r["value_usd_mn"] and is_country(r["reporter"], True) and is_country(r["partner"], True)
    }
    result = import_file(store, path)
    assert result.rows == len(keys) == count(store, "trade", f"imf-dots:{path.stem}")
    assert result.skipped.get("identical duplicate rows", 0) > 0  # the workbooks repeat some rows verbatim


def test_dots_kazakhstan_exports_to_russia_2012(store, shared_data):
    path = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    raw = next(r for r in rows_of(path) if r["reporter"] == "Kazakhstan, Rep. of" and r["partner"] == "Russian Federation"
               and r["year"] == "2012" and r["flow"] == "exports_fob")
    import_file(store, path)
    got = store.con.execute(
        "SELECT value_usd, valuation, product FROM trade WHERE reporter = 'KAZ' AND partner = 'RUS' AND year = 2012 AND flow = 'X'"
    ).fetchone()
    assert got == (pytest.approx(float(raw["value_usd_mn"]) * 1e6), "FOB", "TOTAL")
    assert got[0] == pytest.approx(6_747_212_051)
    world = value(store, "SELECT count(*) FROM trade WHERE reporter = 'KAZ' AND partner = 'WLD'", [])
    assert world > 0  # partner World kept as WLD


def test_dots_index_file_is_not_trade_data(shared_data):
    from sco_observatory.errors import ImportFormatError

    with pytest.raises(ImportFormatError, match="dots_source_files.csv:1: format not recognised"):
        detect_format(shared_data / "trade_imf_dots" / "dots_source_files.csv")


# -- SIPRI ----------------------------------------------------------------------------------------------

def test_sipri_counts_and_values(store, shared_data):
    path = shared_data / "military_expenditure" / "sipri_milex_1949_2024_long.csv"
    raw = rows_of(path)
    expected = sum(1 for r in raw if r["value"] and is_country(r["country"]))
    markers = sum(1 for r in raw if not r["value"] and r["raw_marker"] in ("...", "xxx"))
    result = import_file(store, path)
    assert result.rows == expected == count(store, "indicator", "sipri:milex")
    assert result.skipped["cells marked '...' (data unavailable)"] + result.skipped["cells marked 'xxx' (country did not exist)"] == markers
    kaz = {r["measure"]: float(r["value"]) for r in raw if r["country"] == "Kazakhstan" and r["year"] == "2012"}
    rows = dict(store.con.execute(
        "SELECT code, value FROM indicator WHERE iso3 = 'KAZ' AND year = 2012 AND source_id = 'sipri:milex'").fetchall())
    assert rows["MS.MIL.XPND.CD"] == pytest.approx(kaz["milex_current_usd_mn"] * 1e6)
    assert rows["MS.MIL.XPND.GD.ZS"] == pytest.approx(kaz["milex_share_gdp"] * 100)
    assert rows["SIPRI.MILEX.CONST2023.USD"] == pytest.approx(kaz["milex_constant2023_usd_mn"] * 1e6)
    assert rows["SIPRI.MILEX.PC.USD"] == pytest.approx(kaz["milex_per_capita_current_usd"])
    assert rows["MS.MIL.XPND.ZS"] == pytest.approx(kaz["milex_share_govt_spending"] * 100)
    # The USSR is SUN, never RUS.
    assert value(store, "SELECT count(*) FROM indicator WHERE iso3 = 'SUN' AND source_id = 'sipri:milex'", []) > 0


def test_sipri_regional_world_only(store, shared_data):
    path = shared_data / "military_expenditure" / "sipri_milex_regional_totals.csv"
    raw = rows_of(path)
    world = [r for r in raw if r["region"] == "World" and r["value"]]
    result = import_file(store, path)
    assert result.rows == len(world)
    got = value(store, "SELECT value FROM indicator WHERE iso3 = 'WLD' AND year = 2024 AND code = 'MS.MIL.XPND.CD' "
                       "AND source_id = 'sipri:milex-regional'", [])
    assert got == pytest.approx(float(next(r for r in world if "current" in r["column"])["value"]) * 1e9)


# -- Correlates of War ----------------------------------------------------------------------------------

def test_cow_nmc_counts_and_values(store, shared_data):
    path = shared_data / "cow_nmc" / "NMC-60-abridged.csv"
    raw = rows_of(path)
    with open(Path(__file__).resolve().parents[1] / "src" / "sco_observatory" / "data" / "cow_codes.csv", newline="") as fh:
        no_iso = {(int(r["ccode"]), r["from_year"], r["to_year"]) for r in csv.DictReader(fh) if not r["iso3"]}

    def skipped_state(r):
        y = int(r["year"])
        return any(int(r["ccode"]) == c and (not a or y >= int(a)) and (not b or y <= int(b)) for c, a, b in no_iso)

    comps = ("milex", "milper", "irst", "pec", "tpop", "upop", "cinc")
    expected = sum(1 for r in raw if not skipped_state(r) for c in comps if r[c] not in ("", "-9"))
    result = import_file(store, path)
    assert result.source_id == "cow:nmc-6.0"
    assert result.rows == expected == count(store, "indicator", "cow:nmc-6.0")
    kaz = next(r for r in raw if r["stateabb"] == "KZK" and r["year"] == "2012")
    got = dict(store.con.execute("SELECT code, value FROM indicator WHERE iso3 = 'KAZ' AND year = 2012 AND source_id = 'cow:nmc-6.0'").fetchall())
    assert got["COW.NMC.MILEX"] == float(kaz["milex"]) and got["COW.NMC.TPOP"] == float(kaz["tpop"])
    assert got["COW.NMC.CINC"] == pytest.approx(float(kaz["cinc"]))
    units = dict(store.con.execute(
        "SELECT year, unit FROM indicator WHERE iso3 = 'GBR' AND code = 'COW.NMC.MILEX' AND year IN (1913, 1914)").fetchall())
    assert units == {1913: "thousands of current GBP", 1914: "thousands of current US$"}
    # COW 365 is the USSR from 1922 to 1991.
    assert value(store, "SELECT count(*) FROM indicator WHERE iso3 = 'RUS' AND year BETWEEN 1922 AND 1991 AND source_id = 'cow:nmc-6.0'", []) == 0
    assert value(store, "SELECT count(*) FROM indicator WHERE iso3 = 'SUN' AND year = 1950 AND source_id = 'cow:nmc-6.0'", []) == 7


def test_cow_trade_counts(store, shared_data):
    path = shared_data / "cow_trade" / "National_COW_4.0.csv"
    raw = rows_of(path)
    no_iso = {240, 245, 267, 269, 271, 273, 275, 280, 300, 327, 329, 332, 335, 337, 511, 730, 817}
    overlap = {(260, "1990"), (678, "1990")}
    expected = sum(1 for r in raw for c in ("imports", "exports") if r[c] not in ("", "-9")
                   and int(r["ccode"]) not in no_iso and (int(r["ccode"]), r["year"]) not in overlap)
    result = import_file(store, path)
    assert result.rows == expected
    kaz = next(r for r in raw if r["stateabb"] == "KZK" and r["year"] == "2012")
    got = value(store, "SELECT value FROM indicator WHERE iso3 = 'KAZ' AND year = 2012 AND code = 'COW.TRADE.EXPORTS'", [])
    assert got == pytest.approx(float(kaz["exports"]) * 1e6)


# -- UN DESA --------------------------------------------------------------------------------------------

def test_undesa_counts_and_stock(store, shared_data):
    path = shared_data / "migration" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    origins = table[0][2:]
    regions = {"Caribbean", "Melanesia", "Micronesia", "Polynesia", "South America"}
    expected = sum(1 for row in table[1:] if row[1] not in regions
                   for o, cell in zip(origins, row[2:]) if cell.strip() not in ("", ".."))
    result = import_file(store, path)
    assert result.source_id == "undesa:ims-2019"
    assert result.rows == expected == count(store, "migration", "undesa:ims-2019")
    got = dict(store.con.execute("SELECT year, stock FROM migration WHERE origin = 'KAZ' AND destination = 'RUS'").fetchall())
    assert got[1990] == 2349697 and got[2019] == 2559711  # PROVENANCE.md example, verbatim


# -- idempotence, new versions, crash -------------------------------------------------------------------

def test_reimport_is_unchanged_and_modified_copy_replaces(store, shared_data, tmp_path):
    path = shared_data / "cow_trade" / "National_COW_4.0.csv"
    first = import_file(store, path)
    before = dump(store)
    again = import_file(store, path)
    assert again.status == "unchanged" and again.rows == first.rows and dump(store) == before
    copy = tmp_path / path.name
    lines = path.read_text().splitlines(keepends=True)
    copy.write_text("".join(lines[:-100]))  # a new version of the same file: 100 state-years fewer
    with pytest.raises(ImportFormatError, match=r"refused to replace source cow:trade-4.0: fewer rows \(26,315 -> 26,209\)"):
        import_file(store, copy)  # losing rows needs --replace
    assert dump(store) == before
    replaced = import_file(store, copy, replace=True)
    assert replaced.status == "replaced" and replaced.previous_rows == first.rows
    assert replaced.rows < first.rows == replaced.previous_rows
    assert count(store, "indicator", "cow:trade-4.0") == replaced.rows


def test_crash_before_commit_leaves_store_unchanged(store, shared_data):
    path = shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"
    import_file(store, shared_data / "wdi" / "sp.pop.totl.csv")
    before = dump(store)

    def crash():
        assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] > 100_000  # rows were inserted
        raise RuntimeError("simulated crash in the middle of the import")

    plan = FORMATS["imf-dots-long"].plan(path)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_import(store, plan, before_commit=crash)
    assert dump(store) == before
    # ... and a later import of the same file works.
    assert import_file(store, path).status == "imported"


def test_crash_on_replace_keeps_the_old_version(store, shared_data, tmp_path):
    path = shared_data / "military_expenditure" / "sipri_milex_regional_totals.csv"
    import_file(store, path)
    before = dump(store)
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    with open(copy, "a") as fh:
        fh.write("World,2025.0,2025,\"US$ b., constant 2023 prices and exchange rates\",2800.5,,,\n")

    def crash():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(store, FORMATS["sipri-regional"].plan(copy), before_commit=crash)
    assert dump(store) == before
