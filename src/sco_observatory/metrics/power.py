"""Power balance within a group: shares, ratios, concentration and CINC (METHODS.md §5).

All functions take plain ISO3 lists (group expressions are resolved by the caller) and return tidy
polars frames with a `source` column. Evidence tags: shares, ratios and HHI are arithmetic [V];
CINC [V] (§5.1) and its within-group recomputation, Option A [V] (§5.2); Ray–Singer CON [S] (§5.3,
formula typography not seen in the source, standard form used); the post-2016 CINC extension is a
documented proxy, not COW's index.
"""

from __future__ import annotations

import math
from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.dates import years_text
from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import (DEFAULT_POWER_INDICATORS, InsufficientGroupError, _priority, indicator_code,
                                     require_group, values)

CON_FORMULA = "CON = sqrt((Σ S_i² − 1/N) / (1 − 1/N)), S_i = share of the group total (Ray & Singer 1973) [S]"
HHI_FORMULA = "HHI = Σ S_i², S_i = share of the group total (fractions; ×10,000 for points)"


def _con(hhi: float | None, n: int) -> float | None:
    if hhi is None or n < 2:
        return None
    return math.sqrt(max(hhi - 1 / n, 0.0) / (1 - 1 / n))


def shares(store, countries: Sequence[str], indicator: str, year: int, *, source: str | None = None,
           nearest: int = 0) -> pl.DataFrame:
    """Each member's share of the group total (METHODS §5; arithmetic).

    `share_i = v_i / Σ_{j∈G, v_j present} v_j`; `rank` 1 = largest. Columns:
    iso3, year, code, value, unit, share, rank, source, estimate, n_missing. Countries without a value keep a
    row with nulls and are excluded from the total (never counted as zero); `n_missing` says how many.
    `estimate`: the publisher flags the value as an estimate (SIPRI's estimate/uncertain marks, a
    derived snapshot value: metrics/flags.py), so every printer of the share can mark it; read with the
    values in one statement (`values(..., estimate=True)`).
    """
    isos = require_group(countries, 2, "a power share")
    return shares_of(values(store, indicator, isos, year, source=source, nearest=nearest, estimate=True), isos, year)


def shares_of(frame: pl.DataFrame, isos: Sequence[str], year: int) -> pl.DataFrame:
    """:func:`shares` of the countries `isos` from a `values(..., estimate=True)` frame holding them.

    Why apart: a what-if reads one frame for the union of its two groups and takes each side's shares
    from it (whatif.py), instead of reading the same values once per side. The frame's rows of `isos`
    are taken in the order of `isos`; `year` is the year asked (for the message when none has a value).
    """
    isos = list(isos)
    frame = frame.filter(pl.col("iso3").is_in(isos)).join(
        pl.DataFrame({"iso3": isos, "_order": list(range(len(isos)))}), on="iso3").sort("_order").drop("_order")
    if frame["value"].is_null().all():
        raise DataMissingError(
            f"no {frame['code'][0]} values for {', '.join(isos)} in {year} ({len(isos)} of {len(isos)} missing)",
            "pick another year, or import a source that covers it (`sco data list` shows what is there)",
        )
    n_missing = int(frame["value"].is_null().sum())
    return frame.with_columns(
        (pl.col("value") / pl.col("value").sum()).alias("share"),
        pl.col("value").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
        pl.lit(n_missing).alias("n_missing"),
    ).select("iso3", "year", "code", "value", "unit", "share", "rank", "source", "estimate", "n_missing")


def concentration(share_frame: pl.DataFrame, share_column: str = "share") -> pl.DataFrame:
    """HHI and Ray–Singer CON of a share frame (METHODS §5.3 [S]).

    `HHI = Σ S_i²`; `CON = sqrt((HHI − 1/N)/(1 − 1/N))`, N = countries with a value.
    Note `CON² = (HHI − 1/N)/(1 − 1/N)` — CON is the square root of the *normalised HHI*, not
    UNCTAD's normalised sqrt(HHI) (§4.6); the two are different numbers. Columns: code, year, n,
    n_missing, n_estimated, group_total, hhi, con, largest, largest_share, source, formula.
    `n_estimated`: how many of the n values the publisher flags as estimates (the share frame's `estimate`).
    """
    present = share_frame.filter(pl.col(share_column).is_not_null())
    n = present.height
    n_estimated = int(present["estimate"].sum() or 0) if "estimate" in present.columns else 0
    hhi = float((present[share_column] ** 2).sum()) if n else None
    top = present.sort(share_column, descending=True).head(1)
    return pl.DataFrame({
        "code": [share_frame["code"][0]],
        "year": [int(present["year"].max()) if n else None],
        "n": [n],
        "n_missing": [share_frame.height - n],
        "n_estimated": [n_estimated],
        "group_total": [float(present["value"].sum()) if n else None],
        "hhi": [hhi],
        "con": [_con(hhi, n)],
        "largest": [top["iso3"][0] if n else None],
        "largest_share": [float(top[share_column][0]) if n else None],
        "source": [share_frame["source"][0]],
        "formula": [HHI_FORMULA + "; " + CON_FORMULA],
    })


def power_balance(store, countries: Sequence[str], year: int, indicators: Sequence[str] = DEFAULT_POWER_INDICATORS,
                  *, source: str | None = None, nearest: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Shares and concentration for several indicators (GDP, population, area, defence, armed forces).

    Returns (shares long frame with an `indicator` column, concentration frame one row per indicator).
    An indicator the store lacks for that year yields a concentration row with `note` saying so
    instead of failing the whole table.
    """
    share_frames, conc_frames = [], []
    for name in indicators:  # a handful of indicators, not rows: each computation is vectorised
        try:
            s = shares(store, countries, name, year, source=source, nearest=nearest)
        except DataMissingError as exc:
            conc_frames.append(pl.DataFrame({"indicator": [name], "code": [indicator_code(name)], "note": [exc.message]}))
            continue
        s, conc = labelled_balance(s, name)
        share_frames.append(s)
        conc_frames.append(conc)
    shares_long = pl.concat(share_frames, how="diagonal") if share_frames else pl.DataFrame()
    return shares_long, pl.concat(conc_frames, how="diagonal")


def labelled_balance(share_frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One indicator's part of :func:`power_balance`: its shares and its concentration row, each with
    an `indicator` column (`name`), the concentration row with an empty `note`."""
    return (share_frame.with_columns(pl.lit(name).alias("indicator")),
            concentration(share_frame).with_columns(pl.lit(name).alias("indicator"), pl.lit("").alias("note")))


def ratio(store, a: str, b: str, indicator: str, year: int, *, source: str | None = None) -> pl.DataFrame:
    """`value = v_a / v_b` for one indicator and year, from one source (arithmetic).

    Columns: iso3_a, iso3_b, year, code, value_a, value_b, value, source, formula.
    """
    if a.strip().upper() == b.strip().upper():
        raise InsufficientGroupError(f"a ratio needs two different countries; got {a.strip().upper()} twice",
                                     "e.g. `sco ratio CHN KGZ --indicator defence --year 2012`")
    frame = values(store, indicator, [a, b], year, source=source)
    missing = frame.filter(pl.col("value").is_null())["iso3"].to_list()
    if missing:
        raise DataMissingError(
            f"{frame['code'][0]} {year} is missing for {', '.join(missing)} in source {frame['source'][0]} "
            f"({len(missing)} of 2 values missing)",
            "pick another year or --source (`sco data show " + frame["code"][0] + "` lists what is there)",
        )
    va, vb = float(frame["value"][0]), float(frame["value"][1])
    return pl.DataFrame({
        "iso3_a": [a.upper()], "iso3_b": [b.upper()], "year": [year], "code": [frame["code"][0]],
        "value_a": [va], "value_b": [vb], "value": [va / vb if vb else None],
        "source": [frame["source"][0]], "formula": ["value_a / value_b"],
    })


def pairwise_ratios(store, countries: Sequence[str], indicator: str, year: int, *,
                    source: str | None = None) -> pl.DataFrame:
    """All ordered pairs (a ≠ b) of the group: `ratio = v_a / v_b` (a cross join, no loop).

    Columns: iso3_a, iso3_b, year, code, value_a, value_b, ratio, source. Pairs with a missing
    value have `ratio = null`.
    """
    isos = require_group(countries, 2, "pairwise ratios")
    frame = values(store, indicator, isos, year, source=source).select("iso3", "value", "code", "source")
    a = frame.rename({"iso3": "iso3_a", "value": "value_a"})
    b = frame.select(pl.col("iso3").alias("iso3_b"), pl.col("value").alias("value_b"))
    return (a.join(b, how="cross").filter(pl.col("iso3_a") != pl.col("iso3_b"))
            .with_columns((pl.col("value_a") / pl.col("value_b")).alias("ratio"), pl.lit(year).alias("year"))
            .select("iso3_a", "iso3_b", "year", "code", "value_a", "value_b", "ratio", "source"))


def world_share(store, countries: Sequence[str], indicator: str, year: int, *, source: str | None = None,
                world: str = "WLD") -> pl.DataFrame:
    """The group's total and its share of the world value (`WLD` row of the same source).

    `group_total = Σ_{i∈G} v_i` (present values only), `world_share = group_total / v_WLD`.
    Columns: code, year, n, n_missing, group_total, world, world_share, source.
    """
    isos = list(dict.fromkeys(c.upper() for c in countries))
    frame = values(store, indicator, isos, year, source=source)
    src = frame["source"][0]
    w = values(store, indicator, [world], year, source=src)["value"][0]
    total = frame["value"].sum()
    n_missing = int(frame["value"].is_null().sum())
    return pl.DataFrame({
        "code": [frame["code"][0]], "year": [year], "n": [frame.height - n_missing], "n_missing": [n_missing],
        "group_total": [float(total) if frame.height > n_missing else None], "world": [w],
        "world_share": [float(total) / w if (w and frame.height > n_missing) else None], "source": [src],
    })


# -- CINC (COW National Material Capabilities) ---------------------------------------------------

NMC_COMPONENTS = ("MILEX", "MILPER", "IRST", "PEC", "TPOP", "UPOP")
NMC_CODES = {c: f"COW.NMC.{c}" for c in NMC_COMPONENTS}

PROXY_CODES: dict[str, tuple[str, ...]] = {
    # component -> candidate store codes, in order; definitions differ from NMC (METHODS §5.2)
    "MILEX": ("MS.MIL.XPND.CD",),       # SIPRI (via WDI or SIPRI import), current US$
    "MILPER": ("MS.MIL.TOTL.P1",),      # IISS via WDI, persons
    "IRST": ("WSA.STEEL.CRUDE",),       # worldsteel crude steel — not in the shared data; usually absent
    "PEC": ("EG.USE.PCAP.KG.OE*POP",),  # energy use; not in the shared data; usually absent
    "TPOP": ("SP.POP.TOTL",),
    "UPOP": ("SP.URB.TOTL",),           # national urban definitions, not NMC's cities >= 100,000
}


def _cinc_from_components(long: pl.DataFrame, group_label: str) -> pl.DataFrame:
    """Option A of METHODS §5.2: shares within the group per component and year, then their mean.

    `CINC^G_it = mean_{c available} v_cit / Σ_{s∈G} v_cst`. Components missing for a country are left
    out of *its* mean (COW's own handling of gaps is unverified [NF]); `components` counts them.
    """
    return (long.filter(pl.col("value").is_not_null())
            .with_columns((pl.col("value") / pl.col("value").sum().over(["year", "component"])).alias("cshare"))
            .group_by(["iso3", "year"])
            .agg(pl.col("cshare").mean().alias("cinc_group"), pl.col("component").n_unique().alias("components"),
                 pl.col("component").sort().str.join(",").alias("component_list"),
                 pl.col("source").unique().sort().str.join(",").alias("source"))
            .with_columns(pl.lit(group_label).alias("system"))
            .sort(["year", "cinc_group"], descending=[False, True]))


# The NMC queries, one constant fragment per (group given?, source given?) — no SQL is assembled at run time.
_GROUP = " AND iso3 IN ($isos)"
_SOURCE = " AND (source_id = $source OR starts_with(source_id, $prefix))"
_NMC_HELD_SQL = {
    g: ("SELECT source_id, count(DISTINCT iso3) AS n FROM indicator WHERE code IN ($codes) AND year BETWEEN $y0 AND $y1"
        + (_GROUP if g else "") + " GROUP BY source_id")
    for g in (False, True)}
_NMC_LONG_SQL = {
    (g, src): ("SELECT iso3, CAST(year AS BIGINT) AS year, replace(code, 'COW.NMC.', '') AS component, value, "
               "source_id AS source FROM indicator WHERE code IN ($codes) AND year BETWEEN $y0 AND $y1"
               + (_GROUP if g else "") + (_SOURCE if src else ""))
    for g in (False, True) for src in (False, True)}
_NMC_PUBLISHED_SQL = {
    (g, src): ("SELECT iso3, CAST(year AS BIGINT) AS year, value AS cinc_published FROM indicator "
               "WHERE code = 'COW.NMC.CINC' AND year BETWEEN $y0 AND $y1" + (_GROUP if g else "") + (_SOURCE if src else ""))
    for g in (False, True) for src in (False, True)}


def nmc_release(source: pl.Expr) -> pl.Expr:
    """The NMC release of a `cow:nmc-<version>` source id (ingest/cow_nmc.py names them so): `7.0`."""
    return source.str.extract(r"nmc-([0-9.]+)$", 1)


def cinc(store, countries: Sequence[str] | None, years: tuple[int, int], *, source: str | None = None) -> pl.DataFrame:
    """CINC recomputed within a group from COW NMC components (METHODS §5.1–5.2, Option A [V]), of the
    release the store holds (v7.0 to 2022, v6.0 to 2016; the newest when both are there, one per call).

    `CINC^G_it = (1/6) Σ_c v_cit / Σ_{s∈G} v_cst`, c ∈ {milex, milper, irst, pec, tpop, upop};
    with `countries=None` the system is every state in the store, which reproduces COW's published
    `cinc`. Also returned: `cinc_published` (COW's system-wide CINC) and `cinc_option_b`
    (`CINC_i / Σ_{s∈G} CINC_s`, Option B, an approximation — averaging and normalising do not commute).
    Columns: iso3, year, cinc_group, components, component_list, cinc_published, cinc_option_b,
    system, source, method (which names the release). After the release's last year see `cinc_extended`.
    """
    if countries:
        require_group(countries, 2, "a within-group CINC")
    scope = {"codes": list(NMC_CODES.values()), "y0": int(years[0]), "y1": int(years[1])}
    if countries:
        scope["isos"] = list(countries)
    if not source:  # one source per call: two NMC releases in the store must not be summed together
        held = run(store, query(_NMC_HELD_SQL[bool(countries)], **scope)).rows()
        if len(held) > 1:
            source = sorted(held, key=lambda r: (-r[1], _priority(r[0]), r[0]))[0][0]
    picked = dict(scope, source=source, prefix=source.rstrip(":") + ":") if source else scope
    kind = (bool(countries), bool(source))
    long = run(store, query(_NMC_LONG_SQL[kind], **picked))
    if long.height == 0:
        raise DataMissingError(
            f"the store holds no COW NMC components for {years_text(years)}"
            + (f" and {', '.join(countries)}" if countries else ""),
            "import them: `sco import NMC-70-abridged_from_peacesciencer.csv` (NMC v7.0, 1816-2022) or "
            "`NMC-60-abridged.csv` (v6.0, 1816-2016); after the release's last year use `cinc_extended` / "
            "`sco power ... --indicator cinc-proxy`",
        )
    label = "group: " + ",".join(countries) if countries else "all states in the store"
    out = _cinc_from_components(long, label)
    picked.pop("codes")
    published = run(store, query(_NMC_PUBLISHED_SQL[kind], **picked))
    out = out.join(published, on=["iso3", "year"], how="left").with_columns(
        (pl.col("cinc_published") / pl.col("cinc_published").sum().over("year")).alias("cinc_option_b"),
        pl.format("COW NMC v{} components, shares within the system, mean over available components (METHODS §5.2 Option A)",
                  nmc_release(pl.col("source"))).alias("method"),
    )
    return out.select("iso3", "year", "cinc_group", "components", "component_list", "cinc_published",
                      "cinc_option_b", "system", "source", "method")


def cinc_extended(store, countries: Sequence[str], year: int, *, source: str | None = None) -> pl.DataFrame:
    """Post-2016 CINC-style index from WDI/SIPRI proxies (METHODS §5.2 extension; a proxy, not COW's CINC).

    Same Option A formula over whichever proxy components the store holds for every member:
    milex ← MS.MIL.XPND.CD (SIPRI), milper ← MS.MIL.TOTL.P1, tpop ← SP.POP.TOTL,
    upop ← SP.URB.TOTL (national urban definitions, not NMC's cities ≥ 100,000); iron & steel and
    primary energy have no proxy in the shared data and are left out (stated in `component_list`).
    Breaks with NMC: different definitions and sources, fewer components — compare levels across the
    2016/2017 seam only with care. Columns as `cinc` plus `proxy_codes`.
    """
    isos = require_group(countries, 2, "a within-group CINC")
    parts = []
    for component, codes in PROXY_CODES.items():  # six components, not rows
        for code in codes:
            known = run(store, query("SELECT count(*) AS n FROM indicator WHERE code = $code AND year = $year",
                                     code=code, year=int(year))).item(0, 0)
            if not known:
                continue
            try:
                frame = values(store, code, isos, year, source=source if component == "MILEX" else None)
            except DataMissingError:
                continue
            parts.append(frame.select("iso3", pl.col("year"), pl.lit(component).alias("component"), "value",
                                      "source", pl.lit(code).alias("proxy_code")))
            break
    if not parts:
        raise DataMissingError(
            f"no CINC proxy components (MS.MIL.XPND.CD, MS.MIL.TOTL.P1, SP.POP.TOTL, SP.URB.TOTL) for {year}",
            "import WDI population (`sco import sp.pop.totl.csv` or `sco fetch worldbank --indicators SP.POP.TOTL`) and SIPRI military expenditure",
        )
    long = pl.concat(parts, how="diagonal")
    out = _cinc_from_components(long.drop("proxy_code"), "group (proxy): " + ",".join(isos))
    codes = long.group_by("component").agg(pl.col("proxy_code").first()).sort("component")
    note = "; ".join(f"{c}←{p}" for c, p in codes.iter_rows())
    return out.with_columns(
        pl.lit(note).alias("proxy_codes"),
        pl.lit("CINC-style proxy after the NMC release's last year (METHODS §5.2 extension): Option A over available proxy components; "
               "not comparable one-to-one with COW CINC").alias("method"),
    )


def concentration_by_year(share_frame: pl.DataFrame, share_column: str = "share") -> pl.DataFrame:
    """HHI and Ray–Singer CON of a long share frame, one row per year, vectorised (METHODS §5.3 [S]).

    The formulas of :func:`concentration`, per year: `HHI_t = Σ_i S_it²`,
    `CON_t = sqrt((HHI_t − 1/N_t)/(1 − 1/N_t))`, N_t = countries with a share that year (CON is
    null below two). Why: the report's CINC chart needs CON for every year of 1996–2016, and one
    grouped expression replaces a Python loop of one `concentration` call per year.
    Columns: year, n, hhi, con.

    Examples:
        >>> frame = pl.DataFrame({"iso3": ["A", "B", "A", "B"], "year": [2000, 2000, 2001, 2001],
        ...                       "share": [0.5, 0.5, 1.0, 0.0]})
        >>> concentration_by_year(frame)["con"].to_list()
        [0.0, 1.0]
    """
    n = pl.col("n").cast(pl.Float64)
    return (share_frame.filter(pl.col(share_column).is_not_null())
            .group_by("year").agg(pl.len().alias("n"), (pl.col(share_column) ** 2).sum().alias("hhi"))
            .with_columns(pl.when(pl.col("n") >= 2)
                          .then(((pl.col("hhi") - 1 / n).clip(lower_bound=0.0) / (1 - 1 / n)).sqrt())
                          .otherwise(None).alias("con"))
            .sort("year").select("year", "n", "hhi", "con"))
