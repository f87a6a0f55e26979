"""ECI/PCI (metrics/complexity.py) on a synthetic BACI-like year, against two baselines, side by side.

    python benchmarks/bench_complexity.py [--rows 2000000] [--digits 4] [--repeat 3] [--seed 20221]

Input: `make_baci_sample.generate` (the same skewed generator as the import and metric benchmarks),
exports summed per (exporter, product) at HS `--digits` (4: ~1,200 headings, the Atlas's level; 6: ~5,300
subheadings). Timed, each on the same tidy frame (exporter, product, value):

- ours: `complexity.from_exports` — pivot, RCA, M, and the second eigenvector of the countries'
  symmetric matrix (`numpy.linalg.eigh`, countries²), PCI from it;
- textbook: the same pivot/RCA/M in numpy, then `numpy.linalg.eig` of the products' matrix
  M̃_pp (products², as in the `ecomplexity` package), ECI = mean PCI-vector of each country's products;
- ecomplexity: the `ecomplexity` package's `ecomplexity()` call, when installed (it also computes
  proximity, density, COI and COG, so its ratio overstates the gain on ECI alone).

All three are checked equal (ECI and PCI to 1e-6) before timing; rounds alternate the implementations
so they see the same machine load. Read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_baci_sample import generate  # noqa: E402

from sco_observatory.metrics import complexity as cx  # noqa: E402


def sample(rows: int, digits: int, seed: int, n_countries: int = 230) -> pl.DataFrame:
    g = generate(rows, seed, n_countries)
    products = np.array([p[:digits] for p in g["products"]])
    frame = pl.DataFrame({"exporter": g["i"].astype(np.int32), "product": products[g["k"]], "value": g["v"]})
    return (frame.with_columns(pl.format("C{}", pl.col("exporter")).alias("exporter"))
            .group_by("exporter", "product").agg(pl.col("value").sum()))


def textbook(exports: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The products'-matrix route: eig of M̃_pp = (M/k_p)ᵀ (M/k_c), as `ecomplexity` does it."""
    wide = exports.pivot(on="product", index="exporter", values="value").fill_null(0.0).sort("exporter")
    names = wide["exporter"].to_numpy()
    prods = np.array(wide.columns[1:])
    order = np.argsort(prods)
    x = wide.drop("exporter").to_numpy()[:, order]
    prods = prods[order]
    m = (cx.rca_matrix(x) >= 1.0).astype(float)
    rows, cols = m.sum(axis=1) > 0, m.sum(axis=0) > 0
    m = m[rows][:, cols]
    kc, kp = m.sum(axis=1), m.sum(axis=0)
    mpp = (m / kp[None, :]).T @ (m / kc[:, None])
    values, vectors = np.linalg.eig(mpp)
    q = np.real(vectors[:, np.argsort(np.real(values))[-2]])
    k = (m @ q) / kc
    sign = np.sign(np.corrcoef(kc, k)[0, 1])
    q, k = sign * q, sign * k
    return names[rows], (k - k.mean()) / k.std(), prods[cols], (q - k.mean()) / k.std()


def package(exports: pl.DataFrame):
    import ecomplexity

    data = exports.with_columns(pl.lit(2020).alias("year")).to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ecomplexity.ecomplexity(data, {"time": "year", "loc": "exporter", "prod": "product", "val": "value"})
    eci = out.groupby("exporter")["eci"].first()
    pci = out.groupby("product")["pci"].first()
    return eci, pci


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--digits", type=int, default=4, choices=(2, 4, 6))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20221)
    args = parser.parse_args()

    exports = sample(args.rows, args.digits, args.seed)
    ours = cx.from_exports(exports)
    names, eci_t, prods, pci_t = textbook(exports)
    assert list(names) == list(ours.countries) and list(prods) == list(ours.products)
    assert np.abs(eci_t - ours.eci).max() < 1e-6 and np.abs(pci_t - ours.pci).max() < 1e-6, "textbook differs"
    runs = {"ours (countries' eigh)": lambda: cx.from_exports(exports), "textbook (products' eig)": lambda: textbook(exports)}
    try:
        eci_p, pci_p = package(exports)
        assert np.abs(eci_p.loc[list(ours.countries)].to_numpy() - ours.eci).max() < 1e-6, "ecomplexity ECI differs"
        assert np.abs(pci_p.loc[list(ours.products)].to_numpy() - ours.pci).max() < 1e-6, "ecomplexity PCI differs"
        runs["ecomplexity package"] = lambda: package(exports)
    except ImportError:
        print("(ecomplexity not installed: pip install ecomplexity — its column is left out)")
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    base = min(times["ours (countries' eigh)"])
    print(f"ECI/PCI of {len(ours.countries)} exporters x {len(ours.products)} HS{args.digits} products "
          f"({exports.height:,} exporter-product cells from {args.rows:,} BACI-like rows); results equal to 1e-6")
    print(f"{'implementation':28s} {'best s':>8s} {'ratio to ours':>14s}")
    for name, ts in times.items():
        print(f"{name:28s} {min(ts):8.3f} {min(ts) / base:13.1f}x")


if __name__ == "__main__":
    main()
