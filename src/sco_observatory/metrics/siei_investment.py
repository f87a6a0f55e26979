"""SIEI-style investment index at pair, country and group level (a proxy, METHODS §1.4).

**Not the EDB's index**: the EDB builds its mutual-investment index on its own Monitoring of Mutual
Investments data, and its formula is not public (METHODS §1.1 [V], §1.2 [NF]). Verified is the GDP
scaling of SIEI II's market-integration indices [V]. The proxy:

    pair     I_ij = 100 · (D_{i→j} + D_{j→i}) / (Y_i + Y_j)        [H — proxy; GDP scaling V]
    country  I_i  = Σ_{j∈R, j≠i} I_ij                              [H]
    group    I_R  = 100 · Σ_{i≠j∈R} D_ij / Σ_{i∈R} Y_i             [H]

* `D_{i→j}`: end-year outward direct-investment position of i in j as reported by i (IMF CDIS Table
  6-o, table `direct_investment`); `Y` = NY.GDP.MKTP.CD (current US$). Only economies that report
  outward positions contribute their direction (UZB, TKM, IRN, AFG, MNG do not report), and
  confidential cells (CDIS marker `C`) are missing — so many pairs are null, never zero. Positions
  can be negative (reverse investment) and are used as published.
* The IMF's marker travels with the number: at pair level `flags` names each direction the IMF
  marks ("RUS→KAZ: C" = confidential).
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.dates import years_text
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import require_group
from sco_observatory.metrics.siei_parts import LABEL, Level, _levels, _no_false_zero, _pairs_from_flows, _scale_frame, pair_flags

CDIS = "imf-cdis:outward-6o"
EVIDENCE_INVESTMENT = "[H] proxy after METHODS §1.4 (GDP scaling [V]); EDB uses its own MMI data, formula not public"

_INVESTMENT_SQL = """
    SELECT reporter AS origin, counterpart AS dest, CAST(year AS BIGINT) AS year, position_usd AS value,
           marker AS flag
    FROM direct_investment WHERE source_id = $cdis AND year BETWEEN $y0 AND $y1
      AND reporter IN ($isos) AND counterpart IN ($isos2) AND reporter <> counterpart"""


def investment_index(store, countries: Sequence[str], years: tuple[int, int], level: Level = "pair", *,
                     gdp_source: str | None = None) -> pl.DataFrame:
    """SIEI-style investment index `100·(D_ij + D_ji)/(Y_i + Y_j)` [H] (see the module docstring)."""
    isos = require_group(countries, 2, "a SIEI-style index")
    flows = run(store, query(_INVESTMENT_SQL, cdis=CDIS, y0=int(years[0]), y1=int(years[1]),
                             isos=list(isos), isos2=list(isos)))
    if flows.height == 0:
        raise DataMissingError(
            f"no bilateral direct-investment positions for {', '.join(isos)} in {years_text(years)}",
            "import IMF CDIS: `sco import cdis_table6o_outward_positions_2009_2022_focus.csv`")
    scale = _scale_frame(store, "NY.GDP.MKTP.CD", isos, years, gdp_source)
    meta = {"label": LABEL, "dimension": "investment", "formula": "100·(D_ij + D_ji)/(Y_i + Y_j) (METHODS §1.4)",
            "basis": "outward positions reported by the investor (IMF CDIS 6-o)", "valuation": "US$, end of year",
            "evidence": EVIDENCE_INVESTMENT, "source": CDIS}
    frame = _no_false_zero(_levels(_pairs_from_flows(flows.drop("flag"), scale, isos), level, meta))
    return pair_flags(flows, frame)
