"""SIEI-style education index at pair, country and group level (a proxy, METHODS §1.4).

**Not the EDB's index** (its formula is not public, METHODS §1.2 [NF]). What is verified is that
SIEI II has an education sub-index and scales market-integration flows "relative to the countries'
GDP and population size" [V]. The proxy is the METHODS §1.4 formula:

    pair     E_ij = 100 · (S_{i→j} + S_{j→i}) / (P_i + P_j)        [H — proxy; population scaling V]
    country  E_i  = Σ_{j∈R, j≠i} E_ij                              [H — as for trade, siei.py]
    group    E_R  = 100 · Σ_{i≠j∈R} S_ij / Σ_{i∈R} P_i             [H]

The pair/level helpers of siei.py are reused, so the aggregation is defined once.

* `S_{i→j}`: internationally mobile tertiary students from i studying in j (UNESCO UIS via the
  360info top-10 files, table `student_mobility`); `P` = SP.POP.TOTL. The two UIS files are cuts of
  one UIS table: the destination's count (top-10 origins of j) is used where it names i, else the
  origin's (top-10 destinations of i). "Other countries" (the lumped rest) is not a partner. A pair
  neither file names is **missing** (it is outside both top 10s, so small, but not known): the pair
  index is null and the country/group rows count it; a country whose every pair is missing has no
  index (null), never 0.
* UIS's qualifiers travel with the numbers: at pair level `flags` lists them per direction
  ("KGZ→KAZ: NAT_EST"; NAT_EST national estimate, UIS_EST UIS estimate, INCLUDES/INCLUDED the
  count includes / is included in another), empty where UIS marks nothing.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.dates import years_text
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import require_group
from sco_observatory.metrics.siei_parts import LABEL, Level, _levels, _no_false_zero, _pairs_from_flows, _scale_frame, pair_flags

INBOUND = "uis:students-origins-by-destination"
OUTBOUND = "uis:students-destinations-by-origin"
EVIDENCE_EDUCATION = "[H] proxy after METHODS §1.4 (population scaling [V]); EDB formula not public"


_STUDENT_SQL = """
    SELECT origin, destination AS dest, CAST(year AS BIGINT) AS year,
           arg_min(students, CASE WHEN source_id = $inbound THEN 0 ELSE 1 END) AS value,
           arg_min(source_id, CASE WHEN source_id = $inbound THEN 0 ELSE 1 END) AS used,
           arg_min(coalesce(qualifier, ''), CASE WHEN source_id = $inbound THEN 0 ELSE 1 END) AS flag
    FROM student_mobility
    WHERE source_id IN ($inbound, $outbound) AND year BETWEEN $y0 AND $y1
      AND origin IN ($isos) AND destination IN ($isos2) AND origin <> destination
    GROUP BY origin, destination, year"""


def _student_flows(store, isos: list[str], years: tuple[int, int]) -> pl.DataFrame:
    """origin, dest, year, value (students), used, flag: one UIS count per directed pair, inbound file first."""
    return run(store, query(_STUDENT_SQL, inbound=INBOUND, outbound=OUTBOUND, y0=int(years[0]), y1=int(years[1]),
                            isos=list(isos), isos2=list(isos)))


def education_index(store, countries: Sequence[str], years: tuple[int, int], level: Level = "pair", *,
                    population_source: str | None = None) -> pl.DataFrame:
    """SIEI-style education index `100·(S_ij + S_ji)/(P_i + P_j)` [H] (see the module docstring)."""
    isos = require_group(countries, 2, "a SIEI-style index")
    flows = _student_flows(store, isos, years)
    if flows.height == 0:
        raise DataMissingError(
            f"no bilateral student counts for {', '.join(isos)} in {years_text(years)}",
            "import the UIS files: `sco import popular-origins-by-destination.csv popular-destinations-by-origin.csv`")
    used = ",".join(sorted(set(flows["used"].to_list())))
    scale = _scale_frame(store, "SP.POP.TOTL", isos, years, population_source)
    meta = {"label": LABEL, "dimension": "education", "formula": "100·(S_ij + S_ji)/(P_i + P_j) (METHODS §1.4)",
            "basis": "students enrolled abroad (stock in the year)", "valuation": "persons",
            "evidence": EVIDENCE_EDUCATION, "source": used}
    frame = _no_false_zero(_levels(_pairs_from_flows(flows.drop("used", "flag"), scale, isos), level, meta))
    return pair_flags(flows, frame)
