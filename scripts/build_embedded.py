"""Rebuild the embedded default (package data) from the report's re-aligned tables.

Usage: python scripts/build_embedded.py ../shared/seed/tables

Converts the tables of Koldunova & Das Kundu (2014) to canonical units (US$, persons, sq km) under
WDI codes where one exists, and copies the report's own group totals and stated ratios (used by the
claims checker). Run it again only if the seed tables change; the output is committed.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "sco_observatory" / "data" / "report_2014"


def scaled(text: str, factor: float) -> str:
    return "" if text == "" else repr(round(float(text) * factor, 6))


def main(seed: Path) -> None:
    rows: list[list[str]] = []
    with open(seed / "defence_2010_2012.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            iso3, year = r["country_iso3"], r["year"]
            for column, code, factor, unit in [
                ("defence_spending_usd_m", "MS.MIL.XPND.CD", 1e6, "current US$"),
                ("defence_spending_per_capita_usd", "IISS.MIL.XPND.PC", 1, "current US$ per person"),
                ("defence_spending_pct_gdp", "MS.MIL.XPND.GD.ZS", 1, "% of GDP"),
            ]:
                if r[column]:
                    rows.append([iso3, year, code, scaled(r[column], factor), unit, "iiss-mb2013", ""])
            # The table gives one armed-forces figure per country (The Military Balance 2013, i.e. end-2012).
            if year == "2012" and r["armed_forces_thousands"]:
                rows.append([iso3, year, "MS.MIL.TOTL.P1", scaled(r["armed_forces_thousands"], 1e3), "persons",
                             "iiss-mb2013", "one figure per country in the report's table; dated 2012 (Military Balance 2013)"])
    with open(seed / "area_population.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            year = r["population_year"]
            rows.append([r["country_iso3"], year, "AG.LND.TOTL.K2", scaled(r["land_area_mln_sq_km"], 1e6), "sq. km",
                         "wb2014-report", "the report gives no year for land area; stored under the population year"])
            rows.append([r["country_iso3"], year, "SP.POP.TOTL", scaled(r["population_mln"], 1e6), "persons",
                         "wb2014-report", "population year inferred (matches World Bank 2013 values)"])
    with open(seed / "group_totals.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["group"] == "world":
                rows.append(["WLD", "2013", "AG.LND.TOTL.K2", scaled(r["land_area_mln_sq_km"], 1e6), "sq. km",
                             "wb2014-report", "world total as printed in the report"])
                rows.append(["WLD", "2013", "SP.POP.TOTL", scaled(r["population_mln"], 1e6), "persons",
                             "wb2014-report", "world total as printed in the report"])
    with open(seed / "gdp_per_capita_2012.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append([r["country_iso3"], r["year"], "NY.GDP.PCAP.CD", r["gdp_per_capita_usd"], "current US$",
                         "koldunova2014", "stated in the text (section on Central Asian development)"])
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "indicators.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["iso3", "year", "code", "value", "unit", "source_key", "note"])
        writer.writerows(rows)
    for name in ("group_totals.csv", "stated_ratios.csv"):
        shutil.copyfile(seed / name, OUT / name)
    print(f"wrote {len(rows)} indicator rows to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
