"""SIEI-style education and investment indices at pair, country and group level (proxies, METHODS §1.4).

**Not the EDB's indices** (their formulas are not public, METHODS §1.2 [NF]). What is verified is
that SIEI II has education and investment sub-indices and scales market-integration flows "relative
to the countries' GDP and population size" [V]. The proxies here are the METHODS §1.4 formulas:

    education   E_ij = 100 · (S_{i→j} + S_{j→i}) / (P_i + P_j)        [H — proxy; population scaling V]
    investment  I_ij = 100 · (D_{i→j} + D_{j→i}) / (Y_i + Y_j)        [H — proxy; GDP scaling V]

with country `Σ_{j∈R, j≠i}` of the pair index and group `100 · Σ_{i≠j∈R} f_ij / Σ_{i∈R} y_i`, as for
the trade and migration indices (siei.py, whose pair/level helpers are reused so the aggregation is
defined once).

* `S_{i→j}`: internationally mobile tertiary students from i studying in j (UNESCO UIS via the
  360info top-10 files, table `student_mobility`); `P` = SP.POP.TOTL. The two UIS files are cuts of
  one UIS table: the destination's count (top-10 origins of j) is used where it names i, else the
  origin's (top-10 destinations of i). A pair neither file names is **missing** (it is outside both
  top 10s, so small, but not known): the pair index is null and the country/group rows count it.
* `D_{i→j}`: end-year outward direct-investment position of i in j as reported by i (IMF CDIS Table
  6-o, table `direct_investment`); `Y` = NY.GDP.MKTP.CD. Only economies that report outward positions
  contribute their direction (UZB, TKM, IRN, AFG, MNG do not report), and confidential (`C`) cells are
  missing, so many pairs are null. Positions can be negative (reverse investment) and are used as
  published.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import require_group
from sco_observatory.metrics.siei import LABEL, Level, _levels, _pairs_from_flows, _scale_frame

INBOUND = "uis:students-origins-by-destination"
OUTBOUND = "uis:students-destinations-by-origin"
CDIS = "imf-cdis:outward-6o"
EVIDENCE_EDUCATION = "[H] proxy after METHODS §1.4 (population scaling [V]); EDB formula not public"
EVIDENCE_INVESTMENT = "[H] proxy after METHODS §1.4 (GDP scaling [V]); EDB uses its own MMI data, formula not public"


def _no_false_zero(frame: pl.DataFrame) -> pl.DataFrame:
    """A country whose every pair is missing has no index (null), not 0: the sum over no values."""
    if "pairs_missing" in frame.columns:
        return frame.with_columns(pl.when(pl.col("pairs_missing") == pl.col("pairs")).then(None)
                                  .otherwise(pl.col("value")).alias("value"))
    return frame


_STUDENT_SQL = """
    SELECT origin, destination AS dest, CAST(year AS BIGINT) AS year,
           arg_min(students, CASE WHEN source_id = $inbound THEN 0 ELSE 1 END) AS value,
           arg_min(source_id, CASE WHEN source_id = $inbound THEN 0 ELSE 1 END) AS used
    FROM student_mobility
    WHERE source_id IN ($inbound, $outbound) AND year BETWEEN $y0 AND $y1
      AND origin IN ($isos) AND destination IN ($isos2) AND origin <> destination
    GROUP BY origin, destination, year"""

_INVESTMENT_SQL = """
    SELECT reporter AS origin, counterpart AS dest, CAST(year AS BIGINT) AS year, position_usd AS value
    FROM direct_investment WHERE source_id = $cdis AND year BETWEEN $y0 AND $y1
      AND reporter IN ($isos) AND counterpart IN ($isos2) AND reporter <> counterpart"""


def _student_flows(store, isos: list[str], years: tuple[int, int]) -> pl.DataFrame:
    """origin, dest, year, value (students), used: one UIS count per directed pair, inbound file first."""
    return run(store, query(_STUDENT_SQL, inbound=INBOUND, outbound=OUTBOUND, y0=int(years[0]), y1=int(years[1]),
                            isos=list(isos), isos2=list(isos)))


def education_index(store, countries: Sequence[str], years: tuple[int, int], level: Level = "pair", *,
                    population_source: str | None = None) -> pl.DataFrame:
    """SIEI-style education index `100·(S_ij + S_ji)/(P_i + P_j)` [H] (see the module docstring)."""
    isos = require_group(countries, 2, "a SIEI-style index")
    flows = _student_flows(store, isos, years)
    if flows.height == 0:
        raise DataMissingError(
            f"no bilateral student counts for {', '.join(isos)} in {years[0]}-{years[1]}",
            "import the UIS files: `sco import popular-origins-by-destination.csv popular-destinations-by-origin.csv`")
    used = ",".join(sorted(set(flows["used"].to_list())))
    scale = _scale_frame(store, "SP.POP.TOTL", isos, years, population_source)
    meta = {"label": LABEL, "dimension": "education", "formula": "100·(S_ij + S_ji)/(P_i + P_j) (METHODS §1.4)",
            "basis": "students enrolled abroad (stock in the year)", "valuation": "persons",
            "evidence": EVIDENCE_EDUCATION, "source": used}
    return _no_false_zero(_levels(_pairs_from_flows(flows.drop("used"), scale, isos), level, meta))


def investment_index(store, countries: Sequence[str], years: tuple[int, int], level: Level = "pair", *,
                     gdp_source: str | None = None) -> pl.DataFrame:
    """SIEI-style investment index `100·(D_ij + D_ji)/(Y_i + Y_j)` [H] (see the module docstring)."""
    isos = require_group(countries, 2, "a SIEI-style index")
    flows = run(store, query(_INVESTMENT_SQL, cdis=CDIS, y0=int(years[0]), y1=int(years[1]),
                             isos=list(isos), isos2=list(isos)))
    if flows.height == 0:
        raise DataMissingError(
            f"no bilateral direct-investment positions for {', '.join(isos)} in {years[0]}-{years[1]}",
            "import IMF CDIS: `sco import cdis_table6o_outward_positions_2009_2022_focus.csv`")
    scale = _scale_frame(store, "NY.GDP.MKTP.CD", isos, years, gdp_source)
    meta = {"label": LABEL, "dimension": "investment", "formula": "100·(D_ij + D_ji)/(Y_i + Y_j) (METHODS §1.4)",
            "basis": "outward positions reported by the investor (IMF CDIS 6-o)", "valuation": "US$, end of year",
            "evidence": EVIDENCE_INVESTMENT, "source": CDIS}
    return _no_false_zero(_levels(_pairs_from_flows(flows, scale, isos), level, meta))
