"""A short version of benchmarks/bench_load.py: concurrent API clients while an import runs in another
process — no request fails, none answers 5xx, the import succeeds and shows up. No timing assertions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_api_under_load_while_importing(shared_data, tmp_path):
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_baci_sample.py"), str(tmp_path / "baci"),
                    "--rows", "300000", "--year", "2021"], check=True, capture_output=True, timeout=600)
    baci = next((tmp_path / "baci").glob("BACI_*.csv"))
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_load.py"), "--clients", "8", "--seconds", "4",
                           "--endpoints", "store",
                           "--file", str(baci), "--json"],
                          env={**os.environ, "SCO_SHARED_DATA": str(shared_data)}, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for phase in ("idle", "import"):
        assert result[phase]["requests"] > 0
        assert result[phase]["errors"] == 0, result[phase]["error_samples"]
        assert result[phase]["5xx"] == 0, result[phase]["statuses"]
    assert result["import_rc"] == 0, result
    assert result["server_after_import"] == 200
    assert result["listed_after_import"]
