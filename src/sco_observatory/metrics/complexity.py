"""Economic complexity: ECI of countries and PCI of products (Hidalgo & Hausmann 2009), METHODS §4.11.

Why here: the product-level answers (`sco trade products`) say not only *what* a group sells to a
partner but how sophisticated it is. The Economic Complexity Index ranks countries by the
diversity of their revealed comparative advantages, corrected for how many other countries share
them; the Product Complexity Index ranks products the same way from the other side.

Definitions (Hidalgo & Hausmann 2009, PNAS 106(26):10570; Hausmann, Hidalgo et al., *The Atlas of
Economic Complexity*, 2011/2014, "eigenvector formulation" of the method of reflections):

    RCA_cp = (x_cp / Σ_p x_cp) / (Σ_c x_cp / Σ_cp x_cp)          Balassa (1965)
    M_cp   = 1 if RCA_cp ≥ 1 else 0                              presence
    k_c,0  = Σ_p M_cp (diversity),  k_p,0 = Σ_c M_cp (ubiquity)
    M̃_pp'  = Σ_c M_cp M_cp' / (k_c,0 k_p,0)                      product-product matrix
    Q      = eigenvector of M̃_pp for its second-largest eigenvalue   (the largest is 1, a constant vector)
    K_c    = Σ_p M_cp Q_p / k_c,0                                 (the mean Q of the country's products)
    sign   : chosen so that K is positively correlated with diversity
    ECI_c  = (K_c − mean K) / std K,    PCI_p = (Q_p − mean K) / std K   (std with ddof 0)

Standardising PCI with ECI's mean and standard deviation is what the maintained `ecomplexity`
package (Growth Lab, after the Stata `ecomplexity` command) does; it keeps the identity
ECI_c = mean of PCI_p over the products c exports with RCA ≥ 1. Countries and products with no
RCA ≥ 1 at all (k = 0) are left out before the matrices are formed (they have no complexity).

Computation: M̃_pp has size products² (~5,000² for HS6), but it shares its non-zero eigenvalues
with the countries' matrix M̃_cc = D_c⁻¹ M D_p⁻¹ Mᵀ (countries², ~200²): if M̃_cc v = λv then
M̃_pp (D_p⁻¹ Mᵀ v) = λ (D_p⁻¹ Mᵀ v). M̃_cc is similar to the symmetric S = D_c^-½ M D_p⁻¹ Mᵀ D_c^-½,
so `numpy.linalg.eigh` (real, sorted, stable) gives v = D_c^-½ u, then Q = D_p⁻¹ Mᵀ v. One dense
products × countries product, no loop over rows, countries or products.

Evidence tag [V]: the definitions are the published ones; the implementation is tested against the
`ecomplexity` package on the same matrix (tests/test_metrics_products.py) and on a hand-checkable
matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sco_observatory.errors import DataMissingError

RCA_THRESHOLD = 1.0
"""M_cp = 1 where RCA_cp ≥ this (Hidalgo & Hausmann 2009; the Atlas; `ecomplexity`'s default)."""

DISCONNECTED_TOLERANCE = 1e-9
"""A second eigenvalue within this of 1 means the country–product network falls apart into
separate blocks: the second eigenvector then only labels the blocks, and ECI is not defined."""


@dataclass(frozen=True)
class Complexity:
    """ECI per country and PCI per product of one export matrix (rows and columns with k = 0 dropped)."""

    countries: np.ndarray
    eci: np.ndarray
    diversity: np.ndarray
    products: np.ndarray
    pci: np.ndarray
    ubiquity: np.ndarray
    eigenvalue: float
    """The second-largest eigenvalue of M̃ (the one whose eigenvector gives ECI/PCI)."""


def rca_matrix(x: np.ndarray) -> np.ndarray:
    """Balassa RCA of a countries × products export matrix (zeros where a country exports nothing)."""
    x = np.asarray(x, dtype=float)
    row = x.sum(axis=1, keepdims=True)
    col = x.sum(axis=0, keepdims=True)
    total = x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x / row) / (col / total)
    return np.nan_to_num(out, nan=0.0, posinf=0.0)


def eci_pci(mcp: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """(ECI over rows, PCI over columns, second eigenvalue, row mask, column mask) of a 0/1 matrix.

    Rows and columns with no 1 are dropped (the masks say which were kept). Raises
    `DataMissingError` where fewer than 2 countries or products remain, or where the network is
    disconnected (second eigenvalue ≈ 1).
    """
    m = (np.asarray(mcp) > 0).astype(float)
    rows, cols = m.sum(axis=1) > 0, m.sum(axis=0) > 0
    m = m[rows][:, cols]
    if m.shape[0] < 2 or m.shape[1] < 2:
        raise DataMissingError(
            f"economic complexity needs at least 2 countries and 2 products with RCA ≥ 1; the data give {m.shape[0]} × {m.shape[1]}",
            "import a full product-level year (CEPII BACI or UN Comtrade by HS code for all reporters)",
        )
    kc, kp = m.sum(axis=1), m.sum(axis=0)
    half = 1.0 / np.sqrt(kc)
    a = m * half[:, None]                      # D_c^-1/2 M
    s = (a / kp[None, :]) @ a.T                # D_c^-1/2 M D_p^-1 M^T D_c^-1/2, symmetric
    values, vectors = np.linalg.eigh(s)        # ascending
    second = float(values[-2])
    if second > 1 - DISCONNECTED_TOLERANCE:
        raise DataMissingError(
            "the country–product network of this year falls apart into separate blocks (second eigenvalue 1): ECI is not defined",
            "use a dataset covering all exporters and products of the year (e.g. a full CEPII BACI year)",
        )
    v = vectors[:, -2] * half                  # eigenvector of M̃_cc
    q = (m.T @ v) / kp                         # eigenvector of M̃_pp for the same eigenvalue
    k = (m @ q) / kc                           # K_c = mean Q of c's products
    if np.corrcoef(kc, k)[0, 1] < 0:
        q, k = -q, -k
    mean, std = k.mean(), k.std()
    return (k - mean) / std, (q - mean) / std, second, rows, cols


def from_exports(exports: pl.DataFrame, threshold: float = RCA_THRESHOLD) -> Complexity:
    """ECI/PCI from a tidy frame (exporter, product, value): pivoted with integer codes, no Python loop."""
    if exports.height == 0:
        raise DataMissingError("no product-level exports to compute complexity from",
                               "import a product-level dataset (CEPII BACI or UN Comtrade by HS code)")
    c_codes = exports["exporter"].unique().sort()
    p_codes = exports["product"].unique().sort()
    ci = exports["exporter"].cast(pl.Enum(c_codes)).to_physical().to_numpy()
    pi = exports["product"].cast(pl.Enum(p_codes)).to_physical().to_numpy()
    x = np.zeros((len(c_codes), len(p_codes)))
    np.add.at(x, (ci, pi), exports["value"].cast(pl.Float64).fill_null(0.0).to_numpy())
    mcp = rca_matrix(x) >= threshold
    eci, pci, second, rows, cols = eci_pci(mcp)
    kept = mcp[rows][:, cols]
    return Complexity(c_codes.to_numpy()[rows], eci, kept.sum(axis=1), p_codes.to_numpy()[cols], pci,
                      kept.sum(axis=0), second)
