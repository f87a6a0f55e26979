"""Write a synthetic CEPII BACI year (t,i,j,k,v,q) for measuring import speed and memory.

The values are random; the structure is BACI's: one row per (exporter, importer, HS6 product), real
country codes (ISO numeric as BACI writes them, with BACI's own 842 USA, 251 FRA, 699 IND, 757 CHE,
579 NOR, 490 Other Asia nes), six-digit product codes, value in thousand US$, quantity in tonnes.
A matching `country_codes_V000000.csv` is written beside it. DuckDB writes the file (a few seconds
for 10M rows). Never commit the output: it is generated data for benchmarks only.

Usage:
    python benchmarks/make_baci_sample.py OUT_DIR [--rows 10000000] [--year 2022]
    /usr/bin/time -v sco import OUT_DIR/BACI_HS17_Y2022_V000000.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

# BACI (Comtrade) codes that differ from ISO 3166 numeric: code -> ISO3 (see data/comtrade_codes.csv).
BACI_SPECIAL = {842: "USA", 251: "FRA", 699: "IND", 757: "CHE", 579: "NOR", 490: "S19"}


def country_codes() -> list[tuple[int, str, str, str]]:
    """(code, name, iso2, iso3) for the countries country_converter knows, with BACI's special codes."""
    import country_converter as coco

    data = coco.CountryConverter().data
    special_iso = {v for v in BACI_SPECIAL.values()} | {"TWN"}
    rows = []
    for code, name, iso2, iso3 in zip(data["ISOnumeric"], data["name_short"], data["ISO2"], data["ISO3"]):
        try:
            code = int(code)
        except (TypeError, ValueError):
            continue
        if iso3 in special_iso:
            continue
        rows.append((code, name, iso2, iso3))
    rows += [(code, "Other Asia, nes" if iso3 == "S19" else iso3, "" if iso3 == "S19" else iso3[:2], iso3)
             for code, iso3 in BACI_SPECIAL.items()]
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--year", type=int, default=2022)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    codes = country_codes()
    codes_path = args.out_dir / "country_codes_V000000.csv"
    with open(codes_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        writer.writerows(codes)
    n = len(codes)
    pairs = n * (n - 1)
    out = args.out_dir / f"BACI_HS17_Y{args.year}_V000000.csv"
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT unnest(?::INTEGER[]) AS code, generate_subscripts(?::INTEGER[], 1) - 1 AS idx",
                [[c[0] for c in codes], [c[0] for c in codes]])
    # Row r -> a unique (exporter, importer, product): exporter r % n, importer shifted so i != j.
    con.execute(f"""
        COPY (
            SELECT {args.year} AS t, ci.code AS i, cj.code AS j,
                   lpad(((r // {pairs}) * 37 % 9700 + 101)::VARCHAR || lpad(((r // {pairs}) % 100)::VARCHAR, 2, '0'), 6, '0') AS k,
                   round(random() * 5000 + 0.001, 3) AS v,
                   CASE WHEN random() < 0.1 THEN NULL ELSE round(random() * 900, 3) END AS q
            FROM (SELECT range AS r FROM range({args.rows})) g
            JOIN c ci ON ci.idx = r % {n}
            JOIN c cj ON cj.idx = (r % {n} + 1 + (r // {n}) % ({n} - 1)) % {n}
            ORDER BY r
        ) TO '{out}' (HEADER, DELIMITER ',')""")
    print(f"wrote {out} ({args.rows:,} rows) and {codes_path}")


if __name__ == "__main__":
    main()
