"""The store's schema and its migrations, one list of SQL steps per schema version.

Tidy long tables (DESIGN.md "Data model"); every data row carries `source_id`, and `source` records
where the rows came from (title, publisher, URL, licence, retrieval time, sha256 of the file).
"""

from __future__ import annotations

SCHEMA_VERSION = 3

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
        """CREATE TABLE IF NOT EXISTS source (
            source_id VARCHAR PRIMARY KEY,
            title VARCHAR NOT NULL,
            publisher VARCHAR NOT NULL,
            year INTEGER,
            url VARCHAR,
            licence VARCHAR,
            citation VARCHAR,
            retrieved TIMESTAMP NOT NULL,
            sha256 VARCHAR,
            file_name VARCHAR,
            format VARCHAR NOT NULL,
            table_name VARCHAR NOT NULL,
            rows BIGINT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS indicator (
            iso3 VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            code VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            unit VARCHAR,
            estimate BOOLEAN DEFAULT FALSE,
            source_id VARCHAR NOT NULL,
            PRIMARY KEY (iso3, year, code, source_id)
        )""",
        """CREATE TABLE IF NOT EXISTS trade (
            reporter VARCHAR NOT NULL,
            partner VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            flow VARCHAR NOT NULL CHECK (flow IN ('X', 'M')),
            product VARCHAR NOT NULL,
            value_usd DOUBLE NOT NULL CHECK (value_usd >= 0),
            valuation VARCHAR CHECK (valuation IN ('FOB', 'CIF')),
            estimate BOOLEAN DEFAULT FALSE,
            source_id VARCHAR NOT NULL,
            PRIMARY KEY (reporter, partner, year, flow, product, source_id)
        )""",
        """CREATE TABLE IF NOT EXISTS migration (
            origin VARCHAR NOT NULL,
            destination VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            stock DOUBLE NOT NULL CHECK (stock >= 0),
            source_id VARCHAR NOT NULL,
            PRIMARY KEY (origin, destination, year, source_id)
        )""",
    ],
    # v2: the data tables lose their primary-key indexes. Keys are unique per source by construction
    # (every write goes through the import path, which refuses conflicting duplicates and keeps one of
    # identical ones), and maintaining an ART index over a 10M-row BACI year cost most of the import
    # time and ~3 GB of memory. Tables are rebuilt with the same columns and checks.
    2: [
        stmt
        for table, columns in (
            ("indicator", """iso3 VARCHAR NOT NULL, year INTEGER NOT NULL, code VARCHAR NOT NULL,
                value DOUBLE NOT NULL, unit VARCHAR, estimate BOOLEAN DEFAULT FALSE, source_id VARCHAR NOT NULL"""),
            ("trade", """reporter VARCHAR NOT NULL, partner VARCHAR NOT NULL, year INTEGER NOT NULL,
                flow VARCHAR NOT NULL CHECK (flow IN ('X', 'M')), product VARCHAR NOT NULL,
                value_usd DOUBLE NOT NULL CHECK (value_usd >= 0), valuation VARCHAR CHECK (valuation IN ('FOB', 'CIF')),
                estimate BOOLEAN DEFAULT FALSE, source_id VARCHAR NOT NULL"""),
            ("migration", """origin VARCHAR NOT NULL, destination VARCHAR NOT NULL, year INTEGER NOT NULL,
                stock DOUBLE NOT NULL CHECK (stock >= 0), source_id VARCHAR NOT NULL"""),
        )
        for stmt in (
            f"CREATE TABLE {table}_v2 ({columns})",
            f"INSERT INTO {table}_v2 SELECT * FROM {table}",
            f"DROP TABLE {table}",
            f"ALTER TABLE {table}_v2 RENAME TO {table}",
        )
    ],
    # v3: three new pair tables for the SIEI education, investment and security dimensions, each
    # filled by its reader (ingest/uis_students.py, ingest/imf_cdis.py, ingest/sipri_arms.py).
    3: [
        """CREATE TABLE IF NOT EXISTS student_mobility (
            origin VARCHAR NOT NULL, destination VARCHAR NOT NULL, year INTEGER NOT NULL,
            students DOUBLE NOT NULL CHECK (students >= 0), qualifier VARCHAR, source_id VARCHAR NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS direct_investment (
            reporter VARCHAR NOT NULL, counterpart VARCHAR NOT NULL, year INTEGER NOT NULL,
            position_usd DOUBLE, marker VARCHAR, source_id VARCHAR NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS arms_transfer (
            supplier VARCHAR NOT NULL, recipient VARCHAR NOT NULL, year INTEGER NOT NULL, deal_id BIGINT NOT NULL,
            tiv DOUBLE NOT NULL CHECK (tiv >= 0), units DOUBLE, units_estimate BOOLEAN, year_estimate BOOLEAN,
            designation VARCHAR, description VARCHAR, category VARCHAR, order_year INTEGER,
            order_year_estimate BOOLEAN, status VARCHAR, tiv_per_unit DOUBLE, tiv_per_new_unit DOUBLE,
            local_production BOOLEAN,
            source_id VARCHAR NOT NULL)""",
    ],
}

# Columns of each data table in insertion order (source_id last).
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("iso3", "year", "code", "value", "unit", "estimate", "source_id"),
    "trade": ("reporter", "partner", "year", "flow", "product", "value_usd", "valuation", "estimate", "source_id"),
    "migration": ("origin", "destination", "year", "stock", "source_id"),
    "student_mobility": ("origin", "destination", "year", "students", "qualifier", "source_id"),
    "direct_investment": ("reporter", "counterpart", "year", "position_usd", "marker", "source_id"),
    "arms_transfer": ("supplier", "recipient", "year", "deal_id", "tiv", "units", "units_estimate", "year_estimate",
                      "designation", "description", "category", "order_year", "order_year_estimate", "status",
                      "tiv_per_unit", "tiv_per_new_unit", "local_production", "source_id"),
}

KEYS: dict[str, tuple[str, ...]] = {
    "indicator": ("iso3", "year", "code"),
    "trade": ("reporter", "partner", "year", "flow", "product"),
    "migration": ("origin", "destination", "year"),
    "student_mobility": ("origin", "destination", "year"),
    "direct_investment": ("reporter", "counterpart", "year"),
    "arms_transfer": ("deal_id", "year"),
}

COUNTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("iso3",),
    "trade": ("reporter", "partner"),
    "migration": ("origin", "destination"),
    "student_mobility": ("origin", "destination"),
    "direct_investment": ("reporter", "counterpart"),
    "arms_transfer": ("supplier", "recipient"),
}
"""Columns holding countries (ISO3), per data table: a country counts once whichever column it is in."""

VALUE_COLUMN = {"indicator": "value", "trade": "value_usd", "migration": "stock", "student_mobility": "students",
                "direct_investment": "position_usd", "arms_transfer": "tiv"}

# Tables whose value may be missing on a stored row because the publisher marks it (CDIS "C",
# confidential): the marker column says why; every other table's value is NOT NULL.
VALUE_MAY_BE_MISSING = frozenset({"direct_investment"})
