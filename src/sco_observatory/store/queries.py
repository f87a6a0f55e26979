"""Read queries over the store that more than one layer needs (CLI, report, web, metrics)."""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.errors import DataMissingError
from sco_observatory.store.db import Store
from sco_observatory.store.results import first, frame, rows


def catalog(store: Store) -> pl.DataFrame:
    """One row per source and dataset: what is in the store, for which years and how many countries."""
    return frame(
        store.con,
        """
        WITH spans AS (
            SELECT source_id, 'indicator' AS table_name, string_agg(DISTINCT code, ', ' ORDER BY code) AS codes,
                   min(year) AS first_year, max(year) AS last_year, count(DISTINCT iso3) AS countries, count(*) AS rows
            FROM indicator GROUP BY source_id
            UNION ALL
            SELECT source_id, 'trade', string_agg(DISTINCT product, ', ' ORDER BY product), min(year), max(year),
                   count(DISTINCT reporter), count(*) FROM trade GROUP BY source_id
            UNION ALL
            SELECT source_id, 'migration', 'migrant stock', min(year), max(year), count(DISTINCT destination), count(*)
            FROM migration GROUP BY source_id
            UNION ALL
            SELECT source_id, 'student_mobility', 'mobile students', min(year), max(year), count(DISTINCT destination), count(*)
            FROM student_mobility GROUP BY source_id
            UNION ALL
            SELECT source_id, 'direct_investment', 'direct-investment positions', min(year), max(year), count(DISTINCT reporter),
                   count(*) FROM direct_investment GROUP BY source_id
            UNION ALL
            SELECT source_id, 'arms_transfer', 'arms deliveries (TIV)', min(year), max(year), count(DISTINCT recipient), count(*)
            FROM arms_transfer GROUP BY source_id)
        SELECT s.source_id AS source, s.table_name AS "table", sp.codes AS contents, sp.first_year, sp.last_year,
               sp.countries, sp.rows, s.publisher, s.licence, strftime(s.retrieved, '%Y-%m-%d %H:%M') AS retrieved,
               s.sha256
        FROM source s LEFT JOIN spans sp USING (source_id)
        ORDER BY s.source_id
        """,
    )


def indicator_values(
    store: Store,
    code: str,
    countries: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """Values of one indicator: columns iso3, year, code, value, unit, source (all sources unless one is named)."""
    code = code.upper()
    where, params = ["code = ?"], [code]
    if countries:
        where.append(f"iso3 IN ({', '.join('?' for _ in countries)})")
        params += list(countries)
    if years:
        where.append("year BETWEEN ? AND ?")
        params += [years[0], years[1]]
    if source:
        where.append("source_id = ?")
        params.append(source)
    values = frame(store.con,
        f"""SELECT iso3, year, code, value, unit, source_id AS source FROM indicator
            WHERE {' AND '.join(where)} ORDER BY iso3, year, source""",
        params,
    )
    if values.height == 0:
        known = first(store.con, "SELECT count(*) FROM indicator WHERE code = ?", [code])[0]
        if not known:
            raise DataMissingError(
                f"the store holds no indicator {code}",
                f"import it, e.g. `sco import API_{code}_DS2_en_csv_v2.csv` or `sco fetch worldbank --indicators {code}`; "
                "`sco data list` shows what is there",
            )
    return values


def _marks(items: Sequence[object]) -> str:
    """`?, ?, ?` for an IN list (never empty: `NULL` matches nothing)."""
    return ", ".join("?" for _ in items) or "NULL"


def latest_indicator_year(store: Store, code: str, countries: Sequence[str], ceiling: int, *,
                          quorum: float = 0.5) -> int | None:
    """The latest year <= `ceiling` in which the store holds `code` for at least `quorum` of `countries`.

    Rule: count the distinct countries with a row per year; keep the years where
    ``count >= quorum · len(countries)`` (the report's default, 0.5: "most of the group"; the
    dashboard's date slider passes 0: any one of them); take the maximum. None when no year
    qualifies, so the caller says what is missing.

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> latest_indicator_year(open_memory_store(), "MS.MIL.XPND.CD", ["CHN", "RUS", "KAZ"], 2020)
        2012
        >>> latest_indicator_year(open_memory_store(), "MS.MIL.XPND.CD", ["CHN", "RUS", "KAZ"], 2011, quorum=0)
        2011
    """
    isos = list(countries)
    row = first(
        store.con,
        f"""SELECT year FROM indicator WHERE code = ? AND year <= ? AND iso3 IN ({_marks(isos)})
            GROUP BY year HAVING count(DISTINCT iso3) >= ? ORDER BY year DESC LIMIT 1""",
        [code.upper(), ceiling, *isos, quorum * len(isos)],
    )
    return int(row[0]) if row else None


def latest_trade_year(store: Store, reporters: Sequence[str], ceiling: int) -> int:
    """The latest year <= `ceiling` that most of `reporters` report bilateral flows for.

    "Most" is at least half of them: one statistics office publishing a year early does not move the
    year for the group; where no year reaches half, the latest year any of them reports.

    Raises DataMissingError (with the import that fills the gap) when the store holds none.

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> latest_trade_year(open_memory_store(), ["KAZ"], 2020)
        Traceback (most recent call last):
        ...
        sco_observatory.errors.DataMissingError: the store holds no bilateral trade for these countries
    """
    isos = list(reporters)
    row = first(
        store.con,
        f"""SELECT coalesce(max(year) FILTER (WHERE n * 2 >= ?), max(year)) FROM (
                SELECT year, count(DISTINCT reporter) AS n FROM trade
                WHERE year <= ? AND reporter IN ({_marks(isos)}) GROUP BY year)""",
        [len(isos), ceiling, *isos])
    if not row or row[0] is None:
        raise DataMissingError("the store holds no bilateral trade for these countries",
                               "sco import dots_focus_reporters_1990_2020.csv (IMF DOTS) or "
                               "sco fetch imf --reporters CA5 --partners SCO --years 1995-2024")
    return int(row[0])


def latest_data_year(store: Store, today: int | None = None) -> int:
    """The latest year any imported data table holds (indicators other than the report's embedded
    tables, trade, migration), capped at `today` (default: the current year).

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> latest_data_year(open_memory_store(), today=2030)
        2030
    """
    import datetime as dt

    cap = today if today is not None else dt.date.today().year
    row = first(
        store.con,
        """SELECT max(y) FROM (SELECT max(year) AS y FROM indicator WHERE source_id NOT LIKE 'embedded:%'
                               UNION ALL SELECT max(year) FROM trade UNION ALL SELECT max(year) FROM migration)""")
    return min(row[0] or cap, cap)


def migrant_stocks(store: Store, origin: str, destinations: Sequence[str], years: tuple[int, int],
                   source: str | None = None) -> pl.DataFrame:
    """Migrant stocks born in `origin` living in each of `destinations`: iso3 (the destination), year,
    value, source — one row per destination, year and edition (UN DESA editions are not merged here).

    `source` keeps one source id or every id under a prefix ("undesa:" matches "undesa:ims-2020").

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> migrant_stocks(open_memory_store(), "KGZ", ["RUS", "KAZ"], (2010, 2020)).columns
        ['iso3', 'year', 'value', 'source']
    """
    params: list = [origin, years[0], years[1], list(destinations)]
    clause = ""
    if source:
        clause = "AND (source_id = ? OR source_id LIKE ?)"
        params += [source, source.rstrip(":") + ":%"]
    return frame(store.con,
        f"""SELECT destination AS iso3, year::BIGINT AS year, stock AS value, source_id AS source FROM migration
            WHERE origin = ? AND year BETWEEN ? AND ? AND list_contains(?::VARCHAR[], destination) {clause}""",
        params)


def migration_years(store: Store) -> list[int]:
    """The years of the store's bilateral migrant stocks (UN DESA publishes selected years only).

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> migration_years(open_memory_store())
        []
    """
    return [int(r[0]) for r in rows(store.con, "SELECT DISTINCT year FROM migration ORDER BY 1")]


def code_prefix_totals(store: Store, iso3: str, prefix: str, years: tuple[int, int]) -> pl.DataFrame:
    """Per year, the sum of one country's indicators whose code starts with `prefix`, and how many
    codes were summed: year, value, n, source (the source ids, without a file's `-partN` suffix).

    Why: UNODC's Afghanistan opium survey is published as one code per province
    (``UNODC.POPPY.HA.<province>``); the national area is their sum, valid only when every province
    is there — `n` lets the caller check that before using the sum.

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> code_prefix_totals(open_memory_store(), "AFG", "UNODC.POPPY.HA.", (2010, 2020)).height
        0
    """
    return frame(store.con,
        """SELECT year::BIGINT AS year, sum(value) AS value, count(DISTINCT code) AS n,
                  string_agg(DISTINCT split_part(source_id, '-part', 1), ',') AS source
           FROM indicator WHERE iso3 = ? AND code LIKE ? AND year BETWEEN ? AND ? GROUP BY year ORDER BY year""",
        [iso3, prefix + "%", years[0], years[1]])


def indicator_spans(store: Store) -> pl.DataFrame:
    """Indicator codes in the store, per source: code, source, first_year, last_year, countries
    (`/api/indicators`, :meth:`sco_observatory.Observatory.indicators`).

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> "MS.MIL.XPND.CD" in indicator_spans(open_memory_store())["code"].to_list()
        True
    """
    return frame(
        store.con,
        """SELECT code, source_id AS source, min(year) AS first_year, max(year) AS last_year,
                  count(DISTINCT iso3) AS countries FROM indicator GROUP BY code, source_id ORDER BY code, source""",
    )


def source_citations(store: Store, source_ids: Sequence[str]) -> pl.DataFrame:
    """The citation of each of `source_ids` the store holds: id, citation, url, vintage (all text).

    Rule: the source's own citation, else "publisher, title"; vintage is "published YEAR; retrieved
    YYYY-MM-DD" from its provenance record (either part left out when unknown). Ids the store does
    not hold are absent: the caller decides what an unknown key shows.

    Examples:
        >>> from sco_observatory.store import open_memory_store
        >>> source_citations(open_memory_store(), ["embedded:iiss-mb2013", "nope"])["id"].to_list()
        ['embedded:iiss-mb2013']
    """
    ids = list(source_ids)
    found = frame(
        store.con,
        """SELECT source_id AS id, coalesce(citation, publisher || ', ' || title) AS citation, url,
                   concat_ws('; ', 'published ' || year, 'retrieved ' || strftime(retrieved, '%Y-%m-%d')) AS vintage
            FROM source WHERE list_contains(?::VARCHAR[], source_id) ORDER BY source_id""",
        [ids],
    )
    return found.cast({c: pl.Utf8 for c in found.columns})
