"""The 2014 report's quantitative statements, recomputed: `check(store) -> DataFrame`.

The statements live in `metrics/data/claims.yaml` (the claim in our words, the metric call, the stated
value, the tolerance, where in the report, what it cites, known oddities). Each is recomputed with the
library's metrics on whatever the store holds, and gets a verdict:

- `agree`        |computed − stated| ≤ tolerance (or the yes/no statement holds);
- `disagree`     outside the tolerance (the `note` column carries known explanations);
- `cannot-check` the store lacks the data (the `evidence` column says what is missing and how to get it).

Columns: id, claim, metric, stated, computed, difference, tolerance, verdict, evidence, source, note.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Callable

import polars as pl
import yaml

from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.metrics import power, values

REPORT_TABLE = "embedded:wb2014-report"


@lru_cache(maxsize=1)
def load_claims() -> list[dict[str, Any]]:
    """The claims ledger (package data `sco_observatory/metrics/data/claims.yaml`)."""
    text = resources.files("sco_observatory.metrics").joinpath("data/claims.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where built in (~10x faster)
    return yaml.load(text, Loader=loader)["claims"]  # noqa: S506 (a safe loader)


# Each metric returns (computed value, source ids, evidence text).

def _ratio(store, a, b, indicator, year, source=None):
    r = power.ratio(store, a, b, indicator, year, source=source)
    return r["value"][0], r["source"][0], f"{a} {r['value_a'][0]:,.0f} / {b} {r['value_b'][0]:,.0f} = {r['value'][0]:.2f}"


def _per_capita(store, iso3, indicator, year, source=None, nearest=0):
    v = values(store, indicator, [iso3], year, source=source)
    p = values(store, "population", [iso3], year, nearest=nearest)
    if v["value"][0] is None or p["value"][0] is None:
        raise DataMissingError(f"{indicator} or population for {iso3} {year} is missing", "import WDI SP.POP.TOTL")
    pc = v["value"][0] / p["value"][0]
    return pc, f"{v['source'][0]},{p['source'][0]}", (
        f"{v['value'][0]:,.0f} / population {p['value'][0]:,.0f} ({p['year'][0]}) = {pc:,.1f}")


def _group_total(store, countries, indicator, year, scale=1.0, source=REPORT_TABLE):
    w = power.world_share(store, countries, indicator, year, source=source)
    if w["n_missing"][0]:
        raise DataMissingError(f"{w['n_missing'][0]} of {len(countries)} values missing for {indicator} {year}", "")
    total = w["group_total"][0] * scale
    return total, w["source"][0], f"sum of {w['n'][0]} rows = {total:,.3f}"


def _world_share(store, countries, indicator, year, source=REPORT_TABLE):
    w = power.world_share(store, countries, indicator, year, source=source)
    pct = 100 * w["world_share"][0]
    return pct, w["source"][0], f"{w['group_total'][0]:,.0f} / world {w['world'][0]:,.0f} = {pct:.2f} %"


def _value(store, iso3, indicator, year, source=None):
    v = values(store, indicator, [iso3], year, source=source)
    if v["value"][0] is None:
        raise DataMissingError(f"{indicator} {iso3} {year} missing in {v['source'][0]}", "")
    return v["value"][0], v["source"][0], f"{iso3} {year} = {v['value'][0]:,.1f}"


def _all_negative_except(store, countries, positive, indicator, year):
    v = values(store, indicator, list(countries) + list(positive), year)
    if v["value"].is_null().any():
        raise DataMissingError(f"{indicator} {year} missing for "
                               + ", ".join(v.filter(pl.col("value").is_null())["iso3"]), "")
    d = dict(zip(v["iso3"], v["value"]))
    ok = all(d[c] < 0 for c in countries) and all(d[c] > 0 for c in positive)
    return ok, v["source"][0], "; ".join(f"{k} {x:+.1f}" for k, x in d.items())


def _siei_statement(store, year):
    from sco_observatory.metrics import siei

    h = siei.trade_hypotheses(store, list(siei.CENTRAL_ASIA) + ["RUS"], year)
    v = siei.hypothesis_verdicts(h).filter(pl.col("hypothesis") == "h1").row(0, named=True)
    missing = h.filter(pl.col("h1").is_null())
    extra = f"; {missing.height} pairs without flows ({', '.join(a + '-' + b for a, b in zip(missing['iso3_a'], missing['iso3_b']))})" if missing.height else ""
    return v["matches_report"], f"{h['source'][0]},{h['gdp_source'][0]}", (
        f"H1 (SIEI-style [H]): max Central Asian pair {v['max_central_asian_pair']:.2f}, top pair with Central Asia "
        f"{v['top_pair_with_central_asia']} = {v['kaz_rus']:.2f}{extra}")


def _whatif_delta(store, base, add, indicator, year, stat="con", source=None):
    from sco_observatory.whatif import whatif

    w = whatif(store, base, add=add, year=year, indicators=[indicator], integration=False, source=source)
    row = w.filter(pl.col("measure") == f"{indicator} {stat}")
    if row.height == 0 or row["baseline"][0] is None or row["changed"][0] is None:
        raise DataMissingError(f"{indicator} {year} not available for the what-if", "")
    r = row.row(0, named=True)
    return r["delta"] < 0, r["source"], f"{stat.upper()} {r['baseline']:.3f} -> {r['changed']:.3f} (delta {r['delta']:+.3f})"


def _not_in_store(store, needs):
    raise DataMissingError(f"needs {needs}", "not in the shared data; see research/datasets.md")


METRICS: dict[str, Callable[..., tuple[Any, str, str]]] = {
    "ratio": _ratio, "per_capita": _per_capita, "group_total": _group_total, "world_share": _world_share,
    "value": _value, "all_negative_except": _all_negative_except, "siei_statement": _siei_statement,
    "whatif_delta": _whatif_delta, "not_in_store": _not_in_store,
}


def _call_text(metric: str, args: dict) -> str:
    return f"{metric}(" + ", ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in args.items()) + ")"


def check(store, ids: list[str] | None = None) -> pl.DataFrame:
    """Recompute every claim (or the given ids) and return one verdict row each (see module docstring)."""
    rows = []
    for c in load_claims():  # a few dozen statements, each a metric call — not a loop over data rows
        if ids and c["id"] not in ids:
            continue
        fn = METRICS[c["metric"]]
        stated = c["stated"]
        row = {"id": c["id"], "claim": c["claim"], "metric": _call_text(c["metric"], c.get("args", {})),
               "stated": str(stated).lower() if isinstance(stated, bool) else f"{stated:g}",
               "computed": None, "difference": None, "tolerance": c.get("tolerance"), "verdict": "cannot-check",
               "evidence": c.get("evidence", ""), "source": None,
               "note": " ".join(x for x in (c.get("note", ""), f"(report rounding: {c['rounding']})" if c.get("rounding") else "") if x)}
        try:
            computed, source, how = fn(store, **c.get("args", {}))
        except ObservatoryError as exc:
            row["evidence"] = f"cannot check: {exc.message}" + (f" — {exc.hint}" if exc.hint else "")
            rows.append(row)
            continue
        row["source"] = source
        row["evidence"] = f"{how}; {c.get('evidence', '')}".strip("; ")
        if isinstance(stated, bool):
            row["computed"] = str(bool(computed)).lower()
            row["verdict"] = "agree" if bool(computed) == stated else "disagree"
        else:
            row["computed"] = f"{computed:,.3f}".rstrip("0").rstrip(".")
            row["difference"] = float(computed) - float(stated)
            row["verdict"] = "agree" if abs(row["difference"]) <= float(c.get("tolerance", 0)) + 1e-9 else "disagree"
        rows.append(row)
    schema = {"id": pl.String, "claim": pl.String, "metric": pl.String, "stated": pl.String, "computed": pl.String,
              "difference": pl.Float64, "tolerance": pl.Float64, "verdict": pl.String, "evidence": pl.String,
              "source": pl.String, "note": pl.String}
    return pl.DataFrame(rows, schema=schema)
