"""Test helpers for the metrics tests: load the shared real data into a store with plain SQL.

These mirror what the importers (`sco import`) produce — IMF DOTS into `trade` (flows X FOB / M CIF,
US$, partner WLD kept, source `imf-dots:<file stem>`), WDI long CSVs into `indicator` (`wdi:<CODE>`),
COW NMC into `indicator` (`COW.NMC.*`, COW units, -9 dropped) — so the metrics tests do not depend
on the importers' progress. They read from ../shared/data; nothing is copied into the repository.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def _source(store, source_id: str, title: str, table: str, file_name: str) -> None:
    store.con.execute(
        """INSERT OR REPLACE INTO source (source_id, title, publisher, retrieved, file_name, format, table_name, rows)
           VALUES (?, ?, 'test fixture', ?, ?, 'fixture', ?, 0)""",
        [source_id, title, dt.datetime(2024, 1, 1), file_name, table])


def _name_map(store, data: Path) -> None:
    """IMF names -> ISO3 through the project's resolver (aggregates and unknown names stay unmapped)."""
    from sco_observatory import countries

    names = [r[0] for r in store.con.execute(f"""
        SELECT DISTINCT n FROM (SELECT reporter AS n FROM read_csv('{data}/trade_imf_dots/dots_other_reporters_to_focus_partners_1990_2020.csv')
                                UNION SELECT partner FROM read_csv('{data}/trade_imf_dots/dots_focus_reporters_1990_2020.csv'))""").fetchall()]
    rows = []
    for name in names:  # test fixture only: a few hundred names, resolved once
        c = countries.lookup(name)
        if c is not None and c.kind == "country" and len(c.iso3) == 3:
            rows.append((name, c.iso3))
    store.con.execute("CREATE OR REPLACE TEMP TABLE _imf_names (name VARCHAR, iso3 VARCHAR)")
    store.con.executemany("INSERT INTO _imf_names VALUES (?, ?)", rows)


def load_dots(store, data: Path, years=(1990, 2020)) -> None:
    _name_map(store, data)
    for stem in ("dots_focus_reporters_1990_2020", "dots_other_reporters_to_focus_partners_1990_2020"):
        path = data / "trade_imf_dots" / f"{stem}.csv"
        sid = f"imf-dots:{stem}"
        _source(store, sid, "IMF DOTS", "trade", path.name)
        store.con.execute(f"""
            INSERT INTO trade
            SELECT reporter, partner, year, flow, 'TOTAL', max(value) * 1e6, any_value(valuation), bool_or(est), '{sid}'
            FROM (SELECT coalesce(nullif(reporter_iso3, ''), r.iso3, 'X:' || reporter) AS reporter,
                         coalesce(nullif(partner_iso3, ''), p.iso3, 'X:' || partner) AS partner, year::INT AS year,
                         CASE flow WHEN 'exports_fob' THEN 'X' ELSE 'M' END AS flow,
                         CASE flow WHEN 'exports_fob' THEN 'FOB' ELSE 'CIF' END AS valuation,
                         value_usd_mn AS value, imf_estimate = 1 AS est
                  FROM read_csv('{path}') d
                  LEFT JOIN _imf_names r ON r.name = d.reporter LEFT JOIN _imf_names p ON p.name = d.partner
                  WHERE year BETWEEN {years[0]} AND {years[1]} AND value_usd_mn >= 0)
            GROUP BY ALL""")


def load_wdi(store, data: Path, code: str) -> None:
    path = data / "wdi" / f"{code.lower()}.csv"
    sid = f"wdi:{code}"
    _source(store, sid, f"WDI {code}", "indicator", path.name)
    store.con.execute(f"""
        INSERT INTO indicator SELECT "Country Code", "Year", '{code}', "Value", NULL, false, '{sid}'
        FROM read_csv('{path}') WHERE "Value" IS NOT NULL""")


def load_nmc(store, data: Path) -> None:
    path = data / "cow_nmc" / "NMC-60-abridged.csv"
    sid = "cow-nmc:v6"
    _source(store, sid, "COW NMC v6", "indicator", path.name)
    for col in ("milex", "milper", "irst", "pec", "tpop", "upop", "cinc"):
        store.con.execute(f"""
            INSERT INTO indicator SELECT stateabb, year, 'COW.NMC.{col.upper()}', {col}, NULL, false, '{sid}'
            FROM read_csv('{path}') WHERE {col} <> -9 AND {col} IS NOT NULL""")


def dots_gdp_memory_store(data: Path, years=(1999, 2020)):
    """An in-memory store holding the DOTS extract for `years` and WDI GDP (current US$): the store
    the flagged-flow tests compare the answers on (the caller closes it)."""
    from sco_observatory.store import open_memory_store

    store = open_memory_store()
    load_dots(store, data, years=years)
    load_wdi(store, data, "NY.GDP.MKTP.CD")
    return store
