"""The store's schema and its migrations, one list of SQL steps per schema version.

Tidy long tables (DESIGN.md "Data model"); every data row carries `source_id`, and `source` records
where the rows came from (title, publisher, URL, licence, retrieval time, sha256 of the file).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

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
}

# Columns of each data table in insertion order (source_id last).
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("iso3", "year", "code", "value", "unit", "estimate", "source_id"),
    "trade": ("reporter", "partner", "year", "flow", "product", "value_usd", "valuation", "estimate", "source_id"),
    "migration": ("origin", "destination", "year", "stock", "source_id"),
}

KEYS: dict[str, tuple[str, ...]] = {
    "indicator": ("iso3", "year", "code"),
    "trade": ("reporter", "partner", "year", "flow", "product"),
    "migration": ("origin", "destination", "year"),
}

VALUE_COLUMN = {"indicator": "value", "trade": "value_usd", "migration": "stock"}
