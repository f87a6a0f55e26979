"""Write a synthetic CEPII BACI year (t,i,j,k,v,q) with realistic skew, seeded and reproducible.

The structure is BACI's: one row per (exporter, importer, HS6 product), real country codes (ISO
numeric as BACI writes them, with BACI's own 842 USA, 251 FRA, 699 IND, 757 CHE, 579 NOR, 490 Other
Asia nes), six-digit product codes (HS chapters 01-97 without 77, ~5,300 subheadings like HS 2017's
5,387), value in thousand US$, quantity in tonnes. A matching `country_codes_V000000.csv` is written
beside it. Never commit the output: it is generated data for benchmarks only.

The skew is what makes it realistic for speed (hash-table sizes, group sizes, join fan-out):

- **economy size** is Zipf-like by rank (`size ∝ rank^-1.1`); the largest traders take the first
  ranks in their real order (CHN, USA, DEU, ...), the rest are shuffled with the seed;
- **rows per exporter** are Zipf-like at the top with an exponential tail (`∝ rank^-0.45·e^(-rank/55)`):
  the top exporter has ~7 % of the rows, the median ~8,000, the smallest a few hundred — as in BACI;
- **which cells** an exporter fills are drawn without replacement (Gumbel top-k) with probability
  ∝ importer size^0.8 × product popularity (Zipf `rank^-0.9` over products) × a lognormal
  exporter-specific affinity (specialisation, so RCA varies): the number of products per exporter
  and of partners per product come out heavy-tailed;
- **values** are lognormal (gravity in logs: `ln v = μ + 0.9 ln size_i + 0.7 ln size_j + 0.3 ln pop_k
  + 2.5·ε`), median ~40 and mean ~2,800 thousand US$ (a ~28 trn US$ world), rounded to BACI's
  3 decimals (minimum 0.001);
  quantity = value / a lognormal unit value, missing for 8 % of rows.

Everything comes from `numpy.random.default_rng(--seed)`: the same seed and rows give the same
file, byte for byte. 10M rows take ~20 s and ~1.2 GB of memory; the summary printed at the end
(rows per exporter, products per exporter, value quantiles) is the evidence of the skew.

Usage:
    python benchmarks/make_baci_sample.py OUT_DIR [--rows 10000000] [--year 2022] [--seed 20221]
    /usr/bin/time -v sco import OUT_DIR/BACI_HS17_Y2022_V000000.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

# BACI (Comtrade) codes that differ from ISO 3166 numeric: code -> ISO3 (see data/comtrade_codes.csv).
BACI_SPECIAL = {842: "USA", 251: "FRA", 699: "IND", 757: "CHE", 579: "NOR", 490: "S19"}
# The largest goods traders in roughly their 2022 order: they take the first size ranks.
TOP_TRADERS = ["CHN", "USA", "DEU", "NLD", "JPN", "KOR", "ITA", "FRA", "BEL", "HKG", "GBR", "MEX", "CAN",
               "S19", "RUS", "SGP", "IND", "ESP", "CHE", "ARE", "AUS", "SAU", "POL", "VNM", "MYS", "BRA",
               "THA", "IDN", "CZE", "TUR"]


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


def hs6_codes(rng: np.random.Generator) -> np.ndarray:
    """~5,300 six-digit codes: chapters 01-97 (no 77), 4-21 headings each, 1-12 subheadings each."""
    subs = np.array([10, 20, 30, 40, 50, 60, 90, 11, 12, 19, 21, 29, 31, 39, 91, 99])
    codes = []
    for ch in [c for c in range(1, 98) if c != 77]:  # 96 chapters: building the code list, not data rows
        n_head = int(rng.integers(4, 22))
        for h in np.sort(rng.choice(np.arange(1, 41), n_head, replace=False)):
            n_sub = int(min(len(subs), rng.geometric(0.22)))
            for s in np.sort(subs[:n_sub]):
                codes.append(f"{ch:02d}{h:02d}{s:02d}")
    return np.array(sorted(set(codes)))


def generate(rows: int, seed: int, n_countries: int) -> dict[str, np.ndarray]:
    """Index arrays i, j (country positions), k (product position) and values v, q (see module docstring)."""
    rng = np.random.default_rng(seed)
    products = hs6_codes(rng)
    n, p = n_countries, len(products)
    # country size by rank (the rank order is set by the caller via `order`)
    size = np.arange(1, n + 1, dtype=float) ** -1.1
    size /= size.sum()
    # product popularity: Zipf over a seeded permutation of the products
    pop = np.empty(p)
    pop[rng.permutation(p)] = np.arange(1, p + 1, dtype=float) ** -0.9
    pop /= pop.sum()
    # rows per exporter: Zipf by rank, capped at the exporter's cells, summing exactly to `rows`
    cap = (n - 1) * p
    if rows > n * cap * 0.5:
        raise SystemExit(f"--rows {rows:,} is too dense for {n} countries x {p} products")
    r = np.arange(1, n + 1, dtype=float)
    share = r ** -0.45 * np.exp(-r / 55)  # power law at the top, exponential tail: 4 orders of magnitude
    share /= share.sum()
    per = np.minimum(np.floor(share * rows), cap * 0.8).astype(np.int64)
    per = np.maximum(per, 20)
    while per.sum() != rows:  # largest remainders / trim, a few passes at most
        diff = rows - per.sum()
        room = np.where(diff > 0, (cap * 0.8 - per) > 0, per > 20)
        idx = np.flatnonzero(room)[: abs(diff)]
        per[idx] += np.sign(diff)
    log_imp = np.log(size) * 0.8
    log_pop = np.log(pop)
    out_i, out_j, out_k = [], [], []
    for c in range(n):  # one vectorised draw per exporter (~250), not per row
        affinity = rng.normal(0.0, 1.2, p)  # exporter-specific specialisation
        score = (np.delete(log_imp, c)[:, None] + (log_pop + affinity)[None, :]).ravel()
        score += rng.gumbel(size=score.size)  # Gumbel top-k = weighted sampling without replacement
        top = np.argpartition(score, -per[c])[-per[c]:]
        jj, kk = np.divmod(top, p)
        jj = jj + (jj >= c)  # undo np.delete: importer positions skip the exporter
        out_i.append(np.full(per[c], c, dtype=np.int16))
        out_j.append(jj.astype(np.int16))
        out_k.append(kk.astype(np.int16))
    i, j, k = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_k)
    order = np.lexsort((k, j, i))
    i, j, k = i[order], j[order], k[order]
    ln_size = np.log(size * n)  # centred-ish log size
    ln_pop = np.log(pop * p)
    ln_v = 3.0 + 0.9 * ln_size[i] + 0.7 * ln_size[j] + 0.3 * ln_pop[k] + rng.normal(0.0, 2.5, i.size)
    v = np.maximum(np.round(np.exp(ln_v), 3), 0.001)
    q = np.round(v / np.exp(rng.normal(0.5, 1.5, i.size)), 3)
    q[rng.random(i.size) < 0.08] = np.nan
    return {"i": i, "j": j, "k": k, "v": v, "q": q, "products": products}


def rank_order(codes: list[tuple[int, str, str, str]], seed: int) -> np.ndarray:
    """Positions into `codes` ordered by size rank: TOP_TRADERS first, the rest shuffled with the seed."""
    iso = [c[3] for c in codes]
    top = [iso.index(t) for t in TOP_TRADERS if t in iso]
    rest = np.array([x for x in range(len(codes)) if x not in set(top)])
    rest = rest[np.random.default_rng(seed + 1).permutation(len(rest))]
    return np.concatenate([np.array(top, dtype=int), rest])


def summary(g: dict[str, np.ndarray], iso_by_rank: list[str]) -> str:
    i, v = g["i"], g["v"]
    per = np.bincount(i, minlength=len(iso_by_rank))
    exp_k = np.bincount(np.unique(i.astype(np.int64) * 100_000 + g["k"]) // 100_000, minlength=len(iso_by_rank))
    vs = np.sort(v)
    top1 = vs[-max(1, vs.size // 100):].sum() / vs.sum()
    return (f"rows per exporter: max {per.max():,} ({iso_by_rank[per.argmax()]}, {per.max() / i.size:.1%}), "
            f"median {int(np.median(per)):,}, min {per.min():,}\n"
            f"products per exporter: max {exp_k.max():,}, median {int(np.median(exp_k)):,}, min {exp_k.min():,} "
            f"(of {len(g['products']):,})\n"
            f"value (thousand US$): median {np.median(v):,.2f}, mean {v.mean():,.1f}, p99 {np.quantile(v, 0.99):,.0f}, "
            f"max {v.max():,.0f}; top 1% of rows hold {top1:.0%} of the value; world total {v.sum() / 1e9:,.1f} trn US$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--seed", type=int, default=20221)
    args = parser.parse_args()
    import polars as pl

    args.out_dir.mkdir(parents=True, exist_ok=True)
    codes = country_codes()
    codes_path = args.out_dir / "country_codes_V000000.csv"
    with open(codes_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        writer.writerows(codes)
    order = rank_order(codes, args.seed)  # size rank r -> position in `codes`
    g = generate(args.rows, args.seed, len(codes))
    code_by_rank = np.array([codes[x][0] for x in order], dtype=np.int32)
    frame = pl.DataFrame({
        "t": np.full(g["i"].size, args.year, dtype=np.int32),
        "i": code_by_rank[g["i"]], "j": code_by_rank[g["j"]],
        "k": g["products"][g["k"]],
        "v": g["v"], "q": g["q"],
    }).with_columns(pl.col("q").fill_nan(None)).sort(["i", "j", "k"])
    out = args.out_dir / f"BACI_HS17_Y{args.year}_V000000.csv"
    frame.write_csv(out, float_precision=3, null_value="")
    print(f"wrote {out} ({frame.height:,} rows) and {codes_path}")
    print(summary(g, [codes[x][3] for x in order]))


if __name__ == "__main__":
    main()
