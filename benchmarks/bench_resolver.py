"""The country resolver's cost, current code against a baseline commit, each in a fresh interpreter.

Names: the distinct reporter/partner names of the IMF DOTS extract (English, IMF spellings) and the
distinct partner names of the national-offices trade file (Russian for Kazakhstan). For each side a
subprocess times (a) `import sco_observatory.cli` (a command that resolves nothing), (b) resolving
the English names (first call, tables built lazily) and (c) the Russian names. The baseline runs the
same script on a git worktree of REV; English results are checked equal before any time is shown.
Ratios are baseline/current (> 1: current faster).

Usage: python benchmarks/bench_resolver.py [--baseline REV] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCO_SHARED_DATA", ROOT.parent / "shared" / "data"))

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import sco_observatory.cli
t1 = time.perf_counter()
from sco_observatory.countries import resolve_many
english, russian = json.loads(sys.stdin.read())
t2 = time.perf_counter()
got_en = resolve_many(english)
t3 = time.perf_counter()
got_ru = resolve_many(russian)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "english": t3 - t2, "russian": t4 - t3,
                  "en": {k: (v.iso3 if v else None) for k, v in got_en.items()},
                  "ru_resolved": sum(1 for v in got_ru.values() if v is not None)}))
"""


def names() -> tuple[list[str], list[str]]:
    with open(SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv", newline="", encoding="utf-8") as fh:
        english = sorted({n for r in csv.DictReader(fh) for n in (r["reporter"], r["partner"])})
    with open(SHARED / "trade_national_kaz_kgz_uzb" / "national_trade_by_partner_kgz_kaz_uzb.csv", newline="",
              encoding="utf-8") as fh:
        russian = sorted({r["partner_ru"] for r in csv.DictReader(fh) if r["reporter_iso3"] == "KAZ"})
    return english, russian


def run(src: Path, payload: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", CHILD], input=payload, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="a9033bb", help="git revision to compare with (default: before issue #13)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    english, russian = names()
    payload = json.dumps([english, russian])
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
                       check=True, capture_output=True)
        try:
            current, baseline = [], []
            for _ in range(args.repeat):  # alternate so both see the same machine load
                current.append(run(ROOT / "src", payload))
                baseline.append(run(tree / "src", payload))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
    assert current[0]["en"] == baseline[0]["en"], "English names resolve differently"
    print(f"{len(english)} English names, {len(russian)} Russian names (KAZ BNS); median of {args.repeat} fresh interpreters")
    print(f"{'step':<28}{'current s':>11}{'baseline s':>12}{'ratio':>8}")
    for step in ("import", "english", "russian"):
        c = statistics.median(r[step] for r in current)
        b = statistics.median(r[step] for r in baseline)
        print(f"{step:<28}{c:>11.3f}{b:>12.3f}{b / c:>7.2f}x")
    print(f"Russian names resolved: current {current[0]['ru_resolved']}/{len(russian)}, "
          f"baseline {baseline[0]['ru_resolved']}/{len(russian)}")


if __name__ == "__main__":
    main()
