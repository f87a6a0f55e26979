"""What counting flagged flows costs each trade answer, side by side (the answers with and without the count).

    python benchmarks/bench_flagged.py [--data /work/shared/data] [--repeat 3] [--years 1995-2020]

Input: the shared IMF DOTS files (both) and WDI GDP (for the SIEI-style index), imported into a file
store in a temporary folder with `sco import`'s reader, as a user's store holds them (its per-commit
cache answers the dataset choice, as in use). Timed per answer over CA5+RUS+CHN:

- with: the answer as shipped — its rows plus `flows_flagged`: the pair answers and the SIEI index
  fetch both published sides in their own one fetch (`trade.pair_totals`) and derive the flagged set
  from it, counted in the pair cube; `partners` still reads `trade.flagged_set` (its own factor);
- without: the same answer with no flag work — `trade.pair_totals` asked for its basis' side only and
  an empty flagged set, `trade.flagged_set` empty (what the answer cost before the count). The cached
  flag sets are dropped before every round, so each "with" round pays for the flags, as the first
  answer after a commit does.

Each answer's two frames are checked equal (all columns but `flows_flagged`, floats to 1e-12) before timing; rounds
alternate the two so they see the same machine load; median of the rounds. Read the ratio, not the
seconds. Also printed:
`trade.flow_sides` against `quality._flow_sides_sql` (the SQL definition, a FULL OUTER JOIN of the
two sides' string-aggregated totals), checked equal first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from unittest import mock

import polars as pl
from polars.testing import assert_frame_equal

import tempfile  # noqa: E402

from sco_observatory.dates import parse_year_range  # noqa: E402
from sco_observatory.ingest import import_file  # noqa: E402
from sco_observatory.metrics import cache, quality, siei, trade  # noqa: E402
from sco_observatory.store import open_store  # noqa: E402

FILES = ("trade_imf_dots/dots_focus_reporters_1990_2020.csv",
         "trade_imf_dots/dots_other_reporters_to_focus_partners_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv")


def forget_flags() -> None:
    """Drop the cached flag sets (`trade.flagged_set`, `trade.pair_totals`), keep the rest of the per-commit cache."""
    for _ref, box in list(cache._entries.values()):
        for key in [k for k in box if k and k[0] in ("flagged", "pair-flags")]:
            del box[key]

GROUP = ["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "CHN"]


def _empty(*_a, **_k) -> pl.DataFrame:
    return pl.DataFrame(schema={"exporter": pl.String, "importer": pl.String, "year": pl.Int64})


_pair_totals = trade.pair_totals


def _values_only(*a, **k):
    """`trade.pair_totals` without the flags: its basis' side fetched, an empty flagged set."""
    totals, _ = _pair_totals(*a, **{**k, "flags": False})
    return totals, _empty()


def no_flags():
    """Every route to the flags switched off (the answers as before the count)."""
    return mock.patch.multiple(trade, flagged_set=_empty, pair_totals=_values_only)


def answers(store, span):
    return {
        "shares": lambda: trade.trade_shares(store, GROUP, span),
        "intensity": lambda: trade.trade_intensity(store, GROUP, span),
        "group-shares": lambda: trade.group_shares(store, GROUP, span),
        "group": lambda: trade.group_indicators(store, GROUP, span),
        "siei trade (pair)": lambda: siei.trade_index(store, GROUP, span, "pair"),
        "partners": lambda: trade.trade_partners(store, GROUP[:5], ["CHN", "RUS"], f"{span[0]}-{span[1]}"),
    }


def timed(fn) -> tuple[float, object]:
    forget_flags()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--years", default="1995-2020")
    args = ap.parse_args(argv)
    data, span = Path(args.data), parse_year_range(args.years)
    folder = tempfile.TemporaryDirectory()
    store = open_store(Path(folder.name) / "store.duckdb")
    for name in FILES:
        import_file(store, data / name)
    rows = []
    for name, fn in answers(store, span).items():
        with_flags = timed(fn)[1]
        with no_flags():
            without = fn()
        keep = [c for c in with_flags.columns if c != "flows_flagged"]
        # equal to 1e-12: polars' parallel group sums may add the same floats in another order
        assert_frame_equal(with_flags.select(keep), without.select(keep), rel_tol=1e-12, check_dtypes=False)
        t_with, t_without = [], []
        for _ in range(args.repeat):
            t_with.append(timed(fn)[0])
            with no_flags():
                t_without.append(timed(fn)[0])
        rows.append((name, statistics.median(t_without), statistics.median(t_with), int(with_flags["flows_flagged"].sum())))
    years = range(span[0], span[1] + 1)
    a = trade.flow_sides(store, GROUP, years, GROUP)
    b = quality._flow_sides_sql(store, GROUP, years, GROUP)
    assert a.rows() == b.rows()
    t_frame = statistics.median(timed(lambda: trade.flow_sides(store, GROUP, years, GROUP))[0] for _ in range(args.repeat))
    t_sql = statistics.median(timed(lambda: quality._flow_sides_sql(store, GROUP, years, GROUP))[0] for _ in range(args.repeat))
    print(f"IMF DOTS {span[0]}-{span[1]}, {len(GROUP)} economies, median of {args.repeat} alternating rounds")
    print(f"{'answer':<20} {'without (s)':>12} {'with (s)':>10} {'with/without':>13} {'flagged':>8}")
    for name, t0, t1, n in rows:
        print(f"{name:<20} {t0:>12.3f} {t1:>10.3f} {t1 / t0:>13.2f} {n:>8}")
    store.close()
    folder.cleanup()
    print(f"flow sides: frame {t_frame:.3f} s, SQL definition {t_sql:.3f} s, frame/SQL {t_frame / t_sql:.2f} ({a.height} flows, equal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
