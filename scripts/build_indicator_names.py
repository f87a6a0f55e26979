"""Build the label table `src/sco_observatory/data/indicator_names.csv` from the sources' own names.

    python scripts/build_indicator_names.py [--data DIR] [--out FILE]

DIR defaults to $SCO_SHARED_DATA, else ../shared/data. Each row is (code, name, origin), where
origin says which file the name was read from:

- the World Bank's own indicator names of the 24 WDI files, as listed per file in
  `wdi/PROVENANCE.md` (copied there from each indicator's `datapackage.json` title);
- the `Indicator Name` column of World Bank bulk downloads (`API_<code>_DS2_*.csv`) found anywhere
  under DIR (e.g. `military_expenditure/API_MS.MIL.XPND.CD_*.csv`);
- for codes no shared file names, `NAMED_HERE` below: the publisher's wording taken from its
  documentation, with the reference in the origin column (COW NMC v7 codebook, SIPRI, IISS, WDI).

A name found in a file always wins over `NAMED_HERE`. `sco_observatory.labels` reads the CSV;
tests/test_labels.py checks the CSV against this script's output on the shared data.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "sco_observatory" / "data" / "indicator_names.csv"

NAMED_HERE: dict[str, tuple[str, str]] = {
    # code -> (name, where the wording comes from); used only where no shared file carries a name
    "MS.MIL.TOTL.P1": ("Armed forces personnel, total", "WDI indicator name (World Bank); not in the shared files"),
    "COW.NMC.CINC": ("Composite Index of National Capability (share of system total)", "COW NMC v7.0 codebook"),
    "COW.NMC.MILEX": ("Military expenditure (thousands of current US$)", "COW NMC v7.0 codebook"),
    "COW.NMC.MILPER": ("Military personnel (thousands)", "COW NMC v7.0 codebook"),
    "COW.NMC.IRST": ("Iron and steel production (thousands of tons)", "COW NMC v7.0 codebook"),
    "COW.NMC.PEC": ("Primary energy consumption (thousands of coal-ton equivalents)", "COW NMC v7.0 codebook"),
    "COW.NMC.TPOP": ("Total population (thousands)", "COW NMC v7.0 codebook"),
    "COW.NMC.UPOP": ("Urban population (thousands)", "COW NMC v7.0 codebook"),
    "SIPRI.MILEX.CONST2023.USD": ("Military expenditure (constant 2023 US$)", "SIPRI Military Expenditure Database 2024"),
    "SIPRI.MILEX.PC.USD": ("Military expenditure per capita (current US$)", "SIPRI Military Expenditure Database 2024"),
    "IISS.MIL.XPND.PC": ("Defence expenditure per capita (current US$)", "IISS, The Military Balance 2013"),
}

_PROVENANCE_LINE = re.compile(r"^- `[^`]+\.csv` — (?P<code>[A-Z0-9.]+) — (?P<name>.+?) — \d{4} \.\. \d{4}")


def wdi_provenance(data: Path) -> dict[str, tuple[str, str]]:
    """code -> (name, origin) from the per-file list of wdi/PROVENANCE.md."""
    path = data / "wdi" / "PROVENANCE.md"
    out: dict[str, tuple[str, str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            hit = _PROVENANCE_LINE.match(line)
            if hit:
                out[hit["code"]] = (hit["name"].strip(), "World Bank WDI: wdi/PROVENANCE.md (datapackage.json titles)")
    return out


def bulk_downloads(data: Path) -> dict[str, tuple[str, str]]:
    """code -> (name, origin) from the `Indicator Name` column of World Bank API_* bulk files."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(data.rglob("API_*_DS2_*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith('"Country Name"')), None)
        if start is None:
            continue
        for row in csv.DictReader(io.StringIO("\n".join(lines[start:]))):
            code, name = (row.get("Indicator Code") or "").strip(), (row.get("Indicator Name") or "").strip()
            if code and name:
                out.setdefault(code, (name, f"World Bank bulk download: {path.relative_to(data)}"))
    return out


def build(data: Path) -> list[tuple[str, str, str]]:
    found = {**bulk_downloads(data), **wdi_provenance(data)}
    rows = {code: named for code, named in NAMED_HERE.items()}
    rows.update(found)
    return sorted((code, name, origin) for code, (name, origin) in rows.items())


def render(rows: list[tuple[str, str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("code", "name", "origin"))
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SCO_SHARED_DATA", "../shared/data")))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.data / "wdi").is_dir():
        print(f"error: {args.data} holds no wdi/ folder — pass --data to the shared data folder", file=sys.stderr)
        return 2
    rows = build(args.data)
    args.out.write_text(render(rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} indicator names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
