"""All-pairs product measures as matrix arithmetic: the country × product share matrix in numpy.

Why: export similarity and trade complementarity compare every pair of countries over every product.
As SQL that is a self-join of the (country, product, share) relation on product — pairs × common
products rows hashed and grouped (250 countries × ~5,000 products: ~150M joined rows for similarity,
~300M for complementarity). The same sums are a dense sweep over two small matrices: rows =
countries, columns = products, cell = the country's share of that product (0 where it has none).
The grouping to (country, product, value) still runs as SQL on the engine in force; this module only
does the arithmetic on its result, so it serves the DuckDB and the Spark engine alike.

Formulas (METHODS §4.4, §4.9; docs/metrics.md), with `s_ak = v_ak / Σ_k v_ak`:

- Finger–Kreinin export similarity, unordered pairs a < b: `XS_ab = 100 · Σ_k min(s_ak, s_bk)`;
- trade complementarity, ordered pairs (importer i, exporter j), i ≠ j:
  `TC_ij = 100 · (1 − Σ_k |m_ik − x_jk| / 2) = 100 · Σ_k min(m_ik, x_jk)` (the shares sum to 1; see
  `trade.complementarity`), and `products` = |P_i ∪ P_j| = |P_i| + |P_j| − |P_i ∩ P_j|, the common
  count being the product of the 0/1 presence matrices (exact in float32 below 2^24 products).

The SQL definitions these must equal (`trade._export_similarity_sql`, `trade._complementarity_sql`,
checked to 1e-9 in tests/test_metrics_pairwise.py) also fix which pairs appear: similarity only for
pairs with at least one common product, complementarity for every (importer, exporter) pair with data.

Data the matrix form does not reproduce bit-for-bit in meaning — a null or negative value, or a
country whose values sum to 0 (SQL's `NULLIF` makes its shares null, and SQL `least` ignores nulls) —
is reported by `regular()` as False and the caller runs the SQL definition instead.

Memory: the share matrices (countries × products doubles, 250 × 5,000 = 10 MB each) plus one work
block of at most `CHUNK_BYTES` (64 MiB): the pairs are swept in row chunks of
`max(1, CHUNK_BYTES // (8 · columns · products))` rows of the first matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

CHUNK_BYTES = 64 * 2**20
"""Upper bound of the per-chunk work block (bytes): the memory bound of the sweep beyond the inputs."""


@dataclass(frozen=True)
class ShareMatrix:
    """Countries × products: `shares[a, k] = s_ak`, `present[a, k]` = a holds product k (any value)."""

    codes: pl.Series
    shares: np.ndarray
    present: np.ndarray

    @property
    def held(self) -> np.ndarray:
        """Products per country, |P_a|."""
        return self.present.sum(axis=1).astype(np.int64)


def regular(*frames: pl.DataFrame) -> bool:
    """Whether every value is finite and ≥ 0 and every country's values sum to more than 0."""
    for f in frames:
        v = f["v"]
        if f.height == 0:
            continue
        if v.null_count() or not v.is_finite().all() or (v < 0).any():
            return False
        if (f.group_by(f.columns[0]).agg(pl.col("v").sum())["v"] <= 0).any():
            return False
    return True


def matrices(*frames: pl.DataFrame) -> list[ShareMatrix]:
    """One share matrix per frame of (country, product, v) rows — one row per (country, product) —
    all on one product axis (the union of the frames' products)."""
    products = pl.concat([f.select(pl.col("product").cast(pl.String)) for f in frames])["product"].unique()
    index = pl.DataFrame({"product": products, "_k": np.arange(products.len(), dtype=np.int64)})
    out = []
    for f in frames:
        key = f.columns[0]
        codes = f[key].unique().sort()
        rows = pl.DataFrame({key: codes, "_i": np.arange(codes.len(), dtype=np.int64)})
        g = f.join(rows, on=key).join(index, on="product")
        i, k, v = g["_i"].to_numpy(), g["_k"].to_numpy(), g["v"].to_numpy().astype(np.float64)
        values = np.zeros((codes.len(), products.len()))
        values[i, k] = v
        present = np.zeros(values.shape, dtype=bool)
        present[i, k] = True
        totals = values.sum(axis=1, keepdims=True)
        out.append(ShareMatrix(codes, values / totals, present))
    return out


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|P_a ∩ P_b| for every row pair: a product of 0/1 matrices (float32 is exact below 2^24)."""
    return np.rint(a.astype(np.float32) @ b.astype(np.float32).T).astype(np.int64)


def min_overlap(a: np.ndarray, b: np.ndarray, *, upper: bool = False) -> np.ndarray:
    """`O[i, j] = Σ_k min(a_ik, b_jk)`, swept in row chunks of `a` (memory: see the module docstring).

    `upper=True` (a is b): only j ≥ i is computed (the rest of O is left 0), half the work.
    """
    n, m = a.shape[0], b.shape[0]
    out = np.zeros((n, m))
    if n == 0 or m == 0 or a.shape[1] == 0:
        return out
    step = min(n, max(1, CHUNK_BYTES // (8 * m * a.shape[1])))
    buf = np.empty((step, m, a.shape[1]))
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        c0 = r0 if upper else 0
        block = buf[:r1 - r0, :m - c0]
        np.minimum(a[r0:r1, None, :], b[None, c0:, :], out=block)
        out[r0:r1, c0:] = block.sum(axis=2)
    return out


def export_similarity(x: pl.DataFrame) -> pl.DataFrame:
    """Every unordered pair a < b with a common product: iso3_a, iso3_b, value = 100·Σ_k min(s_ak, s_bk).

    `x`: (iso3, product, v) rows, one per (country, product) — `regular(x)` must hold.
    """
    (s,) = matrices(x)
    overlap = min_overlap(s.shares, s.shares, upper=True)
    common = _common(s.present, s.present)
    i, j = np.triu_indices(s.codes.len(), k=1)
    keep = common[i, j] > 0
    i, j = i[keep], j[keep]
    return pl.DataFrame({"iso3_a": s.codes.gather(i), "iso3_b": s.codes.gather(j),
                         "value": 100 * overlap[i, j]})


def complementarity(m: pl.DataFrame, x: pl.DataFrame) -> pl.DataFrame:
    """Every ordered (importer i, exporter j), i ≠ j: importer, exporter, value = 100·Σ_k min(m_ik, x_jk),
    products = |P_i ∪ P_j|.

    `m`: (i, product, v) import rows, `x`: (j, product, v) export rows, one per (country, product) —
    `regular(m, x)` must hold.
    """
    ms, xs = matrices(m, x)
    overlap = min_overlap(ms.shares, xs.shares)
    union = ms.held[:, None] + xs.held[None, :] - _common(ms.present, xs.present)
    i, j = np.divmod(np.arange(ms.codes.len() * xs.codes.len(), dtype=np.int64), xs.codes.len())
    imp, exp_ = ms.codes.gather(i), xs.codes.gather(j)
    keep = (imp != exp_).to_numpy()
    i, j = i[keep], j[keep]
    return pl.DataFrame({"importer": imp.filter(keep), "exporter": exp_.filter(keep),
                         "value": 100 * overlap[i, j], "products": union[i, j]})


# -- the pair panel of total flows (trade shares, intensity, group measures) ---------------------------

def _codes(frame: pl.DataFrame, universe: pl.Series, years: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exporter, importer, year) positions of the frame's rows in `universe` and `years`; -1 where absent.

    One `select` of three `replace_strict`s (hash look-ups in the small indexes), not a left join of
    a one-column frame per column: the same codes in one polars call instead of six — each call a
    thread-pool hand-off, most of the group measures' ~25 ms of Python beside their scan (cProfile,
    session 7)."""
    at = np.arange(universe.len(), dtype=np.int64)
    ys = pl.Series(years, dtype=pl.Int64)
    out = frame.select(
        pl.col("exporter").replace_strict(universe, at, default=-1, return_dtype=pl.Int64).fill_null(-1),
        pl.col("importer").replace_strict(universe, at, default=-1, return_dtype=pl.Int64).fill_null(-1),
        pl.col("year").cast(pl.Int64).replace_strict(ys, np.arange(ys.len(), dtype=np.int64), default=-1,
                                                     return_dtype=pl.Int64).fill_null(-1))
    return tuple(c.to_numpy() for c in out.get_columns())  # type: ignore[return-value]


def pair_panel(t: pl.DataFrame, countries: list[str], partners: list[str], years: list[int],
               columns: set[str] | None = None, *, flagged: pl.DataFrame | None = None,
               directions: int = 0) -> pl.DataFrame:
    """Every ordered pair (a ∈ countries, b ∈ partners, a ≠ b) × year, with X_ab, X_ba, X_a, M_a, X_Wb,
    X_W and the provenance of the flows, from the totals `t` (exporter, importer, year, value,
    valuation, basis, source), ordered by year, a, b; a code requested twice repeats its rows.

    Why a dense cube: the panel is every pair of every year (DOTS: 215 × 214 × 31 = 1.4M rows), six
    look-ups each. Six SQL joins hash and probe 1.4M rows each and carry three string columns
    through them and a final sort; here the flows are scattered once into a year × exporter ×
    importer array over the codes involved (C ∪ P ∪ {WLD}: 216² × 31 doubles, ~11 MB for DOTS), every
    column is one gather of that year × cell cube at one year's (a, b) cells (every year holds the
    same pairs), and the labels travel as one integer code per (valuation, basis, source)
    combination until the frame is built. `valuation` and `basis` are
    those of X_ab, else of X_a; `source` of X_ab, else X_ba, else X_a (the coalesce order of
    `trade._PAIRS_SQL`, the SQL definition this equals). The totals' values are never null and a
    present flow always has its three labels (`valuation` is coalesced to FOB/CIF, `basis` is a
    constant, `source_id` is NOT NULL), so "the labels of the first present flow" is that coalesce.
    `columns`: build only these of the value and label columns (the keys always), e.g. for trade
    intensity, which reads neither X_ba nor M_a nor the labels of X_ba.
    `flagged` (exporter, importer, year) with `directions` 1 or 2: `flows_flagged`, how many of the
    row's flows a→b (and b→a) are in it — the small set scattered into the same cube and gathered at
    the same positions (the equal of `flag_rules.count_pair_flags`, without a join of the panel).
    """
    universe = pl.Series("code", sorted(set(countries) | set(partners) | {"WLD"}), dtype=pl.String)
    n, ny = universe.len(), len(years)
    t = t.filter(pl.col("year").is_in(years))
    e, i, y = _codes(t, universe, years)
    ok = (e >= 0) & (i >= 0) & (y >= 0)
    flat = (y[ok] * n + e[ok]) * n + i[ok]
    cube = np.full(ny * n * n, np.nan)  # NaN marks an absent flow (a present value is never null or NaN)
    cube[flat] = t["value"].cast(pl.Float64).fill_null(np.nan).to_numpy()[ok]
    present = t.filter(pl.Series(ok))
    labels = present.select("valuation", "basis", "source").unique(maintain_order=True)
    combo = np.full(ny * n * n, -1, dtype=np.int32)
    combo[flat] = (present.select("valuation", "basis", "source")
                   .join(labels.with_row_index("_i"), on=["valuation", "basis", "source"], how="left",
                         maintain_order="left", nulls_equal=True)["_i"].to_numpy())

    pos = {code: k for k, code in enumerate(universe.to_list())}
    # distinct requested codes, sorted, with how often each was requested (a repeated code repeats its rows)
    a_codes, a_times = np.unique(np.array(countries, dtype=object).astype(str), return_counts=True)
    b_codes, b_times = np.unique(np.array(partners, dtype=object).astype(str), return_counts=True)
    a_codes, b_codes = a_codes.tolist(), b_codes.tolist()
    ia = np.array([pos[c] for c in a_codes], dtype=np.int64)
    ib = np.array([pos[c] for c in b_codes], dtype=np.int64)
    # the grid year-major, then a, then b: every year holds the same (a, b) pattern (a repeated code
    # repeats its pattern rows), so each column is one gather of the year × cell cube at the
    # pattern's cells — one pass over the output instead of building flat positions for every row
    one_a, one_b = np.divmod(np.flatnonzero((ia[:, None] != ib[None, :]).ravel()), len(ib))
    times = a_times[one_a] * b_times[one_b]
    if (times > 1).any():
        one_a, one_b = np.repeat(one_a, times), np.repeat(one_b, times)
    a, b, w = ia[one_a], ib[one_b], pos["WLD"]
    cells = one_a.size
    where_ = {"x_ab": lambda: a * n + b, "x_ba": lambda: b * n + a, "x_a_world": lambda: a * n + w,
              "m_a_world": lambda: w * n + a, "x_world_b": lambda: w * n + b,
              "x_world": lambda: np.full(cells, w * n + w, dtype=np.int64)}
    at: dict[str, np.ndarray] = {}

    def pos_of(name: str) -> np.ndarray:  # a year's cells of the column, computed once and only where read
        if name not in at:
            at[name] = where_[name]()
        return at[name]

    def take(cube_: np.ndarray, name: str) -> np.ndarray:
        """The column's values for every row: the pattern's cells of every year, year-major.

        `take(axis=1)`, not `[:, cells]`: the slice-then-index form returns a Fortran-ordered array, so
        the `ravel` copied it a second time, transposed — 8x slower on the DOTS panel (158 → 20 ms a
        column, 1.4M values; cProfile had `ravel` at ~20 % of trade intensity's call)."""
        return cube_.reshape(ny, n * n).take(pos_of(name), axis=1).ravel()

    cols: dict[str, pl.Series] = {
        "iso3_a": pl.Series(a_codes, dtype=pl.String).gather(np.tile(one_a, ny)),
        "iso3_b": pl.Series(b_codes, dtype=pl.String).gather(np.tile(one_b, ny)),
        "year": pl.Series(np.repeat(np.asarray(years, dtype=np.int64), cells), dtype=pl.Int64),
    }
    wanted = (lambda name: True) if columns is None else columns.__contains__
    taken = {name: take(cube, name) for name in where_ if wanted(name)}
    if taken:  # NaN (absent) to null: fill_nan, ~20x cheaper than nan_to_null on 1.4M values; one call for all
        cols.update(pl.DataFrame(taken).select(pl.all().fill_nan(None)).to_dict())
    c_ab, c_aw = take(combo, "x_ab"), take(combo, "x_a_world")
    c_ba = take(combo, "x_ba") if any(map(wanted, ("valuation_ba", "basis_ba", "source"))) else c_ab[:0]
    indices: dict[int, pl.Series] = {}

    constant: dict[str, pl.Expr] = {}  # label columns with one value, built together in one polars call

    def gather(name: str, col: str, codes: np.ndarray) -> pl.Series | None:
        values = labels[col]
        if values.n_unique() == 1:  # one label (DOTS: FOB, reported): a constant where a flow is present
            constant[name] = pl.when(pl.Series(codes >= 0)).then(pl.lit(values[0], dtype=values.dtype))
            return None
        if id(codes) not in indices:  # one index per code array, shared by its label columns
            idx = pl.Series(codes, dtype=pl.Int64)
            indices[id(codes)] = idx.set(idx < 0, None) if (codes < 0).any() else idx
        return values.gather(indices[id(codes)])

    first_ab_aw = np.where(c_ab >= 0, c_ab, c_aw)
    labelled = {"valuation": lambda: gather("valuation", "valuation", first_ab_aw),
                "valuation_ba": lambda: gather("valuation_ba", "valuation", c_ba),
                "basis": lambda: gather("basis", "basis", first_ab_aw),
                "basis_ba": lambda: gather("basis_ba", "basis", c_ba),
                "source": lambda: gather("source", "source", np.where(c_ab >= 0, c_ab, np.where(c_ba >= 0, c_ba, c_aw)))}
    for name, make in labelled.items():
        if wanted(name):
            cols[name] = make()  # type: ignore[assignment]  # None for a constant: its place kept, filled below
    if constant:
        cols.update(pl.select(**constant).to_dict())
    if flagged is not None and directions:
        fe, fi, fy = _codes(flagged, universe, years)
        fok = (fe >= 0) & (fi >= 0) & (fy >= 0)
        hit = np.zeros(ny * n * n, dtype=np.uint32)
        np.add.at(hit, (fy[fok] * n + fe[fok]) * n + fi[fok], 1)
        count = take(hit, "x_ab") + (take(hit, "x_ba") if directions == 2 else 0)
        cols["flows_flagged"] = pl.Series(count, dtype=pl.UInt32)
    return pl.DataFrame([s.alias(k) for k, s in cols.items()])
