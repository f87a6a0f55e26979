"""σ- and β-convergence for any indicator and window; EAEU Treaty Art. 63 criteria (METHODS.md §6, §1.4).

σ (§6.1 [V]): per year, `σ_t = sd_i(ln y_it)` (population form, ddof=0, stated in the output) and
`CV_t = sd_t(y) / mean_t(y)` (sample sd, ddof=1, as REAT). Variables that can be ≤ 0 (growth,
inflation, balances) use the SD of levels and no CV — the `measure` column says which.

β (§6.2 [V]): OLS across countries of annualised log growth on the log initial level,
`(1/T) ln(y_i,t0+T / y_i,t0) = α + β ln y_i,t0 + ε_i`, β < 0 ⇒ convergence;
speed `λ = −ln(1 + βT)/T` (the λ that matches the *annualised* regression — not REAT's
`−ln(1+β)/T`), half-life `ln 2 / λ`; reported with N, R², the standard error and the two-sided
p-value of β (Student t, N−2 df). With 5–12 members these estimates are fragile (§6.2).

"Converging" is a test, not a sign: `converging` is true only where β < 0 *and* p < the stated level
(default `SIGNIFICANCE` = 5 %, two-sided); otherwise the verdict reads "no evidence of
β-convergence" (a β of −0.004 with p = 0.66 is no evidence either way).

Default indicator (`default_income_indicator`): GDP per capita in PPP (current international $,
NY.GDP.PCAP.PP.CD) where the store holds it, else constant 2015 US$ (NY.GDP.PCAP.KD), else current
US$ (NY.GDP.PCAP.CD) — in that order because exchange-rate swings in current US$ move every member's
level at once and mimic convergence or divergence; the output names the one used.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import polars as pl

from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import indicator_code, require_group, series, values


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the regularised incomplete beta (Numerical Recipes §6.4)."""
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > 1e-300 else 1e-300)
    h = d
    for m in range(1, 300):  # iterations of a numeric series, not data rows
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + aa / c if abs(1 + aa / c) > 1e-300 else 1e-300
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + aa / c if abs(1 + aa / c) > 1e-300 else 1e-300
        de = d * c
        h *= de
        if abs(de - 1) < 3e-14:
            break
    return h


def t_pvalue(t: float, df: int) -> float:
    """Two-sided p-value of Student's t: `I_{df/(df+t²)}(df/2, 1/2)`."""
    if df <= 0 or t != t:
        return float("nan")
    x = df / (df + t * t)
    a, b = df / 2, 0.5
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - lbeta) if 0 < x < 1 else (0.0 if x == 0 else 1.0)
    if x == 0 or x == 1:
        return 1.0 if x == 1 else 0.0
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def sigma(store, countries: Sequence[str], indicator: str, years: tuple[int, int], *,
          source: str | None = None) -> pl.DataFrame:
    """σ path (METHODS §6.1 [V]): one row per year with n, mean, sd_log (ddof=0), cv (ddof=1) or, for
    variables with values ≤ 0, sd of levels. Columns: year, code, n, n_missing, mean, sd_log, cv,
    sd_level, measure, source, formula."""
    isos = require_group(countries, 2, "σ-convergence")
    s = series(store, indicator, isos, years, source=source)
    positive = bool((s["value"] > 0).all())
    out = (s.group_by("year").agg(
        pl.len().alias("n"), pl.col("value").mean().alias("mean"),
        pl.col("value").log().std(ddof=0).alias("sd_log") if positive else pl.lit(None, pl.Float64).alias("sd_log"),
        (pl.col("value").std(ddof=1) / pl.col("value").mean()).alias("cv") if positive else pl.lit(None, pl.Float64).alias("cv"),
        pl.col("value").std(ddof=1).alias("sd_level"))
        .with_columns((len(isos) - pl.col("n")).alias("n_missing"), pl.lit(s["code"][0]).alias("code"),
                      pl.lit(s["source"][0]).alias("source"),
                      pl.lit("sd of logs (ddof=0) and CV = sd(ddof=1)/mean" if positive else
                             "sd of levels (ddof=1): the variable takes values <= 0").alias("measure"),
                      pl.lit("σ_t = sd_i(ln y_it); CV_t = sd_t/mean_t (METHODS §6.1)").alias("formula"))
        .sort("year"))
    # the dispersion of a single value is undefined, not 0 (ddof=0 would report a fake 'perfect convergence')
    out = out.with_columns(pl.when(pl.col("n") >= 2).then(pl.col(c)).alias(c) for c in ("sd_log", "cv", "sd_level"))
    return out.select("year", "code", "n", "n_missing", "mean", "sd_log", "cv", "sd_level", "measure", "source", "formula")


SIGNIFICANCE = 0.05
"""Two-sided level at which β < 0 counts as β-convergence (the verdict states it)."""
INCOME_INDICATORS = ("NY.GDP.PCAP.PP.CD", "NY.GDP.PCAP.KD", "NY.GDP.PCAP.CD")
"""Default income series for convergence, first held by the store wins (module docstring)."""


def default_income_indicator(store) -> str:
    """The first of `INCOME_INDICATORS` the store holds (PPP, then constant prices, then current US$)."""
    from sco_observatory.engine import query, run

    held = {r[0] for r in run(store, query(
        "SELECT DISTINCT code FROM indicator WHERE code IN ($codes)", codes=list(INCOME_INDICATORS))).rows()}
    for code in INCOME_INDICATORS:
        if code in held:
            return code
    raise DataMissingError("the store holds no GDP per capita series (PPP, constant or current US$)",
                           "sco import ny.gdp.pcap.pp.cd.csv (WDI) or pass --indicator CODE")


def verdict(b: float, p: float, level: float = SIGNIFICANCE) -> str:
    """The reader's sentence for a β estimate at a two-sided significance level."""
    if b == b and p == p and p < level:
        return (f"β-convergence (β = {b:.4f} < 0, p = {p:.3f} < {level:g})" if b < 0
                else f"β-divergence (β = {b:.4f} > 0, p = {p:.3f} < {level:g})")
    return f"no evidence of β-convergence (β = {b:.4f}, p = {p:.3f}; not significant at {level:g})"


def beta(store, countries: Sequence[str], indicator: str, start: int, end: int, *,
         source: str | None = None, level: float = SIGNIFICANCE) -> pl.DataFrame:
    """Absolute β-convergence by annualised OLS (METHODS §6.2 [V]); one row.

    `converging` = β < 0 and p < `level` (two-sided); `verdict` says it in words.
    Columns: code, start, end, T, n, n_missing, alpha, beta, se_beta, t, p_value, r2, lambda,
    half_life, converging, significance, verdict, source, formula, caution.
    """
    if not 0 < float(level) < 1:
        raise ObservatoryError(f"significance level {level} is not between 0 and 1", "use e.g. 0.05 (5 %)")
    isos = require_group(countries, 3, "β-convergence (OLS needs at least 3 countries)")
    if end <= start:
        raise DataMissingError(f"β-convergence needs end > start (got {start}-{end})", "write e.g. --from 2000 --to 2012")
    y0 = values(store, indicator, isos, start, source=source)
    y1 = values(store, indicator, isos, end, source=y0["source"][0])
    both = (y0.select("iso3", pl.col("value").alias("y0")).join(y1.select("iso3", pl.col("value").alias("y1")), on="iso3")
            .filter(pl.col("y0").is_not_null() & pl.col("y1").is_not_null() & (pl.col("y0") > 0) & (pl.col("y1") > 0)))
    n = both.height
    T = end - start
    code = indicator_code(indicator)
    if n < 3:
        raise DataMissingError(
            f"β-convergence of {code} {start}-{end} needs positive values for at least 3 countries; "
            f"{len(isos) - n} of {len(isos)} missing", "choose other years or import the indicator for more countries")
    x = np.log(both["y0"].to_numpy())
    g = np.log(both["y1"].to_numpy() / both["y0"].to_numpy()) / T
    X = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    resid = g - X @ coef
    df = n - 2
    ss_res, ss_tot = float(resid @ resid), float(((g - g.mean()) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    if df > 0:
        s2 = ss_res / df
        se = math.sqrt(s2 / float(((x - x.mean()) ** 2).sum()))
        t = coef[1] / se if se > 0 else float("inf")
        p = t_pvalue(t, df) if se > 0 else 0.0
    else:
        se = t = p = float("nan")
    b = float(coef[1])
    lam = -math.log(1 + b * T) / T if (b < 0 and 1 + b * T > 0) else float("nan")
    return pl.DataFrame({
        "code": [code], "start": [start], "end": [end], "T": [T], "n": [n], "n_missing": [len(isos) - n],
        "alpha": [float(coef[0])], "beta": [b], "se_beta": [se], "t": [t], "p_value": [p], "r2": [r2],
        "lambda": [lam], "half_life": [math.log(2) / lam if lam == lam and lam > 0 else float("nan")],
        "converging": [bool(b < 0 and p == p and p < level)], "significance": [float(level)],
        "verdict": [verdict(b, p, level)], "source": [y0["source"][0]],
        "formula": ["(1/T)ln(y_T/y_0) = α + β ln y_0; λ = −ln(1+βT)/T; half-life = ln2/λ (METHODS §6.2)"],
        "caution": [f"N = {n}: small-sample β is fragile; read with σ (METHODS §6.2)"],
    })


ART63 = {
    "deficit": ("GC.BAL.CASH.GD.ZS", "general-government deficit ≤ 3 % of GDP (balance ≥ −3)",
                "WDI GC.BAL.CASH.GD.ZS is *central* government cash balance — a proxy for the general government"),
    "debt": ("GC.DOD.TOTL.GD.ZS", "general-government debt ≤ 50 % of GDP",
             "WDI GC.DOD.TOTL.GD.ZS is *central* government debt — a proxy for the general government"),
    "inflation": ("FP.CPI.TOTL.ZG", "CPI inflation ≤ lowest member's rate + 5 pp",
                  "WDI FP.CPI.TOTL.ZG is the annual average; the Treaty uses December/December"),
}


def eaeu_art63(store, countries: Sequence[str], year: int) -> pl.DataFrame:
    """EAEU Treaty (2014) Art. 63 macroeconomic criteria [V] (METHODS §1.4) for the given members and year.

    deficit: balance ≥ −3 % GDP; debt ≤ 50 % GDP; inflation ≤ min_members(inflation) + 5 pp.
    Columns: iso3, year, criterion, value, threshold, meets (null = cannot check), code, source, note.
    """
    isos = require_group(countries, 2, "the Art. 63 check")
    frames = []
    for crit, (code, rule, note) in ART63.items():  # three criteria, not rows
        try:
            v = values(store, code, isos, year)
        except DataMissingError as exc:
            frames.append(pl.DataFrame({"iso3": isos, "year": [year] * len(isos), "criterion": [rule] * len(isos),
                                        "value": [None] * len(isos), "threshold": [None] * len(isos),
                                        "meets": [None] * len(isos), "code": [code] * len(isos),
                                        "source": [None] * len(isos), "note": [f"cannot check: {exc.message}"] * len(isos)},
                                       schema_overrides={"value": pl.Float64, "threshold": pl.Float64, "meets": pl.Boolean,
                                                         "source": pl.String}))
            continue
        if crit == "deficit":
            thr, meets = pl.lit(-3.0), pl.col("value") >= -3.0
        elif crit == "debt":
            thr, meets = pl.lit(50.0), pl.col("value") <= 50.0
        else:
            thr = pl.col("value").min() + 5.0
            meets = pl.col("value") <= thr
        frames.append(v.with_columns(pl.lit(year).alias("year"), pl.lit(rule).alias("criterion"),
                                     thr.cast(pl.Float64).alias("threshold"), meets.alias("meets"),
                                     pl.when(pl.col("value").is_null()).then(pl.lit("cannot check: value missing"))
                                     .otherwise(pl.lit(note)).alias("note"))
                      .select("iso3", pl.col("year").cast(pl.Int64), "criterion", "value", "threshold", "meets", "code",
                              "source", "note"))
    return pl.concat([f.with_columns(pl.col("year").cast(pl.Int64)) for f in frames], how="diagonal")


SIEI_CONVERGENCE = {
    "macroeconomic": ("NY.GDP.PCAP.PP.CD", "NY.GDP.PCAP.CD", "NY.GDP.MKTP.KD.ZG"),
    "monetary": ("FP.CPI.TOTL.ZG", "FR.INR.DPST", "PA.NUS.FCRF"),
    "fiscal": ("GC.BAL.CASH.GD.ZS", "GC.DOD.TOTL.GD.ZS"),
    "financial": ("FS.AST.PRVT.GD.ZS", "FM.LBL.BMNY.GD.ZS", "FR.INR.LEND"),
}


def siei_convergence(store, countries: Sequence[str], years: tuple[int, int]) -> pl.DataFrame:
    """SIEI-style convergence block [H] (METHODS §1.4): σ paths of the §1.4 variables per area, for the
    variables the store holds (the EDB's variable lists per area are [NF]). Columns: area, year, code,
    n, sd_log, cv, sd_level, measure, source, label."""
    frames = []
    for area, codes in SIEI_CONVERGENCE.items():  # four areas × a few codes
        for code in codes:
            try:
                frames.append(sigma(store, countries, code, years).with_columns(pl.lit(area).alias("area")))
            except DataMissingError:
                continue
    if not frames:
        raise DataMissingError("the store holds none of the SIEI-style convergence variables for these countries and years",
                               "import e.g. `sco import fp.cpi.totl.zg.csv ny.gdp.pcap.pp.cd.csv` (WDI) or `sco fetch worldbank --indicators FP.CPI.TOTL.ZG,NY.GDP.PCAP.PP.CD`")
    return (pl.concat(frames, how="diagonal").with_columns(pl.lit("SIEI-style (proxy; not the EDB formula)").alias("label"))
            .select("area", "year", "code", "n", "sd_log", "cv", "sd_level", "measure", "source", "label"))


def combined(sig: pl.DataFrame | None, bet: pl.DataFrame | None) -> pl.DataFrame:
    """σ and β results as one table with a `part` column ('sigma' | 'beta'), for CSV output; columns
    one part lacks are empty."""
    frames = [f.with_columns(pl.lit(name).alias("part")) for name, f in (("sigma", sig), ("beta", bet)) if f is not None]
    out = pl.concat(frames, how="diagonal_relaxed")
    return out.select("part", *[c for c in out.columns if c != "part"])
