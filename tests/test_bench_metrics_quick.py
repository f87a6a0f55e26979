"""benchmarks/bench_metrics.py --quick keeps working: every baseline still equals the project.

The benchmark checks every implementation (pandas, polars, DuckDB SQL, numpy) against the project
before it times anything and exits non-zero on the first difference. This runs it on its small
sample (DOTS 2019-2020, a 5,000-row BACI-like year) and checks only that: exit 0 and every measure
reported equal. It never looks at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_metrics.py"
MEASURES = ("intensity", "siei", "group", "hhi", "rca", "similarity", "complementarity", "grubel-lloyd")


def test_quick_benchmark_results_are_equal(shared_data, tmp_path):
    env = dict(os.environ, SCO_SHARED_DATA=str(shared_data), SCO_OBSERVATORY_HOME=str(tmp_path / "home"),
               TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--repeat", "1"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in MEASURES:
        line = next((ln for ln in done.stdout.splitlines() if ln.strip().startswith(f"{name}:")), None)
        assert line is not None and "equal to" in line, f"{name} not reported equal:\n{done.stdout}"
    table = done.stdout.split("\n\n")[-1]
    assert all(any(row.startswith(name) for row in table.splitlines()) for name in MEASURES)


def test_a_difference_stops_the_benchmark():
    """The equality check can fail: a changed value, a missing row, a null for a number."""
    sys.path.insert(0, str(BENCH.parent))
    try:
        import polars as pl

        from bench_metrics import check_equal
    finally:
        sys.path.pop(0)
    ours = pl.DataFrame({"k": ["a", "b"], "value": [1.0, None]})
    assert check_equal("t", ours, ours.clone(), ["k"], ["value"]) == 2
    for other in (ours.with_columns(pl.Series("value", [1.0 + 1e-6, None])), ours.head(1),
                  ours.with_columns(pl.Series("value", [1.0, 2.0])), ours.with_columns(pl.Series("k", ["a", "c"]))):
        with pytest.raises(SystemExit):
            check_equal("t", ours, other, ["k"], ["value"])
