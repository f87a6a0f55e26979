"""Read queries over the store that more than one layer needs (CLI, report, web, metrics)."""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.errors import DataMissingError
from sco_observatory.store.db import Store


def catalog(store: Store) -> pl.DataFrame:
    """One row per source and dataset: what is in the store, for which years and how many countries."""
    return store.con.sql(
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
        """
    ).pl()


def indicator_spans(store: Store) -> pl.DataFrame:
    """One row per indicator code and source: code, source, first_year, last_year, countries (`/api/indicators`,
    :meth:`sco_observatory.Observatory.indicators`)."""
    return store.con.sql(
        """SELECT code, source_id AS source, min(year) AS first_year, max(year) AS last_year,
                  count(DISTINCT iso3) AS countries FROM indicator GROUP BY code, source_id ORDER BY code, source"""
    ).pl()


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
    frame = store.con.execute(
        f"""SELECT iso3, year, code, value, unit, source_id AS source FROM indicator
            WHERE {' AND '.join(where)} ORDER BY iso3, year, source""",
        params,
    ).pl()
    if frame.height == 0:
        known = store.con.execute("SELECT count(*) FROM indicator WHERE code = ?", [code]).fetchone()[0]
        if not known:
            raise DataMissingError(
                f"the store holds no indicator {code}",
                f"import it, e.g. `sco import API_{code}_DS2_en_csv_v2.csv` or `sco fetch worldbank --indicators {code}`; "
                "`sco data list` shows what is there",
            )
    return frame
