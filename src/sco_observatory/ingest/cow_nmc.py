"""Correlates of War: National Material Capabilities (NMC 6.0) and national trade totals (Trade 4.0).

COW identifies states by numeric `ccode` and a three-letter `stateabb` that is *not* ISO 3166
(KZK is Kazakhstan, MON Mongolia, MNG Montenegro). Both are mapped to ISO3 through the data table
`sco_observatory/data/cow_codes.csv` (ccode, stateabb, iso3, from_year, to_year): a code that changes
meaning over time is split by year (365 is RUS before 1922, SUN 1922-1991, RUS from 1992; 345 is
YUG / SCG / SRB), and states with no ISO code (pre-unification German and Italian states,
Austria-Hungary, Zanzibar, the Korean Empire, South Vietnam) have an empty iso3: their rows are
skipped and counted. A row whose ccode and year are not in the table is an error naming the line;
a stateabb that disagrees with the table is an error too.

`cow-nmc`: `stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version`. Each component is one
indicator, in COW's own units (recorded in `unit`, never rescaled):

    COW.NMC.MILEX   thousands of current US$ (from 1914); thousands of current GBP before 1914
    COW.NMC.MILPER  thousands of military personnel
    COW.NMC.IRST    thousands of tons of iron and steel produced
    COW.NMC.PEC     thousands of coal-ton equivalents of primary energy consumed
    COW.NMC.TPOP    thousands of persons (total population)
    COW.NMC.UPOP    thousands of persons (urban population)
    COW.NMC.CINC    share of the system total (0-1), Composite Index of National Capability

`-9` is COW's missing value: skipped and counted. Source id `cow:nmc-<version>` (e.g. cow:nmc-6.0).
The same format reads NMC v7.0 (1816-2022) as converted from peacesciencer's `cow_nmc.rda`
(../shared/data/cow_nmc_v7/PROVENANCE.md): the same columns without `version`, and missing written as
an empty cell instead of -9 (both are skipped and counted alike). The version comes from the file
name (NMC-70-... -> 7.0), so v6.0 and v7.0 are separate sources and can be compared.

`cow-trade`: `ccode,statename,stateabb,year,imports,exports,alt_imports,alt_exports,source1,source2,
version` in current US$ millions -> COW.TRADE.IMPORTS / COW.TRADE.EXPORTS in current US$ (x 1e6).
Empty cells and -9 are missing. Source id `cow:trade-4.0`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, header_columns, package_data, require_columns, sql_string
from sco_observatory.store.db import SourceMeta

NMC_COLUMNS = ("stateabb", "ccode", "year", "milex", "milper", "irst", "pec", "tpop", "upop", "cinc", "version")
NMC_COLUMNS_UNVERSIONED = NMC_COLUMNS[:-1]  # v7.0 via peacesciencer: `version` dropped
TRADE_COLUMNS = ("ccode", "statename", "stateabb", "year", "imports", "exports", "alt_imports", "alt_exports",
                 "source1", "source2", "version")
MILEX_GBP_BEFORE = 1914
COMPONENTS = {
    "milex": ("COW.NMC.MILEX", "thousands of current US$"),
    "milper": ("COW.NMC.MILPER", "thousands of military personnel"),
    "irst": ("COW.NMC.IRST", "thousands of tons of iron and steel"),
    "pec": ("COW.NMC.PEC", "thousands of coal-ton equivalents"),
    "tpop": ("COW.NMC.TPOP", "thousands of persons"),
    "upop": ("COW.NMC.UPOP", "thousands of persons"),
    "cinc": ("COW.NMC.CINC", "share of system total (0-1)"),
}
URL_NMC = "https://correlatesofwar.org/data-sets/national-material-capabilities/"
URL_TRADE = "https://correlatesofwar.org/data-sets/bilateral-trade/"
LICENCE = "COW data: free to use with citation"
HINT = "check the file against docs/formats.md (Correlates of War), or pass the right --format"
# The year each NMC release was published, which is what the release writes in its own `version` column:
# 2021 in NMC-60-abridged.csv (every row), 2025 in the official NMC-70-abridged.csv (recorded in
# ../shared/data/cow_nmc_v7/PROVENANCE.md; peacesciencer's copy drops the column). A source's "vintage"
# is this year, not the year the file was copied. tests/test_ingest_cow_nmc_v7.py checks both against the files.
NMC_RELEASE_YEARS = {"6.0": 2021, "7.0": 2025}


def looks_like_nmc(path: Path) -> bool:
    return header_columns(path) in (list(NMC_COLUMNS), list(NMC_COLUMNS_UNVERSIONED))


def looks_like_trade(path: Path) -> bool:
    return header_columns(path) == list(TRADE_COLUMNS)


def _codes_join(alias: str = "s") -> str:
    """LEFT JOIN of the COW code table on ccode and year (ranges are inclusive; empty = open)."""
    table = sql_string(package_data("cow_codes.csv"))
    return f"""LEFT JOIN (SELECT ccode::INTEGER AS c_ccode, stateabb AS c_abb, coalesce(iso3, '') AS c_iso3,
                                 coalesce(from_year::INTEGER, -9999) AS c_from, coalesce(to_year::INTEGER, 9999) AS c_to
                          FROM read_csv({table}, header = true, all_varchar = true)) c
               ON TRY_CAST({alias}.ccode AS INTEGER) = c.c_ccode
              AND TRY_CAST({alias}.year AS INTEGER) BETWEEN c.c_from AND c.c_to"""


def _long_select(path: Path, parts: list[tuple[str, str, str]], factor: float) -> str:
    """One row per (state-year, component): parts are (column, indicator code, unit SQL expression)."""
    union = " UNION ALL ".join(
        f"SELECT '{code}' AS code, {unit_sql} AS unit, trim(coalesce(s.{column}, '')) AS _raw, s.*, c.* "
        f"FROM numbered s {_codes_join()}"
        for column, code, unit_sql in parts
    )
    # An unmatched (ccode, year) becomes a label the resolver cannot know, so the error names the line.
    return f"""
        WITH numbered AS (SELECT *, row_number() OVER () + 1 AS _line
                          FROM {csv_source(path)}),
             long AS ({union})
        SELECT CASE WHEN c_ccode IS NULL THEN 'COW ccode ' || coalesce(ccode, '?') || ' in ' || coalesce(year, '?')
                    ELSE c_iso3 END AS iso3,
               TRY_CAST(year AS INTEGER) AS year, code,
               TRY_CAST(_raw AS DOUBLE) * {factor!r} AS value, unit, FALSE AS estimate,
               _raw, ccode AS _ccode, year AS _year, stateabb AS _abb, c_abb AS _c_abb,
               c_ccode IS NOT NULL AS _known, c_iso3 = '' AS _no_iso, _line
        FROM long"""


def _plan(path: Path, meta: SourceMeta, select: str, extra_checks: list[tuple[str, str]]) -> ImportPlan:
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3")],
        checks=[
            ("TRY_CAST(_ccode AS INTEGER) IS NULL", "ccode is not a whole number"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_known AND _abb <> _c_abb", "stateabb does not match ccode (see sco_observatory/data/cow_codes.csv)"),
            ("_raw NOT IN ('', '-9') AND value IS NULL", "value is not a number"),
            *extra_checks,
        ],
        drop_where=[
            ("_raw IN ('', '-9')", "missing values (-9 or empty)"),
            ("_known AND _no_iso", "rows for COW states without an ISO 3166 code of their own (see cow_codes.csv)"),
        ],
        hint=HINT,
    )


def _version_of(path: Path, default: str) -> str:
    """NMC writes its release year (2021) in `version`; the file name (NMC-60-...) says the version."""
    name = path.name.upper()
    if name.startswith("NMC-") and name[4:6].isdigit():
        return f"{name[4]}.{name[5]}"
    return default


def plan_nmc(path: Path) -> ImportPlan:
    require_columns(path, NMC_COLUMNS_UNVERSIONED, "COW National Material Capabilities CSV")
    parts = []
    for column, (code, unit) in COMPONENTS.items():
        unit_sql = (f"CASE WHEN TRY_CAST(s.year AS INTEGER) < {MILEX_GBP_BEFORE} THEN 'thousands of current GBP' "
                    f"ELSE '{unit}' END" if column == "milex" else f"'{unit}'")
        parts.append((column, code, unit_sql))
    version = _version_of(path, "6.0")
    meta = SourceMeta(
        source_id=f"cow:nmc-{version}", title=f"Correlates of War National Material Capabilities v{version}",
        publisher="Correlates of War Project", url=URL_NMC, licence=LICENCE, format="cow-nmc", table_name="indicator",
        year=NMC_RELEASE_YEARS.get(version),
        citation=f"Singer, Bremer & Stuckey (1972); National Material Capabilities Data Documentation v{version}"
                 + (" (Greig & Enterline 2021)" if version == "6.0" else ""),
    )
    return _plan(path, meta, _long_select(path, parts, 1.0),
                 [("value < 0", "negative value (COW components cannot be negative; -9 is missing)")])


def plan_trade(path: Path) -> ImportPlan:
    require_columns(path, TRADE_COLUMNS, "COW national trade CSV")
    parts = [("imports", "COW.TRADE.IMPORTS", "'current US$'"), ("exports", "COW.TRADE.EXPORTS", "'current US$'")]
    meta = SourceMeta(
        source_id="cow:trade-4.0", title="Correlates of War Trade v4.0: national totals",
        publisher="Correlates of War Project", url=URL_TRADE, licence=LICENCE, format="cow-trade", table_name="indicator",
        citation="Barbieri & Keshk (2016), Correlates of War Project Trade Data Set Codebook, Version 4.0",
    )
    return _plan(path, meta, _long_select(path, parts, 1e6),
                 [("value < 0", "negative trade value (COW totals cannot be negative; -9 is missing)")])


FORMATS = [
    Format("cow-nmc", "Correlates of War National Material Capabilities (v6.0, or v7.0 without `version`): stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc[,version]",
           looks_like_nmc, plan_nmc),
    Format("cow-trade", "Correlates of War Trade national totals: ccode,statename,stateabb,year,imports,exports,...",
           looks_like_trade, plan_trade),
]
