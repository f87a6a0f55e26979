"""Metrics: pure, vectorised functions over the store's relations (DuckDB SQL / polars expressions).

Modules (each function's docstring gives its formula and the METHODS.md section it implements):

- `power`       — shares of group totals, pairwise ratios, HHI and Ray–Singer CON, CINC (METHODS §5)
- `trade`       — WITS/UNCTAD trade indicators on bilateral flows (METHODS §4)
- `siei`        — "SIEI-style" integration indices (METHODS §1.3–1.4; *not* the EDB's formulas)
- `convergence` — σ and β convergence, EAEU Treaty Art. 63 criteria (METHODS §6, §1.4)
- `composite`   — min–max normalisation and weighted composites of SIEI-style sub-indices (METHODS §3.3)
- `claims`      — the 2014 report's quantitative statements, recomputed

Shared conventions, implemented here once:

- Indicators are named by code (any code in the store) or by an alias (`ALIASES`).
- Where several sources hold one indicator, **one** source is used for the whole call: the source
  covering most of the requested countries, ties broken by `SOURCE_PRIORITY`; `source=` overrides.
  Values are never mixed across sources within one computation; the chosen source is a column.
- Every query is built once with `sco_observatory.engine` (constant SQL, user values as bound
  parameters) and runs on the engine in force — DuckDB by default, Spark with `--engine spark`.
- Missing is missing: a country without a value keeps its row with `value = null`, is left out of
  shares and concentration, and is counted in `n_missing`. Nothing is ever filled with zero.
"""

from __future__ import annotations

import bisect
from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.metrics import cache
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.dates import years_text

ALIASES: dict[str, str] = {
    "gdp": "NY.GDP.MKTP.CD",
    "gdp_pc": "NY.GDP.PCAP.CD",
    "population": "SP.POP.TOTL",
    "area": "AG.LND.TOTL.K2",
    "defence": "MS.MIL.XPND.CD",
    "defense": "MS.MIL.XPND.CD",
    "armed_forces": "MS.MIL.TOTL.P1",
}
"""User-facing indicator aliases -> store codes (issue 4, item 7)."""

SOURCE_PRIORITY: tuple[str, ...] = (
    "wdi:", "worldbank:", "wb:", "sipri:", "imf", "cow", "undesa", "embedded:",
)
"""Tie-break order of source-id prefixes when two sources cover equally many countries.

Primary statistical releases (WDI, SIPRI, IMF, COW, UN DESA) come before figures quoted in the 2014
report (`embedded:*`); the report's own numbers are used where they are the only ones, or on request
(`source="embedded:iiss-mb2013"`), e.g. to check the report's claims against itself.
"""

DEFAULT_POWER_INDICATORS = ("gdp", "population", "area", "defence", "armed_forces")


class InsufficientGroupError(ObservatoryError):
    """A group metric asked for fewer than two countries."""


def indicator_code(name: str) -> str:
    """Alias or code -> store code (upper case)."""
    key = name.strip()
    return ALIASES.get(key.lower(), key.upper())


def require_group(countries: Sequence[str], minimum: int = 2, what: str = "this metric") -> list[str]:
    """De-duplicated ISO3 list; raises if shorter than `minimum`."""
    out = list(dict.fromkeys(c.upper() for c in countries))
    if len(out) < minimum:
        raise InsufficientGroupError(
            f"{what} needs a group of at least {minimum} countries; got {len(out)} ({', '.join(out) or 'none'})",
            "pass a group expression with more members, e.g. SCO@2012 or KAZ,KGZ,TJK",
        )
    return out


def _priority(source_id: str) -> int:
    for i, prefix in enumerate(SOURCE_PRIORITY):
        if source_id.startswith(prefix):
            return i
    return len(SOURCE_PRIORITY)


def choose_source(store, code: str, countries: Sequence[str], years: tuple[int, int], source: str | None = None) -> str:
    """The one source used for `code` over `countries` and `years` (see module docstring).

    `source` may be a full source id or a prefix ending before ':' (e.g. 'sipri' or 'wdi').
    """
    rows = list(cache.cached(store, ("choose_source", code, tuple(countries), int(years[0]), int(years[1])),
                             lambda: _coverage(store, code, countries, years)))
    if source:
        matching = [r for r in rows if r[0] == source or r[0].startswith(source.rstrip(":") + ":")]
        if not matching:
            held = run(store, query("SELECT DISTINCT source_id FROM indicator WHERE code = $code ORDER BY source_id",
                                    code=code)).rows()
            raise DataMissingError(
                f"source '{source}' holds no {code} for {', '.join(countries)} in {years_text(years)}",
                "sources holding " + code + ": " + (", ".join(r[0] for r in held) or "none")
                + "; `sco data list` shows what is in the store",
            )
        rows = matching
    if not rows:
        _raise_missing(store, code, countries, years)
    rows.sort(key=lambda r: (-r[1], _priority(r[0]), r[0]))
    return rows[0][0]


def indicator_rows(store, code: str) -> pl.DataFrame:
    """Every row the store holds for one indicator code: iso3, year (Int64), value, unit, estimate, source_id.

    Why: `choose_source`, `values`, `series` and the estimate flags each asked the indicator table
    again, one statement per call for a few dozen rows — 190 of a report's 218 statements, each
    scanning the table's files. One code is at most ~16k rows (COW's panels; WDI codes ~14k), read
    once per store commit (`metrics.cache`) and then filtered in polars; where the store has no commit
    to key on (the in-memory store) it is read on every call, so the answers are always the table's."""
    return cache.cached(store, ("indicator_rows", code), lambda: run(store, query(
        """SELECT iso3, CAST(year AS BIGINT) AS year, CAST(value AS DOUBLE) AS value, CAST(unit AS VARCHAR) AS unit,
                  estimate, source_id FROM indicator WHERE code = $code""", code=code)))


def _picked(rows: pl.DataFrame, source: str, years: tuple[int, int], isos: Sequence[str]) -> pl.DataFrame:
    """The rows of one source within `years` (inclusive) for `isos`: the WHERE clause the queries had."""
    return rows.filter((pl.col("source_id") == source) & pl.col("year").is_between(int(years[0]), int(years[1]))
                       & pl.col("iso3").is_in(list(isos)))


def _by_country(store, code: str) -> dict[tuple[str, str], tuple[list[int], list]]:
    """`indicator_rows` of one code as {(source_id, iso3): (years ascending, [(value, unit), ...])}.

    Why a dict: `choose_source` and `values` ask about a handful of countries each, dozens of times
    per report; a polars filter over the code's rows costs ~1 ms of fixed overhead per call, a lookup
    here microseconds. Kept per store commit like the rows it is built from."""
    def build() -> dict:
        groups = (indicator_rows(store, code)
                  .filter(pl.col("year").is_not_null() & pl.col("iso3").is_not_null() & pl.col("source_id").is_not_null())
                  .sort("year").group_by("source_id", "iso3", maintain_order=True)
                  .agg(pl.col("year"), pl.col("value"), pl.col("unit"),
                       pl.col("estimate").fill_null(False).any().over("source_id", "iso3", "year").alias("estimate")))
        return {(src, iso): (years, list(zip(vals, units, ests)))
                for src, iso, years, vals, units, ests in zip(*(groups[c].to_list() for c in groups.columns))}
    return cache.cached(store, ("indicator_by_country", code), build)


def _coverage(store, code: str, countries: Sequence[str], years: tuple[int, int]) -> tuple:
    """(source_id, countries covered) of every source holding `code` for some of `countries` in `years`.

    Kept per store commit (`metrics.cache`): a report asks the same question dozens of times.
    Counted from `_by_country`: per source, the distinct countries with a year in the window."""
    wanted = set(countries)
    y0, y1 = int(years[0]), int(years[1])
    counts: dict[str, int] = {}
    for (src, iso), (held, _) in _by_country(store, code).items():
        if iso in wanted and bisect.bisect_left(held, y0) < bisect.bisect_right(held, y1):
            counts[src] = counts.get(src, 0) + 1
    return tuple(counts.items())


def latest_year(store, code: str, countries: Sequence[str], ceiling: int, *, quorum: float = 0.5) -> int | None:
    """The latest year <= `ceiling` in which the store holds `code` for at least `quorum` of `countries`
    (any source), None when no year qualifies: the rule of `store.queries.latest_indicator_year` (count
    the distinct countries with a row per year, keep the years where count >= quorum · len(countries),
    take the maximum), read from the code's rows kept per store commit (`_by_country`).

    Why: the report asks it for each of its groups and what-ifs; the SQL scanned the indicator table
    once per question (~10 ms each), while the code's rows are already held for the values it shows."""
    wanted = set(countries)
    need = quorum * len(countries)
    held: dict[int, set[str]] = {}
    for (_, iso), (years, _) in _by_country(store, code.upper()).items():
        if iso in wanted:
            for y in years[:bisect.bisect_right(years, ceiling)]:
                held.setdefault(y, set()).add(iso)
    return max((y for y, isos in held.items() if len(isos) >= need), default=None)


def _raise_missing(store, code: str, countries: Sequence[str], years: tuple[int, int]) -> None:
    span = run(store, query("SELECT min(year) AS y0, max(year) AS y1, count(*) AS n FROM indicator WHERE code = $code",
                            code=code)).row(0)
    if not span[2]:
        raise DataMissingError(
            f"the store holds no indicator {code}",
            f"import it, e.g. `sco import {code.lower()}.csv` (WDI long CSV) or `sco fetch worldbank --indicators {code}`; "
            "`sco data list` shows what is there",
        )
    raise DataMissingError(
        f"no {code} values for {', '.join(countries)} in {years_text(years)} "
        f"({len(countries)} of {len(countries)} values missing)",
        f"the store holds {code} for {years_text((span[0], span[1]))}; pick a year in that span or import a source that covers it",
    )


def values(store, indicator: str, countries: Sequence[str], year: int, *, source: str | None = None,
           nearest: int = 0, estimate: bool = False) -> pl.DataFrame:
    """One value per country: columns iso3, year, code, value, unit, source (and `estimate` if asked).

    Every requested country has a row; a country without a value in the chosen source has
    `value = null` (and `year = null`). With `nearest > 0`, a country lacking `year` takes its
    value from the closest year within ±nearest (ties: the earlier year); the `year` column shows
    the year actually used. `estimate=True` adds the publisher's estimate flag of each value (False
    where there is none or no value), read by the same query (power shares print it).
    """
    code = indicator_code(indicator)
    isos = list(dict.fromkeys(c.upper() for c in countries))
    window = (year - nearest, year + nearest)
    src = choose_source(store, code, isos, window, source)
    # per country the row nearest `year`, the earlier of two equally near (what the SQL's
    # row_number() OVER (PARTITION BY iso3 ORDER BY abs(year - $year), year) = 1 chose)
    index = _by_country(store, code)
    found: list[tuple] = []
    for iso in isos:
        held, cells = index.get((src, iso), ((), ()))
        lo, hi = bisect.bisect_left(held, window[0]), bisect.bisect_right(held, window[1])
        best = min(range(lo, hi), key=lambda i: (abs(held[i] - year), held[i]), default=None)
        found.append((iso, None, None, None, False) if best is None else (iso, held[best], *cells[best]))
    out = pl.DataFrame(found, schema={"iso3": pl.String, "year": pl.Int64, "value": pl.Float64, "unit": pl.String, "estimate": pl.Boolean},
                       orient="row")
    flag = [(pl.col("estimate").fill_null(False) & pl.col("value").is_not_null()).alias("estimate")]
    return out.select("iso3", "year", pl.lit(code).alias("code"), "value", "unit", pl.lit(src).alias("source"),
                      *(flag if estimate else []))


def series(store, indicator: str, countries: Sequence[str], years: tuple[int, int], *,
           source: str | None = None) -> pl.DataFrame:
    """Panel of one indicator: iso3, year, code, value, unit, source (one source, rows only where present)."""
    code = indicator_code(indicator)
    isos = list(dict.fromkeys(c.upper() for c in countries))
    src = choose_source(store, code, isos, years, source)
    return (_picked(indicator_rows(store, code), src, years, isos).sort("iso3", "year")
            .select("iso3", "year", pl.lit(code).alias("code"), "value", "unit", pl.col("source_id").alias("source")))


def missing_note(frame: pl.DataFrame, column: str = "value") -> str:
    """'k of n values missing (ISO3, ...)' or '' — for captions and notes."""
    miss = frame.filter(pl.col(column).is_null())["iso3"].to_list()
    return f"{len(miss)} of {frame.height} values missing ({', '.join(miss)})" if miss else ""


__all__ = [
    "ALIASES", "DEFAULT_POWER_INDICATORS", "InsufficientGroupError", "SOURCE_PRIORITY", "choose_source",
    "indicator_code", "indicator_rows", "latest_year", "missing_note", "require_group", "series", "values",
]
